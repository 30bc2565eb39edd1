//! The OS credential store through keyring-core, one store per platform (declared per target
//! in Cargo.toml): Secret Service on Linux, the login Keychain on macOS, Credential Manager on
//! Windows (a generic credential named `store-key-<key id>.git-credential-vouch`, kept on this
//! computer: `Local` persistence, not the roaming `Enterprise` default, as the store itself
//! does not roam). Only the Linux store has ever run: the other two are type-checked by
//! tests/cross-check.sh.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use super::kek::{self, DataKey};
use super::{Error, KeyId, KeySource, SourceKind};

const SERVICE: &str = "git-credential-vouch";

pub struct KeyringSource {
    /// Connected on first use: `get` with a file key never pays for a D-Bus connection.
    store: std::cell::OnceCell<Result<Arc<CredentialStore>, String>>,
    connect: fn() -> Result<Arc<CredentialStore>, String>,
    /// The store's entry modifiers (keyring-core `build`), per platform.
    modifiers: &'static [(&'static str, &'static str)],
}

/// Credential Manager: keep the key on this computer (see the module doc).
#[cfg(windows)]
const PLATFORM_MODIFIERS: &[(&str, &str)] = &[("persistence", "Local")];
#[cfg(not(windows))]
const PLATFORM_MODIFIERS: &[(&str, &str)] = &[];

impl KeyringSource {
    /// The platform's own credential store.
    pub fn platform() -> KeyringSource {
        KeyringSource {
            store: std::cell::OnceCell::new(),
            connect: platform_store,
            modifiers: PLATFORM_MODIFIERS,
        }
    }

    /// A given store (tests use keyring-core's mock store).
    pub fn with_store(store: Arc<CredentialStore>) -> KeyringSource {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(Ok(store));
        KeyringSource {
            store: cell,
            connect: || Err("no store".into()),
            modifiers: &[],
        }
    }

    /// Whether a keyring can be reached at all (used to choose a source for a new store).
    pub fn answers(&self) -> bool {
        self.store().is_ok()
    }

    fn store(&self) -> Result<&Arc<CredentialStore>, Error> {
        self.store
            .get_or_init(self.connect)
            .as_ref()
            .map_err(|reason| unavailable(reason.clone()))
    }

    fn entry(&self, key_id: &KeyId) -> Result<Entry, Error> {
        let user = format!("store-key-{}", super::file::hex(key_id));
        let modifiers: std::collections::HashMap<&str, &str> =
            self.modifiers.iter().copied().collect();
        self.store()?
            .build(SERVICE, &user, Some(&modifiers).filter(|m| !m.is_empty()))
            .map_err(|e| unavailable(describe(&e)))
    }

    fn kek(&self, key_id: &KeyId) -> Result<DataKey, Error> {
        let secret = zeroize::Zeroizing::new(
            self.entry(key_id)?
                .get_secret()
                .map_err(|e| unavailable(describe(&e)))?,
        );
        DataKey::from_slice(&secret)
            .ok_or_else(|| Error::Wrong("the keyring entry for this store is not a key".into()))
    }
}

impl KeySource for KeyringSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Keyring
    }

    fn wrap_new(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error> {
        let kek = DataKey::generate();
        self.entry(key_id)?
            .set_secret(kek.bytes())
            .map_err(|e| unavailable(describe(&e)))?;
        Ok(kek::wrap(&kek, data_key, aad))
    }

    fn wrap(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(kek::wrap(&self.kek(key_id)?, data_key, aad))
    }

    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, Error> {
        kek::unwrap(&self.kek(key_id)?, wrapped, aad)
            .map_err(|_| Error::Wrong("the key in the keyring does not open this store".into()))
    }

    fn describe(&self) -> String {
        format!("OS keyring, service {SERVICE}")
    }

    fn forget(&self, key_id: &KeyId) -> Result<(), Error> {
        match self.entry(key_id)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(describe(&e))),
        }
    }
}

fn unavailable(reason: String) -> Error {
    Error::Unavailable {
        source_name: "keyring",
        reason,
    }
}

/// One line about a keyring failure. Variants that carry secret bytes are not formatted.
fn describe(e: &KeyringError) -> String {
    match e {
        KeyringError::NoEntry => "the keyring holds no key for this store".into(),
        KeyringError::NoStorageAccess(inner) => {
            format!("the keyring is locked or refused access: {inner}")
        }
        KeyringError::PlatformFailure(inner) => format!("keyring failure: {inner}"),
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
            "the keyring returned data in an unexpected format".into()
        }
        other => format!("keyring error: {other}"),
    }
    .replace('\n', " ")
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    // libdbus would try to autolaunch a bus (X11) when none is configured; on a headless
    // machine that means a slow failure or a stray daemon, so look before connecting.
    let configured = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty());
    let runtime_bus = std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| std::path::Path::new(&d).join("bus"))
        .is_some_and(|p| p.exists());
    if !configured && !runtime_bus {
        return Err("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)".into());
    }
    dbus_secret_service_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| format!("no Secret Service answered: {}", describe(&e)))
}

/// The login keychain. Items are created by this binary; a rebuilt or upgraded binary may make
/// macOS ask once whether it may read them ("Always Allow"). Over SSH the login keychain is
/// often locked, which shows as "the keyring is locked or refused access".
#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| describe(&e))
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    windows_native_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| describe(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> KeyringSource {
        KeyringSource::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn round_trip_through_a_keyring_store() {
        let src = mock();
        let dk = DataKey::generate();
        let w = src.wrap_new(&[7; 16], &dk, b"aad").unwrap();
        assert_eq!(
            src.unwrap(&[7; 16], &w, b"aad").unwrap().bytes(),
            dk.bytes()
        );
    }

    #[test]
    fn missing_entry_is_unavailable_not_damage() {
        let src = mock();
        assert!(matches!(
            src.unwrap(&[9; 16], &[0; 60], b""),
            Err(Error::Unavailable { .. })
        ));
    }

    #[test]
    fn locked_keyring_is_unavailable() {
        let src = mock();
        let dk = DataKey::generate();
        let w = src.wrap_new(&[1; 16], &dk, b"").unwrap();
        let entry = src.entry(&[1; 16]).unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(KeyringError::NoStorageAccess("locked".into()));
        let err = src.unwrap(&[1; 16], &w, b"").err().expect("locked");
        assert!(matches!(err, Error::Unavailable { .. }), "{err}");
        assert!(err.to_string().contains("locked"));
    }
}
