//! OpenBao's answers (untrusted): a KV v2 read, a login, a transit signature and a transit key.
//! Any bytes give bounded fields or a classified failure, never a panic; a client token kept is
//! a short line of visible characters, a signature an RSA signature's length, a public key PEM;
//! a transit mount and key name that pass the check hold nothing but names between slashes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::openbao::client::{parse_kv, parse_login};
use vouch::openbao::transit::{check_names, parse_public_key, parse_signature};

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
    if let Ok(signature) = parse_signature(data) {
        assert!([256, 384, 512].contains(&signature.len()));
    }
    if let Ok(pem) = parse_public_key(data) {
        assert!(pem.len() <= 4096 && pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((mount, key)) = text.rsplit_once(' ')
        && check_names(mount, key).is_ok()
    {
        let path = format!("{mount}/sign/{key}");
        assert!(path.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b)));
        assert!(path.split('/').all(|s| !s.is_empty() && s != "." && s != ".."));
    }
});
