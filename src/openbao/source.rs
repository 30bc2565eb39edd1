//! What `get` asks for an instance with `openbao_path`: the cached copy while it is younger
//! than `cache_ttl` (no request); else, under the cache lock, one process asks OpenBao and the
//! others find its answer when they get the lock; when OpenBao cannot be asked, the cached copy
//! answers until the token's own expiry, with one warning on stderr.
//!
//! The secret becomes a credential by the same rules as `add`: token kind from `token_kind` or
//! the token's prefix, identity from `username`/`email` per the kind, expiry from `expires_at`.

use super::cache::{Cache, Contents, Entry, Outage};
use super::client::{Api, Failure, Fields};
use super::{Error, Settings, auth};
use crate::config::Config;
use crate::credential::{Credential, Origin};
use crate::keysource::DataKey;
use crate::provider::Instance;
use crate::provider::rules::{self, Invalid};
use crate::secret::Secret;
use crate::store::{Create, Store};

/// Where a credential came from, for `list` and `resolve`.
pub fn describe(settings: &Settings, path: &str) -> String {
    match settings.address() {
        Ok(address) => format!("openbao {address} {path}"),
        Err(_) => format!("openbao {path}"),
    }
}

/// The cache entry's name: the same path on another cluster or namespace is another secret.
pub(super) fn entry_name(address: &str, namespace: Option<&str>, path: &str) -> String {
    format!("{address}|{}|{path}", namespace.unwrap_or(""))
}

fn fresh(entry: &Entry, now: i64, ttl: u64) -> bool {
    now >= entry.fetched && ((now - entry.fetched) as u64) < ttl
}

/// The instance's credential from OpenBao (or the cache), or `None` after one stderr line
/// saying why not.
pub fn credential(
    store: &Store,
    config: &Config,
    instance: &Instance,
    now: i64,
) -> Result<Option<Credential>, Error> {
    let path = instance
        .openbao_path
        .as_deref()
        .expect("an OpenBao instance");
    let settings = config.openbao.clone().unwrap_or_default();
    let address = settings.address().map_err(Error::Address)?;
    let name = entry_name(&address, settings.namespace.as_deref(), path);
    let ttl = settings.cache_ttl.as_secs();
    let key = store.data_key(Create::Auto)?.expect("created when missing");
    let cache = Cache::new(store.paths());
    let contents = cache.read(&key)?;
    if let Some(entry) = contents.secrets.get(&name).filter(|e| fresh(e, now, ttl)) {
        return Ok(usable(instance, path, entry, now));
    }
    drop(contents);
    let lock = cache.lock()?;
    // Another process may have refreshed (or failed to) while this one waited for the lock.
    let mut contents = cache.read_locked(&key, &lock)?;
    let now = crate::credential::unix_now();
    if let Some(entry) = contents.secrets.get(&name).filter(|e| fresh(e, now, ttl)) {
        return Ok(usable(instance, path, entry, now));
    }
    let outage = contents.outages.get(&name).copied();
    let outcome = match outage.filter(|o| now < o.retry_at()) {
        Some(o) => Err(Failure::Unreachable(format!(
            "it failed {} ago; next try in {}",
            crate::time::duration_words((now - o.last).max(0) as u64),
            crate::time::duration_words((o.retry_at() - now).max(0) as u64)
        ))),
        None => {
            let api = Api::new(
                super::http(&settings)?,
                address.clone(),
                settings.namespace.clone(),
            );
            let outcome = fetch(&api, &settings, &mut contents, path, now);
            if matches!(outcome, Err(Failure::Unreachable(_) | Failure::Refused(_))) {
                let failed_at = crate::credential::unix_now();
                contents
                    .outages
                    .insert(name.clone(), Outage::after(outage, failed_at));
            } else {
                contents.outages.remove(&name);
            }
            outcome
        }
    };
    let answer = match outcome {
        Ok(fields) => {
            let entry = Entry {
                fetched: now,
                fields,
            };
            let built = usable(instance, path, &entry, now);
            contents.secrets.insert(name, entry);
            built
        }
        Err(Failure::Denied(why)) => {
            eprintln!("git-credential-vouch: openbao {path}: {why}");
            // Access was taken away: the cached copy must not answer any more.
            contents.secrets.remove(&name);
            None
        }
        // Unreachable, or a no that says nothing about this secret (a bad login, a proxy's
        // page, a redirect): the cached copy answers until the token's own expiry.
        Err(failure) => {
            let stale = contents.secrets.get(&name);
            match stale.and_then(|e| build(instance, path, e).map(|c| (c, e.fetched))) {
                Some((c, fetched)) if !c.is_expired(now) => {
                    eprintln!(
                        "git-credential-vouch: warning: OpenBao at {address}: {failure}; answering the copy of {path} cached {} ago",
                        crate::time::duration_words((now - fetched).max(0) as u64)
                    );
                    Some(c)
                }
                _ => {
                    eprintln!(
                        "git-credential-vouch: openbao {path}: OpenBao at {address}: {failure}; no usable copy is cached"
                    );
                    None
                }
            }
        }
    };
    if outage.is_none_or(|o| now >= o.retry_at()) {
        cache.write(&key, &contents, &lock)?;
    }
    Ok(answer)
}

