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

use std::ops::Range;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::{hkdf, hmac, rand::SecureRandom};
use zeroize::Zeroizing;

use super::entries::{Reader, View, encode_entry, encoded_len, read_view};
use super::v1::counted;
use super::{FormatError, Header, Layout, TAG_LEN};
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

/// `entries` as a v2 file behind `header`'s key id, source and wrapped key, with a fresh
/// generation.
pub fn seal(header: &Header, data_key: &DataKey, entries: &[Credential]) -> Vec<u8> {
    seal_by(header, data_key, entries, Slot::of)
}

/// [`seal`] with each entry's bucket found by `slot_of` (tests: files as older writers put
/// them).
pub(super) fn seal_by(
    header: &Header,
    data_key: &DataKey,
    entries: &[Credential],
    slot_of: impl Fn(&Credential) -> Slot<'_>,
) -> Vec<u8> {
    let mut generation = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut generation)
        .expect("the OS random number generator failed");
    let layout = Layout {
        generation,
        buckets: bucket_count(entries.len()),
    };
    let header = Header {
        layout: Some(layout),
        ..header.clone()
    };
    let keys = Keys::derive(data_key, &layout);
    let buckets = layout.buckets as usize;
    // Each entry is encoded once, in stored order, into one compact plaintext buffer (its
    // size found first, from the same entries); the buckets are then filled from it. Reading the entries themselves in bucket order touched
    // them at random, which made writing a store that outgrows the CPU cache superlinear.
    let mut spans = Vec::with_capacity(entries.len());
    let mut bucket_of = Vec::with_capacity(entries.len());
    let mut end = 0;
    for c in entries {
        bucket_of.push(keys.bucket(slot_of(c), layout.buckets));
        let start = end;
        end += encoded_len(c);
        spans.push(start..end);
    }
    // Sized exactly: growing would free a buffer of plaintext without zeroing it.
    let mut plain = Zeroizing::new(Vec::with_capacity(end));
    for c in entries {
        encode_entry(&mut plain, c);
    }
    assert_eq!(plain.len(), end, "entry lengths computed exactly");
    // Grouped by bucket, in stored order within each: a counting sort.
    let mut starts = vec![0usize; buckets + 1];
    for &b in &bucket_of {
        starts[b as usize + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut order = vec![0u32; entries.len()];
    let mut next = starts.clone();
    for (position, &b) in bucket_of.iter().enumerate() {
        order[next[b as usize]] = position as u32;
        next[b as usize] += 1;
    }
    let total_plain: usize = buckets * 4 + spans.iter().map(|s| 4 + s.len()).sum::<usize>();
    let head = header.encode();
    let table_at = head.len();
    let buckets_at = table_at + table_len(layout.buckets);
    let total = buckets_at + total_plain + buckets * TAG_LEN;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&head);
    out.resize(buckets_at, 0);
    let aad = header.body_aad();
    for b in 0..buckets {
        let start = out.len();
        out.extend_from_slice(&((starts[b + 1] - starts[b]) as u32).to_be_bytes());
        for &position in &order[starts[b]..starts[b + 1]] {
            out.extend_from_slice(&position.to_be_bytes());
            out.extend_from_slice(&plain[spans[position as usize].clone()]);
        }
        let tag = keys
            .seal
            .seal_in_place_separate_tag(
                nonce(b as u32 + 1),
                Aad::from(bucket_aad(&aad, b as u32)),
                &mut out[start..],
            )
            .expect("bucket fits AES-GCM limits");
        out.extend_from_slice(tag.as_ref());
        let len = u32::try_from(out.len() - start).expect("a bucket under 4 GiB");
        let at = table_at + b * 4;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    assert_eq!(out.len(), total, "the store's size was computed exactly");
    let table_end = buckets_at - TAG_LEN;
    let tag = keys
        .seal
        .seal_in_place_separate_tag(
            nonce(0),
            Aad::from(table_aad(&aad)),
            &mut out[table_at..table_end],
        )
        .expect("table fits AES-GCM limits");
    out[table_end..buckets_at].copy_from_slice(tag.as_ref());
    out
}

/// The opened bucket table: where each bucket lies, and the keys to open and find them.
pub struct Index {
    keys: Keys,
    aad: Vec<u8>,
    /// Bucket b spans `ends[b - 1]..ends[b]` of the body (bucket 0 starts after the table).
    ends: Vec<u64>,
}

impl Index {
    /// Open the table: the first [`table_len`] bytes of the body.
    pub fn open(header: &Header, data_key: &DataKey, table: &[u8]) -> Result<Index, FormatError> {
        let layout = header
            .layout
            .ok_or(FormatError::Damaged("not a v2 header"))?;
        if table.len() != table_len(layout.buckets) {
            return Err(FormatError::Damaged("truncated file"));
        }
        let keys = Keys::derive(data_key, &layout);
        let aad = header.body_aad();
        let mut buf = table.to_vec();
        let plain = keys
            .seal
            .open_in_place(nonce(0), Aad::from(table_aad(&aad)), &mut buf)
            .map_err(|_| FormatError::Damaged("bucket table authentication failed"))?;
        let mut end = table.len() as u64;
        let mut ends = Vec::with_capacity(layout.buckets as usize);
        for len in plain.chunks_exact(4) {
            let len = u32::from_be_bytes(len.try_into().expect("4 bytes"));
            if (len as usize) < 4 + TAG_LEN {
                return Err(FormatError::Damaged("bucket shorter than its tag"));
            }
            end += u64::from(len);
            ends.push(end);
        }
        Ok(Index { keys, aad, ends })
    }

    /// The body's length: the file ends where the last bucket does.
    pub fn body_len(&self) -> u64 {
        *self.ends.last().expect("at least one bucket")
    }

    pub fn buckets(&self) -> u32 {
        self.ends.len() as u32
    }

    /// Where bucket `b` lies in the body.
    pub fn range(&self, b: u32) -> Range<u64> {
        let start = match b {
            0 => table_len(self.buckets()) as u64,
            _ => self.ends[b as usize - 1],
        };
        start..self.ends[b as usize]
    }

    /// The bucket every entry of `slot` is in.
    pub fn bucket_of(&self, slot: Slot<'_>) -> u32 {
        self.keys.bucket(slot, self.buckets())
    }

    /// Decrypt bucket `b`, whose sealed bytes (its whole [`Index::range`]) are `sealed`.
    pub fn open_bucket(&self, b: u32, sealed: Vec<u8>) -> Result<Bucket, FormatError> {
        let mut buf = Zeroizing::new(sealed);
        let len = self
            .keys
            .seal
            .open_in_place(
                nonce(b + 1),
                Aad::from(bucket_aad(&self.aad, b)),
                &mut buf[..],
            )
            .map_err(|_| FormatError::Damaged("bucket authentication failed"))?
            .len();
        Ok(Bucket { buf, len })
    }
}

/// A decrypted bucket.
pub struct Bucket {
    buf: Zeroizing<Vec<u8>>,
    len: usize,
}

impl Bucket {
    /// Each entry with its position in the store and where its fields start in the bucket, in
    /// stored order.
    pub fn views(&self) -> impl Iterator<Item = Result<(u32, usize, View<'_>), FormatError>> {
        let plain = &self.buf[..self.len];
        counted(plain, |r| {
            let position = r.u32()?;
            let at = plain.len() - r.0.len();
            Ok((position, at, read_view(r)?))
        })
    }

    /// The entry whose fields start at `at` (as [`Bucket::views`] gave it).
    fn view_at(&self, at: usize) -> Result<View<'_>, FormatError> {
        read_view(&mut Reader(&self.buf[at..self.len]))
    }
}

