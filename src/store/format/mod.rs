//! The on-disk format. Writers write version 2; version 1 files are still read, and the first
//! write replaces them with version 2.
//!
//! ```text
//! magic "VOUCHST\0" | version u16 | algorithm u8 | key id [16]     <- "fixed header"
//! key source u8 | wrapped length u16 | wrapped data key             <- authenticated by the wrap
//! v2 only: generation [16] | bucket count u32                      <- the "layout"
//! header check [8]: SHA-256 of everything above, truncated          <- tells damage from "key gone"
//! v1 body: nonce [12] | AES-256-GCM(data key, payload) with tag, AAD = fixed header
//! v2 body: bucket table | bucket 0 | bucket 1 | ...                 (see [`v2`])
//! ```
//! All integers big-endian. The wrapped data key sits outside the body's AAD so that changing
//! the key source rewrites only the header; the wrap's own AAD covers the fixed header (always
//! with version 1, so a migrated store keeps its wrapped key) and the source byte. Entries are
//! lists of tagged fields ([`entries`]).

mod entries;
mod header;
pub mod v1;
pub mod v2;

pub use entries::View;
pub use header::{Header, Layout, head_len, least_body, parse_head, parse_header};

use crate::credential::Credential;
use crate::keysource::DataKey;

pub const MAGIC: &[u8; 8] = b"VOUCHST\0";
/// The version writers write.
pub const VERSION: u16 = 2;
pub const ALG_AES_256_GCM: u8 = 1;
const TAG_LEN: usize = 16;

/// Why a file could not be read; the caller adds the path.
#[derive(Debug, PartialEq, Eq)]
pub enum FormatError {
    NotAStore,
    /// Newer than [`VERSION`]: written by a later build.
    UnsupportedVersion(u16),
    /// Older than [`VERSION`] but not one this build reads (0 was never written): damage or
    /// another file, not a reason to upgrade.
    UnknownVersion(u16),
    Damaged(&'static str),
}

/// Seal `entries` as the current version behind `header`'s key id, source and wrapped key.
pub fn seal(header: &Header, data_key: &DataKey, entries: &[Credential]) -> Vec<u8> {
    v2::seal(header, data_key, entries)
}

/// The entries `keep` selects from a whole file's body, in stored order, of either version.
pub fn select(
    header: &Header,
    data_key: &DataKey,
    body: &[u8],
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, FormatError> {
    match header.layout {
        None => {
            let plain = v1::open(header, data_key, body)?;
            let mut selected = Vec::new();
            for view in plain.views() {
                let view = view?;
                if keep(&view) {
                    selected.push(view.to_credential()?);
                }
            }
            Ok(selected)
        }
        Some(_) => v2::select(header, data_key, body, keep),
    }
}

/// [`decode`], decrypting a v2 `body` in place (a v1 body is copied): what it leaves in `body`
/// is plaintext, for the caller to zeroize.
pub fn decode_in_place(
    header: &Header,
    data_key: &DataKey,
    body: &mut [u8],
) -> Result<Vec<Credential>, FormatError> {
    match header.layout {
        None => decode(header, data_key, body),
        Some(_) => v2::select_in_place(header, data_key, body, |_| true),
    }
}

/// Every entry of a whole file's body, in stored order.
pub fn decode(
    header: &Header,
    data_key: &DataKey,
    body: &[u8],
) -> Result<Vec<Credential>, FormatError> {
    select(header, data_key, body, |_| true)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod v2_lookup_tests;
#[cfg(test)]
mod v2_tests;
