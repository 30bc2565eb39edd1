//! What `list`, `resolve` and `doctor` say about OpenBao-backed instances. `list` and
//! `resolve` read only the cache (no request); `doctor` asks the cluster.

use serde::Serialize;

use super::cache::Cache;
use super::client::{Api, Failure};
use super::source::{entry_name, to_credential};
use super::{Error, Settings, auth};
use crate::config::Config;
use crate::credential::unix_now;
use crate::store::{Create, Store};

/// An OpenBao-backed instance and what the cache holds for it.
#[derive(Serialize)]
pub struct Backed {
    pub instance: String,
    pub path: String,
    /// `openbao ADDRESS PATH`.
    pub source: String,
    pub account: Option<String>,
    pub token_kind: Option<String>,
    pub expires: Option<i64>,
    /// `expires` as RFC 3339.
    pub expires_at: Option<String>,
    /// When OpenBao last answered (Unix seconds); `None`: nothing cached.
    pub fetched: Option<i64>,
    /// `fetched` as RFC 3339.
    pub fetched_at: Option<String>,
}

impl Backed {
    pub fn line(&self, now: i64) -> String {
        let cached = match self.fetched {
            Some(t) => format!(
                "cached {} ago",
                crate::time::duration_words((now - t).max(0) as u64)
            ),
            None => "not cached yet".into(),
        };
        format!(
            "{}  {}  account {}  {}  expires {}  ({cached})",
            self.instance,
            self.source,
            self.account.as_deref().unwrap_or("-"),
            self.token_kind.as_deref().unwrap_or("-"),
            self.expires.map_or("never".into(), crate::time::date),
        )
    }
}

/// How a finding about the cluster stands (doctor turns it into its own levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Fine,
    Doubtful,
    Broken,
}

/// One thing learned about the OpenBao setup: what was looked at, how it stands, and why.
#[derive(Debug)]
pub struct Finding {
    pub what: &'static str,
    pub state: State,
    pub message: String,
}

fn settings(config: &Config) -> Settings {
    config.openbao.clone().unwrap_or_default()
}

/// Every OpenBao-backed instance, with what is cached. Opens the store's key only when a
/// store exists (listing never creates one).
pub fn backed(store: &Store, config: &Config) -> Result<Vec<Backed>, Error> {
    let instances: Vec<_> = config
        .instances
        .iter()
        .filter(|i| i.openbao_path.is_some())
        .collect();
    if instances.is_empty() {
        return Ok(Vec::new());
    }
    let settings = settings(config);
    let address = settings.address().ok();
    let contents = match store.data_key(Create::Never)? {
        Some(key) => Some(Cache::new(store.paths()).read(&key)?),
        None => None,
    };
    Ok(instances
        .into_iter()
        .map(|instance| {
            let path = instance.openbao_path.clone().expect("filtered");
            let entry = address.as_deref().and_then(|a| {
                contents.as_ref().and_then(|c| {
                    c.secrets
                        .get(&entry_name(a, settings.namespace.as_deref(), &path))
                        .cloned()
                })
            });
            let credential = entry.as_ref().and_then(|e| to_credential(instance, e).ok());
            Backed {
                instance: instance.name.clone(),
                source: super::source::describe(&settings, &path),
                path,
                account: credential.as_ref().map(|c| c.display_account().to_owned()),
                token_kind: credential
                    .as_ref()
                    .and_then(|c| c.token_kind)
                    .map(|k| k.name().to_owned()),
                expires: credential.as_ref().and_then(|c| c.password_expiry_utc),
                expires_at: credential
                    .as_ref()
                    .and_then(|c| c.password_expiry_utc)
                    .map(crate::time::datetime),
                fetched: entry.as_ref().map(|e| e.fetched),
                fetched_at: entry.map(|e| crate::time::datetime(e.fetched)),
            }
        })
        .collect())
}

