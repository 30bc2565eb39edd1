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
    /// The per-user locations, from `XDG_DATA_HOME`/`XDG_CONFIG_HOME` (or the platform's
    /// equivalents). `None` when no home directory can be found.
    pub fn from_env() -> Option<Paths> {
        let dirs = directories::ProjectDirs::from("", "", APP)?;
        Some(Paths {
            data_dir: dirs.data_dir().to_path_buf(),
            config_dir: dirs.config_dir().to_path_buf(),
        })
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
}

/// The store lock for the store file at `file`: beside it, so writers through a symlink and
/// writers of the file itself take the same lock.
pub fn lock_beside(file: &Path) -> PathBuf {
    file.with_file_name("store.lock")
}

// Callers outside the filesystem module (gitconfig) still reach it here.
pub use crate::durable::ensure_private_dir;
