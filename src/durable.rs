//! Files that must survive a crash whole: atomic replace, directory sync, locking, private
//! directories, leftovers of interrupted writes and permission checks. The store and the key
//! file both use this one implementation, so they keep the same guarantees. What differs per
//! platform (file modes, directory sync, who else may change a file) is in
//! [`crate::platform::fs`].

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Random characters after a temp file's prefix. Part of the pattern [`stale_temps`] matches:
/// it is tempfile's default, so leftovers of older builds are recognized too.
const TEMP_RANDOM: usize = 6;

pub fn read_if_exists(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Proof that a writer holds a file's exclusive lock; released when dropped.
pub struct Lock {
    _file: File,
}

/// Block until this process holds the exclusive lock on `path` (created 0600 if missing).
pub fn lock(path: &Path) -> io::Result<Lock> {
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    let file = crate::platform::fs::owner_only(&mut options).open(path)?;
    file.lock()?;
    Ok(Lock { _file: file })
}

/// Replace `path` with `bytes`: write a 0600 temp file named `<temp_prefix>XXXXXX` beside it,
/// fsync it, rename it over `path`, fsync the directory. A crash leaves the old file or the new
/// one, and at worst a temp file, which the next write removes first.
///
/// `held` is the lock every writer of `path` takes: with it held, any temp file of this
/// pattern belongs to a writer that died, so removing it cannot hurt a write in progress.
pub fn write_atomic(path: &Path, bytes: &[u8], temp_prefix: &str, held: &Lock) -> io::Result<()> {
    prepare(path, temp_prefix, 0, held)?.commit(bytes)
}

/// A replacement of a file made ready before its contents exist: the temp file is created,
/// `reserve` bytes of zeros written to it and synced, so that a full disk or a read-only
/// directory shows before, not after, an action that cannot be repeated (a token rotation
/// whose new token exists only in the provider's answer). Dropped without [`Prepared::commit`],
/// the temp file is removed and `path` is untouched.
pub struct Prepared<'l> {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    _held: &'l Lock,
}

