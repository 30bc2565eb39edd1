//! add, list, show, update, rotate, remove: accounts and their tokens. Secrets never come
//! from argv and never go to any output.

use clap::Args;

use super::Context;
use super::account_input::{
    clean_scope, clear_other_defaults, duplicate, expiry, file_new, find_instance, identity,
    instance_of, refuse_foreign, split_identity, token_kind, usage,
};
use super::input::{read_token, say};
use super::report::{credential_json, credential_lines, list_table};
use super::selector::{self, describe, load, not_found};
use super::token_owner::{self, Names};
use crate::config::Config;
use crate::credential::{Credential, Origin, new_id, unix_now};
use crate::error::Error;
use crate::provider::TokenKind;
use crate::store::Create;

/// What describes an account's credential, for `add` and `update`.
#[derive(Args, Debug)]
pub struct AccountArgs {
    /// The account's username, or its email where the identity is one (GitLab); for deploy
    /// tokens and CodeCommit, the username to send. Without it, `add` asks the provider who owns
    /// the token (or the person at the terminal).
    #[arg(long)]
    pub username: Option<String>,
    /// The account's email (the identity on GitLab).
    #[arg(long)]
    pub email: Option<String>,
    /// Limit the token to one repository or group, e.g. `group/project`
    /// (`update --repo ""`: host-wide again).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<String>,
    /// The token's kind, when its prefix does not tell (see `providers`).
    #[arg(long, value_name = "KIND")]
    pub token_kind: Option<String>,
    /// When the token expires: 30d or 12w from now, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, Unix
    /// seconds, or never.
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// A note for `list` (`update --label ""` removes it).
    #[arg(long)]
    pub label: Option<String>,
    /// Prefer this credential when others are equally specific.
    #[arg(long)]
    pub default: bool,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// A provider instance name (`github`, a name from config.toml) or a host it serves.
    pub provider: String,
    #[command(flatten)]
    pub account: AccountArgs,
    #[command(flatten)]
    pub app: super::app_account::AppArgs,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The credential: its ID or a unique prefix (4+ characters), or ACCOUNT@INSTANCE.
    #[arg(value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub account: AccountArgs,
    /// No longer prefer this credential.
    #[arg(long, conflicts_with = "default")]
    pub no_default: bool,
    /// A GitHub App's permissions for the tokens it mints from now on, e.g.
    /// contents=write,pull_requests=read ("": all the installation has).
    #[arg(long, value_name = "NAME=LEVEL,...")]
    pub permissions: Option<String>,
}

pub fn add(ctx: &Context, add: AddArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    let (instance, host) = find_instance(&config, &add.provider)?;
    let args = add.account;
    if let Some(label) = &args.label
        && label.chars().any(char::is_control)
    {
        return Err(usage("label", "must not contain control characters"));
    }
    if add.app.app_id.is_some() {
        let refused = [
            ("username", args.username.is_some()),
            ("email", args.email.is_some()),
            ("token-kind", args.token_kind.is_some()),
            ("expires", args.expires.is_some()),
        ];
        let (repo, label) = (args.repo.as_deref(), args.label);
        return super::app_account::add(
            ctx,
            instance,
            host,
            &add.app,
            repo,
            label,
            args.default,
            &refused,
        );
    }
    let scope = args.repo.as_deref().map(clean_scope).transpose()?.flatten();
    let expires = args.expires.as_deref().map(expiry).transpose()?.flatten();
    let mut names = Names {
        username: args.username,
        email: args.email,
    };
    token_owner::ask_before(instance, &host, args.token_kind.as_deref(), &mut names)?;
    let token = read_token(&format!("Token for {}: ", instance.name))?;
    let kind = token_kind(instance.kind, args.token_kind.as_deref(), &token)?;
    if !instance.pat && kind.is_pat() {
        return Err(usage(
            "token-kind",
            format!(
                "instance {} does not allow personal access tokens (pat = false); log in with `git credential-vouch login {}`",
                instance.name, instance.name
            ),
        ));
    }
    // The network, if at all, before the store is locked.
    token_owner::complete(instance, &host, kind, &token, &mut names)?;
    let who = identity(
        instance.kind,
        kind,
        names.username.as_deref(),
        names.email.as_deref(),
    )?;
    let new = Credential {
        id: new_id(),
        provider: instance.name.clone(),
        host,
        scope,
        username: who.username,
        account: who.account,
        email: who.email,
        token_kind: Some(kind),
        password: Some(token),
        password_expiry_utc: expires,
        is_default: args.default,
        label: args.label,
        origin: Origin::Added,
        created: unix_now(),
        ..Default::default()
    };
    match file_new(&ctx.store, &config, &new)? {
        Ok(id) => {
            println!("{id}");
            say(format!("added {}, ID {id}", describe(&new)));
            Ok(())
        }
        Err(existing) => Err(Error::Conflict(format!(
            "credential {existing} already holds a token for this account and scope: use `git credential-vouch rotate {existing}` for a new token or `update {existing}` to change it"
        ))),
    }
}

