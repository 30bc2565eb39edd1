//! Where things live: the store in the XDG data dir, the key file and config in the XDG config
//! dir, so a backup of one does not carry the other.

use std::path::{Path, PathBuf};

const APP: &str = "git-credential-vouch";

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
}

impl Paths {
    /// The per-user locations. `None` when no home directory can be found.
    ///
    /// - Unix (Linux and macOS): `$XDG_DATA_HOME/git-credential-vouch` and
    ///   `$XDG_CONFIG_HOME/git-credential-vouch` (`~/.local/share`, `~/.config` when unset or
    ///   not absolute). macOS too, as git itself does (`~/.config/git`): its own
    ///   `~/Library/Application Support` is one directory for both, which would put the key
    ///   file beside the store.
    /// - Windows: the store under `%LOCALAPPDATA%\git-credential-vouch\data`, which does not
    ///   roam with the profile; config.toml and the key file under
    ///   `%APPDATA%\git-credential-vouch\config`.
    pub fn from_env() -> Option<Paths> {
        #[cfg(unix)]
        {
            let home = directories::BaseDirs::new()?.home_dir().to_path_buf();
            let var = std::env::var_os;
            Some(Paths {
                data_dir: xdg_dir(var("XDG_DATA_HOME"), &home, ".local/share"),
                config_dir: xdg_dir(var("XDG_CONFIG_HOME"), &home, ".config"),
            })
        }
        #[cfg(windows)]
        {
            let dirs = directories::ProjectDirs::from("", "", APP)?;
            Some(Paths {
                data_dir: dirs.data_local_dir().to_path_buf(),
                config_dir: dirs.config_dir().to_path_buf(),
            })
        }
    }

    pub fn at(data_dir: impl Into<PathBuf>, config_dir: impl Into<PathBuf>) -> Paths {
        Paths {
            data_dir: data_dir.into(),
            config_dir: config_dir.into(),
        }
    }

    pub fn store_file(&self) -> PathBuf {
        self.data_dir.join("store.vouch")
    }

    /// A separate file to lock, so the store itself can be replaced by rename while locked.
    pub fn lock_file(&self) -> PathBuf {
        lock_beside(&self.store_file())
    }

    pub fn key_file(&self) -> PathBuf {
        self.config_dir.join("key")
    }

    /// Taken by every writer of the key file, which several stores may share.
    pub fn key_lock_file(&self) -> PathBuf {
        self.config_dir.join("key.lock")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The files beside the store that are sealed with keys derived from its data key, and
    /// their locks: what `purge` removes with the store.
    pub fn sealed_beside_store(&self) -> Vec<PathBuf> {
        [
            // The OpenBao cache (and one set aside as damaged).
            "openbao-cache.vouch",
            "openbao-cache.lock",
            "openbao-cache.vouch.damaged",
            // The tokens GitHub Apps minted.
            "github-app-tokens.vouch",
            "github-app-tokens.lock",
            // A rotated token waiting to be filed, and the locks of rotations, refreshes and
            // logins on demand.
            "rotation-rescue.vouch",
            "rotation.lock",
            "oauth-refresh.lock",
            "oauth-login.lock",
        ]
        .iter()
        .map(|name| self.data_dir.join(name))
        .collect()
    }
}

/// This program's directory in an XDG base directory: the variable's value when it is an
/// absolute path (the XDG rule: a relative one is ignored), else `default` under `home`.
#[cfg(unix)]
fn xdg_dir(value: Option<std::ffi::OsString>, home: &Path, default: &str) -> PathBuf {
    value
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .unwrap_or_else(|| home.join(default))
        .join(APP)
}

/// The store lock for the store file at `file`: beside it, so writers through a symlink and
/// writers of the file itself take the same lock.
pub fn lock_beside(file: &Path) -> PathBuf {
    file.with_file_name("store.lock")
}

// Callers outside the filesystem module (gitconfig) still reach it here.
pub use crate::durable::ensure_private_dir;

#[cfg(all(test, unix))]
mod tests {
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn xdg_dirs_take_absolute_values_and_default_under_home() {
        let home = Path::new("/home/u");
        let dir = |value: Option<&str>| xdg_dir(value.map(OsString::from), home, ".config");
        assert_eq!(dir(Some("/x")), Path::new("/x/git-credential-vouch"));
        assert_eq!(dir(None), Path::new("/home/u/.config/git-credential-vouch"));
        for ignored in ["", "relative/dir"] {
            assert_eq!(
                dir(Some(ignored)),
                Path::new("/home/u/.config/git-credential-vouch"),
                "{ignored:?}"
            );
        }
    }
}
