//! `instance add|update|remove|list`: provider instances and their OAuth/PAT settings, edited
//! in config.toml in place. An OAuth client secret goes to the encrypted store (from stdin or a
//! no-echo prompt), never to config.toml or argv. Clearing the OAuth client or disabling PATs
//! deletes the tokens made that way.

use clap::{Args, Subcommand};
use serde_json::json;
use toml_edit::{Array, Table, value};

use super::Context;
use super::account_input::usage;
use super::input::read_secret;
use crate::allowed::{Purged, purge};
use crate::config::{Config, ConfigFile};
use crate::credential::{Credential, Origin, client_secret_provider, new_id, unix_now};
use crate::error::Error;
use crate::provider::{Instance, Kind};
use crate::secret::Secret;
use crate::store::Create;
use crate::term::escape;

#[derive(Subcommand, Debug)]
pub enum InstanceCommand {
    /// Add a provider instance to config.toml.
    Add(AddArgs),
    /// Change an instance's settings (a built-in's own name writes an amendment).
    Update(UpdateArgs),
    /// Remove an instance from config.toml (a built-in loses its amendments).
    Remove {
        /// The instance's name.
        name: String,
    },
    /// Every instance with its settings (never a secret).
    List {
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The new instance's name (what add, list and resolve call it).
    pub name: String,
    /// The kind (see `providers`), e.g. gitlab-self-managed.
    #[arg(long)]
    pub kind: String,
    /// A host pattern it serves (host[:port], `*` as a whole label); repeat for more.
    #[arg(long = "host", value_name = "HOST", required = true)]
    pub hosts: Vec<String>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The instance's name (a built-in's name amends the built-in).
    pub name: String,
    #[command(flatten)]
    pub settings: Settings,
}

/// Settings of an instance; an empty value removes the setting.
#[derive(Args, Debug, Default)]
pub struct Settings {
    /// Where the OAuth endpoints live, when not on the git host.
    #[arg(long, value_name = "URL")]
    pub issuer_url: Option<String>,
    /// The provider's REST API, when not where the kind puts it.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The OAuth app's client ID for `login`; "" removes the OAuth client, its secret and
    /// every token obtained with it.
    #[arg(long, value_name = "ID")]
    pub oauth_client_id: Option<String>,
    /// Read the OAuth client secret (confidential clients) from stdin or a no-echo prompt.
    #[arg(long)]
    pub oauth_client_secret_stdin: bool,
    /// Scopes `login` asks for, separated by spaces or commas ("" for the kind's defaults).
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// Whether personal access tokens are allowed; false deletes the instance's PATs.
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub pat: Option<bool>,
    /// azure-devops-server's virtual directory, e.g. /tfs.
    #[arg(long, value_name = "PATH")]
    pub virtual_directory: Option<String>,
    /// Only paths below this prefix belong to the instance.
    #[arg(long, value_name = "PATH")]
    pub path_prefix: Option<String>,
    /// Answer plain http too (loopback test servers, closed networks).
    #[arg(long, value_name = "true|false", num_args = 0..=1, default_missing_value = "true",
          action = clap::ArgAction::Set)]
    pub allow_http: Option<bool>,
}

pub fn run(ctx: &Context, command: InstanceCommand) -> Result<(), Error> {
    match command {
        InstanceCommand::Add(args) => add(ctx, args),
        InstanceCommand::Update(args) => update(ctx, args),
        InstanceCommand::Remove { name } => remove(ctx, &name),
        InstanceCommand::List { json } => list(ctx, json),
    }
}

fn set_text(table: &mut Table, key: &str, given: &Option<String>) {
    match given.as_deref() {
        None => {}
        Some("") => {
            table.remove(key);
        }
        Some(v) => {
            table.insert(key, value(v));
        }
    }
}

