//! The token endpoint's and the device endpoint's answers, checked before anything is kept.
//! Servers are not trusted: a value that cannot be filed and answered to git as it is (a line
//! break, CR or NUL, as `store` and `add` refuse), an empty token, a token type other than
//! Bearer (RFC 6749 5.1) or a lifetime that is not a positive number of seconds refuses the
//! whole answer, and the refusal names the field, never its value.

use serde::Deserialize;
use serde_json::Value;

use crate::secret::Secret;

/// The longest token or code vouch keeps: JWT access tokens run to a few KiB.
pub const MAX_TOKEN: usize = 16 * 1024;
/// Lifetimes beyond a year are taken as a year: a provider's number must not carry an expiry
/// past what a clock holds (it would wrap into the past and the token would never answer).
pub const MAX_LIFETIME: i64 = 366 * 24 * 3600;
/// What a person is shown (the user code, the verification URL) is short.
const MAX_SHOWN: usize = 2048;

/// Why an answer was refused: the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the answer is not the expected JSON")]
    NotJson,
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("{0} holds a line break, CR or NUL")]
    LineBreak(&'static str),
    #[error("{0} holds a control character")]
    Control(&'static str),
    #[error("{0} is longer than {1} bytes")]
    TooLong(&'static str, usize),
    #[error("token_type is not Bearer")]
    NotBearer,
    #[error("{0} is not a positive whole number of seconds")]
    BadSeconds(&'static str),
}

/// What a token endpoint issued, checked.
pub struct Tokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
    /// Unix seconds; `None` when the server gave no lifetime.
    pub expires_at: Option<i64>,
    /// Unix seconds when the answer came.
    pub obtained: i64,
}

#[derive(Deserialize)]
struct RawTokens {
    access_token: Option<String>,
    token_type: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<Value>,
}

/// Check a token endpoint's success answer (RFC 6749 5.1), received at `now` (unix seconds).
pub fn token_answer(body: &[u8], now: i64) -> Result<Tokens, Refused> {
    let raw: RawTokens = serde_json::from_slice(body).map_err(|_| Refused::NotJson)?;
    let access =
        secret("access_token", raw.access_token)?.ok_or(Refused::Missing("access_token"))?;
    match raw.token_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        Some(_) => return Err(Refused::NotBearer),
        None => return Err(Refused::Missing("token_type")),
    }
    // An empty refresh token is no refresh token (some servers send "").
    let refresh = secret("refresh_token", raw.refresh_token.filter(|t| !t.is_empty()))?;
    let expires_at = match raw.expires_in.filter(|v| !v.is_null()) {
        None => None,
        Some(v) => {
            let lifetime = seconds("expires_in", &v)?.min(MAX_LIFETIME);
            Some(
                now.checked_add(lifetime)
                    .ok_or(Refused::BadSeconds("expires_in"))?,
            )
        }
    };
    Ok(Tokens {
        access,
        refresh,
        expires_at,
        obtained: now,
    })
}

/// A token field: `None` when absent; refused when empty, too long or holding a byte that
/// would break git's line protocol or the store's reader.
fn secret(field: &'static str, value: Option<String>) -> Result<Option<Secret>, Refused> {
    let Some(value) = value else {
        return Ok(None);
    };
    let value = Secret::new(value);
    if value.expose().is_empty() {
        return Err(Refused::Empty(field));
    }
    if value.has_line_breaking_bytes() {
        return Err(Refused::LineBreak(field));
    }
    if value.expose().len() > MAX_TOKEN {
        return Err(Refused::TooLong(field, MAX_TOKEN));
    }
    Ok(Some(value))
}

/// A positive number of seconds: a JSON number (integers of any size, or a finite number at
/// least 1) or a string of digits, saturated at `i64::MAX` (callers clamp further).
fn seconds(field: &'static str, value: &Value) -> Result<i64, Refused> {
    let bad = Refused::BadSeconds(field);
    let n = match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i
            } else if n.as_u64().is_some() {
                i64::MAX
            } else {
                // Larger than u64, or with a fraction: only whole seconds from one up count.
                let f = n
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 1.0)
                    .ok_or(bad.clone())?;
                if f >= i64::MAX as f64 {
                    i64::MAX
                } else {
                    f as i64
                }
            }
        }
        Value::String(s)
            if !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse::<i64>().unwrap_or(i64::MAX)
        }
        _ => return Err(bad),
    };
    if n < 1 {
        return Err(bad);
    }
    Ok(n)
}

