//! The command line as clap parses it: every command, flag and argument, each described.
//! The grouped top-level help and the examples are added in [`super::help`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::{accounts, instances, login, openbao};
use crate::gitconfig::Scope;
use crate::keysource::SourceKind;

#[derive(Parser, Debug)]
#[command(
    name = "git-credential-vouch",
    disable_help_subcommand = true,
    version,
    about = "An encrypted git credential helper that works with or without a desktop keyring",
    after_help = "Reference: `man git-credential-vouch` (or `git help credential-vouch`), and docs/ in the source."
)]
pub struct Cli {
    /// The config file (default: $VOUCH_CONFIG, else config.toml in the XDG config dir).
    // Every command takes it; the top-level help describes it once (see `help::command`).
    #[arg(long, global = true, hide = true, value_name = "FILE")]
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
        /// The key source to move the store's key to.
        #[arg(long, value_enum)]
        key: KeyArg,
    },
    /// Add a token for an account on a provider; prints the new credential's ID.
    ///
    /// The token is read from stdin, or prompted for without echo on a terminal.
    Add(accounts::AddArgs),
    /// List stored credentials (never their secrets).
    List {
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one credential (never its secret).
    Show {
        /// The credential: its ID or a unique prefix (4+ characters), or ACCOUNT@INSTANCE.
        #[arg(value_name = "ID")]
        id: String,
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
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
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
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
        /// The https URL git would fetch, e.g. https://github.com/acme/app.git.
        url: String,
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
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
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check git, git's config, the key, the store, the config file and the tokens; exit 1 when
    /// anything fails.
    Doctor {
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
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
    /// Serve git credential requests on a Unix socket for containers and SSH hosts (see
    /// docs/agent.md); prints the VOUCH_AGENT_SOCK line to export.
    Agent(crate::agent::Args),
    /// Print a shell completion script (bash also completes `git credential-vouch ...`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the man page (roff); install.sh installs it.
    #[command(hide = true)]
    Man,
    /// For the completion scripts: list credential IDs or instance names, one a line.
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(value_enum)]
        what: Listing,
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
    pub fn scope(self) -> Scope {
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

/// `completions`' shell.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

/// What the completion scripts ask for at <TAB>.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Listing {
    /// Stored credentials' IDs.
    Ids,
    /// Provider instance names (built-in and from config.toml).
    Instances,
}
