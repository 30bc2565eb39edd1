//! What `get` asks for a repository whose credential is a GitHub App: a cached token while it
//! has more than five minutes left (no request at all); else, under that entry's lock, one
//! process signs a JWT, finds the installation and mints, and the others waiting on the lock
//! answer its token (or its failure). `erase` of a minted token drops it from the cache, never
//! the App.

use super::cache::{Cache, Contents, Entry, Failed};
use super::{AppAt, Error};
use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::http::Client;
use crate::keysource::DataKey;
use crate::provider::app::App;
use crate::provider_api::github_app;
use crate::secret::Secret;
use crate::store::{Create, Store};

/// A cached token is answered until this many seconds before its expiry.
pub const MARGIN: i64 = 5 * 60;

/// An installation token for one repository.
pub struct Minted {
    pub token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The cache entry's name: the same repository through another App credential, host or set
/// of permissions is another token. GitHub's names are case-insensitive.
fn entry_name(credential: &Credential, app: &App, host: &str, repository: &str) -> String {
    format!(
        "{}|{host}|{}|{}",
        credential.id,
        repository.to_ascii_lowercase(),
        app.permissions_text()
    )
}

fn fresh(contents: &Contents, name: &str, now: i64) -> Option<Minted> {
    let entry = contents.tokens.get(name)?;
    (entry.expires_at - MARGIN > now).then(|| Minted {
        token: Secret::new(entry.token.clone()),
        expires_at: entry.expires_at,
    })
}

/// The token for `repository` (`OWNER/REPO`) from the App `at` serves. `data_key` is the
/// store's, when the caller has it already.
pub fn token(
    store: &Store,
    config: &Config,
    at: &AppAt<'_>,
    repository: &str,
    data_key: Option<&DataKey>,
) -> Result<Minted, Error> {
    let app = at.app();
    let Some((_, repo)) = github_app::split_repository(repository) else {
        return Err(Error::Repository {
            app: app.id,
            repository: crate::term::escape(repository),
        });
    };
    let name = entry_name(at.credential, app, at.host, repository);
    let owned;
    let key = match data_key {
        Some(key) => key,
        None => {
            owned = store
                .data_key(Create::Never)?
                .expect("a store holds the App");
            &owned
        }
    };
    let cache = Cache::new(store.paths());
    let started = millis();
    if let Some(minted) = fresh(&cache.read(key)?, &name, unix_now()) {
        return Ok(minted);
    }
    let held = cache.lock_entry(&name)?;
    // Another process may have minted while this one waited for the lock, or failed: then
    // its answer is this one's too, rather than one more wait on a GitHub that does not answer.
    let contents = cache.read(key)?;
    let now = unix_now();
    if let Some(minted) = fresh(&contents, &name, now) {
        return Ok(minted);
    }
    if let Some(failed) = contents.failures.get(&name).filter(|f| f.at >= started) {
        return Err(Error::JustFailed {
            app: app.id,
            why: failed.why.clone(),
        });
    }
    drop(contents);
    // The network with only this entry's lock held; the cache's own lock only to write.
    let asked = ask(store, config, at, repository, repo, now);
    let lock = cache.lock()?;
    let mut contents = cache.read(key)?;
    let minted = match asked {
        Ok(minted) => minted,
        Err(e) => {
            let why = crate::term::one_line(&e);
            contents.failures.insert(name, Failed { at: millis(), why });
            cache.write(key, &mut contents, now, &lock)?;
            return Err(e);
        }
    };
    contents.failures.remove(&name);
    contents.tokens.insert(
        name,
        Entry {
            token: minted.token.expose().to_owned(),
            expires_at: minted.expires_at,
            installation: minted.installation,
        },
    );
    cache.write(key, &mut contents, now, &lock)?;
    drop(held);
    Ok(Minted {
        token: minted.token,
        expires_at: minted.expires_at,
    })
}

/// Unix milliseconds: a failure and a `get` that began in the same second are told apart.
fn millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A new token from GitHub: a JWT, the repository's installation, the mint narrowed to `repo`.
fn ask(
    store: &Store,
    config: &Config,
    at: &AppAt<'_>,
    repository: &str,
    repo: &str,
    now: i64,
) -> Result<github_app::Minted, Error> {
    let app = at.app();
    let at_github = |source| Error::Api {
        app: app.id,
        source,
    };
    let (api, jwt) = super::session::session(store, config, at, now)?;
    let client = Client::new();
    let installation = github_app::installation_for(&api, &client, &jwt, repository)
        .map_err(at_github)?
        .ok_or_else(|| Error::NotInstalled {
            app: app.id,
            repository: repository.to_owned(),
        })?;
    github_app::mint(
        &api,
        &client,
        &jwt,
        installation.id,
        &[repo],
        &app.levels(),
        now,
    )
    .map_err(at_github)
}

/// git rejected `token`: drop it from the cache so the next `get` mints a new one. The App
/// credential is never touched.
pub fn forget(store: &Store, token: &Secret) -> Result<(), Error> {
    drop_where(store, |_, e| e.token == token.expose())
}

/// App credential `id` was removed: its tokens are not answered again (those git already holds
/// live until they expire, at most an hour).
pub fn forget_app(store: &Store, id: &str) -> Result<(), Error> {
    let prefix = format!("{id}|");
    drop_where(store, |name, _| name.starts_with(&prefix))
}

/// Drop the cached tokens `gone` selects. Nothing to do without a cache (nothing was minted).
fn drop_where(store: &Store, gone: impl Fn(&str, &Entry) -> bool) -> Result<(), Error> {
    let cache = Cache::new(store.paths());
    if !cache.exists() {
        return Ok(());
    }
    let Some(key) = store.data_key(Create::Never)? else {
        return Ok(());
    };
    let lock = cache.lock()?;
    let mut contents = cache.read(&key)?;
    let before = contents.tokens.len();
    contents.tokens.retain(|name, e| !gone(name, e));
    if contents.tokens.len() != before {
        cache.write(&key, &mut contents, unix_now(), &lock)?;
    }
    Ok(())
}