/// Write `settings` into `table`. True when the OAuth client is being removed.
fn apply(table: &mut Table, s: &Settings) -> bool {
    set_text(table, "issuer_url", &s.issuer_url);
    set_text(table, "api_url", &s.api_url);
    set_text(table, "virtual_directory", &s.virtual_directory);
    set_text(table, "path_prefix", &s.path_prefix);
    set_text(table, "oauth_client_id", &s.oauth_client_id);
    let clear_oauth = s.oauth_client_id.as_deref() == Some("");
    if clear_oauth {
        table.remove("scopes");
    }
    if let Some(scopes) = &s.scopes {
        let list: Array = scopes
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if list.is_empty() {
            table.remove("scopes");
        } else {
            table.insert("scopes", value(list));
        }
    }
    match s.pat {
        Some(false) => {
            table.insert("pat", value(false));
        }
        Some(true) => {
            table.remove("pat");
        }
        None => {}
    }
    match s.allow_http {
        Some(true) => {
            table.insert("allow_http", value(true));
        }
        Some(false) => {
            table.remove("allow_http");
        }
        None => {}
    }
    clear_oauth
}

fn add(ctx: &Context, args: AddArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    if let Some(existing) = config.instance(&args.name) {
        return Err(Error::Conflict(format!(
            "instance `{}` exists{}: use `git credential-vouch instance update {}`",
            existing.name,
            if existing.builtin { " (built in)" } else { "" },
            existing.name
        )));
    }
    let kind = Kind::parse(&args.kind).ok_or_else(|| {
        usage(
            "kind",
            format!("unknown kind `{}` (see `providers`)", escape(&args.kind)),
        )
    })?;
    let mut file = ConfigFile::open(&ctx.config_path)?;
    let table = file.table_or_new(&args.name)?;
    table.insert("kind", value(kind.name()));
    table.insert("hosts", value(args.hosts.iter().collect::<Array>()));
    apply(table, &args.settings);
    let config = file.check()?;
    let name = config
        .instance(&args.name)
        .expect("just added")
        .name
        .clone();
    commit(ctx, &file, &config, &name, &args.settings, false)?;
    println!("added instance {name} to {}", file.path().display());
    Ok(())
}

fn update(ctx: &Context, args: UpdateArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    let name = config
        .instance(&args.name)
        .ok_or_else(|| unknown(&args.name))?
        .name
        .clone();
    let mut file = ConfigFile::open(&ctx.config_path)?;
    let clear_oauth = apply(file.table_or_new(&name)?, &args.settings);
    let config = file.check()?;
    commit(ctx, &file, &config, &name, &args.settings, clear_oauth)?;
    println!("updated instance {name} in {}", file.path().display());
    Ok(())
}

fn remove(ctx: &Context, name: &str) -> Result<(), Error> {
    let config = ctx.config()?;
    let instance = config.instance(name).ok_or_else(|| unknown(name))?;
    let name = instance.name.clone();
    let mut file = ConfigFile::open(&ctx.config_path)?;
    if !file.remove(&name)? {
        return Err(usage(
            "name",
            format!(
                "{name} is a built-in instance without settings in config.toml: nothing to remove"
            ),
        ));
    }
    let config = file.check()?;
    commit(ctx, &file, &config, &name, &Settings::default(), false)?;
    let left = ctx.store.select(|v| v.provider() == name.as_bytes())?.len();
    println!("removed instance {name} from {}", file.path().display());
    if left > 0 && config.instance(&name).is_none() {
        println!(
            "{left} credential(s) of {name} stay in the store (see `git credential-vouch list`)"
        );
    }
    Ok(())
}

fn unknown(name: &str) -> Error {
    Error::NotFound(format!(
        "no provider instance named `{}` (see `git credential-vouch instance list`)",
        escape(name)
    ))
}

