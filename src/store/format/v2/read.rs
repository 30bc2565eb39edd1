//! Reading a v2 file: the bucket table, then the buckets a lookup needs, or all of them.

use std::ops::Range;

use ring::aead::Aad;
use zeroize::Zeroizing;

use super::super::entries::{Reader, View, read_view, skip_entry};
use super::super::v1::counted;
use super::super::{FormatError, Header, TAG_LEN};
use super::{Keys, Slot, bucket_aad, nonce, table_aad, table_len};
use crate::credential::Credential;
use crate::keysource::DataKey;

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

    /// Decrypt bucket `b` in place: `sealed` is its whole [`Index::range`]; the answer is the
    /// plaintext at its front.
    fn open_bucket<'a>(&self, b: u32, sealed: &'a mut [u8]) -> Result<&'a [u8], FormatError> {
        let plain = self
            .keys
            .seal
            .open_in_place(nonce(b + 1), Aad::from(bucket_aad(&self.aad, b)), sealed)
            .map_err(|_| FormatError::Damaged("bucket authentication failed"))?;
        Ok(plain)
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
    let mut sealed = Vec::with_capacity(buckets.len());
    for b in buckets {
        sealed.push((b, Zeroizing::new(read(index.range(b))?)));
    }
    let mut plains = Vec::with_capacity(sealed.len());
    for (b, bytes) in &mut sealed {
        plains.push(index.open_bucket(*b, &mut bytes[..])?);
    }
    Ok(decode_kept(&plains, &locate(&plains)?, keep)?)
}

/// The entries `keep` selects from a whole v2 body, in stored order: every bucket is opened,
/// and the positions must number the entries 0, 1, ... exactly once each.
pub fn select(
    header: &Header,
    data_key: &DataKey,
    body: &[u8],
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, FormatError> {
    select_in_place(header, data_key, &mut Zeroizing::new(body.to_vec()), keep)
}

/// [`select`], decrypting `body` in place (a store read whole need not be copied again): what
/// it leaves in `body` is plaintext, for the caller to zeroize.
pub fn select_in_place(
    header: &Header,
    data_key: &DataKey,
    body: &mut [u8],
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, FormatError> {
    let read =
        |r: Range<u64>| Ok::<_, FormatError>(body[r.start as usize..r.end as usize].to_vec());
    let index = open_index(header, data_key, body.len() as u64, &read)?;
    let (_, mut rest) = body.split_at_mut(table_len(index.buckets()));
    let mut plains = Vec::with_capacity(index.buckets() as usize);
    for b in 0..index.buckets() {
        let range = index.range(b);
        let (sealed, after) =
            std::mem::take(&mut rest).split_at_mut((range.end - range.start) as usize);
        rest = after;
        plains.push(index.open_bucket(b, sealed)?);
    }
    let found = locate(&plains)?;
    if found
        .iter()
        .enumerate()
        .any(|(i, e)| e.position as usize != i)
    {
        return Err(FormatError::Damaged("entry positions are not a sequence"));
    }
    decode_kept(&plains, &found, keep)
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

/// Where an entry is: its position in the store, and where its fields start in which of the
/// opened buckets.
struct Located {
    position: u32,
    bucket: u32,
    at: usize,
}

/// Every entry of the opened buckets (`plains`), in stored order. Reading is in two passes so
/// that a whole-store read stays linear when the store outgrows the CPU cache: this one only
/// skips over each entry's fields to note where it is; [`decode_kept`] then reads the entries
/// in stored order from the compact plaintext. (Decoding in bucket order and then moving the
/// credentials into stored order touched the large decoded set at random.)
fn locate(plains: &[&[u8]]) -> Result<Vec<Located>, FormatError> {
    let mut found = Vec::new();
    for (bucket, plain) in plains.iter().enumerate() {
        for entry in counted(plain, |r| {
            let position = r.u32()?;
            let at = plain.len() - r.0.len();
            skip_entry(r)?;
            Ok((position, at))
        }) {
            let (position, at) = entry?;
            found.push(Located {
                position,
                bucket: bucket as u32,
                at,
            });
        }
    }
    found.sort_unstable_by_key(|e| e.position);
    Ok(found)
}

/// The entries of `found` that `keep` selects, decoded in the order given.
fn decode_kept(
    plains: &[&[u8]],
    found: &[Located],
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, FormatError> {
    // Room for a new entry or two, so that a `store` adding one need not move them all.
    let mut selected = crate::store::buffer::large(found.len() + 4);
    for e in found {
        let view = read_view(&mut Reader(&plains[e.bucket as usize][e.at..]))?;
        if keep(&view) {
            selected.push(view.to_credential()?);
        }
    }
    Ok(selected)
}
