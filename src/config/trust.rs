//! Whether config.toml can be trusted: nobody but its owner may change it or replace it.
//! A file (or directory) that group or others can write lets another local user point a
//! provider's host at their server, or decide which token a host gets.

use std::path::Path;

use super::Error;

/// Refuse `path` when it, or the directory holding it, is writable by group or others.
pub(super) fn check(path: &Path) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    for checked in std::iter::once(path).chain(dir) {
        let who = writable_by_others(checked).map_err(|source| Error::Io {
            path: checked.to_path_buf(),
            source,
        })?;
        if let Some(who) = who {
            return Err(Error::Untrusted {
                path: checked.to_path_buf(),
                who,
            });
        }
    }
    Ok(())
}

/// "group", "others" or "group and others" when they may write `path` (following links).
#[cfg(unix)]
fn writable_by_others(path: &Path) -> std::io::Result<Option<&'static str>> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    Ok(match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => Some("group and others"),
        (true, false) => Some("group"),
        (false, true) => Some("others"),
        (false, false) => None,
    })
}

#[cfg(not(unix))]
fn writable_by_others(_: &Path) -> std::io::Result<Option<&'static str>> {
    Ok(None)
}
