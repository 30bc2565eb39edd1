//! The App's JWT (RS256): `iss` the App ID, `iat` a minute in the past against clock drift,
//! `exp` nine minutes ahead, so the ten minutes GitHub allows are never exceeded. Signed with
//! the stored key, or by OpenBao's transit engine, where the key never leaves OpenBao.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::secret::Secret;

/// `base64url(header).base64url(claims)`: what is signed.
pub fn signing_input(app_id: u64, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iat": now - 60,
        "exp": now + 9 * 60,
        "iss": app_id.to_string(),
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{claims}")
}

/// The JWT: the signing input and its signature.
pub fn assemble(input: &str, signature: &[u8]) -> Secret {
    let mut jwt = String::with_capacity(input.len() + 1 + signature.len().div_ceil(3) * 4);
    jwt.push_str(input);
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut jwt);
    Secret::new(jwt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_follow_githubs_rules() {
        let input = signing_input(42, 1_000_000);
        let (header, claims) = input.split_once('.').unwrap();
        let decode = |s: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap()
        };
        assert_eq!(decode(header)["alg"], "RS256");
        let claims = decode(claims);
        assert_eq!(claims["iss"], "42");
        assert_eq!(claims["iat"], 1_000_000 - 60);
        assert_eq!(claims["exp"], 1_000_000 + 540);
        assert_eq!(assemble("a.b", &[0xfb, 0xff]).expose(), "a.b.-_8");
    }
}
