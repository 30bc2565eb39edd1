//! The rotation rescue file: a token a provider rotated exists only in its answer, and the old
//! one is dead, so the new token is kept here, sealed under the store's data key, before the
//! store is written. If that write fails, the next `verify`, `renew` or `rotate` files it, and
//! `doctor` says it is waiting. One rotation at a time (a lock beside it), so two rotations of
//! one token cannot race: GitLab revokes a whole token family when a rotated token is rotated.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::config::Config;
use crate::durable::{self, Lock, Prepared};
use crate::keysource::DataKey;
use crate::paths::Paths;
use crate::sealed;
use crate::secret::Secret;
use crate::store::{self, Create, Store};

const SEALED: sealed::Kind = sealed::Kind {
    magic: b"VOUCHRSC",
    version: 1,
    salt: b"git-credential-vouch rotation rescue",
};
const TEMP_PREFIX: &str = ".rotation-rescue-";

/// A rotated token not yet in the store.
#[derive(Serialize, Deserialize)]
struct Kept {
    id: String,
    token: String,
    expires_at: Option<i64>,
    /// The provider's host, for messages.
    host: String,
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

pub fn path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("rotation-rescue.vouch")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> store::Error + '_ {
    move |source| store::Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Held for a whole rotation: one at a time on this machine (never the store's own lock, so
/// `get` does not wait for a provider).
pub fn lock(paths: &Paths) -> Result<Lock, store::Error> {
    let file = paths.data_dir.join("rotation.lock");
    durable::ensure_private_dir(&paths.data_dir).map_err(io(&paths.data_dir))?;
    durable::lock(&file).map_err(io(&file))
}

/// The rescue file made ready (disk space reserved) before the request that cannot be
/// repeated.
pub struct Ready<'l> {
    path: PathBuf,
    prepared: Prepared<'l>,
    key: DataKey,
}

pub fn prepare<'l>(store: &Store, held: &'l Lock) -> Result<Ready<'l>, store::Error> {
    let path = path(store.paths());
    let key = store
        .data_key(Create::Never)?
        .ok_or_else(|| store::Error::Io {
            path: store.path(),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
    let prepared = durable::prepare(&path, TEMP_PREFIX, 4096, held).map_err(io(&path))?;
    Ok(Ready {
        path,
        prepared,
        key,
    })
}

impl Ready<'_> {
    /// Keep `token` for credential `id`, sealed. The caller then writes the store and calls
    /// [`forget`].
    pub fn keep(
        self,
        id: &str,
        token: &Secret,
        expires_at: Option<i64>,
        host: &str,
    ) -> Result<PathBuf, store::Error> {
        let kept = Kept {
            id: id.to_owned(),
            token: token.expose().to_owned(),
            expires_at,
            host: host.to_owned(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&kept).expect("serializable"));
        let bytes = SEALED.seal(&self.key, &plain);
        self.prepared.commit(&bytes).map_err(io(&self.path))?;
        Ok(self.path)
    }
}

/// The rescue file is filed: remove it.
pub fn forget(paths: &Paths) {
    let _ = std::fs::remove_file(path(paths));
}

/// Whether a rotated token waits in the rescue file (for `doctor`).
pub fn waiting(paths: &Paths) -> bool {
    path(paths).exists()
}

/// File a token an earlier rotation could not write into the store, under the store lock; the
/// lines say what was done. Call with [`lock`] held.
pub fn file_waiting(
    store: &Store,
    config: &Config,
    _held: &Lock,
) -> Result<Vec<String>, store::Error> {
    let path = path(store.paths());
    let Some(bytes) = durable::read_if_exists(&path).map_err(io(&path))? else {
        return Ok(Vec::new());
    };
    let Some(key) = store.data_key(Create::Never)? else {
        return Ok(Vec::new());
    };
    let Some(kept) = SEALED
        .open(&key, &bytes)
        .and_then(|plain| serde_json::from_slice::<Kept>(&plain).ok())
    else {
        return Ok(vec![format!(
            "{} cannot be opened with this store's key; it is left in place",
            path.display()
        )]);
    };
    let filed = store.update(Create::Never, |opened| {
        let purged = crate::allowed::purge(&mut opened.entries, config, None).any();
        match opened.entries.iter_mut().find(|c| c.id == kept.id) {
            Some(entry) => {
                let token = Secret::new(kept.token.clone());
                if entry.is_pre_encoded() {
                    entry.credential = Some(token);
                } else {
                    entry.password = Some(token);
                }
                entry.password_expiry_utc = kept.expires_at;
                entry.rejected = None;
                (true, true)
            }
            None => (purged, false),
        }
    })?;
    if filed == Some(true) {
        forget(store.paths());
        Ok(vec![format!(
            "filed the token {} rotated for {} (kept in {} when the store could not be written)",
            kept.host,
            kept.id,
            path.display()
        )])
    } else {
        Ok(vec![format!(
            "{} holds a token {} rotated for {}, which is no longer in the store; it is left in place",
            path.display(),
            kept.host,
            kept.id
        )])
    }
}
