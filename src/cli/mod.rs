//! Command-line interface: git's helper actions and the management commands.

mod account_input;
mod accounts;
mod catalogue;
mod explain;
mod instances;
mod login;
mod report;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::doctor::Level;
use crate::error::{Error, exit};
use crate::gitconfig::{self, Scope};
use crate::keysource::SourceKind;
use crate::paths::Paths;
use crate::protocol;
use crate::store::{Create, Store};

#[derive(Parser, Debug)]
#[command(
    name = "git-credential-vouch",
    version,
    about = "An encrypted git credential helper that works with or without a desktop keyring",
    after_help = "git runs `git credential-vouch get|store|erase` itself; see README.md."
)]
pub struct Cli {
    /// The config file (default: $VOUCH_CONFIG, else config.toml in the XDG config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// (git) Print the stored credential matching the request on stdin.
    Get,
    /// (git) Store the credential on stdin.
    Store,
    /// (git) Erase the credentials matching the request on stdin.
    Erase,
    /// Create the key and the encrypted store, and say which key source was chosen.
    Init {
        /// Where the key that wraps the store's data key lives. Default: the OS keyring when
        /// one answers, else a key file.
        #[arg(long, value_enum)]
        key: Option<KeyArg>,
    },
    /// Move the store's key to another key source (re-wraps one key; entries are untouched).
    Rekey {
        #[arg(long, value_enum)]
        key: KeyArg,
    },
    /// Add a token for an account on a provider; prints the new credential's ID.
    ///
    /// The token is read from stdin, or prompted for without echo on a terminal.
    Add(accounts::AddArgs),
    /// List stored credentials (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one credential (never its secret).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a credential's account, scope, token kind, expiry, default flag or label.
    Update(accounts::UpdateArgs),
    /// Replace a credential's token (read from stdin or prompted), keeping its ID.
    Rotate {
        id: String,
        /// When the new token expires (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or Unix seconds).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// Delete a credential.
    Remove { id: String },
    /// Log in with OAuth (browser or device code); prints the credential's ID.
    Login(login::LoginArgs),
    /// Provider instances and their OAuth and PAT settings (config.toml, edited in place).
    Instance {
        #[command(subcommand)]
        command: instances::InstanceCommand,
    },
    /// Explain which credential and username would answer for URL, and why (never the secret).
    Resolve {
        url: String,
        #[arg(long)]
        json: bool,
    },
    /// The provider catalogue: kinds, built-in hosts, token kinds, identity and username rules.
    Providers {
        #[arg(long)]
        json: bool,
    },
    /// Check git, git's config, the key, the store, the config file and the tokens; exit 1 when
    /// anything fails.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Move credentials from git's plaintext store files into the encrypted store.
    Import {
        /// A git-credentials file (default: ~/.git-credentials and $XDG_CONFIG_HOME/git/credentials).
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Delete each plaintext file once every entry was read back from the encrypted store.
        #[arg(long)]
        remove_source: bool,
    },
    /// Delete the store, its key (key file or keyring entry) and the config file.
    Purge {
        /// Required: there is no undo.
        #[arg(long)]
        yes: bool,
    },
    /// Make git ask vouch first for credentials, keeping the other helpers after it.
    Configure {
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Take back exactly what `configure` added to git's config.
    Unconfigure {
        #[command(flatten)]
        scope: ScopeArgs,
    },
}

#[derive(clap::Args, Debug, Clone, Copy)]
#[group(multiple = false)]
pub struct ScopeArgs {
    /// The user's git config (~/.gitconfig); the default.
    #[arg(long)]
    global: bool,
    /// The machine's git config (/etc/gitconfig).
    #[arg(long)]
    system: bool,
    /// The current repository's config.
    #[arg(long)]
    local: bool,
}

impl ScopeArgs {
    fn scope(self) -> Scope {
        if self.system {
            Scope::System
        } else if self.local {
            Scope::Local
        } else {
            Scope::Global
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum KeyArg {
    /// The OS keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// A 0600 key file in the config dir, for machines with no keyring.
    File,
}

impl From<KeyArg> for SourceKind {
    fn from(k: KeyArg) -> SourceKind {
        match k {
            KeyArg::Keyring => SourceKind::Keyring,
            KeyArg::File => SourceKind::File,
        }
    }
}

/// git's own actions, recognised without building the argument parser: `get` is the hot path.
pub fn helper_action(args: &[OsString]) -> Option<Command> {
    match args {
        [_, action] => match action.to_str()? {
            "get" => Some(Command::Get),
            "store" => Some(Command::Store),
            "erase" => Some(Command::Erase),
            _ => None,
        },
        _ => None,
    }
}

pub fn parse(args: Vec<OsString>) -> Result<Cli, u8> {
    // git calls a helper with one action word and nothing else.
    let from_git = args.len() == 2 && !std::io::stdin().is_terminal();
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(cli),
        // git may grow new actions (e.g. `capability`): a helper must ignore them silently.
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidSubcommand && from_git => {
            Err(exit::OK)
        }
        // A person's typo (`verfy --json`) must not pass for a future git action.
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidSubcommand => {
            let word = e
                .get(clap::error::ContextKind::InvalidSubcommand)
                .map(ToString::to_string)
                .unwrap_or_default();
            let commands: Vec<String> = <Cli as clap::CommandFactory>::command()
                .get_subcommands()
                .map(|c| c.get_name().to_owned())
                .collect();
            eprintln!(
                "git-credential-vouch: unknown command `{}`; commands: {}",
                crate::term::escape(&word),
                commands.join(", ")
            );
            Err(exit::USAGE)
        }
        Err(e) => {
            let _ = e.print();
            Err(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            })
        }
    }
}

/// What every command works with.
pub struct Context {
    pub store: Store,
    config_path: PathBuf,
    /// Named explicitly (--config, VOUCH_CONFIG): then it must exist.
    config_required: bool,
}

impl Context {
    pub fn from_env(config: Option<PathBuf>) -> Result<Context, Error> {
        let paths = Paths::from_env()
            .ok_or_else(|| Error::Runtime("cannot find a home directory (set HOME)".into()))?;
        let explicit = config.or_else(|| {
            std::env::var_os("VOUCH_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        Ok(Context {
            config_required: explicit.is_some(),
            config_path: explicit.unwrap_or_else(|| paths.config_file()),
            store: Store::new(paths),
        })
    }

    pub fn config(&self) -> Result<Config, Error> {
        Ok(Config::load(&self.config_path, self.config_required)?)
    }
}

pub fn run(config: Option<PathBuf>, command: Command) -> Result<(), Error> {
    let ctx = Context::from_env(config)?;
    let store = &ctx.store;
    match command {
        Command::Get | Command::Store | Command::Erase => run_helper(&ctx, command),
        Command::Add(args) => accounts::add(&ctx, args),
        Command::List { json } => accounts::list(&ctx, json),
        Command::Show { id, json } => accounts::show(&ctx, &id, json),
        Command::Update(args) => accounts::update(&ctx, args),
        Command::Rotate { id, expires } => accounts::rotate(&ctx, &id, expires.as_deref()),
        Command::Remove { id } => accounts::remove(&ctx, &id),
        Command::Instance { command } => instances::run(&ctx, command),
        Command::Login(args) => login::login(&ctx, args),
        Command::Resolve { url, json } => explain::resolve(&ctx, &url, json),
        Command::Providers { json } => catalogue::providers(&ctx, json),
        Command::Doctor { json } => doctor(&ctx, json),
        Command::Import {
            from,
            remove_source,
        } => import(&ctx, from, remove_source),
        Command::Purge { yes } => purge(&ctx, yes),
        Command::Init { key } => init(store, key),
        Command::Rekey { key } => rekey(store, key.into()),
        Command::Configure { scope } => git_config(&ctx, scope.scope(), gitconfig::configure),
        Command::Unconfigure { scope } => git_config(&ctx, scope.scope(), gitconfig::unconfigure),
    }
}

fn doctor(ctx: &Context, json: bool) -> Result<(), Error> {
    let exe = current_exe()?;
    let config = ctx.config().map_err(|e| e.one_line());
    let checks = crate::doctor::run(&ctx.store, config, &exe);
    if json {
        println!("{}", serde_json::json!({ "version": 1, "checks": checks }));
    } else {
        for c in &checks {
            let level = match c.level {
                Level::Ok => "ok  ",
                Level::Warn => "warn",
                Level::Fail => "FAIL",
            };
            println!(
                "{level}  {:<10} {}",
                c.check,
                crate::term::escape(&c.message)
            );
        }
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    if failed > 0 {
        return Err(Error::Runtime(format!("doctor: {failed} check(s) failed")));
    }
    Ok(())
}

fn import(ctx: &Context, from: Option<PathBuf>, remove_source: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let files = match from {
        Some(file) => vec![file],
        None => crate::import::default_sources()
            .into_iter()
            .filter(|f| f.exists())
            .collect(),
    };
    if files.is_empty() {
        println!("no git-credentials files to import");
    }
    for file in files {
        let report = crate::import::import(&ctx.store, &config, &file, remove_source)?;
        println!(
            "{}: {} entries, {} new or changed, {} already in the store{}",
            file.display(),
            report.entries,
            report.added,
            report.entries - report.added,
            if report.removed {
                "; plaintext file removed"
            } else {
                ""
            }
        );
        for (line, why) in report.skipped {
            println!("{}: line {line} skipped: {why}", file.display());
        }
    }
    Ok(())
}

fn purge(ctx: &Context, yes: bool) -> Result<(), Error> {
    if !yes {
        return Err(Error::Usage(
            "purge deletes every stored credential: run it with --yes".into(),
        ));
    }
    let config = &ctx.config_path;
    if !ctx.config_required && config.exists() {
        std::fs::remove_file(config).map_err(|source| Error::Io {
            what: format!("removing {}", config.display()),
            source,
        })?;
        println!("removed {}", config.display());
    }
    for line in ctx.store.purge()? {
        println!("{line}");
    }
    Ok(())
}

fn current_exe() -> Result<PathBuf, Error> {
    std::env::current_exe().map_err(|source| Error::Io {
        what: "finding this program's path".into(),
        source,
    })
}

type ConfigChange =
    fn(Scope, &std::path::Path, &std::path::Path, &[String]) -> Result<Vec<String>, Error>;

fn git_config(ctx: &Context, scope: Scope, change: ConfigChange) -> Result<(), Error> {
    let exe = current_exe()?;
    let urls = gitconfig::path_urls(&ctx.config()?);
    for line in change(scope, &exe, &ctx.store.paths().data_dir, &urls)? {
        println!("{line}");
    }
    Ok(())
}

fn run_helper(ctx: &Context, command: Command) -> Result<(), Error> {
    let input = protocol::request::read_stdin().map_err(|source| Error::Io {
        what: "reading the request from stdin".into(),
        source,
    })?;
    let request = protocol::parse_request(&input)?;
    drop(input);
    let config = ctx.config()?;
    let store = &ctx.store;
    match command {
        Command::Get => crate::helper::get(store, &config, &request, &mut std::io::stdout().lock()),
        Command::Store => crate::helper::store(store, &config, &request),
        Command::Erase => crate::helper::erase(store, &config, &request),
        _ => unreachable!("only helper actions are dispatched here"),
    }
}

fn describe_source(kind: SourceKind, store: &Store) -> String {
    crate::keysource::open(kind, store.paths()).describe()
}

fn init(store: &Store, key: Option<KeyArg>) -> Result<(), Error> {
    let create = key.map_or(Create::Auto, |k| Create::With(k.into()));
    let (kind, created) = store.init(create)?;
    if let Some(wanted) = key.map(SourceKind::from)
        && wanted != kind
    {
        return Err(Error::Conflict(format!(
            "the store {} already uses the {} key source; use `git credential-vouch rekey --key {}` to move it",
            store.path().display(),
            kind.name(),
            wanted.name()
        )));
    }
    let verb = if created {
        "initialized"
    } else {
        "already initialized"
    };
    println!(
        "{verb}: store {}, key source {} ({})",
        store.path().display(),
        kind.name(),
        describe_source(kind, store)
    );
    Ok(())
}

fn rekey(store: &Store, kind: SourceKind) -> Result<(), Error> {
    match store.rekey(kind)? {
        None => Err(Error::NotFound(format!(
            "no store at {}: run `git credential-vouch init` first",
            store.path().display()
        ))),
        Some((old, _)) if old == kind => {
            println!("the store already uses the {} key source", kind.name());
            Ok(())
        }
        Some((old, left)) => {
            println!(
                "moved the store key from {} to {} ({})",
                old.name(),
                kind.name(),
                describe_source(kind, store)
            );
            match left {
                None => println!("deleted the old key from {}", describe_source(old, store)),
                Some(why) => println!("warning: the old key could not be deleted: {why}"),
            }
            Ok(())
        }
    }
}
