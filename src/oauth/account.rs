//! Who a new token belongs to (`GET /user` at the instance's API), and filing it under that
//! account: logging in again to the same account replaces its token and keeps its ID.

use super::{Endpoints, Error, Tokens};
use crate::config::Config;
use crate::credential::{Credential, Origin, new_id, unix_now};
use crate::http::Client;
use crate::provider::{IdentityRule, Instance, TokenKind};
use crate::provider_api::owner::User;
use crate::store::Create;
use crate::store::Store;

/// The account's login and email, per the provider (checked as `add` checks them).
fn whoami(
    http: &Client,
    endpoints: &Endpoints,
    tokens: &Tokens,
) -> Result<(String, Option<String>), Error> {
    let user: User = http.get_json(&format!("{}/user", endpoints.api), &tokens.access)?;
    let owner = user
        .owner(endpoints.family)
        .ok_or_else(|| Error::NoAccount {
            api: endpoints.api.clone(),
        })?;
    Ok((owner.login, owner.email))
}

#[allow(clippy::too_many_arguments)]
pub fn file(
    store: &Store,
    config: &Config,
    instance: &Instance,
    host: &str,
    endpoints: &Endpoints,
    http: &Client,
    tokens: Tokens,
    username: Option<&str>,
) -> Result<Credential, Error> {
    let (login, email) = match (whoami(http, endpoints, &tokens), username) {
        (Ok((login, email)), Some(wanted))
            if !wanted.eq_ignore_ascii_case(&login)
                && email
                    .as_deref()
                    .is_none_or(|e| !e.eq_ignore_ascii_case(wanted)) =>
        {
            return Err(Error::OtherAccount {
                login: crate::term::escape(&login),
                wanted: crate::term::escape(wanted),
            });
        }
        (Ok(who), _) => who,
        // A provider that will not say (a scope missing): the account the person named.
        (Err(_), Some(wanted)) => (wanted.to_owned(), None),
        (Err(e), None) => return Err(e),
    };
    let account = match instance.kind.identity() {
        IdentityRule::Email => email.clone().unwrap_or_else(|| login.clone()),
        _ => login.clone(),
    };
    let kind = TokenKind::oauth(instance.kind.family());
    let now = unix_now();
    let mut fresh = Credential {
        id: new_id(),
        provider: instance.name.clone(),
        host: host.to_owned(),
        username: Some(login),
        account: Some(account),
        email,
        token_kind: kind,
        origin: Origin::Added,
        created: now,
        ..Default::default()
    };
    tokens.apply(&mut fresh);
    let filed = crate::allowed::update(store, config, Create::Auto, |opened| {
        let same = opened.entries.iter_mut().find(|c| {
            c.is_login()
                && c.provider == fresh.provider
                && c.host == fresh.host
                && c.scope.is_none()
                && c.account
                    .as_deref()
                    .zip(fresh.account.as_deref())
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        });
        let filed = match same {
            Some(entry) => {
                entry.password = fresh.password.clone();
                entry.password_expiry_utc = fresh.password_expiry_utc;
                entry.oauth_refresh_token = fresh.oauth_refresh_token.clone();
                entry.obtained = fresh.obtained;
                entry.refresh_failed = None;
                entry.rejected = None;
                entry.token_kind = fresh.token_kind;
                entry.username = fresh.username.clone();
                entry.email = fresh.email.clone().or(entry.email.take());
                entry.clone()
            }
            None => {
                opened.entries.insert(0, fresh.clone());
                fresh.clone()
            }
        };
        (true, filed)
    })?;
    Ok(filed.expect("created when missing"))
}