/// [`build`], and a token past its `expires_at` is said on stderr rather than dropped silently.
fn usable(instance: &Instance, path: &str, entry: &Entry, now: i64) -> Option<Credential> {
    let c = build(instance, path, entry)?;
    if let Some(expiry) = c.password_expiry_utc.filter(|_| c.is_expired(now)) {
        eprintln!(
            "git-credential-vouch: openbao {path}: the token expired on {} (its expires_at): put a new one in OpenBao",
            crate::time::datetime(expiry)
        );
        return None;
    }
    Some(c)
}

/// Read `path` with a client token, logging in again once when a kept login token is refused
/// (revoked or expired early).
pub fn fetch(
    api: &Api,
    settings: &Settings,
    contents: &mut Contents,
    path: &str,
    now: i64,
) -> Result<Fields, Failure> {
    auth::with_token(api, settings, contents, now, |token| {
        api.read_kv(path, token)
    })
}

/// The secret as a credential of `instance`, checked like an added token; `None` (after one
/// stderr line naming the field) when it breaks the instance's rules.
fn build(instance: &Instance, path: &str, entry: &Entry) -> Option<Credential> {
    match to_credential(instance, entry) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!(
                "git-credential-vouch: openbao {path}: the secret does not fit instance {}: {}",
                instance.name,
                crate::term::one_line(&e)
            );
            None
        }
    }
}

/// The secret's fields (`token`, `token_kind`, `username`, `email`, `expires_at`) as a
/// credential of `instance`; the field that breaks a rule names itself.
pub fn to_credential(instance: &Instance, entry: &Entry) -> Result<Credential, Invalid> {
    let field = |name: &str| entry.fields.get(name).filter(|v| !v.is_empty()).cloned();
    let invalid = |field: &'static str, message: &str| Invalid {
        field,
        message: message.to_owned(),
    };
    let token = field("token").ok_or_else(|| invalid("token", "missing"))?;
    let token = Secret::new(token);
    if token.has_line_breaking_bytes() {
        return Err(invalid("token", "contains a line break or NUL"));
    }
    let username = field("username");
    let email = field("email");
    let kind = rules::token_kind(instance.kind, field("token_kind").as_deref(), &token)?;
    // `username` holds the username or the email, as the kind's identity needs.
    let who = rules::identity(instance.kind, kind, username.as_deref(), email.as_deref())?;
    let expires = field("expires_at")
        .map(|t| crate::time::parse(&t).map_err(|e| invalid("expires_at", &e.to_string())))
        .transpose()?;
    Ok(Credential {
        id: "openbao".into(),
        provider: instance.name.clone(),
        username: who.username,
        account: who.account,
        email: who.email,
        token_kind: Some(kind),
        password: Some(token),
        password_expiry_utc: expires,
        origin: Origin::Added,
        created: entry.fetched,
        ..Default::default()
    })
}

/// Keep an AppRole (role ID, secret ID) for later logins, after checking it logs in.
pub fn save_approle(
    store: &Store,
    config: &Config,
    role_id: String,
    secret_id: &Secret,
    now: i64,
) -> Result<(), Error> {
    let settings = config.openbao.clone().unwrap_or_default();
    let address = settings.address().map_err(Error::Address)?;
    let key: DataKey = store.data_key(Create::Auto)?.expect("created when missing");
    let cache = Cache::new(store.paths());
    let lock = cache.lock()?;
    let mut contents = cache.read_locked(&key, &lock)?;
    contents.approle = Some(super::cache::AppRole {
        role_id,
        secret_id: secret_id.expose().to_owned(),
    });
    contents.client_token = None;
    let api = Api::new(super::http(&settings)?, address, settings.namespace.clone());
    let mut trial = Contents::default();
    trial.approle = contents.approle.clone();
    // Only the AppRole is tried: a BAO_TOKEN in the environment must not hide a bad secret ID.
    let mut approle_only = settings.clone();
    approle_only.jwt = None;
    auth::login_approle(&api, &approle_only, &mut trial, now).map_err(|f| match f {
        Failure::Refused(why) | Failure::Denied(why) => Error::LoginRefused(why),
        Failure::Unreachable(why) => Error::LoginUnreachable(why),
    })?;
    contents.client_token = trial.client_token.take();
    cache.write(&key, &contents, &lock)
}
