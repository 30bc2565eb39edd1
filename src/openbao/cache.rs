//! The OpenBao cache file, `openbao-cache.vouch` in the data dir: what OpenBao answered per
//! secret (with when), the AppRole secret ID and the client token from the last login.
//!
//! It is a file of its own (not entries in the store) so the store's format stays the store's.
//! Layout: `VOUCHOBC` | version (u16 BE) | nonce (12) | AES-256-GCM ciphertext and tag, with
//! magic and version as the authenticated data. The key is derived with HKDF-SHA256 from the
//! store's data key, so the cache is exactly as safe as the store and never plaintext. Written
//! by atomic replace under its own lock file; readers take no lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::durable::{self, Lock};
use crate::keysource::DataKey;
use crate::paths::Paths;
use crate::sealed;

use super::Error;

const MAGIC: &[u8; 8] = b"VOUCHOBC";
pub const VERSION: u16 = 1;
const TEMP_PREFIX: &str = ".openbao-cache-";

/// One secret as OpenBao answered it.
#[derive(Serialize, Deserialize, Clone, Default)]
pub struct Entry {
    pub fetched: i64,
    pub fields: BTreeMap<String, String>,
}

/// The AppRole set up with `openbao login --approle`.
#[derive(Serialize, Deserialize, Clone)]
pub struct AppRole {
    pub role_id: String,
    pub secret_id: String,
}

/// A client token from a login, kept until its TTL.
#[derive(Serialize, Deserialize, Clone)]
pub struct ClientToken {
    pub address: String,
    /// `approle` or `jwt`.
    pub method: String,
    pub token: String,
    /// Unix seconds; `None`: no expiry.
    pub expires: Option<i64>,
}

/// Failed requests for one secret, so that the processes waiting on the cache lock (and the
/// `get`s after them) answer the cached copy at once instead of each asking a cluster that does
/// not answer.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// Unix seconds of the last failed request.
    pub last: i64,
    /// Failed requests in a row.
    pub failures: u32,
}

impl Outage {
    /// The first retry after 30 s, doubling with each failure, at most every 10 minutes.
    pub fn retry_at(&self) -> i64 {
        let doublings = self.failures.saturating_sub(1).min(5);
        self.last.saturating_add((30i64 << doublings).min(600))
    }

