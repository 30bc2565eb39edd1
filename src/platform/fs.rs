//! Files: positional reads, files and directories only their owner may use, who else may
//! change a file, and making a rename durable.
//!
//! The rest of crash-safe writing is the same everywhere and lives in [`crate::durable`]:
//! locks are std's `File::lock` (flock on Unix, LockFileEx on Windows, where the lock is
//! mandatory, which is why vouch locks a separate `.lock` file and never the data), and the
//! atomic replace is a rename of a synced temp file (`rename(2)` on Unix; on Windows tempfile's
//! `MoveFileExW` with `MOVEFILE_REPLACE_EXISTING`, which replaces the file too but, unlike
//! Unix, may be refused with "access denied" while another process holds the old file open
//! without sharing its deletion: the write then fails and the old file stays).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Fill `buf` from `file` at `offset` without moving a shared cursor where the platform can:
/// Unix `pread` (`FileExt::read_exact_at`); Windows `seek_read`, which also moves the
/// handle's cursor (vouch reads the store only with positional reads, so nothing depends on
/// it). A file that ends sooner is an `UnexpectedEof` error on both.
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        fill_at(buf, offset, |b, at| file.seek_read(b, at))
    }
}

/// `read_exact_at` from a `read_at` that may return fewer bytes than asked (what std does for
/// Unix, written out for Windows' `seek_read`; tested here on any platform).
#[cfg_attr(unix, allow(dead_code))]
fn fill_at(
    mut buf: &mut [u8],
    mut offset: u64,
    mut read_at: impl FnMut(&mut [u8], u64) -> io::Result<usize>,
) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(buf, offset) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                ));
            }
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Make `options` create a file only its owner can read and write: Unix mode 0600. Windows:
/// unchanged, the file inherits its directory's ACL (under the user's profile, where vouch
/// keeps its files, that lets only the user, SYSTEM and administrators in).
pub fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Make sure only the owner can enter `dir`: Unix mode 0700 (set when it differs). Windows:
/// nothing is changed (the inherited ACL, as for [`owner_only`]).
pub fn make_dir_private(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    #[cfg(windows)]
    let _ = dir;
    Ok(())
}

/// Make a rename in `dir` durable: Unix fsyncs the directory (on macOS std's `sync_all` is
/// `F_FULLFSYNC`). Windows has no directory fsync: NTFS journals the rename, which reaches the
/// disk with the journal's next flush, so a power cut just after a write may bring back the
/// old file (whole, as its data was synced before the rename), where Linux keeps the new one.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(windows)]
    let _ = dir;
    Ok(())
}

/// Why users other than this one (or root) could change `path` (a file or a directory), if
/// they could. Symlinks are followed, so the answer is about what the path leads to; a missing
/// path is an error.
///
/// - Unix: its mode grants write to group or others (`mode & 0o022`), or another user than
///   root owns it and may chmod it at will (as ssh checks its config).
/// - Windows, a weaker check: vouch does not read ACLs, so it trusts only what lies under the
///   user's profile directory, whose ACL by default lets only the user, SYSTEM and
///   administrators write there; anything else (another drive, a share) is refused as
///   unknown. A file under the profile whose ACL was widened by hand is not noticed.
pub fn others_can_change(path: &Path) -> io::Result<Option<&'static str>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = std::fs::metadata(path)?;
        if meta.permissions().mode() & 0o022 != 0 {
            return Ok(Some("writable by group or others"));
        }
        if meta.uid() != 0 && meta.uid() != super::process::uid() {
            return Ok(Some("owned by another user"));
        }
        Ok(None)
    }
    #[cfg(windows)]
    {
        let real = std::fs::canonicalize(path)?;
        let profile = directories::BaseDirs::new()
            .and_then(|dirs| std::fs::canonicalize(dirs.home_dir()).ok());
        Ok(match profile {
            Some(profile) if real.starts_with(&profile) => None,
            _ => Some(
                "outside your profile directory (on Windows vouch does not read ACLs, and trusts only files under your profile)",
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_reads_take_short_reads_and_end_at_the_end() {
        let data: Vec<u8> = (0..100).collect();
        // A reader that returns at most 7 bytes at a time and is interrupted once.
        let mut interrupted = false;
        let mut read_at = |b: &mut [u8], at: u64| {
            if !interrupted {
                interrupted = true;
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            let at = (at as usize).min(data.len());
            let n = b.len().min(7).min(data.len() - at);
            b[..n].copy_from_slice(&data[at..at + n]);
            Ok(n)
        };
        let mut buf = [0u8; 40];
        fill_at(&mut buf, 50, &mut read_at).unwrap();
        assert_eq!(buf[..], data[50..90]);
        let err = fill_at(&mut buf, 80, &mut read_at).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let err = fill_at(&mut buf, 0, |_, _| Err(io::Error::other("gone"))).unwrap_err();
        assert_eq!(err.to_string(), "gone");
    }

    #[test]
    fn the_platform_read_reads_at_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let file = File::open(&path).unwrap();
        let mut buf = [0u8; 4];
        read_exact_at(&file, &mut buf, 3).unwrap();
        assert_eq!(&buf, b"3456");
        let err = read_exact_at(&file, &mut buf, 8).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[cfg(unix)]
    #[test]
    fn others_can_change_reads_the_write_bits_and_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"").unwrap();
        for (mode, expected) in [(0o600, false), (0o644, false), (0o620, true), (0o602, true)] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            let why = others_can_change(&file).unwrap();
            assert_eq!(why.is_some(), expected, "{mode:o}");
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(others_can_change(dir.path()).unwrap().is_some());
        assert!(others_can_change(&dir.path().join("missing")).is_err());
        if super::super::process::uid() == 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
            std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
            assert_eq!(
                others_can_change(&file).unwrap(),
                Some("owned by another user")
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn private_files_and_directories_are_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("d");
        std::fs::create_dir(&sub).unwrap();
        std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
        make_dir_private(&sub).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sub), 0o700);
        let file = sub.join("f");
        owner_only(OpenOptions::new().write(true).create(true))
            .open(&file)
            .unwrap();
        assert_eq!(mode(&file), 0o600);
        sync_dir(&sub).unwrap();
    }
}
