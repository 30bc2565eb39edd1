//! The encrypted store: one file, replaced whole. Writers read it whole; `get` reads only
//! the header, the bucket table and the buckets it needs ([`lookup`]).
//!
//! Readers (`get`) take no lock: the file is only ever replaced by rename, so they see the old
//! or the new version, never a mix. Writers hold an exclusive lock on a separate lock file
//! around read-modify-write, so parallel git processes lose nothing.
//!
//! A store path that is a symlink is written through: the lock and the temp file go beside the
//! file it leads to, and the link stays (dotfiles kept in a repository through links).

pub(crate) mod buffer;
pub mod format;
mod lookup;
mod rewrap;

pub use lookup::Wanted;

use std::path::{Path, PathBuf};

use crate::credential::Credential;
use crate::durable::{self, Lock, Target};
use crate::keysource::{self, DataKey, KeyId, KeySource, SourceKind};
use crate::paths::Paths;
use format::{FormatError, Header};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store {path} is damaged or was tampered with ({reason}); it was left untouched")]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "store {path} has format version {version}, newer than this build reads ({}): upgrade git-credential-vouch",
        format::VERSION
    )]
    UnsupportedVersion { path: PathBuf, version: u16 },
    /// Something other than a store file where the store should be.
    #[error("store {path} {problem}; it was left untouched")]
    NotAStoreFile { path: PathBuf, problem: String },
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

