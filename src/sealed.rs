//! Small files sealed under a key derived from the store's data key: exactly as safe as the
//! store, never plaintext. Layout: magic (8) | version (u16 BE) | nonce (12) | AES-256-GCM
//! ciphertext and tag, with magic and version as the authenticated data. Used by the OpenBao
//! cache, the GitHub App tokens' cache and the rotation rescue file; each names its own magic
//! and HKDF salt, so no file can be opened as another. [`File`] is such a file holding JSON,
//! replaced atomically under a lock file of its own.

use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::durable::{self, Lock};
use crate::keysource::DataKey;

/// What tells one kind of sealed file from another.
pub struct Kind {
    pub magic: &'static [u8; 8],
    pub version: u16,
    /// The HKDF salt: the file's key is its own.
    pub salt: &'static [u8],
}

const INFO: &[u8] = b"aes-256-gcm v1";

impl Kind {
    pub const HEADER_LEN: usize = 10;

    fn header(&self) -> [u8; Self::HEADER_LEN] {
        let mut h = [0u8; Self::HEADER_LEN];
        h[..8].copy_from_slice(self.magic);
        h[8..].copy_from_slice(&self.version.to_be_bytes());
        h
    }

    fn key(&self, data_key: &DataKey) -> LessSafeKey {
        let prk = Salt::new(HKDF_SHA256, self.salt).extract(data_key.bytes());
        let okm = prk
            .expand(&[INFO], &AES_256_GCM)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        LessSafeKey::new(UnboundKey::from(okm))
    }

    /// The version a file of this kind says it has, if it is one (for "upgrade" errors).
    pub fn version_of(&self, bytes: &[u8]) -> Option<u16> {
        (bytes.len() >= Self::HEADER_LEN && &bytes[..8] == self.magic)
            .then(|| u16::from_be_bytes([bytes[8], bytes[9]]))
    }

    pub fn seal(&self, data_key: &DataKey, plain: &[u8]) -> Vec<u8> {
        let mut sealed = Zeroizing::new(plain.to_vec());
        let mut nonce = [0u8; NONCE_LEN];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
            .expect("the OS random number generator failed");
        let aad = self.header();
        let tag = self
            .key(data_key)
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad[..]),
                &mut sealed[..],
            )
            .expect("sealing cannot fail");
        let mut out = Vec::with_capacity(Self::HEADER_LEN + NONCE_LEN + sealed.len() + 16);
        out.extend_from_slice(&aad);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// The plaintext, or `None` for a file that is damaged, of another kind or version, or
    /// sealed under another data key.
    pub fn open(&self, data_key: &DataKey, bytes: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let header = self.header();
        if bytes.len() < Self::HEADER_LEN + NONCE_LEN + 16 || bytes[..Self::HEADER_LEN] != header {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = bytes[Self::HEADER_LEN..Self::HEADER_LEN + NONCE_LEN]
            .try_into()
            .ok()?;
        let mut sealed = Zeroizing::new(bytes[Self::HEADER_LEN + NONCE_LEN..].to_vec());
        let len = self
            .key(data_key)
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&header[..]),
                &mut sealed[..],
            )
            .ok()?
            .len();
        sealed.truncate(len);
        Some(sealed)
    }
}

/// A sealed [`File`] that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{} has a newer format version than this build reads: upgrade git-credential-vouch", path.display())]
    Newer { path: PathBuf },
    /// `doing` is what was being done to `path`.
    #[error("{doing} {}: {source}", path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl FileError {
    /// The error of `doing` to `path`, for `map_err`.
    pub fn io(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> FileError {
        let path = path.to_owned();
        move |source| FileError::Io {
            doing,
            path,
            source,
        }
    }
}

/// A sealed file of JSON in the data dir: readers take no lock (it is only ever replaced by
/// rename); writers take the lock file beside it around read-change-write.
pub struct File {
    kind: &'static Kind,
    path: PathBuf,
    lock: PathBuf,
    temp_prefix: &'static str,
}

impl File {
    /// `name` in `dir`, locked with `lock_name`; temp files while writing start `temp_prefix`.
    pub fn new(
        kind: &'static Kind,
        dir: &Path,
        name: &str,
        lock_name: &str,
        temp_prefix: &'static str,
    ) -> File {
        File {
            kind,
            path: dir.join(name),
            lock: dir.join(lock_name),
            temp_prefix,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes; `None` when there is none. One of a newer version is an error.
    pub fn bytes(&self) -> Result<Option<Vec<u8>>, FileError> {
        let bytes =
            durable::read_if_exists(&self.path).map_err(FileError::io("reading", &self.path))?;
        if let Some(bytes) = &bytes
            && self
                .kind
                .version_of(bytes)
                .is_some_and(|v| v > self.kind.version)
        {
            return Err(FileError::Newer {
                path: self.path.clone(),
            });
        }
        Ok(bytes)
    }

    /// `bytes` opened and parsed; `None` when damaged or sealed under another data key.
    pub fn open<T: DeserializeOwned>(&self, key: &DataKey, bytes: &[u8]) -> Option<T> {
        serde_json::from_slice(&self.kind.open(key, bytes)?).ok()
    }

    /// The contents; `T::default()` when there is no file or it does not open.
    pub fn read<T: DeserializeOwned + Default>(&self, key: &DataKey) -> Result<T, FileError> {
        Ok(self
            .bytes()?
            .and_then(|bytes| self.open(key, &bytes))
            .unwrap_or_default())
    }

    /// The lock every writer takes (its directory made private first).
    pub fn lock(&self) -> Result<Lock, FileError> {
        if let Some(dir) = self.path.parent() {
            durable::ensure_private_dir(dir).map_err(FileError::io("creating", dir))?;
        }
        durable::lock(&self.lock).map_err(FileError::io("locking", &self.lock))
    }

    /// Replace the file with `value`, sealed. `size` is a bound on its JSON: the buffer is made
    /// that large up front, so that no copy of a secret is left behind by growing.
    pub fn write<T: Serialize>(
        &self,
        key: &DataKey,
        value: &T,
        size: usize,
        held: &Lock,
    ) -> Result<(), FileError> {
        let mut plain = Zeroizing::new(Vec::with_capacity(size));
        serde_json::to_writer(&mut *plain, value).expect("serializable");
        let bytes = self.kind.seal(key, &plain);
        durable::write_atomic(&self.path, &bytes, self.temp_prefix, held)
            .map_err(FileError::io("writing", &self.path))
    }
}
