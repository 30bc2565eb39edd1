//! The App's private key as GitHub hands it out (PEM: PKCS#1 `RSA PRIVATE KEY`) or as
//! `openssl pkcs8` writes it (`PRIVATE KEY`), and the RS256 signature a JWT needs.
//!
//! What is wrong with a key is said without quoting any of it.

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use zeroize::Zeroizing;

/// A PEM larger than this is no App key (an RSA-4096 key is about 3.3 KB).
const MAX_PEM: usize = 16 * 1024;

/// Why a PEM is not a usable App key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the private key {0}")]
pub struct BadKey(pub &'static str);

/// A checked RSA private key, ready to sign.
pub struct PrivateKey(RsaKeyPair);

impl PrivateKey {
    /// Parse `pem`: one PKCS#1 or PKCS#8 RSA private key of 2048 bits or more.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, BadKey> {
        if pem.len() > MAX_PEM {
            return Err(BadKey("is too long to be a PEM private key"));
        }
        let (label, der) = decode_pem(pem)?;
        let pair = match label {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(BadKey(
                    "is encrypted: decrypt it first (openssl pkcs8 -in KEY.pem), then pipe it in",
                ));
            }
            _ => {
                return Err(BadKey(
                    "is not an RSA private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)",
                ));
            }
        };
        pair.map(PrivateKey).map_err(|_| {
            BadKey("is not a usable RSA key (GitHub App keys are RSA, 2048 bits or more)")
        })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWT's RS256) over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("a signature buffer of the modulus' length");
        signature
    }
}

/// The one PEM block in `pem`: its label and DER bytes (zeroized on drop).
fn decode_pem(pem: &str) -> Result<(&str, Zeroizing<Vec<u8>>), BadKey> {
    use base64::Engine;
    let pem = pem.trim();
    let not_pem = BadKey("is not PEM (-----BEGIN ... PRIVATE KEY-----)");
    let rest = pem.strip_prefix("-----BEGIN ").ok_or(not_pem.clone())?;
    let (label, rest) = rest.split_once("-----").ok_or(not_pem.clone())?;
    let end = format!("-----END {label}-----");
    let body = rest.strip_suffix(end.as_str()).ok_or(not_pem)?;
    let mut text = Zeroizing::new(String::with_capacity(body.len()));
    for line in body.lines().map(str::trim) {
        if line.contains(':') {
            // Proc-Type/DEK-Info headers: an OpenSSL-encrypted PKCS#1 key.
            return Err(BadKey(
                "is encrypted: decrypt it first (openssl rsa -in KEY.pem), then pipe it in",
            ));
        }
        text.push_str(line);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| BadKey("is PEM whose body is not base64"))?;
    Ok((label, Zeroizing::new(der)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_key_says_why_without_quoting_it() {
        let cases = [
            ("", "is not PEM"),
            ("ghp_SECRETSECRET", "is not PEM"),
            (
                "-----BEGIN PRIVATE KEY-----\nSECRET!!\n-----END PRIVATE KEY-----",
                "not base64",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nU0VDUkVU\n-----END PRIVATE KEY-----",
                "not a usable RSA key",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nU0VDUkVU\n-----END RSA PRIVATE KEY-----",
                "encrypted",
            ),
            (
                "-----BEGIN EC PRIVATE KEY-----\nU0VDUkVU\n-----END EC PRIVATE KEY-----",
                "not an RSA private key",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nU0VDUkVU\n-----END RSA PRIVATE KEY-----",
                "is not PEM",
            ),
        ];
        for (pem, why) in cases {
            let err = PrivateKey::from_pem(pem).err().expect(pem).to_string();
            assert!(err.contains(why), "{pem:?}: {err}");
            assert!(!err.contains("SECRET"), "{err}");
        }
        assert!(PrivateKey::from_pem(&"A".repeat(MAX_PEM + 1)).is_err());
    }
}
