//! Command-line interface: git's helper actions and the management commands.

pub(crate) mod account_input;
mod accounts;
mod app_account;
mod catalogue;
mod commands;
mod explain;
mod explain_app;
mod help;
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
mod table;
mod token_owner;
mod unlock;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::agent::policy::Action;
use crate::config::Config;
use crate::error::Error;
use crate::gitconfig;
use crate::paths::Paths;
use crate::protocol;
use crate::store::Store;

pub use commands::{Cli, Command, KeyArg, ScopeArgs};

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

pub use help::parse;

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
        Ok(self.load_config()?)
    }

    /// [`Context::config`] in the config's own terms (for the agent, which reads it again for
    /// every request).
    fn load_config(&self) -> Result<Config, crate::config::Error> {
        let config = Config::load(&self.config_path, self.config_required)?;
        crate::keysource::set_keyring_cache(config.key_cache_seconds);
        Ok(config)
    }
}

pub fn run(config: Option<PathBuf>, command: Command) -> Result<(), Error> {
    let action = match command {
        Command::Get => Some(Action::Get),
        Command::Store => Some(Action::Store),
        Command::Erase => Some(Action::Erase),
        _ => None,
    };
    if let Some(forwarded) = action.as_ref().and_then(crate::agent::client::forwarded) {
        return forwarded.map_err(Error::from);
    }
    // The agent serves sockets: a client that hangs up must end its connection, not the agent.
    if !matches!(
        command,
        Command::Get | Command::Store | Command::Erase | Command::Agent(_)
    ) {
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
        Command::Agent(args) => Ok(crate::agent::run(args, store, &|| ctx.load_config())?),
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
    .map_err(Error::from)
}