/// A device authorization answer (RFC 8628 3.2), checked.
pub struct DeviceAuthorization {
    /// Secret: sent back when polling, never shown.
    pub device_code: Secret,
    /// Shown to the person (escaped when shown).
    pub user_code: String,
    pub verification_uri: String,
    /// Seconds the code lives, 1 to 3600.
    pub expires_in: u64,
    /// Seconds between polls, 1 to 60.
    pub interval: u64,
}

#[derive(Deserialize)]
struct RawDevice {
    device_code: Option<String>,
    user_code: Option<String>,
    #[serde(alias = "verification_url")]
    verification_uri: Option<String>,
    expires_in: Option<Value>,
    interval: Option<Value>,
}

/// Check a device authorization endpoint's success answer.
pub fn device_answer(body: &[u8]) -> Result<DeviceAuthorization, Refused> {
    let raw: RawDevice = serde_json::from_slice(body).map_err(|_| Refused::NotJson)?;
    let device_code =
        secret("device_code", raw.device_code)?.ok_or(Refused::Missing("device_code"))?;
    let user_code = shown("user_code", raw.user_code)?;
    let verification_uri = shown("verification_uri", raw.verification_uri)?;
    let expires_in = raw.expires_in.ok_or(Refused::Missing("expires_in"))?;
    let expires_in = seconds("expires_in", &expires_in)?.clamp(1, 3600) as u64;
    let interval = match raw.interval.filter(|v| !v.is_null()) {
        Some(v) => seconds("interval", &v)?.clamp(1, 60) as u64,
        None => 5,
    };
    Ok(DeviceAuthorization {
        device_code,
        user_code,
        verification_uri,
        expires_in,
        interval,
    })
}