pub fn list(ctx: &Context, json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let entries = load(ctx)?;
    let now = unix_now();
    let backed = crate::openbao::status::backed(&ctx.store, &config)?;
    if json {
        let items: Vec<_> = entries
            .iter()
            .map(|c| credential_json(c, &config, now))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "version": 1, "credentials": items, "openbao": backed })
        );
    } else {
        print!(
            "{}",
            list_table(&entries, &config, now, crate::colour::for_stdout())
        );
        if !backed.is_empty() {
            println!("served from OpenBao:");
            for b in &backed {
                println!("  {}", b.line(now));
            }
        }
    }
    Ok(())
}

pub fn show(ctx: &Context, selector: &str, json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let c = selector::find(ctx, selector)?;
    let now = unix_now();
    if json {
        println!("{}", credential_json(&c, &config, now));
    } else {
        print!("{}", credential_lines(&c, &config, now));
    }
    Ok(())
}

/// Edit credential `id` under the store lock; `change` may refuse with an error. Says so at a
/// terminal (`done`: "updated", "rotated").
fn edit(
    ctx: &Context,
    config: &Config,
    id: &str,
    done: &str,
    change: impl FnOnce(&mut Credential, &[Credential]) -> Result<(), Error>,
) -> Result<(), Error> {
    let outcome = crate::allowed::update(&ctx.store, config, Create::Never, |opened| {
        let Some(index) = opened.entries.iter().position(|c| c.id == id) else {
            return (false, Err(not_found(id)));
        };
        let mut edited = opened.entries[index].clone();
        if let Err(e) = change(&mut edited, &opened.entries) {
            return (false, Err(e));
        }
        if edited.is_default {
            clear_other_defaults(&mut opened.entries, &edited);
        }
        let said = describe(&edited);
        opened.entries[index] = edited;
        (true, Ok(said))
    })?;
    let said = outcome.unwrap_or_else(|| Err(not_found(id)))?;
    say(format!("{done} {said}, ID {id}"));
    Ok(())
}

