//! Refresh on `get`: a login token that has expired, or will within a tenth of its lifetime (at
//! most 60 s), is refreshed before it is answered. Providers invalidate a refresh token once it
//! is used, so exactly one process refreshes: under the store lock, re-read, refresh only if
//! still due, save the new pair; processes that waited on the lock find it fresh.

use super::{Endpoints, OAuthClient};
use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::error::Error;
use crate::http::Client;
use crate::provider::Instance;
use crate::store::{Create, Store};

/// The most a token is refreshed ahead of its expiry.
const MAX_AHEAD: i64 = 60;

/// Whether `c` must be refreshed before it is answered at `now`.
pub fn due(c: &Credential, now: i64) -> bool {
    let (Some(expiry), Some(obtained)) = (c.password_expiry_utc, c.obtained) else {
        return false;
    };
    let ahead = ((expiry - obtained).max(0) / 10).min(MAX_AHEAD);
    c.can_refresh() && now >= expiry - ahead
}

/// Refresh the credential `id` of `instance` if it is still due. Returns the credential to
/// answer, or `None` when the refresh failed: then the entry is kept, marked, and one line on
/// stderr says how to log in again.
pub fn refresh(
    store: &Store,
    config: &Config,
    instance: &Instance,
    id: &str,
) -> Result<Option<Credential>, Error> {
    let client = OAuthClient::of(instance, store)?;
    let host = |c: &Credential| instance.host_for(&c.host).unwrap_or_default();
    let outcome = crate::allowed::update(store, config, Create::Never, |opened| {
        let Some(entry) = opened.entries.iter_mut().find(|c| c.id == id) else {
            return (false, Ok(None));
        };
        if !due(entry, unix_now()) {
            // Another process refreshed it while this one waited for the lock.
            return (false, Ok(Some(entry.clone())));
        }
        let endpoints = match Endpoints::of(instance, &host(entry)) {
            Ok(e) => e,
            Err(e) => return (false, Err(e.one_line())),
        };
        let refresh_token = entry.oauth_refresh_token.clone().expect("can_refresh");
        let asked = client.token_request(
            &Client::new(),
            &endpoints.token,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
            ],
        );
        match asked {
            Ok(Ok(tokens)) => {
                tokens.apply(entry);
                (true, Ok(Some(entry.clone())))
            }
            Ok(Err(e)) => {
                entry.refresh_failed = Some(unix_now());
                (true, Err(e.to_string()))
            }
            Err(e) => {
                entry.refresh_failed = Some(unix_now());
                (true, Err(e.one_line()))
            }
        }
    })?;
    match outcome {
        None => Ok(None),
        Some(Ok(fresh)) => Ok(fresh),
        Some(Err(why)) => {
            eprintln!(
                "git-credential-vouch: refreshing the OAuth token for {} failed ({}): run `git credential-vouch login {}`",
                instance.name,
                crate::term::escape(&why),
                instance.name
            );
            Ok(None)
        }
    }
}
