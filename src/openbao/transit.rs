//! Signing with a key that stays in OpenBao's transit engine (a GitHub App's private key that
//! never exists on the machine): [`sign`] gives an RS256 signature (RSASSA-PKCS1-v1_5 with
//! SHA-256) of the bytes it is handed, [`public_key`] the key's public half.
//!
//! OpenBao is asked with the `[openbao]` settings and client token that KV reads use
//! ([`auth`]), through the transit requests on [`Api`] below (`POST <mount>/sign/<key>/sha2-256`,
//! `GET <mount>/keys/<key>`). Mount and key names are checked before they go into a URL, and
//! OpenBao's answer is parsed strictly: a signature must be `vault:v<N>:<base64>` of an RSA
//! modulus's length.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::cache::Cache;
use super::client::{Api, Failure, answer};
use super::{Error, auth};
use crate::config::Config;
use crate::provider::app::is_name;
use crate::secret::Secret;
use crate::store::{Create, Store};

/// RSA signatures are as long as the modulus: rsa-2048, rsa-3072, rsa-4096.
const RSA_SIGNATURE_LENGTHS: [usize; 3] = [256, 384, 512];
/// `vault:v` + at most 10 version digits + `:` + the base64 of 512 bytes.
const MAX_SIGNATURE: usize = 7 + 10 + 1 + 684;
/// An RSA-4096 public key in PEM is about 800 characters.
const MAX_PUBLIC_KEY: usize = 4096;

/// The RS256 signature of `input` by transit key `key` under `mount` (`transit`), with the
/// client token of `[openbao]`'s auth (BAO_TOKEN/VAULT_TOKEN, JWT, AppRole).
pub fn sign(
    store: &Store,
    config: &Config,
    mount: &str,
    key: &str,
    input: &[u8],
) -> Result<Vec<u8>, Error> {
    ask(store, config, mount, key, |api, token| {
        api.transit_sign(mount, key, input, token)
    })
}

/// The PEM public key (SubjectPublicKeyInfo) of transit key `key`'s latest version.
pub fn public_key(store: &Store, config: &Config, mount: &str, key: &str) -> Result<String, Error> {
    ask(store, config, mount, key, |api, token| {
        api.transit_public_key(mount, key, token)
    })
}

/// `request` with a client token, the kept one refreshed under the cache lock and written back.
fn ask<T>(
    store: &Store,
    config: &Config,
    mount: &str,
    key: &str,
    request: impl Fn(&Api, &Secret) -> Result<T, Failure>,
) -> Result<T, Error> {
    let failed = |failure| Error::Transit {
        key: format!("{mount}/{key}"),
        failure,
    };
    check_names(mount, key).map_err(failed)?;
    let settings = config.openbao.clone().unwrap_or_default();
    let address = settings.address().map_err(Error::Address)?;
    let api = Api::new(super::http(&settings)?, address, settings.namespace.clone());
    let data_key = store.data_key(Create::Auto)?.expect("created when missing");
    let cache = Cache::new(store.paths());
    // The lock is held through the transit request too, as source.rs holds it through a KV read:
    // a login the request needs (or the one new login after a kept token is refused) then
    // happens once and is written back, instead of parallel signers each logging in and
    // overwriting each other's kept token. The cost is small: signing is one round trip
    // (bounded by the HTTP client's timeouts), once per token a GitHub App mints.
    let lock = cache.lock()?;
    let mut contents = cache.read_locked(&data_key, &lock)?;
    let now = crate::credential::unix_now();
    let outcome = auth::with_token(&api, &settings, &mut contents, now, |token| {
        request(&api, token)
    });
    cache.write(&data_key, &contents, &lock)?;
    outcome.map_err(failed)
}

