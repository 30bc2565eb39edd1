//! A token's life at its provider: `verify` asks whether it is still valid, `rotate` replaces
//! it there, `renew` rotates what is about to expire, `revoke` kills it before removal. The
//! provider APIs are in [`crate::provider_api`]; this layer decides what the store records.

pub mod renew;
pub mod rescue;
pub mod revoke;
pub mod rotate;
pub mod verify;

use crate::config::Config;
use crate::credential::Credential;
use crate::provider::Instance;
use crate::provider_api::{self, Api, Token};
use crate::store::{self, Store};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] provider_api::Error),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("no credential with ID `{0}` (see `git credential-vouch list`)")]
    NotFound(String),
    /// The request is impossible for this credential (kind, instance, missing OAuth client).
    #[error("{0}")]
    Unsupported(String),
    /// The provider did not rotate the token (down, refused): nothing changed anywhere.
    #[error("{id} was not rotated and nothing changed: {source}")]
    NotRotated {
        id: String,
        source: provider_api::Error,
    },
    /// A rotation was sent and its answer lost: the old token is probably dead and the new
    /// one unknown. Never retried (GitLab revokes the whole token family then).
    #[error(
        "{host}: the answer to the rotation of {id} was lost ({why}); it was not retried, because rotating a revoked token again makes GitLab revoke every token of its family. The old token is probably dead already: check the token at {host}, create a new one and store it with `git credential-vouch rotate {id}`"
    )]
    LostAnswer {
        id: String,
        host: String,
        why: String,
    },
    /// The provider rotated the token but the store could not be written: the new token is
    /// kept in the rescue file when that could be written.
    #[error(
        "{host} rotated {id}, but the store could not be written ({why}); the old token is dead. {}",
        match kept {
            Some(path) => format!("The new token is kept encrypted in {}: the next `git credential-vouch verify`, `renew` or `rotate` files it", path.display()),
            None => format!("The new token is lost: create a new token at {host} and store it with `git credential-vouch rotate {id}`"),
        }
    )]
    NotSaved {
        id: String,
        host: String,
        why: String,
        kept: Option<std::path::PathBuf>,
    },
}

/// A credential with its instance and the API it is checked at.
pub struct Target<'c> {
    pub instance: &'c Instance,
    pub api: Api,
    /// The git host the credential is for ("" when only `api_url` places it).
    pub host: String,
}

/// Where `c`'s provider API is; `Err(Unsupported)` when it has none vouch knows.
pub fn target<'c>(config: &'c Config, c: &Credential) -> Result<Target<'c>, Error> {
    let unsupported = |why: String| Error::Unsupported(format!("{}: {why}", c.id));
    if c.is_generic() {
        return Err(unsupported(
            "a credential git stored for a generic host has no provider API".into(),
        ));
    }
    let instance = config.instance(&c.provider).ok_or_else(|| {
        unsupported(format!(
            "its provider instance `{}` is no longer configured",
            c.provider
        ))
    })?;
    let host = instance.host_for(&c.host).unwrap_or_default();
    if host.is_empty() && instance.api_url.is_none() {
        return Err(unsupported(format!(
            "instance {} has only wildcard hosts: set its api_url",
            instance.name
        )));
    }
    let api = Api::of(instance, &host)?.ok_or_else(|| {
        unsupported(format!(
            "vouch knows no token API for kind {}",
            instance.kind.name()
        ))
    })?;
    Ok(Target {
        instance,
        api,
        host,
    })
}

/// The token of `c` as the APIs present it; `None` for an entry without one (a GitHub App).
pub fn token(c: &Credential) -> Option<Token<'_>> {
    // A GitHub App's secret is its private key: no API takes it for a token.
    if c.is_app() {
        return None;
    }
    let secret = c.credential.as_ref().or(c.password.as_ref())?;
    Some(Token {
        secret,
        kind: c.token_kind,
        user: c
            .email
            .as_deref()
            .or(c.username.as_deref())
            .or(c.account.as_deref()),
    })
}

/// Why `c` has no token for an API: a GitHub App mints its tokens and holds none.
pub fn no_token(c: &Credential) -> Error {
    Error::Unsupported(if c.is_app() {
        format!(
            "{}: a GitHub App holds no token (it mints one per repository); to retire it, remove it and delete its key in the App's settings",
            c.id
        )
    } else {
        format!("{}: holds no token", c.id)
    })
}

/// Every credential that holds a token (not generic entries' passwords, not client secrets).
pub fn credentials(store: &Store) -> Result<Vec<Credential>, store::Error> {
    let mut entries = store.select(|_| true)?;
    entries.retain(|c| !c.is_client_secret() && !c.is_generic());
    Ok(entries)
}

/// The credentials named by `ids` (in that order), or every one of `all` when `ids` is empty.
pub fn pick(all: Vec<Credential>, ids: &[String]) -> Result<Vec<Credential>, Error> {
    if ids.is_empty() {
        return Ok(all);
    }
    ids.iter()
        .map(|id| {
            all.iter()
                .find(|c| &c.id == id)
                .cloned()
                .ok_or_else(|| Error::NotFound(crate::term::escape(id)))
        })
        .collect()
}
