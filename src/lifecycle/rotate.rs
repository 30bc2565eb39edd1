//! `rotate ID --at-provider`: the token rotates itself at GitLab and the new one is saved
//! under the same ID. The new token exists only in the provider's answer, so everything that
//! can fail locally is done first (lock, read, temp file with room); then one request, never
//! retried; then only the final write and rename.

use crate::config::Config;
use crate::credential::Credential;
use crate::http::Client;
use crate::provider_api::{self, Api};
use crate::store::Store;

use super::{Error, target, token};

/// A rotation done: the new expiry the provider gave (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub expires_at: Option<i64>,
}

/// Check that `c` can rotate itself at its provider; the API to ask.
pub fn rotatable(config: &Config, c: &Credential) -> Result<Api, Error> {
    let target = target(config, c)?;
    if !target.api.can_rotate(c.token_kind) || c.is_login() {
        return Err(Error::Unsupported(format!(
            "{}: a {} token of kind {} cannot rotate itself at the provider (only GitLab access tokens can): create a new token there and run `git credential-vouch rotate {}`",
            c.id,
            target.instance.kind.name(),
            c.token_kind.map_or("unknown", |k| k.name()),
            c.id
        )));
    }
    Ok(target.api)
}

/// Rotate credential `id` at its provider, asking for expiry `expires` (`YYYY-MM-DD`).
pub fn at_provider(
    store: &Store,
    config: &Config,
    client: &Client,
    id: &str,
    expires: &str,
) -> Result<Done, Error> {
    let c = super::credentials(store)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::NotFound(crate::term::escape(id)))?;
    let api = rotatable(config, &c)?;
    let host = api.host();
    let mut rotated_there = false;
    let outcome = store.update_prepared(|opened| {
        crate::allowed::purge(&mut opened.entries, config, None);
        let Some(entry) = opened.entries.iter_mut().find(|c| c.id == id) else {
            return (false, Err(Error::NotFound(crate::term::escape(id))));
        };
        let Some(old) = token(entry) else {
            return (
                false,
                Err(Error::Unsupported(format!("{id}: holds no token"))),
            );
        };
        match api.rotate(client, old, Some(expires)) {
            Ok(new) => {
                rotated_there = true;
                if entry.is_pre_encoded() {
                    entry.credential = Some(new.token);
                } else {
                    entry.password = Some(new.token);
                }
                entry.password_expiry_utc = new.info.expires_at;
                entry.rejected = None;
                (
                    true,
                    Ok(Done {
                        expires_at: new.info.expires_at,
                    }),
                )
            }
            Err(provider_api::Error::NoAnswer(e)) if e.maybe_delivered => (
                false,
                Err(Error::LostAnswer {
                    id: id.to_owned(),
                    host: e.host,
                    why: e.why,
                }),
            ),
            Err(source) => (
                false,
                Err(Error::NotRotated {
                    id: id.to_owned(),
                    source,
                }),
            ),
        }
    });
    match outcome {
        Ok(Some(done)) => done,
        Ok(None) => Err(Error::NotFound(crate::term::escape(id))),
        Err(source) if rotated_there => Err(Error::NotSaved {
            id: id.to_owned(),
            host,
            source,
        }),
        Err(e) => Err(Error::Store(e)),
    }
}