/// Store what the new config implies (the client secret; purges), then save the file. The
/// secret is read before anything is written, and nothing is written if the store refuses.
fn commit(
    ctx: &Context,
    file: &ConfigFile,
    config: &Config,
    name: &str,
    settings: &Settings,
    clear_oauth: bool,
) -> Result<(), Error> {
    let instance = config.instance(name);
    let secret = if settings.oauth_client_secret_stdin {
        if instance.is_none_or(|i| i.oauth_client_id.is_none()) {
            return Err(usage(
                "oauth-client-secret-stdin",
                format!("instance {name} has no oauth_client_id: give --oauth-client-id too"),
            ));
        }
        Some(read_secret(
            "oauth client secret",
            &format!("OAuth client secret for {name}: "),
        )?)
    } else {
        None
    };
    let create = if secret.is_some() {
        Create::Auto
    } else {
        Create::Never
    };
    let purged = ctx
        .store
        .update(create, |opened| {
            let mine = purge(&mut opened.entries, config, Some(name));
            let others = purge(&mut opened.entries, config, None);
            let stored = secret.is_some_and(|s| keep_secret(&mut opened.entries, name, s));
            (mine.any() || others.any() || stored, mine)
        })?
        .unwrap_or_default();
    file.save()?;
    report(name, purged, clear_oauth);
    Ok(())
}

/// Put `secret` in the entry that keeps `name`'s client secret. True when it changed.
fn keep_secret(entries: &mut Vec<Credential>, name: &str, secret: Secret) -> bool {
    let provider = client_secret_provider(name);
    if let Some(entry) = entries.iter_mut().find(|c| c.provider == provider) {
        let changed = entry.password.as_ref() != Some(&secret);
        entry.password = Some(secret);
        return changed;
    }
    entries.push(Credential {
        id: new_id(),
        provider,
        password: Some(secret),
        origin: Origin::Added,
        created: unix_now(),
        ..Default::default()
    });
    true
}

fn report(name: &str, purged: Purged, clear_oauth: bool) {
    if clear_oauth || purged.oauth > 0 {
        println!(
            "removed the OAuth client of {name}{}; deleted {} token(s) obtained with login",
            if purged.secrets > 0 {
                " and its secret"
            } else {
                ""
            },
            purged.oauth
        );
    } else if purged.secrets > 0 {
        println!("deleted the OAuth client secret of {name}");
    }
    if purged.pats > 0 {
        println!("deleted {} personal access token(s) of {name}", purged.pats);
    }
}

fn list(ctx: &Context, json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let secrets: Vec<String> = ctx
        .store
        .select(|v| {
            v.provider()
                .starts_with(client_secret_provider("").as_bytes())
        })?
        .into_iter()
        .map(|c| c.provider)
        .collect();
    let confidential = |i: &Instance| secrets.contains(&client_secret_provider(&i.name));
    if json {
        let items: Vec<_> = config
            .instances
            .iter()
            .map(|i| {
                let mut item = super::catalogue::instance_json(i);
                item.as_object_mut().expect("an object").extend(
                    json!({
                    "issuer_url": i.issuer_url,
                    "api_url": i.api_url,
                    "oauth_client_id": i.oauth_client_id,
                    "oauth_client_secret": confidential(i),
                    "scopes": i.scopes,
                    "pat": i.pat,
                    "allow_http": i.allow_http,
                    "on_reject": i.on_reject,
                    })
                    .as_object()
                    .expect("an object")
                    .clone(),
                );
                item
            })
            .collect();
        println!("{}", json!({ "version": 1, "instances": items }));
        return Ok(());
    }
    for i in &config.instances {
        let mut notes = vec![];
        if let Some(id) = &i.oauth_client_id {
            let kind = if confidential(i) {
                "confidential"
            } else {
                "public"
            };
            notes.push(format!("oauth {id} ({kind})"));
        }
        if !i.pat {
            notes.push("no PATs".into());
        }
        for (key, v) in [
            ("issuer", &i.issuer_url),
            ("api", &i.api_url),
            ("prefix", &i.path_prefix),
        ] {
            if let Some(v) = v {
                notes.push(format!("{key} {v}"));
            }
        }
        if i.allow_http {
            notes.push("allow_http".into());
        }
        let line = format!(
            "{:<16} {:<20} {:<32} {}",
            i.name,
            i.kind.name(),
            i.hosts
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(","),
            notes.join(", ")
        );
        println!("{}", escape(line.trim_end()));
    }
    Ok(())
}
