//! The v2 store decoder, three ways:
//! - the raw input as a whole file, opened with a fixed key (header parser, table checks; what
//!   any file at the store path reaches);
//! - the input as the plaintext of a one-bucket file sealed here by the format's rules (the
//!   spec in src/store/format/v2.rs, re-implemented), so the fuzzer reaches the bucket's entry
//!   parser and the position check behind AES-GCM's authentication;
//! - entries derived from the input, sealed by the library: they must open to the same entries,
//!   `get`'s lookup must find each by its slot, and one flipped byte must fail the open.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use vouch::credential::{Credential, GENERIC};
use vouch::keysource::{DataKey, SourceKind};
use vouch::secret::Secret;
use vouch::store::format::{self, Header, Layout, v2};

/// Enough for several buckets (the writer aims at 32 entries a bucket) while keeping an
/// execution fast: at 200 entries the target ran under 200 executions a second.
const MAX_ENTRIES: usize = 80;

/// How many of the entries `get`'s lookup is asked for, each a full lookup.
const LOOKUPS: usize = 6;

fn key() -> DataKey {
    DataKey::from_slice(&[7; 32]).unwrap()
}

fn header(layout: Option<Layout>) -> Header {
    Header {
        key_id: [5; 16],
        source: SourceKind::File,
        wrapped: vec![9; 60],
        layout,
    }
}

fn open_file(file: &[u8]) -> Result<Vec<Credential>, format::FormatError> {
    let (header, body) = format::parse_header(file)?;
    format::decode(&header, &key(), body)
}

/// `get`'s path: only the table and the buckets of `slots`.
fn lookup_file(
    file: &[u8],
    slots: &[v2::Slot<'_>],
    keep: impl Fn(&format::View<'_>) -> bool,
) -> Result<Vec<Credential>, format::FormatError> {
    let (header, start) = format::parse_head(file)?;
    let body = &file[start..];
    let read = |r: std::ops::Range<u64>| {
        body.get(r.start as usize..r.end as usize)
            .map(<[u8]>::to_vec)
            .ok_or(format::FormatError::Damaged("read past the end"))
    };
    v2::lookup(
        &header,
        &key(),
        body.len() as u64,
        read,
        slots.iter().copied(),
        keep,
    )
}

/// `plain` as the one bucket of a v2 file, sealed as the format describes.
fn seal_one_bucket(plain: &[u8]) -> Vec<u8> {
    let layout = Layout {
        generation: [1; 16],
        buckets: 1,
    };
    let header = header(Some(layout));
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &layout.generation).extract(key().bytes());
    let seal = prk.expand(&[b"vouch store v2 seal"], &AES_256_GCM).unwrap();
    let seal = LessSafeKey::new(UnboundKey::from(seal));
    let aad = header.body_aad();
    let nonce = |part: u32| {
        let mut n = [0u8; 12];
        n[8..].copy_from_slice(&part.to_be_bytes());
        Nonce::assume_unique_for_key(n)
    };
    let mut bucket = plain.to_vec();
    let bucket_aad = [&aad[..], b"bucket", &0u32.to_be_bytes()].concat();
    seal.seal_in_place_append_tag(nonce(1), Aad::from(bucket_aad), &mut bucket)
        .unwrap();
    let mut table = (bucket.len() as u32).to_be_bytes().to_vec();
    let table_aad = [&aad[..], b"table"].concat();
    seal.seal_in_place_append_tag(nonce(0), Aad::from(table_aad), &mut table)
        .unwrap();
    [header.encode(), table, bucket].concat()
}

/// Up to [`MAX_ENTRIES`] entries from the input, 8 bytes each: few hosts and providers, so that
/// buckets hold several hosts and hosts several entries; some fields carry the raw bytes.
fn entries(data: &[u8]) -> Vec<Credential> {
    data.chunks(8)
        .take(MAX_ENTRIES)
        .enumerate()
        .map(|(i, c)| {
            let byte = |n: usize| c.get(n).copied().unwrap_or(0);
            let provider = match byte(2) % 4 {
                0 => format!("inst{}", byte(3) % 3),
                _ => GENERIC.to_owned(),
            };
            Credential {
                id: format!("{i}"),
                provider: provider.clone(),
                protocol: if byte(1) & 1 == 0 { "https" } else { "http" }.into(),
                host: format!("h{}.example", byte(0) % 16),
                username: Some(String::from_utf8_lossy(&c[c.len().min(4)..]).into_owned()),
                password: Some(Secret::new(format!("{c:02x?}"))),
                path: (byte(1) & 2 != 0).then(|| "o/r.git".to_owned()),
                // A provider's credential with a scope is found by its scope's bucket.
                scope: (provider != GENERIC && byte(4) & 1 != 0)
                    .then(|| format!("O{}/r", byte(4) % 5)),
                created: i64::from(byte(5)),
                ..Default::default()
            }
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let _ = open_file(data);
    let slot = v2::Slot::Generic {
        protocol: b"https",
        host: b"h1.example",
    };
    let _ = lookup_file(data, &[slot], |_| true);

    // Behind authentication: what decodes from a bucket must be a numbered list of entries.
    if let Ok(decoded) = open_file(&seal_one_bucket(data)) {
        let again = format::seal(&header(None), &key(), &decoded);
        assert!(
            open_file(&again).unwrap() == decoded,
            "a bucket did not round-trip"
        );
    }

    let entries = entries(data);
    let file = format::seal(&header(None), &key(), &entries);
    assert!(
        open_file(&file).unwrap() == entries,
        "sealed entries did not open"
    );
    for (i, c) in entries.iter().enumerate().take(LOOKUPS) {
        let id = format!("{i}");
        let keep = |v: &format::View<'_>| v.to_credential().is_ok_and(|d| d.id == id);
        let found = lookup_file(&file, &[v2::Slot::of(c)], keep).unwrap();
        assert!(found == [c.clone()], "lookup missed entry {i}");
    }
    if let Some(&b) = data.first() {
        let at = (usize::from(b) * 7919 + data.len()) % file.len();
        let mut bad = file.clone();
        bad[at] ^= data.last().copied().unwrap_or(1).max(1);
        assert!(
            open_file(&bad).is_err(),
            "a flip at byte {at} went unnoticed"
        );
    }
});
