//! Command-line interface: git's helper actions and the management commands.

pub(crate) mod account_input;
mod accounts;
mod catalogue;
mod explain;
mod input;
mod instances;
mod lifecycle;
mod login;
mod manpage;
mod openbao;
mod picks;
mod report;
mod selector;
mod setup;
mod shell;
mod token_owner;
mod unlock;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::error::{Error, exit};
use crate::gitconfig::{self, Scope};
use crate::keysource::SourceKind;
use crate::paths::Paths;
use crate::protocol;
use crate::store::Store;

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
        /// The credential: its ID or a unique prefix (4+ characters), or ACCOUNT@INSTANCE.
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a credential's account, scope, token kind, expiry, default flag or label.
    Update(accounts::UpdateArgs),
    /// Replace a credential's token (read from stdin or prompted), keeping its ID; with
    /// --at-provider, the token rotates itself at the provider (GitLab access tokens).
    Rotate {
        /// The credential: its ID or a unique prefix (4+ characters), or ACCOUNT@INSTANCE.
        #[arg(value_name = "ID")]
        id: String,
        /// When the new token expires: 30d or 12w from now, YYYY-MM-DD,
        /// YYYY-MM-DDTHH:MM:SSZ, Unix seconds, or never (not with --at-provider, where the
        /// default is 30d).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Ask the provider for the new token; the old one dies at once. Never retried.
        #[arg(long)]
        at_provider: bool,
    },
    /// Delete a credential.
    Remove {
        /// The credential: its ID or a unique prefix (4+ characters), or ACCOUNT@INSTANCE.
        #[arg(value_name = "ID")]
        id: String,
        /// Revoke the token at the provider first; the entry stays if that fails.
        #[arg(long)]
        revoke: bool,
        /// With --revoke: remove the entry even when the provider could not revoke it.
        #[arg(long, requires = "revoke")]
        force: bool,
    },
    /// Ask each token's provider whether it is valid; record its expiry and revocation.
    /// Exit 0 only when every checked token is valid.
    Verify {
        /// Credentials: IDs, unique prefixes (4+ characters) or ACCOUNT@INSTANCE (default:
        /// every credential whose provider can be asked).
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Rotate tokens that expire soon at their provider; name those that need a person.
    Renew {
        /// Renew tokens that expire within this long (e.g. 7d, 48h).
        #[arg(long, default_value = "7d", value_name = "DURATION")]
        within: String,
        /// Ask for a new expiry this far ahead (at most 365d).
        #[arg(long, default_value = "30d", value_name = "DURATION")]
        lifetime: String,
        /// Say what would be renewed; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Log in with OAuth (browser or device code); prints the credential's ID.
    Login(login::LoginArgs),
    /// OpenBao/Vault: keep an AppRole (`openbao login --approle`), show backed instances.
    Openbao {
        #[command(subcommand)]
        command: openbao::OpenBaoCommand,
    },
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
    /// Forget picks among equal accounts that were made at the terminal when git asked.
    ///
    /// PLACE is a host (every pick there), HOST/OWNER as `list` shows it (`github.com/acme`),
    /// or a repository URL (the picks that apply to it).
    Forget {
        /// A host, HOST/OWNER or a repository URL.
        #[arg(required_unless_present = "all", value_name = "PLACE")]
        place: Option<String>,
        /// Forget every remembered pick.
        #[arg(long, conflicts_with = "place")]
        all: bool,
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
        /// Also ask each token's provider whether it is valid (network).
        #[arg(long)]
        online: bool,
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
    /// Cache the store's unwrapped key in the kernel keyring (asks for the passphrase).
    Unlock {
        /// How long it stays cached (e.g. 90s, 15m, 8h); default 15m.
        #[arg(long = "for", value_name = "DURATION")]
        duration: Option<String>,
    },
    /// Drop the cached key at once.
    Lock,
    /// The key source, and whether the key is cached and for how long.
    Status,
    /// Change the store's passphrase (re-wraps one key, atomically).
    Passwd,
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
    /// Print a shell completion script (bash also completes `git credential-vouch ...`).
    Completions {
        #[arg(value_enum)]
        shell: shell::ShellArg,
    },
    /// Print the man page (roff); install.sh installs it.
    #[command(hide = true)]
    Man,
    /// For the completion scripts: list credential IDs or instance names, one a line.
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(value_enum)]
        what: shell::Listing,
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
    /// A passphrase (Argon2id); `unlock` caches the key in the kernel keyring.
    Passphrase,
}

impl From<KeyArg> for SourceKind {
    fn from(k: KeyArg) -> SourceKind {
        match k {
            KeyArg::Keyring => SourceKind::Keyring,
            KeyArg::File => SourceKind::File,
            KeyArg::Passphrase => SourceKind::Passphrase,
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
        let config = Config::load(&self.config_path, self.config_required)?;
        crate::keysource::set_keyring_cache(config.key_cache_seconds);
        Ok(config)
    }
}

pub fn run(config: Option<PathBuf>, command: Command) -> Result<(), Error> {
    if !matches!(command, Command::Get | Command::Store | Command::Erase) {
        crate::term::closed_pipe_ends_quietly();
    }
    let ctx = Context::from_env(config)?;
    let store = &ctx.store;
    unlock::allow_asking(&command);
    match command {
        Command::Get | Command::Store | Command::Erase => run_helper(&ctx, command),
        Command::Add(args) => accounts::add(&ctx, args).and_then(|()| setup::send_paths(&ctx)),
        Command::List { json } => accounts::list(&ctx, json),
        Command::Show { id, json } => accounts::show(&ctx, &id, json),
        Command::Update(args) => {
            accounts::update(&ctx, args).and_then(|()| setup::send_paths(&ctx))
        }
        Command::Rotate {
            id,
            expires,
            at_provider: true,
        } => lifecycle::rotate_at_provider(&ctx, &id, expires.as_deref()),
        Command::Rotate { id, expires, .. } => accounts::rotate(&ctx, &id, expires.as_deref()),
        Command::Remove {
            id,
            revoke: true,
            force,
        } => lifecycle::remove_revoking(&ctx, &id, force),
        Command::Remove { id, .. } => accounts::remove(&ctx, &id),
        Command::Verify { ids, json } => lifecycle::verify(&ctx, &ids, json),
        Command::Renew {
            within,
            lifetime,
            dry_run,
        } => lifecycle::renew(&ctx, &within, &lifetime, dry_run),
        Command::Instance { command } => instances::run(&ctx, command),
        Command::Login(args) => login::login(&ctx, args),
        Command::Openbao { command } => openbao::run(&ctx, command),
        Command::Resolve { url, json } => explain::resolve(&ctx, &url, json),
        Command::Forget { place, all } => picks::forget(&ctx, place.as_deref(), all),
        Command::Providers { json } => catalogue::providers(&ctx, json),
        Command::Doctor { json, online } => setup::doctor(&ctx, json, online),
        Command::Import {
            from,
            remove_source,
        } => setup::import(&ctx, from, remove_source),
        Command::Purge { yes } => setup::purge(&ctx, yes),
        Command::Init { key } => setup::init(store, key),
        Command::Rekey { key } => setup::rekey(store, key.into()),
        Command::Unlock { duration } => unlock::unlock(&ctx, duration.as_deref()),
        Command::Lock => unlock::lock(&ctx),
        Command::Status => unlock::status(&ctx),
        Command::Passwd => unlock::passwd(&ctx),
        Command::Configure { scope } => {
            setup::git_config(&ctx, scope.scope(), gitconfig::configure)
        }
        Command::Unconfigure { scope } => {
            setup::git_config(&ctx, scope.scope(), gitconfig::unconfigure)
        }
        Command::Completions { shell } => shell::completions(shell),
        Command::Man => shell::man(),
        Command::Complete { what } => shell::listing(&ctx, what),
    }
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
