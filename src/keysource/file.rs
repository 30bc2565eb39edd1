//! A key file in the XDG config dir: for machines with no reachable keyring.
//!
//! One line per store key, so creating a new store never overwrites the key of an old one
//! (a backup of that store stays readable). The file is 0600 and lives apart from the data.
//! Writers hold `key.lock`: stores in different data dirs may share one config dir.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::kek::{self, DataKey};
use super::{Error, KeyId, KeySource, SourceKind};
use crate::durable;
use crate::paths::Paths;

const TAG: &str = "vouch-key-v1";
const HEADER: &str =
    "# git-credential-vouch key file. Keep it private and out of backups of the store.\n";
/// The key file's temp files are `.key-XXXXXX` beside it: whole copies of the keys.
const TEMP_PREFIX: &str = ".key-";

pub struct FileSource {
    path: PathBuf,
    lock: PathBuf,
}

impl FileSource {
    pub fn new(paths: &Paths) -> FileSource {
        FileSource {
            path: paths.key_file(),
            lock: paths.key_lock_file(),
        }
    }

    fn io(&self) -> impl FnOnce(std::io::Error) -> Error {
        let path = self.path.clone();
        move |source| Error::Io { path, source }
    }

    fn dir(&self) -> &std::path::Path {
        self.path.parent().expect("key file has a parent dir")
    }

    /// Temp files that writers killed mid-write left beside the key file.
    pub fn leftovers(&self) -> Result<Vec<PathBuf>, Error> {
        durable::stale_temps(self.dir(), TEMP_PREFIX).map_err(self.io())
    }

    /// A key file that is not text, or is a directory, cannot hold a key: the key is
    /// unavailable (exit 5), not an I/O failure.
    fn read(&self) -> Result<Option<Zeroizing<String>>, Error> {
        let unusable = |what: &str| Error::Unavailable {
            source_name: "file",
            reason: format!("key file {} {what}", self.path.display()),
        };
        let mut bytes = match durable::read_if_exists(&self.path) {
            Ok(Some(bytes)) => Zeroizing::new(bytes),
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                return Err(unusable("is a directory, not a key file"));
            }
            Err(e) => return Err(self.io()(e)),
        };
        match String::from_utf8(std::mem::take(&mut *bytes)) {
            Ok(text) => Ok(Some(Zeroizing::new(text))),
            Err(e) => {
                // The bytes may still hold keys: wipe them like any other copy.
                drop(Zeroizing::new(e.into_bytes()));
                Err(unusable("is not valid UTF-8 text, not a vouch key file"))
            }
        }
    }

    /// Replace the key file with `text`, holding the key lock (taken by the caller).
    fn write(&self, text: &str, lock: &durable::Lock) -> Result<(), Error> {
        durable::write_atomic(&self.path, text.as_bytes(), TEMP_PREFIX, lock).map_err(self.io())
    }

    fn lock(&self) -> Result<durable::Lock, Error> {
        durable::lock(&self.lock).map_err(|source| Error::Io {
            path: self.lock.clone(),
            source,
        })
    }

    fn kek(&self, key_id: &KeyId) -> Result<DataKey, Error> {
        let text = self.read()?.ok_or_else(|| Error::Unavailable {
            source_name: "file",
            reason: format!("key file {} is missing", self.path.display()),
        })?;
        find_key(&text, key_id).ok_or_else(|| {
            Error::Wrong(format!(
                "key file {} holds no key for this store",
                self.path.display()
            ))
        })
    }

    fn add_key(&self, key_id: &KeyId, kek: &DataKey) -> Result<(), Error> {
        durable::ensure_private_dir(self.dir()).map_err(self.io())?;
        let lock = self.lock()?;
        let text = self
            .read()?
            .unwrap_or_else(|| Zeroizing::new(HEADER.to_owned()));
        // A line left for this store by an interrupted rekey would shadow the new key (the
        // first line for an id wins): replace it rather than add a second one.
        let mut kept = without_key(&text, key_id);
        kept.push_str(&format!("{TAG} {} {}\n", hex(key_id), hex(kek.bytes())));
        self.write(&kept, &lock)
    }
}

