//! Checks about the store: its key is reachable, the store and the key file are private, the
//! format version; temp files killed writes left behind; the kernel key cache.

#[cfg(unix)]
use std::path::Path;

use super::{Check, Level, check};
use crate::credential::Credential;
use crate::store::Store;

/// Key, store file, permissions; the entries when the store can be opened.
pub(super) fn store_checks(store: &Store, checks: &mut Vec<Check>) -> Option<Vec<Credential>> {
    let path = store.path();
    let header = match store.inspect() {
        Ok(None) => {
            checks.push(check(
                "store",
                Level::Warn,
                format!(
                    "no store at {} yet (created on the first store, or run `init`)",
                    path.display()
                ),
            ));
            return None;
        }
        Ok(Some(h)) => h,
        Err(e) => {
            checks.push(check("store", Level::Fail, e.to_string()));
            return None;
        }
    };
    let source = crate::keysource::open(header.source, store.paths());
    // Unix modes; on Windows the key file's ACL is not read (docs/platforms.md).
    #[cfg(unix)]
    let key_file_private = header.source != crate::keysource::SourceKind::File
        || mode(&store.paths().key_file()).is_none_or(|m| m & 0o077 == 0);
    #[cfg(not(unix))]
    let key_file_private = true;
    let entries = match store.select(|_| true) {
        Ok(entries) => {
            checks.push(check(
                "key",
                Level::Ok,
                format!(
                    "key source {} ({}) is reachable",
                    header.source.name(),
                    source.describe()
                ),
            ));
            Some(entries)
        }
        Err(e) => {
            checks.push(check("key", Level::Fail, e.to_string()));
            None
        }
    };
    if !key_file_private {
        checks.push(check(
            "key",
            Level::Fail,
            format!(
                "{} can be read by other users: chmod 600 it",
                store.paths().key_file().display()
            ),
        ));
    }
    // Windows: no modes to show or check (the ACL is not read; docs/platforms.md).
    #[cfg(not(unix))]
    let perms = String::new();
    #[cfg(unix)]
    let perms = {
        let dir = mode(&store.paths().data_dir).unwrap_or(0);
        let file = mode(&path).unwrap_or(0);
        if dir & 0o077 != 0 || file & 0o077 != 0 {
            checks.push(check(
                "store",
                Level::Fail,
                format!(
                    "{} is readable by others (dir {dir:o}, file {file:o}; want 700 and 600)",
                    path.display()
                ),
            ));
            return entries;
        }
        format!(", dir {dir:o}, file {file:o}")
    };
    let migration = if header.version() < crate::store::format::VERSION {
        format!(
            " (rewritten as version {} on the next write)",
            crate::store::format::VERSION
        )
    } else {
        String::new()
    };
    let count = entries
        .as_ref()
        .map_or("? (locked)".to_owned(), |e| e.len().to_string());
    checks.push(check(
        "store",
        Level::Ok,
        format!(
            "{} format version {}{migration}{perms}, {count} entries",
            path.display(),
            header.version(),
        ),
    ));
    entries
}

/// Temp files of writes that were killed: whole copies of an older store or key file, which a
/// user cleaning up secrets would not know about.
pub(super) fn leftover_check(store: &Store) -> Check {
    match store.leftovers() {
        Err(e) => check("leftovers", Level::Warn, e.to_string()),
        Ok(files) if files.is_empty() => check(
            "leftovers",
            Level::Ok,
            "no temp files left by interrupted writes",
        ),
        Ok(files) => {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            check(
                "leftovers",
                Level::Warn,
                format!(
                    "temp files left by interrupted writes, possibly whole copies of the store or key file: {}; delete them (the next write of the same file removes them too)",
                    names.join(", ")
                ),
            )
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

/// The kernel key cache (issue 12): where keyctl is refused, everything works uncached.
pub(super) fn key_cache_check() -> Check {
    match crate::keysource::kernel_cache::refused() {
        None => check(
            "key-cache",
            Level::Ok,
            "the kernel keyring answers: `unlock` and the keyring key cache work",
        ),
        // macOS, Windows: nothing to fix, so no warning.
        Some(why) if !crate::keysource::kernel_cache::EXISTS => check(
            "key-cache",
            Level::Ok,
            format!("{why}: every get reads the key source"),
        ),
        Some(why) => check(
            "key-cache",
            Level::Warn,
            format!("{why}: no key cache, every get reads the keyring or asks to unlock"),
        ),
    }
}
