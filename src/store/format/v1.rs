//! Version 1: the whole payload sealed as one AES-256-GCM message. Read (and migrated on the
//! first write); written only by tests and the fuzzer, to check that v1 files keep working.

use ring::aead::{Aad, NONCE_LEN, Nonce};
use zeroize::Zeroizing;

use super::entries::{Reader, View, encode_entries, read_view};
use super::{FormatError, Header};
use crate::credential::Credential;
use crate::keysource::{DataKey, kek::random_nonce};

/// Encrypt `entries` under `data_key` with a fresh nonce, behind `header` written as v1.
pub fn seal(header: &Header, data_key: &DataKey, entries: &[Credential]) -> Vec<u8> {
    let header = Header {
        layout: None,
        ..header.clone()
    };
    let mut payload = encode_entries(entries);
    let nonce = random_nonce();
    let tag = data_key
        .aead()
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(header.body_aad()),
            &mut payload[..],
        )
        .expect("payload fits AES-GCM limits");
    let mut out = header.encode();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&payload);
    out.extend_from_slice(tag.as_ref());
    out
}

/// The decrypted payload, scanned in place.
pub struct Plaintext {
    buf: Zeroizing<Vec<u8>>,
    range: std::ops::Range<usize>,
}

impl Plaintext {
    #[cfg(test)]
    pub(super) fn from_payload(bytes: &[u8]) -> Plaintext {
        Plaintext {
            buf: Zeroizing::new(bytes.to_vec()),
            range: 0..bytes.len(),
        }
    }

    /// Every entry as borrowed fields, in stored order.
    pub fn views(&self) -> impl Iterator<Item = Result<View<'_>, FormatError>> {
        counted(&self.buf[self.range.clone()], |r| read_view(r))
    }

    pub fn decode(&self) -> Result<Vec<Credential>, FormatError> {
        self.views().map(|v| v?.to_credential()).collect()
    }
}

/// A list of `count u32 | item*` read with `item`, refusing trailing bytes; stops at the first
/// error. The v1 payload and each v2 bucket are such lists.
pub(super) fn counted<'a, T>(
    bytes: &'a [u8],
    mut item: impl FnMut(&mut Reader<'a>) -> Result<T, FormatError>,
) -> impl Iterator<Item = Result<T, FormatError>> {
    let mut r = Reader(bytes);
    let mut remaining = match r.u32() {
        Ok(n) => Ok(n),
        Err(e) => Err(Some(e)),
    };
    std::iter::from_fn(move || match &mut remaining {
        Err(e) => e.take().map(Err),
        Ok(0) if r.0.is_empty() => None,
        Ok(0) => {
            remaining = Err(None);
            Some(Err(FormatError::Damaged(
                "trailing bytes after the entries",
            )))
        }
        Ok(n) => {
            *n -= 1;
            let value = item(&mut r);
            if value.is_err() {
                remaining = Err(None);
            }
            Some(value)
        }
    })
}

/// Decrypt the body that [`super::parse_header`] returned.
pub fn open(header: &Header, data_key: &DataKey, body: &[u8]) -> Result<Plaintext, FormatError> {
    let mut buf = Zeroizing::new(body.to_vec());
    if buf.len() < NONCE_LEN {
        return Err(FormatError::Damaged("truncated file"));
    }
    let (nonce, sealed) = buf.split_at_mut(NONCE_LEN);
    let nonce =
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| FormatError::Damaged("bad nonce"))?;
    let len = data_key
        .aead()
        .open_in_place(nonce, Aad::from(header.body_aad()), sealed)
        .map_err(|_| FormatError::Damaged("authentication failed"))?
        .len();
    Ok(Plaintext {
        buf,
        range: NONCE_LEN..NONCE_LEN + len,
    })
}