/// Prepare to replace `path` (see [`write_atomic`] for the temp file and the lock).
pub fn prepare<'l>(
    path: &Path,
    temp_prefix: &str,
    reserve: usize,
    held: &'l Lock,
) -> io::Result<Prepared<'l>> {
    let dir = parent(path);
    // Best effort: a leftover that cannot be removed must not block the write; doctor names it.
    if let Ok(stale) = stale_temps(dir, temp_prefix) {
        for file in stale {
            let _ = std::fs::remove_file(file);
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(temp_prefix)
        .rand_bytes(TEMP_RANDOM)
        .tempfile_in(dir)?;
    if reserve > 0 {
        tmp.write_all(&vec![0; reserve])?;
        tmp.as_file().sync_all()?;
    }
    Ok(Prepared {
        path: path.to_path_buf(),
        tmp,
        _held: held,
    })
}

impl Prepared<'_> {
    /// Write `bytes` over the reserved space, fsync, rename over the file, fsync the directory.
    pub fn commit(mut self, bytes: &[u8]) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        self.tmp.seek(SeekFrom::Start(0))?;
        self.tmp.write_all(bytes)?;
        self.tmp.as_file().set_len(bytes.len() as u64)?;
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        sync_dir(parent(&self.path))
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Temp files of `temp_prefix` in `dir`, left by writers killed mid-write: each may be a
/// complete copy of an older version of the file. Only regular files named exactly like
/// [`write_atomic`]'s temp files count. Sorted; empty when `dir` does not exist. Without the
/// lock, a write in progress shows its temp file too.
pub fn stale_temps(dir: &Path, temp_prefix: &str) -> io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        if is_temp_name(&entry.file_name(), temp_prefix) && entry.file_type()?.is_file() {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

fn is_temp_name(name: &OsStr, temp_prefix: &str) -> bool {
    name.to_str()
        .and_then(|n| n.strip_prefix(temp_prefix))
        .is_some_and(|rest| {
            rest.len() == TEMP_RANDOM && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

pub use crate::platform::fs::{others_can_change, sync_dir};

/// Create `dir` (and parents) and make sure only the owner can enter it (see
/// [`crate::platform::fs::make_dir_private`] for what that means per platform).
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    crate::platform::fs::make_dir_private(dir)
}

/// What a path that should name a regular file leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// Nothing: a write creates the file at the path.
    Missing,
    /// A regular file: the path itself, or the file its symlinks lead to.
    File(PathBuf),
    /// A symlink to nothing; holds the path it points to.
    Dangling(PathBuf),
    /// A directory or other non-file; holds where it is, after symlinks.
    NotAFile(PathBuf),
}

/// Resolve `path` once, so a writer can lock and replace the file a symlink leads to and keep
/// the link (replacing the link itself would turn it into a plain file).
pub fn target(path: &Path) -> io::Result<Target> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Missing),
        Err(e) => return Err(e),
    };
    let (real, meta) = if meta.file_type().is_symlink() {
        match std::fs::canonicalize(path) {
            Ok(real) => {
                let meta = std::fs::metadata(&real)?;
                (real, meta)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return dangling(path),
            Err(e) => return Err(e),
        }
    } else {
        (path.to_path_buf(), meta)
    };
    Ok(if meta.is_file() {
        Target::File(real)
    } else {
        Target::NotAFile(real)
    })
}

/// Follow a dangling chain of links to the path that is missing, to name that one.
fn dangling(path: &Path) -> io::Result<Target> {
    let mut to = path.to_path_buf();
    // The kernel's own limit on links in a path.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&to) {
            Ok(meta) if meta.is_symlink() => to = parent(&to).join(std::fs::read_link(&to)?),
            _ => break,
        }
    }
    Ok(Target::Dangling(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_temp_names_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            (".store-aB3xY9", true),
            (".store-backup.old", false),
            (".store-aB3xY", false),
            (".store-aB3xY9z", false),
            (".store-aB3-Y9", false),
            ("store-aB3xY9", false),
            (".key-aB3xY9", false),
        ];
        for (name, _) in names {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join(".store-dir123")).unwrap();
        let expected: Vec<PathBuf> = names
            .iter()
            .filter(|(_, stale)| *stale)
            .map(|(n, _)| dir.path().join(n))
            .collect();
        assert_eq!(stale_temps(dir.path(), ".store-").unwrap(), expected);
        assert!(
            stale_temps(&dir.path().join("none"), ".store-")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_write_replaces_the_file_and_clears_only_its_own_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        let lock = lock(&dir.path().join("f.lock")).unwrap();
        std::fs::write(dir.path().join(".f-Zz0099"), b"old copy").unwrap();
        std::fs::write(dir.path().join(".g-Zz0099"), b"someone else's").unwrap();
        write_atomic(&file, b"new", ".f-", &lock).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        assert!(!dir.path().join(".f-Zz0099").exists());
        assert!(dir.path().join(".g-Zz0099").exists());
        assert!(stale_temps(dir.path(), ".f-").unwrap().is_empty());
    }

    #[test]
    fn a_prepared_write_reserves_space_and_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"old").unwrap();
        let lock = lock(&dir.path().join("f.lock")).unwrap();
        let prepared = prepare(&file, ".f-", 64, &lock).unwrap();
        let temps = stale_temps(dir.path(), ".f-").unwrap();
        assert_eq!(temps.len(), 1);
        assert_eq!(std::fs::metadata(&temps[0]).unwrap().len(), 64);
        drop(prepared);
        assert!(stale_temps(dir.path(), ".f-").unwrap().is_empty());
        assert_eq!(std::fs::read(&file).unwrap(), b"old");
        // Shorter than the reservation: the file holds exactly the new bytes.
        prepare(&file, ".f-", 64, &lock)
            .unwrap()
            .commit(b"new")
            .unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        assert!(stale_temps(dir.path(), ".f-").unwrap().is_empty());
    }

    // Unix symlinks: on Windows making one needs a privilege or developer mode.
    #[cfg(unix)]
    #[test]
    fn targets_follow_symlinks_and_name_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("real"), b"x").unwrap();
        std::fs::create_dir(p("dir")).unwrap();
        std::os::unix::fs::symlink("real", p("link")).unwrap();
        std::os::unix::fs::symlink("gone", p("dangling")).unwrap();
        std::os::unix::fs::symlink("dangling", p("chain")).unwrap();
        std::os::unix::fs::symlink(p("dir"), p("dirlink")).unwrap();
        let real = std::fs::canonicalize(p("real")).unwrap();
        assert_eq!(target(&p("none")).unwrap(), Target::Missing);
        assert_eq!(target(&p("real")).unwrap(), Target::File(p("real")));
        assert_eq!(target(&p("link")).unwrap(), Target::File(real));
        assert_eq!(target(&p("dangling")).unwrap(), Target::Dangling(p("gone")));
        assert_eq!(target(&p("chain")).unwrap(), Target::Dangling(p("gone")));
        assert_eq!(target(&p("dir")).unwrap(), Target::NotAFile(p("dir")));
        assert!(matches!(
            target(&p("dirlink")).unwrap(),
            Target::NotAFile(_)
        ));
    }
}