impl KeySource for FileSource {
    fn kind(&self) -> SourceKind {
        SourceKind::File
    }

    fn wrap_new(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error> {
        let kek = DataKey::generate();
        self.add_key(key_id, &kek)?;
        Ok(kek::wrap(&kek, data_key, aad))
    }

    fn wrap(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(kek::wrap(&self.kek(key_id)?, data_key, aad))
    }

    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, Error> {
        kek::unwrap(&self.kek(key_id)?, wrapped, aad).map_err(|_| {
            Error::Wrong(format!(
                "the key in {} does not open this store",
                self.path.display()
            ))
        })
    }

    fn describe(&self) -> String {
        format!("key file {}", self.path.display())
    }

    /// Removes this store's line; the file goes when no key is left in it.
    fn forget(&self, key_id: &KeyId) -> Result<(), Error> {
        if !self.path.exists() {
            return Ok(());
        }
        let lock = self.lock()?;
        let Some(text) = self.read()? else {
            return Ok(());
        };
        let kept = without_key(&text, key_id);
        if !kept.lines().any(|l| l.starts_with(TAG)) {
            return std::fs::remove_file(&self.path).map_err(self.io());
        }
        self.write(&kept, &lock)
    }
}

/// The key file's text without the lines of `key_id`.
fn without_key(text: &str, key_id: &KeyId) -> Zeroizing<String> {
    let id = hex(key_id);
    Zeroizing::new(
        text.lines()
            .filter(|l| {
                !(l.starts_with(TAG) && l.split_ascii_whitespace().nth(1) == Some(id.as_str()))
            })
            .map(|l| format!("{l}\n"))
            .collect(),
    )
}

fn find_key(text: &str, key_id: &KeyId) -> Option<DataKey> {
    let id = hex(key_id);
    text.lines().find_map(|line| {
        let mut words = line.split_ascii_whitespace();
        if words.next() != Some(TAG) || words.next() != Some(id.as_str()) {
            return None;
        }
        let bytes = Zeroizing::new(unhex(words.next()?)?);
        DataKey::from_slice(&bytes)
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accumulate_and_are_found_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let src = FileSource::new(&Paths::at(dir.path().join("data"), dir.path().join("cfg")));
        let dk = DataKey::generate();
        let (id1, id2) = ([1u8; 16], [2u8; 16]);
        let w1 = src.wrap_new(&id1, &dk, b"a").unwrap();
        let w2 = src.wrap_new(&id2, &dk, b"b").unwrap();
        assert_eq!(src.unwrap(&id1, &w1, b"a").unwrap().bytes(), dk.bytes());
        assert_eq!(src.unwrap(&id2, &w2, b"b").unwrap().bytes(), dk.bytes());
        assert!(matches!(
            src.unwrap(&[3u8; 16], &w1, b"a"),
            Err(Error::Wrong(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("cfg/key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_new_key_for_an_id_replaces_a_left_over_line() {
        // An interrupted rekey to the keyring leaves this store's line behind; moving back to
        // the file must not let that old line shadow the new key.
        let dir = tempfile::tempdir().unwrap();
        let src = FileSource::new(&Paths::at(dir.path().join("data"), dir.path().join("cfg")));
        let dk = DataKey::generate();
        let id = [4u8; 16];
        src.wrap_new(&id, &dk, b"a").unwrap();
        let wrapped = src.wrap_new(&id, &dk, b"a").unwrap();
        assert_eq!(src.unwrap(&id, &wrapped, b"a").unwrap().bytes(), dk.bytes());
        let text = std::fs::read_to_string(dir.path().join("cfg/key")).unwrap();
        assert_eq!(text.matches(&hex(&id)).count(), 1, "{}", text.len());
    }

    #[test]
    fn missing_file_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let src = FileSource::new(&Paths::at(dir.path(), dir.path()));
        assert!(matches!(
            src.unwrap(&[0; 16], &[0; 60], b""),
            Err(Error::Unavailable { .. })
        ));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])).unwrap(),
            vec![0, 1, 0xab, 0xff]
        );
        assert!(unhex("abc").is_none());
        assert!(unhex("zz").is_none());
    }
}
