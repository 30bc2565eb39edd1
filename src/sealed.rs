//! Small files sealed under a key derived from the store's data key: exactly as safe as the
//! store, never plaintext. Layout: magic (8) | version (u16 BE) | nonce (12) | AES-256-GCM
//! ciphertext and tag, with magic and version as the authenticated data. Used by the OpenBao
//! cache and the rotation rescue file; each names its own magic and HKDF salt, so no file can
//! be opened as another.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use zeroize::Zeroizing;

use crate::keysource::DataKey;

/// What tells one kind of sealed file from another.
pub struct Kind {
    pub magic: &'static [u8; 8],
    pub version: u16,
    /// The HKDF salt: the file's key is its own.
    pub salt: &'static [u8],
}

const INFO: &[u8] = b"aes-256-gcm v1";

impl Kind {
    pub const HEADER_LEN: usize = 10;

    fn header(&self) -> [u8; Self::HEADER_LEN] {
        let mut h = [0u8; Self::HEADER_LEN];
        h[..8].copy_from_slice(self.magic);
        h[8..].copy_from_slice(&self.version.to_be_bytes());
        h
    }

    fn key(&self, data_key: &DataKey) -> LessSafeKey {
        let prk = Salt::new(HKDF_SHA256, self.salt).extract(data_key.bytes());
        let okm = prk
            .expand(&[INFO], &AES_256_GCM)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        LessSafeKey::new(UnboundKey::from(okm))
    }

    /// The version a file of this kind says it has, if it is one (for "upgrade" errors).
    pub fn version_of(&self, bytes: &[u8]) -> Option<u16> {
        (bytes.len() >= Self::HEADER_LEN && &bytes[..8] == self.magic)
            .then(|| u16::from_be_bytes([bytes[8], bytes[9]]))
    }

    pub fn seal(&self, data_key: &DataKey, plain: &[u8]) -> Vec<u8> {
        let mut sealed = Zeroizing::new(plain.to_vec());
        let mut nonce = [0u8; NONCE_LEN];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
            .expect("the OS random number generator failed");
        let aad = self.header();
        let tag = self
            .key(data_key)
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad[..]),
                &mut sealed[..],
            )
            .expect("sealing cannot fail");
        let mut out = Vec::with_capacity(Self::HEADER_LEN + NONCE_LEN + sealed.len() + 16);
        out.extend_from_slice(&aad);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// The plaintext, or `None` for a file that is damaged, of another kind or version, or
    /// sealed under another data key.
    pub fn open(&self, data_key: &DataKey, bytes: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let header = self.header();
        if bytes.len() < Self::HEADER_LEN + NONCE_LEN + 16 || bytes[..Self::HEADER_LEN] != header {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = bytes[Self::HEADER_LEN..Self::HEADER_LEN + NONCE_LEN]
            .try_into()
            .ok()?;
        let mut sealed = Zeroizing::new(bytes[Self::HEADER_LEN + NONCE_LEN..].to_vec());
        let len = self
            .key(data_key)
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&header[..]),
                &mut sealed[..],
            )
            .ok()?
            .len();
        sealed.truncate(len);
        Some(sealed)
    }
}
