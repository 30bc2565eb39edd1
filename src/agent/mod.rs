//! The agent: vouch's answers for places that hold no tokens (containers, SSH hosts, WSL), like
//! ssh-agent for git credentials.
//!
//! `git credential-vouch agent` listens on a Unix socket; each connection carries one request in
//! git's helper protocol (`get`, `store` or `erase`, the attributes, a blank line) and gets the
//! answer the helper would give locally, because the agent calls the same helper code on the
//! user's own store. In the box the helper itself is the client: with `VOUCH_AGENT_SOCK` set,
//! `get|store|erase` forward to the socket ([`client`]). What is answered is decided here, at
//! the agent, never in the box ([`policy`]), and every request is logged without secrets
//! ([`log`]).

pub mod client;
#[cfg(target_os = "linux")]
mod listen;
pub mod log;
pub mod policy;
#[cfg(target_os = "linux")]
mod server;

use std::path::PathBuf;
use std::time::Duration;

use crate::config::Config;
use crate::store::Store;

/// The environment variable that makes the helper a client of the agent at that socket.
pub const SOCKET_ENV: &str = "VOUCH_AGENT_SOCK";

/// `git credential-vouch agent`'s options.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The socket (default: $XDG_RUNTIME_DIR/git-credential-vouch/agent.sock).
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Also serve processes of this user ID (repeatable); the socket is then mode 0666 and the
    /// peer's uid (SO_PEERCRED) is the only gate.
    #[arg(long = "allow-uid", value_name = "UID")]
    pub allow_uid: Vec<u32>,
    /// Also let the forwarded side `store` and `erase` (default: `get` only).
    #[arg(long)]
    pub allow_store: bool,
    /// Answer only these (repeatable): a host (`github.com`, `*.corp.example`, `host:8443`) or a
    /// host and owner (`github.com/acme`, which needs git to send the path).
    #[arg(long, value_name = "PATTERN")]
    pub allow: Vec<String>,
    /// Ask at this terminal before the first answer for each host/owner.
    #[arg(long)]
    pub confirm: bool,
    /// How long a connection may take to send its request.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub request_timeout: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
    /// The client's request, refused as a local helper would refuse it.
    #[error(transparent)]
    Protocol(#[from] crate::protocol::Error),
    /// The client's stdin or stdout.
    #[error("{what}: {source}")]
    Stdio {
        what: &'static str,
        source: std::io::Error,
    },
    /// The config, read when the agent starts (and again for every request).
    #[error(transparent)]
    Config(#[from] crate::config::Error),
}

/// Everything a connection needs, shared by the threads that serve them.
pub struct Shared<'a> {
    pub store: &'a Store,
    /// The config as `get` would load it: read again for every request, so edits apply at once.
    pub config: &'a (dyn Fn() -> Result<Config, crate::config::Error> + Sync),
    pub policy: policy::Policy,
    pub log: log::Log,
    pub request_timeout: Duration,
}

/// Serve until killed. Prints the line to export (like ssh-agent) on stdout first.
pub fn run(
    args: Args,
    store: &Store,
    config: &(dyn Fn() -> Result<Config, crate::config::Error> + Sync),
) -> Result<(), Error> {
    // git's actions never ask for a passphrase; neither do they behind the agent.
    crate::keysource::passphrase::set_ask(crate::keysource::passphrase::Ask::Never);
    // A config that would fail every request fails now, where someone reads it.
    config()?;
    serve(args, store, config)
}

#[cfg(target_os = "linux")]
fn serve(
    args: Args,
    store: &Store,
    config: &(dyn Fn() -> Result<Config, crate::config::Error> + Sync),
) -> Result<(), Error> {
    use std::io::Write;
    let own_uid = rustix::process::getuid().as_raw();
    let allow = args
        .allow
        .iter()
        .map(|p| policy::Allow::parse(p).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let confirm = if args.confirm {
        Some(policy::Confirm::at_terminal().ok_or_else(|| {
            Error::Usage(
                "--confirm needs a terminal to ask at (the agent has none: run it in one)".into(),
            )
        })?)
    } else {
        None
    };
    if args.request_timeout == 0 {
        return Err(Error::Usage("--request-timeout must be at least 1".into()));
    }
    let mut uids = vec![own_uid];
    uids.extend(&args.allow_uid);
    let policy = policy::Policy {
        uids,
        allow_store: args.allow_store,
        allow,
        confirm,
    };
    let log_path = log::default_path().ok_or_else(|| {
        Error::Usage("cannot find a home directory for the agent's log (set HOME)".into())
    })?;
    let log = log::Log::open(&log_path).map_err(|source| Error::Io {
        what: "opening the log",
        path: log_path.clone(),
        source,
    })?;
    let (listener, path) = listen::listener(args.socket, !args.allow_uid.is_empty())?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{SOCKET_ENV}={}; export {SOCKET_ENV};",
        shell_quote(&path.to_string_lossy())
    );
    let _ = out.flush();
    drop(out);
    say(&format!(
        "serving {} ({}); log: {}",
        crate::term::escape(&path.to_string_lossy()),
        policy.describe(),
        log_path.display()
    ));
    let shared = Shared {
        store,
        config,
        policy,
        log,
        request_timeout: Duration::from_secs(args.request_timeout),
    };
    server::serve(&listener, &shared);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn serve(
    _: Args,
    _: &Store,
    _: &(dyn Fn() -> Result<Config, crate::config::Error> + Sync),
) -> Result<(), Error> {
    Err(Error::Usage(
        "the agent runs on Linux only (it needs SO_PEERCRED); the client works on any Unix".into(),
    ))
}

/// One line on the agent's stderr. Never a panic: a server outlives the terminal it started in.
pub(crate) fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "git-credential-vouch agent: {text}");
}

/// `text` as one POSIX shell word.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only the Linux agent prints it
fn shell_quote(text: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"/._-+:,@%=".contains(&b);
    if !text.is_empty() && text.bytes().all(plain) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_quote_keeps_plain_paths_and_quotes_the_rest() {
        use super::shell_quote;
        assert_eq!(
            shell_quote("/run/user/1000/a.sock"),
            "/run/user/1000/a.sock"
        );
        assert_eq!(shell_quote("/tmp/my dir/a.sock"), "'/tmp/my dir/a.sock'");
        assert_eq!(shell_quote("/tmp/it's"), r"'/tmp/it'\''s'");
    }
}
