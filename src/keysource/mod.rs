//! Where the key that wraps the store's data key lives.
//!
//! The store is encrypted with a random data key; a key source only wraps and unwraps that one
//! key. Changing the source re-wraps 32 bytes and never touches the entries. New sources
//! (a passphrase cached in the kernel keyring, a Vault transit key) implement [`KeySource`].

mod file;
pub mod kek;
pub mod kernel_cache;
mod keyring;
pub mod passphrase;

use std::path::PathBuf;

pub use file::FileSource;
pub(crate) use file::hex;
pub use kek::{DataKey, KEY_LEN};
pub use keyring::KeyringSource;
pub use passphrase::PassphraseSource;

use crate::paths::Paths;

/// A 128-bit random identifier of a store's data key, kept in the store header.
pub type KeyId = [u8; 16];

/// The source named in a store header. The byte values are part of the on-disk format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    File = 1,
    Keyring = 2,
    Passphrase = 3,
}

impl SourceKind {
    pub fn from_byte(b: u8) -> Option<SourceKind> {
        match b {
            1 => Some(SourceKind::File),
            2 => Some(SourceKind::Keyring),
            3 => Some(SourceKind::Passphrase),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SourceKind::File => "file",
            SourceKind::Keyring => "keyring",
            SourceKind::Passphrase => "passphrase",
        }
    }

    pub fn parse(name: &str) -> Option<SourceKind> {
        match name {
            "file" => Some(SourceKind::File),
            "keyring" => Some(SourceKind::Keyring),
            "passphrase" => Some(SourceKind::Passphrase),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key cannot be reached now: keyring locked or absent, key file missing.
    #[error("key unavailable ({source_name}): {reason}")]
    Unavailable {
        source_name: &'static str,
        reason: String,
    },
    /// The key was reached but does not open this store.
    #[error("wrong key: {0}")]
    Wrong(String),
    /// Input a person gave that cannot be used (an empty passphrase, two that differ).
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub trait KeySource {
    fn kind(&self) -> SourceKind;
    /// Create key material for a new store and wrap `data_key` with it.
    fn wrap_new(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error>;
    /// Wrap `data_key` with the existing key material of `key_id`.
    fn wrap(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error>;
    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, Error>;
    /// Where the key lives, for messages (never the key itself).
    fn describe(&self) -> String;
    /// Delete the key material of `key_id` (purge). Missing material is not an error.
    fn forget(&self, key_id: &KeyId) -> Result<(), Error>;
}

/// How long `keyring` keys stay in the kernel cache unless config.toml says `key_cache`.
pub const DEFAULT_CACHE_SECONDS: u64 = 15 * 60;

static KEYRING_CACHE_SECONDS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(DEFAULT_CACHE_SECONDS);

/// config.toml's `key_cache` (0 = off), set once the config is read.
pub fn set_keyring_cache(seconds: u64) {
    KEYRING_CACHE_SECONDS.store(seconds, std::sync::atomic::Ordering::Relaxed);
}

pub fn keyring_cache() -> u64 {
    KEYRING_CACHE_SECONDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The source a store header names. Keyring and passphrase keys are looked up in the kernel
/// cache first; keyring keys are put there after a Secret Service read (passphrase keys only
/// by `unlock`).
pub fn open(kind: SourceKind, paths: &Paths) -> Box<dyn KeySource> {
    match kind {
        SourceKind::File => Box::new(FileSource::new(paths)),
        SourceKind::Keyring => {
            let seconds = keyring_cache();
            let inner = Box::new(KeyringSource::platform());
            if seconds == 0 {
                return inner;
            }
            Box::new(kernel_cache::Cached {
                inner,
                fill: Some(seconds),
            })
        }
        SourceKind::Passphrase => Box::new(kernel_cache::Cached {
            inner: Box::new(PassphraseSource),
            fill: None,
        }),
    }
}

/// For a store created without `init --key`: the OS keyring when one answers, else a key file.
pub fn choose(paths: &Paths) -> Box<dyn KeySource> {
    let keyring = KeyringSource::platform();
    if keyring.answers() {
        Box::new(keyring)
    } else {
        Box::new(FileSource::new(paths))
    }
}
