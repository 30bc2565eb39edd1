//! The encrypted store: one file, read whole, replaced whole.
//!
//! Readers (`get`) take no lock: the file is only ever replaced by rename, so they see the old
//! or the new version, never a mix. Writers hold an exclusive lock on a separate lock file
//! around read-modify-write, so parallel git processes lose nothing.

pub mod format;
mod fsio;

use std::path::{Path, PathBuf};

pub use fsio::sync_dir;

use crate::credential::Credential;
use crate::keysource::{self, DataKey, KeyId, KeySource, SourceKind};
use crate::paths::Paths;
use format::{FormatError, Header};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store {path} is damaged or was tampered with ({reason}); it was left untouched")]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "store {path} has format version {version}; this build reads version {}: upgrade git-credential-vouch",
        format::VERSION
    )]
    UnsupportedVersion { path: PathBuf, version: u16 },
    #[error("store {path}: {source}")]
    Key {
        path: PathBuf,
        source: keysource::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A store file opened with its key.
pub struct Opened {
    header: Header,
    data_key: DataKey,
    pub entries: Vec<Credential>,
}

impl Opened {
    pub fn source(&self) -> SourceKind {
        self.header.source
    }
}

/// How a missing store is created on first write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Do not create: leave a missing store missing.
    Never,
    /// The OS keyring when one answers, else a key file.
    Auto,
    /// Exactly this source, or fail.
    With(SourceKind),
}

pub struct Store {
    paths: Paths,
}

impl Store {
    pub fn new(paths: Paths) -> Store {
        Store { paths }
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn path(&self) -> PathBuf {
        self.paths.store_file()
    }

    /// The stored credentials that `keep` selects, in stored order: the read-only path of
    /// `get`, which looks at each entry in place and copies out only what it keeps.
    /// Empty when no store was created yet.
    pub fn select(
        &self,
        keep: impl Fn(&format::View<'_>) -> bool,
    ) -> Result<Vec<Credential>, Error> {
        let path = self.path();
        let Some(bytes) = self.read()? else {
            return Ok(Vec::new());
        };
        let (header, body, data_key) = self.unlock(&bytes)?;
        let body_start = bytes.len() - body.len();
        let plain = format::open_in_place(&header, &data_key, bytes, body_start)
            .map_err(|e| format_error(&path, e))?;
        let mut selected = Vec::new();
        for view in plain.views() {
            let view = view.map_err(|e| format_error(&path, e))?;
            if keep(&view) {
                selected.push(view.to_credential().map_err(|e| format_error(&path, e))?);
            }
        }
        Ok(selected)
    }

    /// Delete the store, its lock, its key (keyring entry and key file) and the data dir if it
    /// is then empty. Returns what was done.
    pub fn purge(&self) -> Result<Vec<String>, Error> {
        let mut done = Vec::new();
        let path = self.path();
        if let Some(header) = self.inspect().ok().flatten()
            && header.source == SourceKind::Keyring
        {
            keysource::open(SourceKind::Keyring, &self.paths)
                .forget(&header.key_id)
                .map_err(|source| Error::Key {
                    path: path.clone(),
                    source,
                })?;
            done.push("removed the store's key from the OS keyring".to_owned());
        }
        let key_file = self.paths.key_file();
        for file in [path.clone(), self.paths.lock_file(), key_file] {
            match std::fs::remove_file(&file) {
                Ok(()) => done.push(format!("removed {}", file.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path: file, source }),
            }
        }
        for dir in [&self.paths.data_dir, &self.paths.config_dir] {
            let _ = std::fs::remove_dir(dir);
        }
        if done.is_empty() {
            done.push("nothing to purge".to_owned());
        }
        Ok(done)
    }

    /// The header, read without the key (for `doctor`). `None` without a store.
    pub fn inspect(&self) -> Result<Option<Header>, Error> {
        let Some(bytes) = self.read()? else {
            return Ok(None);
        };
        let (header, _) =
            format::parse_header(&bytes).map_err(|e| format_error(&self.path(), e))?;
        Ok(Some(header))
    }

    /// The store file's bytes; `None` when there is no store yet.
    fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        let path = self.path();
        fsio::read_if_exists(&path).map_err(|source| Error::Io { path, source })
    }

    /// Check the header and unwrap the data key.
    fn unlock<'b>(&self, bytes: &'b [u8]) -> Result<(Header, &'b [u8], DataKey), Error> {
        let path = self.path();
        let (header, body) = format::parse_header(bytes).map_err(|e| format_error(&path, e))?;
        let aad = Header::wrap_aad(&header.key_id, header.source);
        let data_key = keysource::open(header.source, &self.paths)
            .unwrap(&header.key_id, &header.wrapped, &aad)
            .map_err(|source| Error::Key { path, source })?;
        Ok((header, body, data_key))
    }

    fn decode(&self, bytes: &[u8]) -> Result<Opened, Error> {
        let path = self.path();
        let (header, body, data_key) = self.unlock(bytes)?;
        let entries = format::open(&header, &data_key, body)
            .and_then(|plain| plain.decode())
            .map_err(|e| format_error(&path, e))?;
        Ok(Opened {
            header,
            data_key,
            entries,
        })
    }

