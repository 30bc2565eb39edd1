//! The unwrapped data key cached in the Linux kernel keyring (keyutils), so that `get` after
//! `unlock` (passphrase) or after one Secret Service read (keyring) derives or asks nothing.
//!
//! The key lives in the session keyring (the user-session keyring when the process has no
//! session keyring), as a `user` key readable only by its possessor, with the kernel's own
//! timeout: no daemon, and nothing on disk. The payload is `expiry (Unix seconds, u64 BE) |
//! data key`, so `status` can say how long is left.
//!
//! Elsewhere than Linux there is no cache ([`EXISTS`] is false): nothing is ever cached, every
//! function says so ([`LINUX_ONLY`]) and callers go uncached. macOS and Windows have no store
//! of their own that forgets a secret after a timeout and shows it to this session only;
//! keeping the key in the Keychain or Credential Manager with an expiry written beside it would
//! leave it on disk after the expiry, so it is not done.

use super::kek::DataKey;
use super::{KeyId, KeySource, SourceKind};

/// Whether this platform has the key cache at all (the Linux kernel keyring).
pub const EXISTS: bool = cfg!(target_os = "linux");

/// What the key cache's users say where it does not exist.
pub const LINUX_ONLY: &str =
    "the key cache is Linux-only (it is the Linux kernel keyring, which this system does not have)";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(target_os = "linux")]
mod imp {
    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
    use zeroize::Zeroizing;

    use super::super::kek::KEY_LEN;
    use super::*;

    fn description(key_id: &KeyId) -> String {
        format!(
            "git-credential-vouch:store-key-{}",
            super::super::file::hex(key_id)
        )
    }

    fn ring() -> Result<KeyRing, String> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false)
            .map_err(|e| format!("the kernel keyring refused access ({e:?})"))
    }

    /// The cached key and its expiry, if one is cached and has not expired.
    pub fn get(key_id: &KeyId) -> Option<(DataKey, u64)> {
        let key = ring().ok()?.search(&description(key_id)).ok()?;
        let mut buf = Zeroizing::new([0u8; 8 + KEY_LEN]);
        let n = key.read(&mut *buf).ok()?;
        if n != buf.len() {
            return None;
        }
        let expiry = u64::from_be_bytes(buf[..8].try_into().expect("8 bytes"));
        (expiry > now()).then(|| DataKey::from_slice(&buf[8..]).map(|k| (k, expiry)))?
    }

    pub fn put(key_id: &KeyId, data_key: &DataKey, seconds: u64) -> Result<(), String> {
        let mut payload = Zeroizing::new([0u8; 8 + KEY_LEN]);
        payload[..8].copy_from_slice(&(now() + seconds).to_be_bytes());
        payload[8..].copy_from_slice(data_key.bytes());
        let key = ring()?
            .add_key(&description(key_id), &payload[..])
            .map_err(|e| format!("the kernel keyring refused the key ({e:?})"))?;
        // Only a process that possesses it (through this session keyring) may read it; other
        // sessions of the same user see that it exists, nothing more.
        let perms = KeyPermissionsBuilder::builder()
            .posessor(
                Permission::VIEW
                    | Permission::READ
                    | Permission::WRITE
                    | Permission::SEARCH
                    | Permission::SETATTR,
            )
            .user(Permission::VIEW)
            .build();
        let timeout = usize::try_from(seconds).unwrap_or(usize::MAX);
        if let Err(e) = key.set_timeout(timeout).and_then(|()| key.set_perms(perms)) {
            let _ = key.invalidate();
            return Err(format!("the kernel keyring refused the timeout ({e:?})"));
        }
        Ok(())
    }

    /// Drop the cached key at once. Returns whether one was cached.
    pub fn drop_key(key_id: &KeyId) -> bool {
        let Ok(ring) = ring() else { return false };
        let mut dropped = false;
        // A key added twice (two sessions linked in) is found once per search.
        while let Ok(key) = ring.search(&description(key_id)) {
            if key.invalidate().is_err() && key.revoke().is_err() {
                break;
            }
            dropped = true;
        }
        dropped
    }

    /// Why keyctl cannot be used here, if it cannot (containers, seccomp).
    pub fn refused() -> Option<String> {
        ring().err()
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    pub fn get(_: &KeyId) -> Option<(DataKey, u64)> {
        None
    }
    pub fn put(_: &KeyId, _: &DataKey, _: u64) -> Result<(), String> {
        Err(LINUX_ONLY.into())
    }
    pub fn drop_key(_: &KeyId) -> bool {
        false
    }
    pub fn refused() -> Option<String> {
        Some(LINUX_ONLY.into())
    }
}

pub use imp::{drop_key, get, put, refused};

/// Seconds left on the cached key of `key_id`, if one is cached.
pub fn time_left(key_id: &KeyId) -> Option<u64> {
    get(key_id).map(|(_, expiry)| expiry.saturating_sub(now()))
}

/// A key source whose unwrapped key is looked up in the kernel cache first, and (when `fill`
/// gives seconds) put there after a successful unwrap.
pub struct Cached {
    pub inner: Box<dyn KeySource>,
    pub fill: Option<u64>,
}

impl KeySource for Cached {
    fn kind(&self) -> SourceKind {
        self.inner.kind()
    }
    fn wrap_new(&self, id: &KeyId, dk: &DataKey, aad: &[u8]) -> Result<Vec<u8>, super::Error> {
        self.inner.wrap_new(id, dk, aad)
    }
    fn wrap(&self, id: &KeyId, dk: &DataKey, aad: &[u8]) -> Result<Vec<u8>, super::Error> {
        self.inner.wrap(id, dk, aad)
    }
    fn unwrap(&self, id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, super::Error> {
        if let Some((key, _)) = get(id) {
            return Ok(key);
        }
        let key = self.inner.unwrap(id, wrapped, aad)?;
        if let Some(seconds) = self.fill.filter(|s| *s > 0) {
            // Uncached still works: a refused keyctl costs speed, not function.
            let _ = put(id, &key, seconds);
        }
        Ok(key)
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn forget(&self, id: &KeyId) -> Result<(), super::Error> {
        drop_key(id);
        self.inner.forget(id)
    }
}
