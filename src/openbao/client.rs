//! OpenBao's HTTP API, as far as vouch needs it: read a KV v2 secret, log in (AppRole, JWT),
//! look up the client token; transit signing (`Api::transit_sign`) is in [`super::transit`].
//! Everything goes through the one HTTP client (`crate::http`).
//!
//! Error bodies are reduced to OpenBao's `errors` strings (bounded, escaped), which say why
//! (`permission denied`) and never carry a secret.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::http::Client;
use crate::secret::Secret;

/// Why OpenBao gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The cluster could not be asked (network, timeout, sealed or no active node): a cached
    /// copy may answer.
    Unreachable(String),
    /// OpenBao refused this secret (403, or an OpenBao 404 for the path, or the secret was
    /// deleted): access is gone, and so is the cached copy.
    Denied(String),
    /// Another explicit no from OpenBao (a bad login, a path that is no KV v2 secret): nothing
    /// new answers, but a cached copy still may, as when OpenBao is unreachable.
    Refused(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "unreachable ({why})"),
            Failure::Denied(why) | Failure::Refused(why) => f.write_str(why),
        }
    }
}

/// A secret's fields (KV v2 `data.data`), string values only.
pub type Fields = BTreeMap<String, String>;

pub struct Api {
    http: Client,
    address: String,
    namespace: Option<String>,
}

/// A client token from a login, with its lifetime in seconds (0: no expiry).
pub struct Login {
    pub token: Secret,
    pub ttl: u64,
}

impl Api {
    pub fn new(http: Client, address: String, namespace: Option<String>) -> Api {
        Api {
            http,
            address,
            namespace,
        }
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    pub(super) fn call(
        &self,
        path: &str,
        token: Option<&Secret>,
        body: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let url = format!("{}/v1/{path}", self.address);
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(token) = token {
            headers.push(("X-Vault-Token", token.expose()));
        }
        if let Some(ns) = &self.namespace {
            headers.push(("X-Vault-Namespace", ns));
        }
        let (status, answer) = self
            .http
            .exchange(&url, &headers, body)
            .map_err(|e| Failure::Unreachable(crate::term::one_line(&e)))?;
        let from_openbao = is_openbao_error(&answer);
        match status {
            200..=299 => Ok(answer),
            // vouch follows no redirects (a token must not travel to where a server points).
            300..=399 => Err(Failure::Unreachable(format!(
                "redirected (HTTP {status}); give the address of the active node or of the load balancer"
            ))),
            403 => Err(Failure::Denied(
                reason(&answer).unwrap_or_else(|| "permission denied (HTTP 403)".into()),
            )),
            404 if from_openbao => Err(Failure::Denied(
                reason(&answer).unwrap_or_else(|| "no secret at this path".into()),
            )),
            // Sealed, standby without an active node, rate limited: the cluster, not the token.
            429 | 500..=599 => Err(Failure::Unreachable(format!(
                "HTTP {status}{}",
                reason(&answer).map_or(String::new(), |r| format!(": {r}"))
            ))),
            _ if from_openbao => Err(Failure::Refused(
                reason(&answer).unwrap_or_else(|| format!("HTTP {status}")),
            )),
            // A proxy's or load balancer's page says nothing about the secret.
            _ => Err(Failure::Unreachable(format!(
                "HTTP {status} that is not OpenBao's answer (a proxy in between?)"
            ))),
        }
    }

    /// Read the KV v2 secret at `path` (`mount/secret/path`).
    pub fn read_kv(&self, path: &str, token: &Secret) -> Result<Fields, Failure> {
        let body = self.call(&super::data_path(path), Some(token), None)?;
        parse_kv(&body)
    }

    /// POST a login to `auth/<mount>/login` with a JSON body.
    pub fn login(&self, mount: &str, body: &[u8]) -> Result<Login, Failure> {
        let answer = self.call(&format!("auth/{mount}/login"), None, Some(body))?;
        parse_login(&answer)
    }

    /// Whether the cluster answers at all (`sys/health`), for `doctor`.
    pub fn health(&self) -> Result<(), Failure> {
        let url = format!("{}/v1/sys/health", self.address);
        let (status, _) = self
            .http
            .exchange(&url, &[], None)
            .map_err(|e| Failure::Unreachable(crate::term::one_line(&e)))?;
        match status {
            // 429: a standby node, which forwards.
            200 | 429 | 473 => Ok(()),
            503 => Err(Failure::Unreachable("sealed".into())),
            501 => Err(Failure::Unreachable("not initialized".into())),
            _ => Err(Failure::Unreachable(format!("HTTP {status}"))),
        }
    }

    /// Check a client token (`auth/token/lookup-self`), for `doctor`.
    pub fn lookup_self(&self, token: &Secret) -> Result<(), Failure> {
        self.call("auth/token/lookup-self", Some(token), None)
            .map(|_| ())
    }
}

/// At most this many fields of a secret are kept, each value at most [`MAX_VALUE`] bytes: an
/// answer is outside input, and a secret holds a token and a few names.
const MAX_FIELDS: usize = 64;
const MAX_VALUE: usize = 64 * 1024;

/// A KV v2 read's answer (`data.data`): its string (and number) fields. What is not OpenBao's
/// JSON is "unavailable" (a proxy's page), a deleted secret a denial.
pub fn parse_kv(body: &[u8]) -> Result<Fields, Failure> {
    #[derive(Deserialize)]
    struct Outer {
        data: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        data: Option<BTreeMap<String, serde_json::Value>>,
    }
    let outer: Outer = answer(body, "a KV version 2 secret")?;
    let Some(data) = outer.data.data else {
        return Err(Failure::Denied(
            "the secret was deleted (no current version)".into(),
        ));
    };
    if data.len() > MAX_FIELDS {
        return Err(Failure::Refused(format!(
            "the secret has more than {MAX_FIELDS} fields"
        )));
    }
    let fields: Fields = data
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Number(n) => Some((k, n.to_string())),
            _ => None,
        })
        .collect();
    if let Some((name, _)) = fields
        .iter()
        .find(|(k, v)| k.len() > 256 || v.len() > MAX_VALUE)
    {
        return Err(Failure::Refused(format!(
            "field {} of the secret is too long",
            crate::term::escape(&name.chars().take(64).collect::<String>())
        )));
    }
    Ok(fields)
}

