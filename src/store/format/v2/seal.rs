//! Writing a v2 file: every entry encoded once, grouped by bucket, each bucket sealed.

use ring::aead::Aad;
use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use super::super::entries::{encode_entry, encoded_len};
use super::super::{Header, Layout, TAG_LEN};
use super::{Keys, Slot, bucket_aad, bucket_count, nonce, table_aad, table_len};
use crate::credential::Credential;
use crate::keysource::DataKey;

/// `entries` as a v2 file behind `header`'s key id, source and wrapped key, with a fresh
/// generation.
pub fn seal(header: &Header, data_key: &DataKey, entries: &[Credential]) -> Vec<u8> {
    seal_by(header, data_key, entries, Slot::of)
}

/// [`seal`] with each entry's bucket found by `slot_of` (tests: files as older writers put
/// them).
pub(in crate::store::format) fn seal_by(
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
    let mut plain = Zeroizing::new(crate::store::buffer::large(end));
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
    let mut out = crate::store::buffer::large(total);
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