impl Api {
    /// `POST <mount>/sign/<key>/sha2-256` with PKCS#1 v1.5 padding: the raw signature.
    pub fn transit_sign(
        &self,
        mount: &str,
        key: &str,
        input: &[u8],
        token: &Secret,
    ) -> Result<Vec<u8>, Failure> {
        check_names(mount, key)?;
        let body = serde_json::to_vec(&serde_json::json!({
            "input": STANDARD.encode(input),
            "signature_algorithm": "pkcs1v15",
        }))
        .expect("serializable");
        let answer = self.call(
            &format!("{mount}/sign/{key}/sha2-256"),
            Some(token),
            Some(&body),
        )?;
        parse_signature(&answer)
    }

    /// `GET <mount>/keys/<key>`: the latest version's PEM public key.
    pub fn transit_public_key(
        &self,
        mount: &str,
        key: &str,
        token: &Secret,
    ) -> Result<String, Failure> {
        check_names(mount, key)?;
        let answer = self.call(&format!("{mount}/keys/{key}"), Some(token), None)?;
        parse_public_key(&answer)
    }
}

/// `mount` (`transit`, or a path of names like `team/transit`) and `key` (one name), before
/// they go into a URL: nothing can add a path segment, a query or a fragment. A name is
/// [`is_name`]'s, as `--private-key openbao:MOUNT/NAME` checks it: `[A-Za-z0-9_.-]{1,128}`,
/// neither `.` nor `..`.
pub fn check_names(mount: &str, key: &str) -> Result<(), Failure> {
    let shown = |name: &str| crate::term::escape(&name.chars().take(64).collect::<String>());
    if !mount.split('/').all(is_name) {
        return Err(Failure::Refused(format!(
            "`{}` is not a transit mount path (names of A-Z a-z 0-9 _ . - between slashes)",
            shown(mount)
        )));
    }
    if !is_name(key) {
        return Err(Failure::Refused(format!(
            "`{}` is not a transit key name (A-Z a-z 0-9 _ . -)",
            shown(key)
        )));
    }
    Ok(())
}

/// A sign answer's `data.signature`, `vault:v<version>:<standard base64>`, as raw bytes of an
/// RSA signature's length.
pub fn parse_signature(body: &[u8]) -> Result<Vec<u8>, Failure> {
    #[derive(Deserialize)]
    struct Answer {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        signature: String,
    }
    let signature = answer::<Answer>(body, "a transit signature")?
        .data
        .signature;
    let refused = |why: &str| Failure::Refused(format!("the signature {why}"));
    if signature.len() > MAX_SIGNATURE {
        return Err(refused("is too long"));
    }
    let (version, encoded) = signature
        .strip_prefix("vault:v")
        .and_then(|rest| rest.split_once(':'))
        .ok_or_else(|| refused("is not vault:v<version>:<base64>"))?;
    if !(1..=10).contains(&version.len())
        || version.starts_with('0')
        || !version.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(refused("has no key version"));
    }
    let raw = STANDARD
        .decode(encoded)
        .map_err(|_| refused("is not base64"))?;
    if !RSA_SIGNATURE_LENGTHS.contains(&raw.len()) {
        return Err(Failure::Refused(format!(
            "a {}-byte signature is not RSA's: the key must be of type rsa-2048, rsa-3072 or rsa-4096",
            raw.len()
        )));
    }
    Ok(raw)
}

