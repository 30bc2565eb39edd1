//! Whose token `add` was given, when it was not told (`--username`/`--email`). What no
//! provider can say (an instance without an API vouch knows; a deploy token's or CodeCommit's
//! own username; Bitbucket API tokens, which need the name to authenticate at all) is asked at
//! the terminal before the token; the rest is asked of the provider (`GET /user`) after it, and
//! of the person only when the provider does not say. Without a person at the terminal, what
//! is still missing exits 2 naming the flag. The provider is asked before the store is locked.

use super::account_input::{identity_field, usage};
use super::input::{ask, person_present, say};
use crate::error::Error;
use crate::http::Client;
use crate::provider::{Family, IdentityRule, Instance, TokenKind, UsernameRule};
use crate::provider_api::Api;
use crate::secret::Secret;
use crate::term::escape;

/// The identity fields as given, then as learned.
#[derive(Debug, Default)]
pub(super) struct Names {
    pub username: Option<String>,
    pub email: Option<String>,
}

/// What a token of some kind still lacks.
#[derive(PartialEq)]
enum Missing {
    Nothing,
    /// The token's own username (deploy tokens, CodeCommit): no API says it.
    OwnUsername,
    /// The account's identity, in this field.
    Identity(&'static str),
}

fn missing(instance: &Instance, kind: TokenKind, names: &Names) -> Missing {
    match kind.username_rule() {
        UsernameRule::TokensOwn | UsernameRule::Generated if names.username.is_none() => {
            Missing::OwnUsername
        }
        _ if kind.needs_identity() && names.username.is_none() && names.email.is_none() => {
            Missing::Identity(identity_field(instance.kind))
        }
        _ => Missing::Nothing,
    }
}

/// The API that can name the owner of a `kind` token at `instance`, or why there is none.
fn api_for(instance: &Instance, host: &str, kind: TokenKind) -> Result<Api, String> {
    // They authenticate with the account's name (HTTP Basic): the name must come first.
    if matches!(
        kind,
        TokenKind::BitbucketApiToken | TokenKind::BitbucketAppPassword
    ) {
        return Err(format!(
            "a {} token cannot be asked whose it is without the account's name",
            kind.name()
        ));
    }
    let no_api = || {
        format!(
            "vouch knows no API of {} that names a token's owner",
            instance.name
        )
    };
    let host = instance.host_for(host).unwrap_or_default();
    if host.is_empty() && instance.api_url.is_none() {
        return Err(no_api());
    }
    match Api::of(instance, &host) {
        Ok(Some(api))
            if matches!(
                api.family,
                Family::GitHub | Family::GitLab | Family::Gitea | Family::BitbucketCloud
            ) =>
        {
            Ok(api)
        }
        Err(e) => Err(e.to_string()),
        Ok(_) => Err(no_api()),
    }
}

/// Before the token, with a person at the terminal: ask what the provider cannot say for the
/// kind the token will be (`--token-kind`, else what a token without a known prefix is taken
/// for). A prefix read later may still reveal a kind that needs more; see [`complete`].
pub(super) fn ask_before(
    instance: &Instance,
    host: &str,
    token_kind: Option<&str>,
    names: &mut Names,
) -> Result<(), Error> {
    if !person_present() {
        return Ok(());
    }
    let family = instance.kind.family();
    let expected = match token_kind {
        Some(name) => TokenKind::parse(family, name),
        None => TokenKind::fallback(family),
    };
    let Some(kind) = expected else { return Ok(()) };
    match missing(instance, kind, names) {
        Missing::Identity(_) if api_for(instance, host, kind).is_ok() => Ok(()),
        Missing::Nothing => Ok(()),
        _ => ask_for(instance, kind, names),
    }
}

/// After the token: learn what is still missing from the provider, else ask the person, else
/// refuse naming the flag.
pub(super) fn complete(
    instance: &Instance,
    host: &str,
    kind: TokenKind,
    token: &Secret,
    names: &mut Names,
) -> Result<(), Error> {
    let field = match missing(instance, kind, names) {
        Missing::Nothing => return Ok(()),
        // `identity` refuses it, naming the flag, where no person can be asked.
        Missing::OwnUsername if !person_present() => return Ok(()),
        Missing::OwnUsername => return ask_for(instance, kind, names),
        Missing::Identity(field) => field,
    };
    let why = match api_for(instance, host, kind) {
        Err(why) => why,
        Ok(api) => match api.owner(&Client::new(), token) {
            Ok(Some(owner)) => {
                let with_email = instance.kind.identity() == IdentityRule::Email;
                say(format!(
                    "{} says the token belongs to {}{}",
                    instance.name,
                    escape(&owner.login),
                    match owner.email.as_deref().filter(|_| with_email) {
                        Some(email) => format!(" ({})", escape(email)),
                        None => String::new(),
                    }
                ));
                names.username = Some(owner.login);
                if with_email {
                    names.email = owner.email;
                }
                if names.email.is_some() || !with_email {
                    return Ok(());
                }
                format!(
                    "{} did not show the account's email (the token may lack the read_user scope)",
                    api.host()
                )
            }
            Ok(None) => format!("{} named no account", api.host()),
            Err(e) => format!("{} could not say who owns the token: {e}", instance.name),
        },
    };
    if !person_present() {
        return Err(usage(
            field,
            format!("required (--{field}): {}", escape(&why)),
        ));
    }
    eprintln!("git-credential-vouch: {}", escape(&why));
    ask_for(instance, kind, names)
}

/// Ask the person for what `kind` at `instance` lacks, and keep the answer in its field.
fn ask_for(instance: &Instance, kind: TokenKind, names: &mut Names) -> Result<(), Error> {
    let name = &instance.name;
    match kind.username_rule() {
        UsernameRule::TokensOwn => {
            names.username = Some(ask(
                "username",
                &format!("The {} token's own username for {name}: ", kind.name()),
            )?);
        }
        UsernameRule::Generated => {
            names.username = Some(ask(
                "username",
                &format!("IAM-generated username for {name}: "),
            )?);
        }
        _ => match instance.kind.identity() {
            IdentityRule::Email => {
                names.email = Some(ask("email", &format!("Email for {name}: "))?)
            }
            IdentityRule::UsernameOrEmail => {
                names.username = Some(ask("username", &format!("Username or email for {name}: "))?);
            }
            _ => names.username = Some(ask("username", &format!("Username for {name}: "))?),
        },
    }
    Ok(())
}
