//! AES-256-GCM wrapping of the data key with a key-encryption key.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::Error;

pub const KEY_LEN: usize = 32;

/// The store's data key, or a key-encryption key: 256 random bits, wiped on drop.
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl DataKey {
    pub fn generate() -> DataKey {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        SystemRandom::new()
            .fill(&mut key[..])
            .expect("the OS random number generator failed");
        DataKey(key)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<DataKey> {
        let array: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(array)))
    }

    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0[..]).expect("32-byte key"))
    }
}

pub fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .expect("the OS random number generator failed");
    nonce
}

/// `nonce || ciphertext || tag` of the data key under `kek`.
pub fn wrap(kek: &DataKey, data_key: &DataKey, aad: &[u8]) -> Vec<u8> {
    let nonce = random_nonce();
    let mut out = Vec::with_capacity(NONCE_LEN + KEY_LEN + 16);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(data_key.bytes());
    let tag = kek
        .aead()
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out[NONCE_LEN..],
        )
        .expect("sealing 32 bytes cannot fail");
    out.extend_from_slice(tag.as_ref());
    out
}

pub fn unwrap(kek: &DataKey, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, Error> {
    let wrong = || Error::Wrong("the key does not open this store's data key".into());
    if wrapped.len() != NONCE_LEN + KEY_LEN + 16 {
        return Err(wrong());
    }
    let nonce = Nonce::try_assume_unique_for_key(&wrapped[..NONCE_LEN]).map_err(|_| wrong())?;
    let mut buf = Zeroizing::new(wrapped[NONCE_LEN..].to_vec());
    let plain = kek
        .aead()
        .open_in_place(nonce, Aad::from(aad), &mut buf[..])
        .map_err(|_| wrong())?;
    DataKey::from_slice(plain).ok_or_else(wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_round_trips_and_refuses_other_keys_and_aad() {
        let kek = DataKey::generate();
        let dk = DataKey::generate();
        let w = wrap(&kek, &dk, b"aad");
        assert_eq!(unwrap(&kek, &w, b"aad").unwrap().bytes(), dk.bytes());
        assert!(unwrap(&DataKey::generate(), &w, b"aad").is_err());
        assert!(unwrap(&kek, &w, b"other").is_err());
        let mut flipped = w.clone();
        flipped[20] ^= 1;
        assert!(unwrap(&kek, &flipped, b"aad").is_err());
        assert_ne!(wrap(&kek, &dk, b"aad"), w, "a fresh nonce per wrap");
    }
}