/// For `resolve`: the cached copy of `instance`'s secret as a credential (no request), and a
/// note saying where it comes from.
pub fn cached(
    store: &Store,
    config: &Config,
    instance: &crate::provider::Instance,
) -> Result<(Option<crate::credential::Credential>, String), Error> {
    let b = backed(store, config)?
        .into_iter()
        .find(|b| b.instance == instance.name)
        .expect("an OpenBao-backed instance");
    let ttl = crate::time::duration_words(settings(config).cache_ttl.as_secs());
    let Some(fetched) = b.fetched else {
        return Ok((
            None,
            format!(
                "instance {} is served from OpenBao ({}, cache_ttl {ttl}); nothing is cached yet: the next get asks OpenBao",
                b.instance, b.source
            ),
        ));
    };
    let settings = settings(config);
    let address = settings.address().unwrap_or_default();
    let contents = match store.data_key(Create::Never)? {
        Some(key) => Cache::new(store.paths()).read(&key)?,
        None => Default::default(),
    };
    let credential = contents
        .secrets
        .get(&entry_name(
            &address,
            settings.namespace.as_deref(),
            &b.path,
        ))
        .and_then(|e| to_credential(instance, e).ok());
    let note = format!(
        "instance {} is served from OpenBao ({}, cache_ttl {ttl}); the copy cached {} ago is shown, and get asks OpenBao again once it is older than cache_ttl",
        b.instance,
        b.source,
        crate::time::duration_words((unix_now() - fetched).max(0) as u64)
    );
    Ok((credential, note))
}

/// What `doctor` reports about OpenBao: the address answers, the auth method gives a token,
/// and each backed instance's secret can be read and fits the instance; a cache set aside.
/// Nothing without such instances.
pub fn findings(store: &Store, config: &Config) -> Vec<Finding> {
    let check = |what: &'static str, state: State, message: String| Finding {
        what,
        state,
        message,
    };
    let paths: Vec<_> = config
        .instances
        .iter()
        .filter(|i| i.openbao_path.is_some())
        .collect();
    if paths.is_empty() {
        return Vec::new();
    }
    let settings = settings(config);
    let address = match settings.address() {
        Ok(a) => a,
        Err(e) => return vec![check("openbao", State::Broken, e)],
    };
    let http = match super::http(&settings) {
        Ok(h) => h,
        Err(e) => return vec![check("openbao", State::Broken, crate::term::one_line(&e))],
    };
    let api = Api::new(http, address.clone(), settings.namespace.clone());
    let mut out = Vec::new();
    let aside = Cache::new(store.paths()).damaged_path();
    if aside.exists() {
        out.push(check(
            "openbao cache",
            State::Doubtful,
            format!(
                "a damaged OpenBao cache was set aside at {}: a kept AppRole needs `git credential-vouch openbao login --approle` again; then delete that file",
                aside.display()
            ),
        ));
    }
    match api.health() {
        Ok(()) => out.push(check("openbao", State::Fine, format!("{address} answers"))),
        Err(f) => {
            out.push(check("openbao", State::Broken, format!("{address}: {f}")));
            return out;
        }
    }
    let key = store.data_key(Create::Never).ok().flatten();
    let mut contents = match &key {
        Some(k) => Cache::new(store.paths()).read(k).unwrap_or_default(),
        None => Default::default(),
    };
    let token = match auth::client_token(&api, &settings, &mut contents, unix_now(), false) {
        Ok((token, method)) => {
            let looked = api.lookup_self(&token);
            match looked {
                Ok(()) => out.push(check("openbao auth", State::Fine, method.describe())),
                Err(f) => {
                    out.push(check(
                        "openbao auth",
                        State::Broken,
                        format!("{}: {f}", method.describe()),
                    ));
                    return out;
                }
            }
            token
        }
        Err(f) => {
            out.push(check("openbao auth", State::Broken, f.to_string()));
            return out;
        }
    };
    for instance in paths {
        let path = instance.openbao_path.as_deref().expect("filtered");
        let level_message = match api.read_kv(path, &token) {
            Ok(fields) => {
                let entry = super::cache::Entry {
                    fetched: unix_now(),
                    fields,
                };
                match to_credential(instance, &entry) {
                    Ok(_) => (State::Fine, format!("{}: {path} readable", instance.name)),
                    Err(e) => (
                        State::Broken,
                        format!(
                            "{}: {path} does not fit: {}",
                            instance.name,
                            crate::term::one_line(&e)
                        ),
                    ),
                }
            }
            Err(Failure::Denied(why) | Failure::Refused(why) | Failure::Unreachable(why)) => {
                (State::Broken, format!("{}: {path}: {why}", instance.name))
            }
        };
        out.push(check("openbao read", level_message.0, level_message.1));
    }
    out
}