/// What [`select`] answers for a `keep` that selects nothing outside `slots`, reading only
/// the table and the buckets of `slots` from a body of `body_len` bytes with `read` (a range of
/// the body): `get`'s path. A body that does not end where the table says is refused.
pub fn lookup<'s, E: From<FormatError>>(
    header: &Header,
    data_key: &DataKey,
    body_len: u64,
    read: impl Fn(Range<u64>) -> Result<Vec<u8>, E>,
    slots: impl IntoIterator<Item = Slot<'s>>,
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, E> {
    let index = open_index(header, data_key, body_len, &read)?;
    let buckets: std::collections::BTreeSet<u32> =
        slots.into_iter().map(|s| index.bucket_of(s)).collect();
    gather(&index, buckets, &read, keep, |_| {})
}

/// The entries `keep` selects from a whole v2 body, in stored order: every bucket is opened,
/// and the positions must number the entries 0, 1, ... exactly once each.
pub fn select(
    header: &Header,
    data_key: &DataKey,
    body: &[u8],
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, FormatError> {
    let read =
        |r: Range<u64>| Ok::<_, FormatError>(body[r.start as usize..r.end as usize].to_vec());
    let index = open_index(header, data_key, body.len() as u64, &read)?;
    let mut positions = Vec::new();
    let selected = gather(&index, 0..index.buckets(), &read, keep, |p| {
        positions.push(p)
    })?;
    positions.sort_unstable();
    if positions.iter().enumerate().any(|(i, &p)| p as usize != i) {
        return Err(FormatError::Damaged("entry positions are not a sequence"));
    }
    Ok(selected)
}

/// The table of a body of `body_len` bytes, checked against that length.
fn open_index<E: From<FormatError>>(
    header: &Header,
    data_key: &DataKey,
    body_len: u64,
    read: &impl Fn(Range<u64>) -> Result<Vec<u8>, E>,
) -> Result<Index, E> {
    let layout = header
        .layout
        .ok_or(FormatError::Damaged("not a v2 header"))?;
    let table_len = table_len(layout.buckets) as u64;
    if body_len < table_len {
        return Err(FormatError::Damaged("truncated file").into());
    }
    let index = Index::open(header, data_key, &read(0..table_len)?)?;
    if body_len != index.body_len() {
        return Err(FormatError::Damaged("file length does not match its bucket table").into());
    }
    Ok(index)
}

/// What `keep` selects in `buckets`, in stored order; `seen` hears every entry's position.
///
/// Two passes, so that a whole-store read stays linear when the store outgrows the CPU cache:
/// the first opens the buckets and notes where each selected entry is; the second decodes
/// them in stored order from the compact plaintext. (Decoding in bucket order and then moving
/// the credentials into stored order touched the large decoded set at random.)
fn gather<E: From<FormatError>>(
    index: &Index,
    buckets: impl IntoIterator<Item = u32>,
    read: &impl Fn(Range<u64>) -> Result<Vec<u8>, E>,
    keep: impl Fn(&View<'_>) -> bool,
    mut seen: impl FnMut(u32),
) -> Result<Vec<Credential>, E> {
    let mut opened = Vec::new();
    let mut found: Vec<(u32, u32, usize)> = Vec::new();
    for b in buckets {
        let bucket = index.open_bucket(b, read(index.range(b))?)?;
        for view in bucket.views() {
            let (position, at, view) = view?;
            seen(position);
            if keep(&view) {
                found.push((position, opened.len() as u32, at));
            }
        }
        opened.push(bucket);
    }
    found.sort_unstable_by_key(|&(position, ..)| position);
    let mut selected = Vec::with_capacity(found.len());
    for (_, bucket, at) in found {
        selected.push(opened[bucket as usize].view_at(at)?.to_credential()?);
    }
    Ok(selected)
}
