//! The header both versions share, and what v2 adds to it: checked without the key.

use super::{ALG_AES_256_GCM, FormatError, MAGIC, TAG_LEN, VERSION};
use crate::keysource::{KeyId, SourceKind};

const FIXED_LEN: usize = 8 + 2 + 1 + 16;
const LAYOUT_LEN: usize = 16 + 4;
const CHECK_LEN: usize = 8;
const V1_NONCE_LEN: usize = 12;

/// What a v2 file adds to the header: authenticated as part of every bucket's AAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Random per written file: the file's bucket key and lookup key derive from it, so a
    /// bucket or a table of another file (an older version of this store) never opens here.
    pub generation: [u8; 16],
    pub buckets: u32,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub key_id: KeyId,
    pub source: SourceKind,
    pub wrapped: Vec<u8>,
    /// `None` for a v1 file.
    pub layout: Option<Layout>,
}

impl Header {
    pub fn version(&self) -> u16 {
        if self.layout.is_some() { VERSION } else { 1 }
    }

    fn fixed(key_id: &KeyId, version: u16) -> [u8; FIXED_LEN] {
        let mut out = [0u8; FIXED_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8..10].copy_from_slice(&version.to_be_bytes());
        out[10] = ALG_AES_256_GCM;
        out[11..].copy_from_slice(key_id);
        out
    }

    /// What the key source authenticates along with the data key: the v1 fixed header in every
    /// version, so that migrating a store never needs its key source (or passphrase) again.
    pub fn wrap_aad(key_id: &KeyId, source: SourceKind) -> Vec<u8> {
        let mut aad = b"vouch wrap v1\0".to_vec();
        aad.extend_from_slice(&Self::fixed(key_id, 1));
        aad.push(source as u8);
        aad
    }

    /// What every sealed part of the body authenticates: the fixed header, and in v2 the layout.
    pub fn body_aad(&self) -> Vec<u8> {
        let mut aad = Self::fixed(&self.key_id, self.version()).to_vec();
        if let Some(layout) = &self.layout {
            aad.extend_from_slice(&layout.generation);
            aad.extend_from_slice(&layout.buckets.to_be_bytes());
        }
        aad
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_LEN + 3 + self.wrapped.len() + 28);
        out.extend_from_slice(&Self::fixed(&self.key_id, self.version()));
        out.push(self.source as u8);
        out.extend_from_slice(&(self.wrapped.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.wrapped);
        if let Some(layout) = &self.layout {
            out.extend_from_slice(&layout.generation);
            out.extend_from_slice(&layout.buckets.to_be_bytes());
        }
        let check = header_check(&out);
        out.extend_from_slice(&check);
        out
    }
}

fn header_check(bytes: &[u8]) -> [u8; CHECK_LEN] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref()[..CHECK_LEN].try_into().expect("8 bytes")
}

/// The version named by the start of a file (at least 10 bytes), if it is one this build reads.
fn version(file: &[u8]) -> Result<u16, FormatError> {
    if file.len() < 10 || &file[..8] != MAGIC {
        return Err(FormatError::NotAStore);
    }
    match u16::from_be_bytes([file[8], file[9]]) {
        v if v > VERSION => Err(FormatError::UnsupportedVersion(v)),
        0 => Err(FormatError::UnknownVersion(0)),
        v => Ok(v),
    }
}

/// The length of the whole header (check included) and the file's version, from the first
/// `FIXED_LEN + 3` bytes or more: `get` reads that much of the file and no more.
pub fn head_len(prefix: &[u8]) -> Result<(usize, u16), FormatError> {
    let version = version(prefix)?;
    if prefix.len() < FIXED_LEN + 3 {
        return Err(FormatError::Damaged("truncated header"));
    }
    let wrapped_len = u16::from_be_bytes([prefix[FIXED_LEN + 1], prefix[FIXED_LEN + 2]]) as usize;
    let layout = if version == 1 { 0 } else { LAYOUT_LEN };
    Ok((FIXED_LEN + 3 + wrapped_len + layout + CHECK_LEN, version))
}

/// The header at the start of `file` and where the body starts; `file` needs to hold only the
/// header.
pub fn parse_head(file: &[u8]) -> Result<(Header, usize), FormatError> {
    let (len, version) = head_len(file)?;
    if file.len() < len {
        return Err(FormatError::Damaged("truncated header"));
    }
    let check_at = len - CHECK_LEN;
    if header_check(&file[..check_at]) != file[check_at..len] {
        return Err(FormatError::Damaged("header checksum mismatch"));
    }
    if file[10] != ALG_AES_256_GCM {
        return Err(FormatError::Damaged("unknown algorithm"));
    }
    let source =
        SourceKind::from_byte(file[FIXED_LEN]).ok_or(FormatError::Damaged("unknown key source"))?;
    let wrapped_end =
        FIXED_LEN + 3 + u16::from_be_bytes([file[FIXED_LEN + 1], file[FIXED_LEN + 2]]) as usize;
    let layout = (version != 1).then(|| Layout {
        generation: file[wrapped_end..wrapped_end + 16].try_into().expect("16"),
        buckets: u32::from_be_bytes(file[wrapped_end + 16..check_at].try_into().expect("4")),
    });
    if layout.is_some_and(|l| l.buckets == 0) {
        return Err(FormatError::Damaged("no buckets"));
    }
    let header = Header {
        key_id: file[11..FIXED_LEN].try_into().expect("16 bytes"),
        source,
        wrapped: file[FIXED_LEN + 3..wrapped_end].to_vec(),
        layout,
    };
    Ok((header, len))
}

/// Split a whole file into its header and the encrypted body, checking everything that can be
/// checked without the key.
pub fn parse_header(file: &[u8]) -> Result<(Header, &[u8]), FormatError> {
    let (header, start) = match parse_head(file) {
        Err(FormatError::Damaged("truncated header")) if head_len(file).is_ok() => {
            return Err(FormatError::Damaged("truncated file"));
        }
        other => other?,
    };
    let body = &file[start..];
    if body.len() < least_body(&header) {
        return Err(FormatError::Damaged("truncated file"));
    }
    Ok((header, body))
}

/// The shortest body a file with `header` can have.
pub fn least_body(header: &Header) -> usize {
    match header.layout {
        None => V1_NONCE_LEN + TAG_LEN,
        Some(layout) => super::v2::table_len(layout.buckets),
    }
}
