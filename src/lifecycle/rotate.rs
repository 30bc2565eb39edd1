//! `rotate ID --at-provider`: the token rotates itself at GitLab and the new one is saved
//! under the same ID. The new token exists only in the provider's answer, so everything that
//! can fail locally is done first (locks, read, the rescue file with room); then one request,
//! never retried; then the rescue file and the store write (see [`super::rescue`]).

use crate::config::Config;
use crate::credential::Credential;
use crate::http::Client;
use crate::provider_api::{self, Api};
use crate::store::{Create, Store};

use super::{Error, rescue, target, token};

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

/// Rotate credential `id` at its provider, asking for expiry `expires` (`YYYY-MM-DD`). The
/// request is made without the store's lock (every `git fetch` would wait for the provider);
/// rotations take a lock of their own, and the new token is sealed in the rescue file before
/// the store is written under its lock, with the credential looked up again there.
pub fn at_provider(
    store: &Store,
    config: &Config,
    client: &Client,
    id: &str,
    expires: &str,
) -> Result<Done, Error> {
    let held = rescue::lock(store.paths())?;
    for line in rescue::file_waiting(store, config, &held)? {
        eprintln!("git-credential-vouch: {line}");
    }
    // Read under the rotation lock: no other rotation can have replaced this token since.
    let c = super::credentials(store)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::NotFound(crate::term::escape(id)))?;
    let api = rotatable(config, &c)?;
    let host = api.host();
    let old = token(&c).ok_or_else(|| super::no_token(&c))?;
    // Everything that can fail locally is done before the one request.
    let ready = rescue::prepare(store, &held)?;
    let new = match api.rotate(client, old, Some(expires)) {
        Ok(new) => new,
        Err(provider_api::Error::NoAnswer(e)) if e.maybe_delivered => {
            return Err(Error::LostAnswer {
                id: id.to_owned(),
                host: e.host,
                why: e.why,
            });
        }
        // A 2xx is a rotation done: the old token is dead, whatever the body says.
        Err(e @ provider_api::Error::UnusableAnswer { .. }) => {
            return Err(Error::LostAnswer {
                id: id.to_owned(),
                host: host.clone(),
                why: e.to_string(),
            });
        }
        Err(source) => {
            return Err(Error::NotRotated {
                id: id.to_owned(),
                source,
            });
        }
    };
    let expires_at = if new.info.expiry_unreadable {
        eprintln!(
            "git-credential-vouch: warning: {host} answered the rotation of {id} with an expiry vouch cannot read; recorded as the {expires} that was asked for"
        );
        crate::time::parse(expires).ok()
    } else {
        new.info.expires_at
    };
    let not_saved = |why: String, kept: Option<std::path::PathBuf>| Error::NotSaved {
        id: id.to_owned(),
        host: host.clone(),
        why,
        kept,
    };
    let kept = ready
        .keep(id, &new.token, expires_at, &host)
        .map_err(|e| not_saved(e.to_string(), None))?;
    let written = store.update(Create::Never, |opened| {
        let purged = crate::allowed::purge(&mut opened.entries, config, None).any();
        let Some(entry) = opened.entries.iter_mut().find(|c| c.id == id) else {
            return (purged, false);
        };
        if entry.is_pre_encoded() {
            entry.credential = Some(new.token.clone());
        } else {
            entry.password = Some(new.token.clone());
        }
        entry.password_expiry_utc = expires_at;
        entry.rejected = None;
        (true, true)
    });
    match written {
        Ok(Some(true)) => {
            rescue::forget(store.paths());
            Ok(Done { expires_at })
        }
        Ok(_) => Err(not_saved(
            "the credential was removed meanwhile".into(),
            Some(kept),
        )),
        Err(e) => Err(not_saved(e.to_string(), Some(kept))),
    }
}