pub fn update(ctx: &Context, update: UpdateArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    let (selector, no_default, args) = (update.id, update.no_default, update.account);
    let permissions = update
        .permissions
        .as_deref()
        .map(crate::provider::app::App::parse_permissions)
        .transpose()
        .map_err(|e| usage("permissions", e))?;
    let scope = args.repo.as_deref().map(clean_scope).transpose()?;
    let expires = args.expires.as_deref().map(expiry).transpose()?;
    let id = selector::find(ctx, &selector)?.id;
    edit(ctx, &config, &id, "updated", |c, all| {
        if permissions.is_some() && !c.is_app() {
            return Err(usage(
                "permissions",
                "only a GitHub App's minted tokens have permissions to set",
            ));
        }
        if c.is_generic() {
            if args.username.is_some()
                || args.email.is_some()
                || args.repo.is_some()
                || args.token_kind.is_some()
            {
                return Err(usage(
                    "id",
                    "a credential git stored for a generic host has no account, scope or token kind to change",
                ));
            }
        } else if c.is_app() {
            if args.username.is_some()
                || args.email.is_some()
                || args.token_kind.is_some()
                || args.expires.is_some()
            {
                return Err(usage(
                    "id",
                    "a GitHub App has no username, email, token kind or expiry to change (its tokens send x-access-token and carry their own expiry)",
                ));
            }
            if let Some(scope) = &scope {
                c.scope = scope.clone();
            }
            if let (Some(app), Some(permissions)) = (&mut c.app, &permissions) {
                app.permissions = permissions.clone();
            }
        } else {
            let instance = instance_of(&config, c)?;
            let token = c.password.clone().unwrap_or_default();
            let kind = match &args.token_kind {
                Some(k) => token_kind(instance.kind, Some(k), &token)?,
                None => c.token_kind.unwrap_or(TokenKind::Password),
            };
            // What was given is read as `add` reads it (an email as the username is the email
            // where the identity is one); the stored fields fill the rest.
            let (given_user, given_email) = split_identity(
                instance.kind,
                kind,
                args.username.as_deref(),
                args.email.as_deref(),
            );
            let username = given_user.map(str::to_owned).or(c.username.clone());
            let email = given_email.map(str::to_owned).or(c.email.clone());
            let who = identity(instance.kind, kind, username.as_deref(), email.as_deref())?;
            c.account = who.account;
            c.username = who.username;
            c.email = who.email;
            c.token_kind = Some(kind);
            if let Some(scope) = &scope {
                c.scope = scope.clone();
            }
        }
        if let Some(expires) = expires {
            c.password_expiry_utc = expires;
        }
        if args.default {
            c.is_default = true;
        }
        if no_default {
            c.is_default = false;
        }
        if let Some(label) = &args.label {
            c.label = (!label.is_empty()).then(|| label.clone());
        }
        match duplicate(all, c) {
            Some(other) => Err(Error::Conflict(format!(
                "credential {} already holds a token for that account and scope",
                other.id
            ))),
            None => Ok(()),
        }
    })
}

pub fn rotate(ctx: &Context, selector: &str, expires: Option<&str>) -> Result<(), Error> {
    let config = ctx.config()?;
    let expires = expires.map(expiry).transpose()?.flatten();
    // Name the credential before asking for a secret.
    let c = selector::find(ctx, selector)?;
    if c.is_app() {
        return super::app_account::rotate_key(ctx, &config, &c, expires.is_some());
    }
    let token = read_token(&format!("New token for {} ({}): ", c.id, describe(&c)))?;
    let instance = config.instance(&c.provider).filter(|_| !c.is_generic());
    if let Some(instance) = instance {
        refuse_foreign(instance.kind, &token)?;
    }
    edit(ctx, &config, &c.id, "rotated", |c, _| {
        if let Some(instance) = instance
            && let Some(detected) = TokenKind::detect(instance.kind.family(), token.expose())
        {
            c.token_kind = Some(detected);
        }
        if c.is_pre_encoded() {
            c.credential = Some(token);
        } else {
            c.password = Some(token);
        }
        c.password_expiry_utc = expires;
        c.rejected = None;
        Ok(())
    })
}

pub fn remove(ctx: &Context, selector: &str) -> Result<(), Error> {
    let config = ctx.config()?;
    let c = selector::find(ctx, selector)?;
    let removed = crate::allowed::update(&ctx.store, &config, Create::Never, |opened| {
        let before = opened.entries.len();
        opened.entries.retain(|e| e.id != c.id);
        let removed = opened.entries.len() != before;
        (removed, removed)
    })?;
    if removed != Some(true) {
        return Err(not_found(&c.id));
    }
    if c.is_app() {
        crate::github_app::forget_app(&ctx.store, &c.id)?;
    }
    say(format!("removed {}, ID {}", describe(&c), c.id));
    Ok(())
}