/// A successful answer as `T`: what is not JSON is a proxy's page ("unavailable"), JSON of
/// another shape OpenBao's answer to something else than `what` was asked.
pub(super) fn answer<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, Failure> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        Failure::Unreachable("HTTP 200 that is not OpenBao's JSON (a proxy in between?)".into())
    })?;
    serde_json::from_value(json).map_err(|_| Failure::Refused(format!("the answer is not {what}")))
}

/// A login's answer (`auth.client_token`, `auth.lease_duration`). The client token goes into a
/// header: it must be a short line of visible characters.
pub fn parse_login(body: &[u8]) -> Result<Login, Failure> {
    #[derive(Deserialize)]
    struct Answer {
        auth: Option<Auth>,
    }
    #[derive(Deserialize)]
    struct Auth {
        client_token: String,
        #[serde(default)]
        lease_duration: u64,
    }
    let parsed: Answer = serde_json::from_slice(body)
        .map_err(|_| Failure::Refused("the login answer is not the expected JSON".into()))?;
    let auth = parsed
        .auth
        .ok_or_else(|| Failure::Refused("the login answer holds no client token".into()))?;
    let token = &auth.client_token;
    if token.is_empty() || token.len() > 4096 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::Refused(
            "the login answer's client token is not a usable token".into(),
        ));
    }
    Ok(Login {
        token: Secret::new(auth.client_token),
        ttl: auth.lease_duration,
    })
}

/// Whether `body` is OpenBao's own error answer (`{"errors": [...]}`), not a proxy's page.
fn is_openbao_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.get("errors").is_some_and(serde_json::Value::is_array))
}

/// OpenBao's `errors` list, joined, bounded and escaped.
fn reason(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<String>,
    }
    let errors: Errors = serde_json::from_slice(body).ok()?;
    let joined = errors
        .errors
        .iter()
        .map(|e| e.replace('\n', " "))
        .collect::<Vec<_>>()
        .join("; ");
    (!joined.is_empty()).then(|| crate::term::escape(&joined.chars().take(300).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_bounded_and_classified() {
        let kv = |data: &str| parse_kv(format!(r#"{{"data": {{"data": {data}}}}}"#).as_bytes());
        assert_eq!(kv(r#"{"token": "t", "n": 5, "x": [1]}"#).unwrap().len(), 2);
        assert!(matches!(kv("null"), Err(Failure::Denied(_))));
        assert!(matches!(parse_kv(b"<html>"), Err(Failure::Unreachable(_))));
        assert!(matches!(parse_kv(b"{}"), Err(Failure::Refused(_))));
        let many: Vec<String> = (0..65).map(|i| format!(r#""k{i}": "v""#)).collect();
        assert!(matches!(
            kv(&format!("{{{}}}", many.join(","))),
            Err(Failure::Refused(_))
        ));
        let long = format!(r#"{{"token": "{}"}}"#, "a".repeat(MAX_VALUE + 1));
        assert!(matches!(kv(&long), Err(Failure::Refused(_))));
        let login = |token: &str, lease: &str| {
            parse_login(
                format!(r#"{{"auth": {{"client_token": "{token}", "lease_duration": {lease}}}}}"#)
                    .as_bytes(),
            )
        };
        assert_eq!(
            login("s.abc", "18446744073709551615").unwrap().ttl,
            u64::MAX
        );
        for bad in ["", r"s.a\nb", "s a", r"s.\u0000"] {
            assert!(login(bad, "1").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reasons_are_openbao_errors_only() {
        assert_eq!(
            reason(br#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#).as_deref(),
            Some("1 error occurred: \\x09* permission denied  ")
        );
        assert_eq!(reason(br#"{"errors":[]}"#), None);
        assert_eq!(reason(b"<html>"), None);
    }
}