/// A field shown to the person: present, non-empty, short, without control characters.
fn shown(field: &'static str, value: Option<String>) -> Result<String, Refused> {
    let value = value.ok_or(Refused::Missing(field))?;
    if value.is_empty() {
        return Err(Refused::Empty(field));
    }
    if value.len() > MAX_SHOWN {
        return Err(Refused::TooLong(field, MAX_SHOWN));
    }
    if value.chars().any(char::is_control) {
        return Err(Refused::Control(field));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn refused(body: &str) -> Refused {
        token_answer(body.as_bytes(), NOW).err().expect(body)
    }

    #[test]
    fn tokens_that_git_or_the_store_cannot_carry_are_refused_by_field() {
        for (body, why) in [
            (
                r#"{"access_token":"a\nb","token_type":"Bearer"}"#,
                Refused::LineBreak("access_token"),
            ),
            (
                r#"{"access_token":"a\rb","token_type":"Bearer"}"#,
                Refused::LineBreak("access_token"),
            ),
            (
                r#"{"access_token":"a\u0000b","token_type":"Bearer"}"#,
                Refused::LineBreak("access_token"),
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","refresh_token":"r\n"}"#,
                Refused::LineBreak("refresh_token"),
            ),
            (
                r#"{"access_token":"","token_type":"Bearer"}"#,
                Refused::Empty("access_token"),
            ),
            (
                r#"{"token_type":"Bearer"}"#,
                Refused::Missing("access_token"),
            ),
            (r#"{"access_token":"a"}"#, Refused::Missing("token_type")),
            (
                r#"{"access_token":"a","token_type":"mac"}"#,
                Refused::NotBearer,
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":-5}"#,
                Refused::BadSeconds("expires_in"),
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":0}"#,
                Refused::BadSeconds("expires_in"),
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":0.5}"#,
                Refused::BadSeconds("expires_in"),
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":"12a"}"#,
                Refused::BadSeconds("expires_in"),
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":[]}"#,
                Refused::BadSeconds("expires_in"),
            ),
            (
                r#"{"access_token":7,"token_type":"Bearer"}"#,
                Refused::NotJson,
            ),
            (
                r#"{"access_token":"a","access_token":"b","token_type":"Bearer"}"#,
                Refused::NotJson,
            ),
        ] {
            assert_eq!(refused(body), why, "{body}");
            assert!(!why.to_string().contains("a\n"), "{why}");
        }
        let long = format!(
            r#"{{"access_token":"{}","token_type":"Bearer"}}"#,
            "x".repeat(MAX_TOKEN + 1)
        );
        assert_eq!(refused(&long), Refused::TooLong("access_token", MAX_TOKEN));
    }

    #[test]
    fn bearer_in_any_case_and_lifetimes_clamped_to_a_year() {
        let t = token_answer(
            br#"{"access_token":"gho_x","token_type":"bearer","refresh_token":"","expires_in":"3600"}"#,
            NOW,
        )
        .unwrap();
        assert_eq!(t.access.expose(), "gho_x");
        assert!(t.refresh.is_none());
        assert_eq!(t.expires_at, Some(NOW + 3600));
        for huge in [
            "9223372036854775807",
            "18446744073709551615",
            "1e300",
            "\"99999999999999999999999\"",
        ] {
            let body =
                format!(r#"{{"access_token":"a","token_type":"BEARER","expires_in":{huge}}}"#);
            let t = token_answer(body.as_bytes(), NOW).unwrap();
            assert_eq!(t.expires_at, Some(NOW + MAX_LIFETIME), "{huge}");
        }
        let t = token_answer(
            br#"{"access_token":"a","token_type":"Bearer","expires_in":null}"#,
            NOW,
        )
        .unwrap();
        assert_eq!(t.expires_at, None);
        // A clock near its end does not wrap either.
        assert_eq!(
            token_answer(
                br#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#,
                i64::MAX - 5
            )
            .err(),
            Some(Refused::BadSeconds("expires_in"))
        );
    }

    #[test]
    fn device_answers_are_checked_and_bounded() {
        let ok = device_answer(
            br#"{"device_code":"d","user_code":"AB-CD","verification_url":"https://x/device","expires_in":999999,"interval":0.5e3}"#,
        )
        .unwrap();
        assert_eq!((ok.expires_in, ok.interval), (3600, 60));
        assert_eq!(ok.user_code, "AB-CD");
        for (body, why) in [
            (
                r#"{"user_code":"A","verification_uri":"u","expires_in":5}"#,
                Refused::Missing("device_code"),
            ),
            (
                r#"{"device_code":"d\n","user_code":"A","verification_uri":"u","expires_in":5}"#,
                Refused::LineBreak("device_code"),
            ),
            (
                r#"{"device_code":"d","user_code":"A\u001b[2J","verification_uri":"u","expires_in":5}"#,
                Refused::Control("user_code"),
            ),
            (
                r#"{"device_code":"d","user_code":"A","verification_uri":"","expires_in":5}"#,
                Refused::Empty("verification_uri"),
            ),
            (
                r#"{"device_code":"d","user_code":"A","verification_uri":"u"}"#,
                Refused::Missing("expires_in"),
            ),
            (
                r#"{"device_code":"d","user_code":"A","verification_uri":"u","expires_in":5,"interval":-1}"#,
                Refused::BadSeconds("interval"),
            ),
        ] {
            assert_eq!(device_answer(body.as_bytes()).err(), Some(why), "{body}");
        }
    }
}
