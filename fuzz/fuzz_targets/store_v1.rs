//! The v1 store decoder, both halves:
//! - the header parser on the raw input (what any file at the store path reaches);
//! - the payload decoder on the input sealed as a body under a fixed test key, so the fuzzer
//!   reaches the entry parser behind AES-GCM's authentication (which random bytes never pass).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ring::aead::{Aad, Nonce};
use vouch::keysource::{DataKey, SourceKind};
use vouch::store::format::{self, Header, v1};

/// magic | version | algorithm | key id: the body's associated data (the format's FIXED_LEN).
const FIXED_LEN: usize = 8 + 2 + 1 + 16;

fuzz_target!(|data: &[u8]| {
    if let Ok((header, body)) = format::parse_header(data) {
        let key = DataKey::from_slice(&[7; 32]).unwrap();
        let _ = v1::open(&header, &key, body);
    }

    let header = Header {
        key_id: [5; 16],
        source: SourceKind::File,
        wrapped: vec![9; 60],
        layout: None,
    };
    let key = DataKey::from_slice(&[7; 32]).unwrap();
    let mut file = header.encode();
    let aad = file[..FIXED_LEN].to_vec();
    let nonce = [3u8; 12];
    let mut payload = data.to_vec();
    let tag = key
        .aead()
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&aad[..]),
            &mut payload,
        )
        .unwrap();
    file.extend_from_slice(&nonce);
    file.extend_from_slice(&payload);
    file.extend_from_slice(tag.as_ref());
    let (parsed, body) = format::parse_header(&file).expect("a header we encoded");
    let plain = v1::open(&parsed, &key, body).expect("a body we sealed");
    if let Ok(entries) = plain.decode() {
        // What decodes must encode and decode to the same entries.
        let again = v1::seal(&header, &key, &entries);
        let (h, b) = format::parse_header(&again).unwrap();
        let back = v1::open(&h, &key, b).unwrap().decode().unwrap();
        assert!(back == entries, "a decoded store did not round-trip");
    }
});
