//! Whether config.toml can be trusted: nobody but its owner may change it or replace it.
//! A file (or directory) that group or others can write lets another local user point a
//! provider's host at their server, or decide which token a host gets.

use std::path::Path;

use super::Error;

/// Refuse `path` when it, or the directory holding it, is writable by group or others or
/// belongs to another user.
pub(super) fn check(path: &Path) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    for checked in std::iter::once(path).chain(dir) {
        let why = crate::durable::others_can_change(checked).map_err(|source| Error::Io {
            path: checked.to_path_buf(),
            source,
        })?;
        if let Some(why) = why {
            return Err(Error::Untrusted {
                path: checked.to_path_buf(),
                why,
            });
        }
    }
    Ok(())
}
