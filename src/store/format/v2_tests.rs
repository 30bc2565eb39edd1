//! The v2 format: round trips, every kind of tampering refused, and `get`'s bucket lookup
//! answering exactly what a full decode does.

use super::tests::{header, sample};
use super::v2::{self, Slot, table_len};
use super::*;
use crate::credential::GENERIC;
use crate::secret::Secret;

pub(super) fn generic(host: &str, user: &str) -> Credential {
    Credential {
        id: format!("id-{host}-{user}"),
        provider: GENERIC.into(),
        protocol: "https".into(),
        host: host.into(),
        username: Some(user.into()),
        password: Some(Secret::new(format!("pw-{user}"))),
        ..Default::default()
    }
}

/// Enough entries for several buckets.
pub(super) fn many(n: usize) -> Vec<Credential> {
    (0..n)
        .map(|i| generic(&format!("h{i}.example"), "u"))
        .collect()
}

pub(super) fn decode_file(file: &[u8], key: &DataKey) -> Result<Vec<Credential>, FormatError> {
    let (h, body) = parse_header(file)?;
    decode(&h, key, body)
}

/// `get`'s path over the bytes of a whole file.
pub(super) fn lookup_file(
    file: &[u8],
    key: &DataKey,
    slots: &[Slot<'_>],
    keep: impl Fn(&View<'_>) -> bool,
) -> Result<Vec<Credential>, FormatError> {
    let (h, start) = parse_head(file)?;
    let body = &file[start..];
    let read = |r: std::ops::Range<u64>| {
        body.get(r.start as usize..r.end as usize)
            .map(<[u8]>::to_vec)
            .ok_or(FormatError::Damaged("read past the end"))
    };
    v2::lookup(
        &h,
        key,
        body.len() as u64,
        read,
        slots.iter().copied(),
        keep,
    )
}

/// Where each bucket lies in the file, from the table (opened with the key).
pub(super) fn bucket_ranges(file: &[u8], key: &DataKey) -> Vec<std::ops::Range<usize>> {
    let (h, start) = parse_head(file).unwrap();
    let buckets = h.layout.unwrap().buckets;
    let index = v2::Index::open(&h, key, &file[start..start + table_len(buckets)]).unwrap();
    (0..buckets)
        .map(|b| {
            let r = index.range(b);
            start + r.start as usize..start + r.end as usize
        })
        .collect()
}

pub(super) fn damaged(result: Result<Vec<Credential>, FormatError>, what: &str) {
    match result {
        Err(FormatError::Damaged(_)) => {}
        other => panic!("{what}: expected damage, got {other:?}"),
    }
}

#[test]
fn seal_decode_round_trip_with_the_layout_in_the_header() {
    let dk = DataKey::generate();
    let file = seal(&header(), &dk, &sample());
    let (h, _) = parse_header(&file).unwrap();
    assert_eq!(h.version(), 2);
    assert_eq!(h.layout.unwrap().buckets, 1);
    assert_eq!(decode_file(&file, &dk).unwrap(), sample());
    assert!(
        !file.windows(7).any(|w| w == b"bb.corp"),
        "hosts are encrypted"
    );
    let big = many(100);
    let file = seal(&header(), &dk, &big);
    assert_eq!(parse_header(&file).unwrap().0.layout.unwrap().buckets, 4);
    assert_eq!(decode_file(&file, &dk).unwrap(), big);
    let empty = seal(&header(), &dk, &[]);
    assert_eq!(decode_file(&empty, &dk).unwrap(), vec![]);
}

#[test]
fn every_generation_is_new() {
    let dk = DataKey::generate();
    let a = parse_header(&seal(&header(), &dk, &[])).unwrap().0.layout;
    let b = parse_header(&seal(&header(), &dk, &[])).unwrap().0.layout;
    assert_ne!(a.unwrap().generation, b.unwrap().generation);
}

#[test]
fn every_single_byte_flip_is_detected() {
    let dk = DataKey::generate();
    let file = seal(&header(), &dk, &many(70));
    assert_eq!(bucket_ranges(&file, &dk).len(), 3);
    for i in 0..file.len() {
        let mut bad = file.clone();
        bad[i] ^= 0x01;
        // Flips in the wrapped key pass the header check only if the check is flipped too; a
        // real key source refuses the wrapped key itself (its own AEAD).
        assert!(
            decode_file(&bad, &dk).is_err(),
            "flip at byte {i} went unnoticed"
        );
    }
}

#[test]
fn a_flip_in_the_bucket_get_reads_fails_get() {
    let dk = DataKey::generate();
    let entries = many(70);
    let file = seal(&header(), &dk, &entries);
    let slot = Slot::of(&entries[5]);
    let (h, start) = parse_head(&file).unwrap();
    let buckets = h.layout.unwrap().buckets;
    let index = v2::Index::open(&h, &dk, &file[start..start + table_len(buckets)]).unwrap();
    let range = index.range(index.bucket_of(slot));
    for i in start + range.start as usize..start + range.end as usize {
        let mut bad = file.clone();
        bad[i] ^= 0x80;
        damaged(lookup_file(&bad, &dk, &[slot], |_| true), "flipped bucket");
    }
    for i in start..start + table_len(buckets) {
        let mut bad = file.clone();
        bad[i] ^= 0x80;
        damaged(lookup_file(&bad, &dk, &[slot], |_| true), "edited table");
    }
}

#[test]
fn dropped_swapped_duplicated_or_truncated_buckets_are_refused() {
    let dk = DataKey::generate();
    let entries = many(70);
    let file = seal(&header(), &dk, &entries);
    let r = bucket_ranges(&file, &dk);
    let splice = |parts: &[std::ops::Range<usize>]| -> Vec<u8> {
        let mut out = file[..r[0].start].to_vec();
        for p in parts {
            out.extend_from_slice(&file[p.clone()]);
        }
        out
    };
    // `get` reading every bucket (it reads only its own: a swap elsewhere is not its concern).
    let all_slots: Vec<Slot<'_>> = entries.iter().map(Slot::of).collect();
    for (what, bad) in [
        ("dropped last", splice(&[r[0].clone(), r[1].clone()])),
        ("dropped first", splice(&[r[1].clone(), r[2].clone()])),
        (
            "swapped",
            splice(&[r[1].clone(), r[0].clone(), r[2].clone()]),
        ),
        (
            "duplicated",
            splice(&[r[0].clone(), r[0].clone(), r[2].clone()]),
        ),
        (
            "appended",
            splice(&[r[0].clone(), r[1].clone(), r[2].clone(), r[2].clone()]),
        ),
    ] {
        damaged(decode_file(&bad, &dk), what);
        damaged(lookup_file(&bad, &dk, &all_slots, |_| true), what);
    }
    for len in 0..file.len() {
        assert!(
            decode_file(&file[..len], &dk).is_err(),
            "truncated to {len}"
        );
        if parse_head(&file[..len]).is_ok() {
            damaged(
                lookup_file(&file[..len], &dk, &all_slots, |_| true),
                "truncated",
            );
        }
    }
}

#[test]
fn a_bucket_or_table_from_an_older_file_with_the_same_key_is_refused() {
    let dk = DataKey::generate();
    // The same entries twice: same sizes, so the replayed parts fit where they go.
    let entries = vec![generic("one.example", "u"), generic("two.example", "u")];
    let old = seal(&header(), &dk, &entries);
    let new = seal(&header(), &dk, &entries);
    let (ro, rn) = (bucket_ranges(&old, &dk), bucket_ranges(&new, &dk));
    let slots = [Slot::of(&entries[0])];
    let mut bad = new.clone();
    bad[rn[0].clone()].copy_from_slice(&old[ro[0].clone()]);
    damaged(decode_file(&bad, &dk), "replayed bucket");
    damaged(lookup_file(&bad, &dk, &slots, |_| true), "replayed bucket");
    let table = parse_head(&new).unwrap().1..rn[0].start;
    let mut bad = new.clone();
    bad[table.clone()].copy_from_slice(&old[table.clone()]);
    damaged(decode_file(&bad, &dk), "replayed table");
    // The old header (its generation) with the new body.
    let mut bad = old[..table.start].to_vec();
    bad.extend_from_slice(&new[table.start..]);
    damaged(decode_file(&bad, &dk), "old header");
}

#[test]
fn swapping_two_buckets_of_the_same_length_is_refused() {
    // Hosts of one length: buckets holding as many entries are as long, so a swap keeps every
    // length the table names and only the AAD (the bucket's position) can tell.
    let dk = DataKey::generate();
    let entries: Vec<Credential> = (0..3200)
        .map(|i| generic(&format!("h{i:04}.example"), "u"))
        .collect();
    let file = seal(&header(), &dk, &entries);
    let r = bucket_ranges(&file, &dk);
    let (a, b) = (0..r.len())
        .flat_map(|a| (a + 1..r.len()).map(move |b| (a, b)))
        .find(|&(a, b)| r[a].len() == r[b].len())
        .expect("two buckets of the same length");
    let mut bad = file.clone();
    bad[r[a].clone()].copy_from_slice(&file[r[b].clone()]);
    bad[r[b].clone()].copy_from_slice(&file[r[a].clone()]);
    damaged(decode_file(&bad, &dk), "swapped");
    let (h, start) = parse_head(&file).unwrap();
    let index = v2::Index::open(
        &h,
        &dk,
        &file[start..start + table_len(h.layout.unwrap().buckets)],
    )
    .unwrap();
    let in_a = entries
        .iter()
        .map(Slot::of)
        .find(|s| index.bucket_of(*s) == a as u32)
        .expect("an entry in bucket a");
    damaged(lookup_file(&bad, &dk, &[in_a], |_| true), "swapped, get");
}

#[test]
fn a_flip_in_the_header_fails_get() {
    let dk = DataKey::generate();
    let entries = many(70);
    let file = seal(&header(), &dk, &entries);
    let slot = Slot::of(&entries[0]);
    let (_, start) = parse_head(&file).unwrap();
    for i in 0..start {
        let mut bad = file.clone();
        bad[i] ^= 0x01;
        assert!(
            lookup_file(&bad, &dk, &[slot], |_| true).is_err(),
            "flip at header byte {i} went unnoticed by get"
        );
    }
}

#[test]
fn a_store_under_another_key_is_refused() {
    let file = seal(&header(), &DataKey::generate(), &sample());
    damaged(decode_file(&file, &DataKey::generate()), "other key");
}
