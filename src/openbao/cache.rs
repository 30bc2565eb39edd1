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
use zeroize::Zeroize;

use crate::durable::Lock;
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
    file: sealed::File,
}

impl Cache {
    pub fn new(paths: &Paths) -> Cache {
        Cache {
            file: sealed::File::new(
                &SEALED,
                &paths.data_dir,
                "openbao-cache.vouch",
                "openbao-cache.lock",
                TEMP_PREFIX,
            ),
        }
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The contents; empty when there is no cache yet. A cache sealed with another data key
    /// (the store was purged and made anew) or damaged counts as empty and is replaced.
    pub fn read(&self, key: &DataKey) -> Result<Contents, Error> {
        Ok(self.file.read(key)?)
    }

    /// Where a damaged cache is set aside (see [`Cache::read_locked`]); `doctor` reports it.
    pub fn damaged_path(&self) -> PathBuf {
        self.path().with_extension("vouch.damaged")
    }

    /// [`Cache::read`] for a writer holding the lock: a cache that exists but does not open
    /// (damaged, or sealed with another data key) is not silently replaced, since it may hold
    /// the only copy of an AppRole secret ID: it is moved to [`Cache::damaged_path`] and one
    /// stderr line says so. One of a newer version is an error, not damage.
    pub fn read_locked(&self, key: &DataKey, _lock: &Lock) -> Result<Contents, Error> {
        let Some(bytes) = self.file.bytes()? else {
            return Ok(Contents::default());
        };
        if let Some(contents) = self.file.open(key, &bytes) {
            return Ok(contents);
        }
        let aside = self.damaged_path();
        std::fs::rename(self.path(), &aside).map_err(|source| Error::SetAside {
            path: self.path().to_owned(),
            source,
        })?;
        eprintln!(
            "git-credential-vouch: warning: the OpenBao cache {} is damaged or sealed with another key; it was moved to {} and a new one is started (a kept AppRole needs `git credential-vouch openbao login --approle` again)",
            self.path().display(),
            aside.display()
        );
        Ok(Contents::default())
    }

    /// The lock every writer takes around read-refresh-write, so that many processes refresh
    /// once.
    pub fn lock(&self) -> Result<Lock, Error> {
        Ok(self.file.lock()?)
    }

    pub fn write(&self, key: &DataKey, contents: &Contents, lock: &Lock) -> Result<(), Error> {
        Ok(self
            .file
            .write(key, contents, contents.json_bound(), lock)?)
    }
}

impl Contents {
    /// More than the JSON of these contents takes (values are short visible text; escapes
    /// count twice), so that the buffer it is written to never grows.
    fn json_bound(&self) -> usize {
        let secrets: usize = self
            .secrets
            .iter()
            .map(|(name, e)| {
                64 + name.len() * 2
                    + e.fields
                        .iter()
                        .map(|(k, v)| 8 + (k.len() + v.len()) * 2)
                        .sum::<usize>()
            })
            .sum();
        let approle = self
            .approle
            .as_ref()
            .map_or(0, |a| (a.role_id.len() + a.secret_id.len()) * 2);
        let token = self.client_token.as_ref().map_or(0, |t| {
            (t.address.len() + t.method.len() + t.token.len()) * 2
        });
        4096 + secrets + 64 * self.outages.len() + approle + token
    }
}

/// The cache's sealed-file kind (its key derivation is unchanged since version 1).
const SEALED: sealed::Kind = sealed::Kind {
    magic: MAGIC,
    version: VERSION,
    salt: b"git-credential-vouch openbao cache",
};

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
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(&Paths::at(dir.path(), dir.path()));
        let lock = cache.lock().unwrap();
        cache.write(&key, &contents, &lock).unwrap();
        let bytes = std::fs::read(cache.path()).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"SECRET"));
        assert_eq!(cache.read(&key).unwrap().secrets["a"].fetched, 7);
        assert!(cache.read(&DataKey::generate()).unwrap().secrets.is_empty());
        let mut tampered = bytes.clone();
        tampered[9] ^= 1;
        assert!(cache.file.open::<Contents>(&key, &tampered).is_none());
    }
}