    /// Lock, open (creating per `create`), let `change` edit the entries, and write them back
    /// when it returns true. Returns `None` when the store was missing and not created.
    pub fn update<T>(
        &self,
        create: Create,
        change: impl FnOnce(&mut Opened) -> (bool, T),
    ) -> Result<Option<T>, Error> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        if create == Create::Never && !self.path().exists() {
            return Ok(None);
        }
        crate::paths::ensure_private_dir(&self.paths.data_dir).map_err(io(&self.paths.data_dir))?;
        let lock_path = self.paths.lock_file();
        let _lock = fsio::lock(&lock_path).map_err(io(&lock_path))?;
        let mut opened = match self.read()? {
            Some(bytes) => self.decode(&bytes)?,
            None if create == Create::Never => return Ok(None),
            None => self.create(create)?,
        };
        let (changed, out) = change(&mut opened);
        if changed {
            self.write(&opened)?;
        }
        Ok(Some(out))
    }

    /// Create an empty store, with its key. Called with the lock held.
    fn create(&self, create: Create) -> Result<Opened, Error> {
        let mut key_id: KeyId = [0; 16];
        key_id.copy_from_slice(&DataKey::generate().bytes()[..16]);
        let data_key = DataKey::generate();
        let key_error = |source| Error::Key {
            path: self.path(),
            source,
        };
        let wrap_with = |source: &dyn KeySource| {
            let aad = Header::wrap_aad(&key_id, source.kind());
            source.wrap_new(&key_id, &data_key, &aad)
        };
        let (source, wrapped) = match create {
            Create::With(kind) => {
                let source = keysource::open(kind, &self.paths);
                (kind, wrap_with(source.as_ref()).map_err(key_error)?)
            }
            // A keyring that answers but refuses the write (locked, no prompter on a
            // headless box) must not block the first store: fall back to the key file.
            _ => {
                let chosen = keysource::choose(&self.paths);
                match wrap_with(chosen.as_ref()) {
                    Ok(wrapped) => (chosen.kind(), wrapped),
                    Err(_) if chosen.kind() != SourceKind::File => {
                        let file = keysource::open(SourceKind::File, &self.paths);
                        (
                            SourceKind::File,
                            wrap_with(file.as_ref()).map_err(key_error)?,
                        )
                    }
                    Err(e) => return Err(key_error(e)),
                }
            }
        };
        let opened = Opened {
            header: Header {
                key_id,
                source,
                wrapped,
            },
            data_key,
            entries: Vec::new(),
        };
        self.write(&opened)?;
        Ok(opened)
    }

    fn write(&self, opened: &Opened) -> Result<(), Error> {
        let path = self.path();
        let bytes = format::seal(&opened.header, &opened.data_key, &opened.entries);
        fsio::write_atomic(&path, &bytes).map_err(|source| Error::Io { path, source })
    }

    /// Create the store if there is none. Returns the source in use and whether it was created.
    pub fn init(&self, create: Create) -> Result<(SourceKind, bool), Error> {
        let existed = self.path().exists();
        let source = self.update(create, |opened| (false, opened.source()))?;
        Ok((source.expect("created"), !existed))
    }

    /// Re-wrap the data key with another source: only the header is rewritten, the encrypted
    /// entries are carried over byte for byte, and the old source's key is deleted. Returns the
    /// previous source and, if the old key could not be deleted, why; `None` without store.
    pub fn rekey(&self, kind: SourceKind) -> Result<Option<(SourceKind, Option<String>)>, Error> {
        let path = self.path();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        if !path.exists() {
            return Ok(None);
        }
        let _lock = fsio::lock(&self.paths.lock_file()).map_err(io)?;
        let bytes = std::fs::read(&path).map_err(io)?;
        let opened = self.decode(&bytes)?;
        let old = opened.header.source;
        if old == kind {
            return Ok(Some((old, None)));
        }
        let key_id = opened.header.key_id;
        let wrapped = keysource::open(kind, &self.paths)
            .wrap_new(&key_id, &opened.data_key, &Header::wrap_aad(&key_id, kind))
            .map_err(|source| Error::Key {
                path: path.clone(),
                source,
            })?;
        let (_, body) = format::parse_header(&bytes).map_err(|e| format_error(&path, e))?;
        let header = Header {
            key_id,
            source: kind,
            wrapped,
        };
        let mut out = header.encode();
        out.extend_from_slice(body);
        fsio::write_atomic(&path, &out).map_err(io)?;
        // A leaked backup must not be opened with a key the user thinks is gone.
        let left = keysource::open(old, &self.paths)
            .forget(&key_id)
            .err()
            .map(|e| e.to_string());
        Ok(Some((old, left)))
    }
}

fn format_error(path: &Path, e: FormatError) -> Error {
    let path = path.to_path_buf();
    match e {
        FormatError::UnsupportedVersion(version) => Error::UnsupportedVersion { path, version },
        FormatError::NotAStore => Error::Damaged {
            path,
            reason: "not a git-credential-vouch store".into(),
        },
        FormatError::Damaged(reason) => Error::Damaged {
            path,
            reason: reason.into(),
        },
    }
}