    /// One more failure at `now`.
    pub fn after(previous: Option<Outage>, now: i64) -> Outage {
        Outage {
            last: now,
            failures: previous.map_or(1, |o| o.failures.saturating_add(1)),
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
pub struct Contents {
    #[serde(default)]
    pub secrets: BTreeMap<String, Entry>,
    /// Per secret (the same names as `secrets`): the requests that failed lately.
    #[serde(default)]
    pub outages: BTreeMap<String, Outage>,
    pub approle: Option<AppRole>,
    pub client_token: Option<ClientToken>,
}

impl Drop for Contents {
    fn drop(&mut self) {
        for entry in self.secrets.values_mut() {
            for value in entry.fields.values_mut() {
                value.zeroize();
            }
        }
        if let Some(a) = &mut self.approle {
            a.secret_id.zeroize();
        }
        if let Some(t) = &mut self.client_token {
            t.token.zeroize();
        }
    }
}

pub struct Cache {
    path: PathBuf,
    lock: PathBuf,
}

impl Cache {
    pub fn new(paths: &Paths) -> Cache {
        Cache {
            path: paths.data_dir.join("openbao-cache.vouch"),
            lock: paths.data_dir.join("openbao-cache.lock"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The contents; empty when there is no cache yet. A cache sealed with another data key
    /// (the store was purged and made anew) or damaged counts as empty and is replaced.
    pub fn read(&self, key: &DataKey) -> Result<Contents, Error> {
        let Some(bytes) = self.bytes()? else {
            return Ok(Contents::default());
        };
        if SEALED.version_of(&bytes).is_some_and(|v| v > VERSION) {
            return Err(Error::NewerCache {
                path: self.path.clone(),
            });
        }
        Ok(open(key, &bytes).unwrap_or_default())
    }

    fn bytes(&self) -> Result<Option<Vec<u8>>, Error> {
        durable::read_if_exists(&self.path).map_err(|source| Error::Cache {
            doing: "reading",
            path: self.path.clone(),
            source,
        })
    }

    /// Where a damaged cache is set aside (see [`Cache::read_locked`]); `doctor` reports it.
    pub fn damaged_path(&self) -> PathBuf {
        self.path.with_extension("vouch.damaged")
    }

    /// [`Cache::read`] for a writer holding the lock: a cache that exists but does not open
    /// (damaged, or sealed with another data key) is not silently replaced, since it may hold
    /// the only copy of an AppRole secret ID: it is moved to [`Cache::damaged_path`] and one
    /// stderr line says so.
    pub fn read_locked(&self, key: &DataKey, _lock: &Lock) -> Result<Contents, Error> {
        let Some(bytes) = self.bytes()? else {
            return Ok(Contents::default());
        };
        if let Some(contents) = open(key, &bytes) {
            return Ok(contents);
        }
        let contents = self.read(key)?; // a newer version is an error, not damage
        let aside = self.damaged_path();
        std::fs::rename(&self.path, &aside).map_err(|source| Error::SetAside {
            path: self.path.clone(),
            source,
        })?;
        eprintln!(
            "git-credential-vouch: warning: the OpenBao cache {} is damaged or sealed with another key; it was moved to {} and a new one is started (a kept AppRole needs `git credential-vouch openbao login --approle` again)",
            self.path.display(),
            aside.display()
        );
        Ok(contents)
    }

    /// The lock every writer takes around read-refresh-write, so that many processes refresh
    /// once.
    pub fn lock(&self) -> Result<Lock, Error> {
        if let Some(dir) = self.path.parent() {
            durable::ensure_private_dir(dir).map_err(|source| Error::Cache {
                doing: "creating",
                path: dir.to_owned(),
                source,
            })?;
        }
        durable::lock(&self.lock).map_err(|source| Error::Cache {
            doing: "locking",
            path: self.lock.clone(),
            source,
        })
    }

    pub fn write(&self, key: &DataKey, contents: &Contents, lock: &Lock) -> Result<(), Error> {
        let bytes = seal(key, contents);
        durable::write_atomic(&self.path, &bytes, TEMP_PREFIX, lock).map_err(|source| {
            Error::Cache {
                doing: "writing",
                path: self.path.clone(),
                source,
            }
        })
    }
}

/// The cache's sealed-file kind (its key derivation is unchanged since version 1).
const SEALED: sealed::Kind = sealed::Kind {
    magic: MAGIC,
    version: VERSION,
    salt: b"git-credential-vouch openbao cache",
};

fn seal(key: &DataKey, contents: &Contents) -> Vec<u8> {
    let plain = Zeroizing::new(serde_json::to_vec(contents).expect("serializable"));
    SEALED.seal(key, &plain)
}

fn open(key: &DataKey, bytes: &[u8]) -> Option<Contents> {
    serde_json::from_slice(&SEALED.open(key, bytes)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_back_off_from_30_seconds_to_10_minutes_without_overflow() {
        let first = Outage::after(None, 100);
        assert_eq!((first.failures, first.retry_at()), (1, 130));
        let second = Outage::after(Some(first), 200);
        assert_eq!(second.retry_at(), 260);
        let many = Outage {
            last: i64::MAX - 5,
            failures: u32::MAX,
        };
        assert_eq!(Outage::after(Some(many), 0).failures, u32::MAX);
        assert_eq!(many.retry_at(), i64::MAX);
        let tenth = Outage {
            last: 0,
            failures: 10,
        };
        assert_eq!(tenth.retry_at(), 600);
    }

    #[test]
    fn sealed_contents_open_only_with_the_same_key_and_hide_secrets() {
        let key = DataKey::generate();
        let mut contents = Contents::default();
        contents.secrets.insert(
            "a".into(),
            Entry {
                fetched: 7,
                fields: [("token".to_owned(), "glpat-SECRETSECRET".to_owned())].into(),
            },
        );
        let bytes = seal(&key, &contents);
        assert!(!bytes.windows(6).any(|w| w == b"SECRET"));
        assert_eq!(open(&key, &bytes).unwrap().secrets["a"].fetched, 7);
        assert!(open(&DataKey::generate(), &bytes).is_none());
        let mut tampered = bytes.clone();
        tampered[9] ^= 1;
        assert!(open(&key, &tampered).is_none());
    }
}