/// What `init` found or made.
pub struct Initialized {
    pub source: SourceKind,
    /// For a store made now: its key ID and data key (so the caller can cache what a person
    /// just typed a passphrase for).
    pub created: Option<(KeyId, DataKey)>,
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

/// The store's temp files are `.store-XXXXXX` beside it.
const TEMP_PREFIX: &str = ".store-";

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
        // Leftovers first: they may be whole copies of the store or the key file.
        let mut files = self.leftovers()?;
        files.extend([
            path.clone(),
            self.paths.lock_file(),
            self.paths.key_file(),
            self.paths.key_lock_file(),
        ]);
        files.extend(self.paths.sealed_beside_store());
        for file in files {
            match std::fs::remove_file(&file) {
                Ok(()) => done.push(format!("removed {}", file.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path: file, source }),
            }
        }
        // The GitHub App tokens' entry locks: empty files named by a hash.
        let locks = self.paths.data_dir.join("github-app-locks");
        if std::fs::remove_dir_all(&locks).is_ok() {
            done.push(format!("removed {}", locks.display()));
        }
        for dir in [&self.paths.data_dir, &self.paths.config_dir] {
            let _ = std::fs::remove_dir(dir);
        }
        if done.is_empty() {
            done.push("nothing to purge".to_owned());
        }
        Ok(done)
    }

    /// Temp files that writers killed mid-write left beside the store and the key file, each
    /// possibly a whole copy of an older version. The next write of the same file removes them.
    pub fn leftovers(&self) -> Result<Vec<PathBuf>, Error> {
        let file = self.file().ok().flatten().unwrap_or_else(|| self.path());
        let dir = file.parent().unwrap_or(&self.paths.data_dir);
        let mut found = durable::stale_temps(dir, TEMP_PREFIX).map_err(io(dir))?;
        let key = keysource::FileSource::new(&self.paths);
        found.extend(key.leftovers().map_err(|source| Error::Key {
            path: self.path(),
            source,
        })?);
        Ok(found)
    }

    /// The file that holds the store: the store path, or the file its symlink leads to. `None`
    /// when there is no store yet. A dangling link or a directory is refused: writing would
    /// silently start an empty store in its place, or fail with a bare OS error.
    fn file(&self) -> Result<Option<PathBuf>, Error> {
        let path = self.path();
        let problem = match durable::target(&path).map_err(io(&path))? {
            Target::Missing => return Ok(None),
            Target::File(file) => return Ok(Some(file)),
            Target::Dangling(to) => format!(
                "is a symlink to {}, which does not exist: restore that file or remove the link",
                to.display()
            ),
            Target::NotAFile(at) => {
                let what = if at.is_dir() {
                    "a directory"
                } else {
                    "not a regular file"
                };
                if at == path {
                    format!("is {what}, not a store file")
                } else {
                    format!("leads to {}, {what}, not a store file", at.display())
                }
            }
        };
        Err(Error::NotAStoreFile { path, problem })
    }

    /// The store's bytes; `None` when there is no store yet.
    fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        let Some(file) = self.file()? else {
            return Ok(None);
        };
        buffer::read_if_exists(&file).map_err(io(&file))
    }

    /// The lock every writer of `file` takes.
    fn lock(file: &Path) -> Result<Lock, Error> {
        let lock = crate::paths::lock_beside(file);
        durable::lock(&lock).map_err(io(&lock))
    }

    /// Check the header and unwrap the data key.
    fn unlock<'b>(&self, bytes: &'b [u8]) -> Result<(Header, &'b [u8], DataKey), Error> {
        let (header, body) =
            format::parse_header(bytes).map_err(|e| format_error(&self.path(), e))?;
        let data_key = self.unwrap_key(&header)?;
        Ok((header, body, data_key))
    }

    /// The data key `header` wraps, from its key source.
    fn unwrap_key(&self, header: &Header) -> Result<DataKey, Error> {
        let aad = Header::wrap_aad(&header.key_id, header.source);
        keysource::open(header.source, &self.paths)
            .unwrap(&header.key_id, &header.wrapped, &aad)
            .map_err(|source| Error::Key {
                path: self.path(),
                source,
            })
    }

    /// Open the store file read whole as `bytes`, decrypting it in place (then zeroized).
    fn decode(&self, bytes: Vec<u8>) -> Result<Opened, Error> {
        let path = self.path();
        let mut bytes = Zeroizing::new(bytes);
        let (header, body, data_key) = self.unlock(&bytes)?;
        let body_at = bytes.len() - body.len();
        let entries = format::decode_in_place(&header, &data_key, &mut bytes[body_at..])
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
        let file = self.file()?;
        if create == Create::Never && file.is_none() {
            return Ok(None);
        }
        let data_dir = &self.paths.data_dir;
        durable::ensure_private_dir(data_dir).map_err(io(data_dir))?;
        let file = file.unwrap_or_else(|| self.path());
        let lock = Self::lock(&file)?;
        let mut opened = match buffer::read_if_exists(&file).map_err(io(&file))? {
            Some(bytes) => self.decode(bytes)?,
            None if create == Create::Never => return Ok(None),
            None => self.create(create, &file, &lock)?,
        };
        let (changed, out) = change(&mut opened);
        if changed {
            self.write(&file, &opened, &lock)?;
        }
        Ok(Some(out))
    }

    /// Like [`Store::update`] of an existing store, for a `change` that does something that
    /// cannot be repeated (a rotation at the provider): the lock is taken, the store read and
    /// the temp file created and made writable (with room for the store) before `change` runs,
    /// so that only the final write and rename remain after it. When `change` returns false,
    /// the store is not touched. `None` when there is no store.
    pub fn update_prepared<T>(
        &self,
        change: impl FnOnce(&mut Opened) -> (bool, T),
    ) -> Result<Option<T>, Error> {
        let Some(file) = self.file()? else {
            return Ok(None);
        };
        let lock = Self::lock(&file)?;
        let Some(bytes) = buffer::read_if_exists(&file).map_err(io(&file))? else {
            return Ok(None);
        };
        // Room for the store as it is and a new token or two.
        let reserve = bytes.len() + 4096;
        let mut opened = self.decode(bytes)?;
        let prepared = durable::prepare(&file, TEMP_PREFIX, reserve, &lock).map_err(io(&file))?;
        let (changed, out) = change(&mut opened);
        if changed {
            let sealed = format::seal(&opened.header, &opened.data_key, &opened.entries);
            prepared.commit(&sealed).map_err(io(&file))?;
        }
        Ok(Some(out))
    }

    /// Create an empty store at `file`, with its key.
    fn create(&self, create: Create, file: &Path, lock: &Lock) -> Result<Opened, Error> {
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
                layout: None,
            },
            data_key,
            entries: Vec::new(),
        };
        self.write(file, &opened, lock)?;
        Ok(opened)
    }

    fn write(&self, file: &Path, opened: &Opened, lock: &Lock) -> Result<(), Error> {
        let bytes = format::seal(&opened.header, &opened.data_key, &opened.entries);
        durable::write_atomic(file, &bytes, TEMP_PREFIX, lock).map_err(io(file))
    }

    /// Create the store if there is none. Returns the source in use and whether it was created.
    pub fn init(&self, create: Create) -> Result<Initialized, Error> {
        // An existing store is only looked at: opening it could ask for its passphrase.
        if let Some(header) = self.inspect()? {
            return Ok(Initialized {
                source: header.source,
                created: None,
            });
        }
        let made = self.update(create, |opened| {
            let key = DataKey::from_slice(opened.data_key.bytes()).expect("32 bytes");
            (false, (opened.source(), opened.header.key_id, key))
        })?;
        let (source, key_id, key) = made.expect("created");
        Ok(Initialized {
            source,
            created: Some((key_id, key)),
        })
    }
}

/// Maps an I/O error to one naming `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { path, source }
}

fn format_error(path: &Path, e: FormatError) -> Error {
    let path = path.to_path_buf();
    match e {
        FormatError::UnsupportedVersion(version) => Error::UnsupportedVersion { path, version },
        FormatError::UnknownVersion(version) => Error::Damaged {
            path,
            reason: format!("unknown format version {version}: not a vouch store"),
        },
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
