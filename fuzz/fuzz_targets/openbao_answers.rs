//! OpenBao's answers (untrusted): a KV v2 read and a login. Any bytes give bounded fields or a
//! classified failure, never a panic; a client token kept is a short line of visible characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::openbao::client::{parse_kv, parse_login};

fuzz_target!(|data: &[u8]| {
    if let Ok(fields) = parse_kv(data) {
        assert!(fields.len() <= 64);
        assert!(fields.iter().all(|(k, v)| k.len() <= 256 && v.len() <= 64 * 1024));
    }
    if let Ok(login) = parse_login(data) {
        let token = login.token.expose();
        assert!(!token.is_empty() && token.len() <= 4096);
        assert!(token.bytes().all(|b| b.is_ascii_graphic()));
    }
});