/// A key's answer: the PEM public key of `data.keys.<data.latest_version>`.
pub fn parse_public_key(body: &[u8]) -> Result<String, Failure> {
    #[derive(Deserialize)]
    struct Answer {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        latest_version: u64,
        keys: BTreeMap<String, serde_json::Value>,
    }
    let data = answer::<Answer>(body, "a transit key")?.data;
    let pem = data
        .keys
        .get(&data.latest_version.to_string())
        .and_then(|v| v.get("public_key"))
        .and_then(serde_json::Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            Failure::Refused("the key has no public key (it is not asymmetric)".into())
        })?;
    let inner = pem
        .trim_end()
        .strip_prefix("-----BEGIN PUBLIC KEY-----\n")
        .and_then(|rest| rest.strip_suffix("\n-----END PUBLIC KEY-----"));
    let base64_lines = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n'))
    };
    if pem.len() > MAX_PUBLIC_KEY || !inner.is_some_and(base64_lines) {
        return Err(Failure::Refused(
            "the public key is not a PEM public key".into(),
        ));
    }
    Ok(pem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(signature: &str) -> Result<Vec<u8>, Failure> {
        parse_signature(format!(r#"{{"data": {{"signature": "{signature}"}}}}"#).as_bytes())
    }

    #[test]
    fn signatures_are_vault_versioned_base64_of_an_rsa_length() {
        for len in RSA_SIGNATURE_LENGTHS {
            let raw = vec![7u8; len];
            let good = format!("vault:v12:{}", STANDARD.encode(&raw));
            assert_eq!(signed(&good).unwrap(), raw);
        }
        let sig = STANDARD.encode([1u8; 256]);
        let refused = [
            format!("vault:v0:{sig}"),
            format!("vault:v01:{sig}"),
            format!("vault:v:{sig}"),
            format!("vault:vx:{sig}"),
            format!("vault:v12345678901:{sig}"),
            format!("vault:1:{sig}"),
            format!("Vault:v1:{sig}"),
            format!("vault:v1:{}", sig.trim_end_matches('=')),
            format!("vault:v1: {sig}"),
            format!("vault:v1:{}", sig.replace('A', "-")),
            format!("vault:v1:{sig}{sig}{sig}"),
            format!("vault:v1:{}", STANDARD.encode([1u8; 64])),
            "vault:v1:".to_owned(),
            sig.clone(),
        ];
        for bad in refused {
            assert!(matches!(signed(&bad), Err(Failure::Refused(_))), "{bad}");
        }
        assert!(matches!(
            parse_signature(b"<html>"),
            Err(Failure::Unreachable(_))
        ));
        assert!(matches!(
            parse_signature(br#"{"data": {}}"#),
            Err(Failure::Refused(_))
        ));
    }

    #[test]
    fn names_cannot_reach_another_path() {
        for (mount, key) in [("transit", "github-app"), ("team/transit", "App_2.v1")] {
            assert_eq!(check_names(mount, key), Ok(()), "{mount} {key}");
        }
        let bad = [
            ("transit", ""),
            ("transit", "a/b"),
            ("transit", ".."),
            ("transit", "a?b"),
            ("transit", "a#b"),
            ("transit", "a%2fb"),
            ("transit", "a b"),
            ("transit", "app\n"),
            ("", "app"),
            ("/transit", "app"),
            ("transit/", "app"),
            ("a/../b", "app"),
            ("a//b", "app"),
            ("transit/.", "app"),
        ];
        for (mount, key) in bad {
            assert!(check_names(mount, key).is_err(), "{mount:?} {key:?}");
        }
        let long = "k".repeat(129);
        assert!(check_names("transit", &long).is_err());
    }

    #[test]
    fn public_keys_are_the_latest_versions_pem() {
        let pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjAN+/==\n-----END PUBLIC KEY-----\n";
        let key = |keys: &str| {
            parse_public_key(
                format!(r#"{{"data": {{"latest_version": 2, "keys": {keys}}}}}"#).as_bytes(),
            )
        };
        let both = format!(
            r#"{{"1": {{"public_key": "old"}}, "2": {{"public_key": {}}}}}"#,
            serde_json::to_string(pem).unwrap()
        );
        assert_eq!(key(&both).unwrap(), pem);
        // A symmetric key's versions are creation times; Ed25519's public key is bare base64.
        for bad in [
            r#"{"1": 1700000000, "2": 1700000001}"#,
            r#"{"2": {"public_key": "MCowBQYDK2VwAyEA"}}"#,
            r#"{"2": {"public_key": ""}}"#,
            r#"{"1": {"public_key": "x"}}"#,
        ] {
            assert!(matches!(key(bad), Err(Failure::Refused(_))), "{bad}");
        }
    }
}
