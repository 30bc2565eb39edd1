//! Version 2: entries in buckets sealed one by one, so that `get` decrypts only the bucket its
//! host (or provider instance) hashes to.
//!
//! ```text
//! body = table | bucket 0 | ... | bucket B-1           (B = the header's bucket count)
//! table    = AES-256-GCM(file key, nonce 0,   AAD = body AAD | "table") of B lengths u32, tag
//! bucket i = AES-256-GCM(file key, nonce i+1, AAD = body AAD | "bucket" | i u32) of
//!            count u32 | (stored position u32 | entry)*, tag
//! file key   = HKDF-SHA256(salt = generation, data key, "vouch store v2 seal")
//! lookup key = HKDF-SHA256(salt = generation, data key, "vouch store v2 lookup")
//! bucket of an entry = HMAC-SHA256(lookup key, slot)[..8] as u64 mod B
//! ```
//! The slot is `"g" | len u32 | protocol | lowercased host` for what git stored,
//! `"p" | provider instance` for a provider's credentials without a repository scope, and
//! `"s" | len u32 | provider instance | scope` (lowercased, no outer slashes) for scoped ones:
//! what `get` selects by, given the repository prefixes of the URL's path. The
//! header's layout (generation, B) is in every AAD and each file has a fresh generation, so a
//! bucket cannot be moved to another position, dropped (the table fixes B and every length,
//! and the file must end where the last bucket does) or brought back from an older file. The
//! table is encrypted: without the key the file shows B (which follows from the entry count)
//! and its total size, not how the entries spread over the buckets.

mod read;
mod seal;

pub use read::{Index, lookup, select, select_in_place};
pub use seal::seal;
#[cfg(test)]
pub(super) use seal::seal_by;

use ring::aead::{AES_256_GCM, LessSafeKey, Nonce, UnboundKey};
use ring::{hkdf, hmac};

use super::{Layout, TAG_LEN};
use crate::credential::{Credential, GENERIC};
use crate::keysource::DataKey;

/// Entries per bucket the writer aims at: a bucket of 32 typical entries is a few KiB.
const BUCKET_TARGET: usize = 32;

pub fn bucket_count(entries: usize) -> u32 {
    u32::try_from(entries.div_ceil(BUCKET_TARGET).max(1)).expect("fewer than 2^37 entries")
}

/// The table's length in the file for `buckets` buckets.
pub fn table_len(buckets: u32) -> usize {
    buckets as usize * 4 + TAG_LEN
}

/// What an entry is found by.
#[derive(Debug, Clone, Copy)]
pub enum Slot<'a> {
    /// What git stored (and a credential stored before its host was a provider's).
    Generic { protocol: &'a [u8], host: &'a [u8] },
    /// A provider instance's credentials without a repository scope, whatever their host.
    Provider(&'a [u8]),
    /// A provider instance's credentials scoped to a repository or group: hashed by the scope
    /// as [`scope_key`] normalizes it, so that many repository tokens of one instance spread
    /// over the buckets. (Files written before this slot kept them in the instance's
    /// [`Slot::Provider`] bucket; `get` reads that bucket too, so those files still answer.)
    Scoped { provider: &'a [u8], scope: &'a [u8] },
}

impl Slot<'_> {
    pub fn of(c: &Credential) -> Slot<'_> {
        if c.provider.is_empty() || c.provider == GENERIC {
            Slot::Generic {
                protocol: c.protocol.as_bytes(),
                host: c.host.as_bytes(),
            }
        } else if let Some(scope) = &c.scope {
            Slot::Scoped {
                provider: c.provider.as_bytes(),
                scope: scope.as_bytes(),
            }
        } else {
            Slot::Provider(c.provider.as_bytes())
        }
    }
}

/// A scope as its bucket is found: without outer slashes, ASCII-lowercased; the same
/// normalization as `provider::path::scope_covers` compares with, so a scope and every
/// repository prefix it covers hash alike.
pub fn scope_key(scope: &[u8]) -> Vec<u8> {
    trim_slashes(scope).to_ascii_lowercase()
}

/// Whether `scope` normalizes to `key` (a [`scope_key`]), without allocating.
pub fn has_scope_key(scope: &[u8], key: &[u8]) -> bool {
    trim_slashes(scope).eq_ignore_ascii_case(key)
}

fn trim_slashes(scope: &[u8]) -> &[u8] {
    let start = scope.iter().position(|&b| b != b'/').unwrap_or(scope.len());
    let end = scope
        .iter()
        .rposition(|&b| b != b'/')
        .map_or(start, |i| i + 1);
    &scope[start..end]
}

/// Feed `bytes` ASCII-lowercased to `ctx` without allocating: every entry of a store is
/// hashed on each write.
fn update_lowercase(ctx: &mut hmac::Context, bytes: &[u8]) {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(buf.len()) {
        let lower = &mut buf[..chunk.len()];
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        ctx.update(lower);
    }
}

struct Keys {
    seal: LessSafeKey,
    lookup: hmac::Key,
}

impl Keys {
    fn derive(data_key: &DataKey, layout: &Layout) -> Keys {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &layout.generation).extract(data_key.bytes());
        let seal = prk
            .expand(&[b"vouch store v2 seal"], &AES_256_GCM)
            .expect("HKDF length");
        let lookup = prk
            .expand(&[b"vouch store v2 lookup"], hmac::HMAC_SHA256)
            .expect("HKDF length");
        Keys {
            seal: LessSafeKey::new(UnboundKey::from(seal)),
            lookup: hmac::Key::from(lookup),
        }
    }

    fn bucket(&self, slot: Slot<'_>, buckets: u32) -> u32 {
        let mut ctx = hmac::Context::with_key(&self.lookup);
        match slot {
            Slot::Generic { protocol, host } => {
                ctx.update(b"g");
                ctx.update(&(protocol.len() as u32).to_be_bytes());
                ctx.update(protocol);
                update_lowercase(&mut ctx, host);
            }
            Slot::Provider(name) => {
                ctx.update(b"p");
                ctx.update(name);
            }
            Slot::Scoped { provider, scope } => {
                ctx.update(b"s");
                ctx.update(&(provider.len() as u32).to_be_bytes());
                ctx.update(provider);
                update_lowercase(&mut ctx, trim_slashes(scope));
            }
        }
        let tag = ctx.sign();
        let n = u64::from_be_bytes(tag.as_ref()[..8].try_into().expect("8 bytes"));
        (n % u64::from(buckets)) as u32
    }
}

/// Part `i` of the body: 0 the table, bucket b is b + 1. Each file key seals each once.
fn nonce(part: u32) -> Nonce {
    let mut n = [0u8; 12];
    n[8..].copy_from_slice(&part.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

fn table_aad(body_aad: &[u8]) -> Vec<u8> {
    [body_aad, b"table"].concat()
}

fn bucket_aad(body_aad: &[u8], bucket: u32) -> Vec<u8> {
    [body_aad, b"bucket", &bucket.to_be_bytes()].concat()
}
