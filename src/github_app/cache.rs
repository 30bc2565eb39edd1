//! Minted installation tokens, `github-app-tokens.vouch` in the data dir: per App credential,
//! host, repository and permissions, the token and its expiry. Sealed like the OpenBao cache
//! (see `crate::sealed`: a key derived from the store's data key, never plaintext), replaced
//! atomically under `github-app-tokens.lock`; a mint holds its entry's own lock while it asks
//! GitHub, which is what makes parallel `get`s for one repository mint once. Readers take no
//! lock. A cache that does not open is an empty one: it holds nothing a new mint cannot
//! replace.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::Error;
use crate::durable::{self, Lock};
use crate::keysource::DataKey;
use crate::paths::Paths;
use crate::sealed::{self, FileError};

const SEALED: sealed::Kind = sealed::Kind {
    magic: b"VOUCHGHA",
    version: 1,
    salt: b"git-credential-vouch github app tokens",
};

/// One minted token.
#[derive(Serialize, Deserialize, Clone)]
pub struct Entry {
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub installation: u64,
}

/// A mint that failed: the processes that waited on the lock meanwhile answer this instead of
/// asking GitHub once more each.
#[derive(Serialize, Deserialize, Clone)]
pub struct Failed {
    /// Unix milliseconds.
    pub at: i64,
    /// The error, as one line (it never holds a secret).
    pub why: String,
}

#[derive(Serialize, Deserialize, Default)]
pub struct Contents {
    #[serde(default)]
    pub tokens: BTreeMap<String, Entry>,
    /// Per entry name, the last mint that failed (kept ten minutes).
    #[serde(default)]
    pub failures: BTreeMap<String, Failed>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

pub struct Cache {
    file: sealed::File,
    /// One lock file per entry ([`Cache::lock_entry`]).
    locks: PathBuf,
}

/// Where the entries' locks are, beside the cache (`purge` removes it).
pub const LOCKS_DIR: &str = "github-app-locks";

impl Cache {
    pub fn new(paths: &Paths) -> Cache {
        let dir = &paths.data_dir;
        Cache {
            file: sealed::File::new(
                &SEALED,
                dir,
                "github-app-tokens.vouch",
                "github-app-tokens.lock",
                ".github-app-tokens-",
            ),
            locks: dir.join(LOCKS_DIR),
        }
    }

    /// The lock one mint of entry `name` holds while it asks GitHub, so that the `get`s for
    /// that repository wait for its token while mints for other repositories go on (a GitHub
    /// that does not answer costs each one timeout, not one after another). The file is named
    /// by a hash of the entry, which stays the same for its life; the files stay (empty).
    pub fn lock_entry(&self, name: &str) -> Result<Lock, Error> {
        durable::ensure_private_dir(&self.locks).map_err(FileError::io("creating", &self.locks))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
        let file = self.locks.join(format!(
            "{}.lock",
            crate::keysource::hex(&digest.as_ref()[..16])
        ));
        Ok(durable::lock(&file).map_err(FileError::io("locking", &file))?)
    }

    pub fn exists(&self) -> bool {
        self.file.path().exists()
    }

    /// The contents; empty when there is no cache or it does not open.
    pub fn read(&self, key: &DataKey) -> Result<Contents, Error> {
        Ok(self.file.read(key)?)
    }

    /// The lock around a write.
    pub fn lock(&self) -> Result<Lock, Error> {
        Ok(self.file.lock()?)
    }

    /// Write `contents` without the tokens that expired before `now`.
    pub fn write(
        &self,
        key: &DataKey,
        contents: &mut Contents,
        now: i64,
        lock: &Lock,
    ) -> Result<(), Error> {
        contents.tokens.retain(|_, e| e.expires_at > now);
        contents.failures.retain(|_, f| f.at > (now - 600) * 1000);
        // A token is at most 1 KiB, a failure's line about as long.
        let size = 4096 + 2048 * (contents.tokens.len() + contents.failures.len());
        Ok(self.file.write(key, &*contents, size, lock)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_sealed_and_expired_ones_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::at(dir.path().join("data"), dir.path().join("config"));
        let cache = Cache::new(&paths);
        let key = DataKey::generate();
        let mut contents = Contents::default();
        for (name, expires_at) in [("live", 200), ("dead", 50)] {
            contents.tokens.insert(
                name.into(),
                Entry {
                    token: format!("ghs_SECRET{name}"),
                    expires_at,
                    installation: 1,
                },
            );
        }
        let lock = cache.lock().unwrap();
        cache.write(&key, &mut contents, 100, &lock).unwrap();
        let bytes = std::fs::read(dir.path().join("data/github-app-tokens.vouch")).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"SECRET"));
        let read = cache.read(&key).unwrap();
        assert_eq!(read.tokens.keys().collect::<Vec<_>>(), ["live"]);
        assert!(cache.read(&DataKey::generate()).unwrap().tokens.is_empty());
    }
}
