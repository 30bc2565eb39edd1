//! One request to a provider's API and its answer, whatever the status: the part of the HTTP
//! client that `provider_api` uses (OAuth's token endpoint has its own in the parent module).

use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::{Client, MAX_BODY, cause};
use crate::secret::Secret;
use crate::url::host_of;

/// The HTTP methods the provider APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// What a request carries.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    Empty,
    Json(&'a [u8]),
    Form(&'a [(&'a str, &'a str)]),
}

/// A provider's answer, whatever its status: the status, the response headers the caller
/// asked to keep, and the body (zeroized on drop: it may hold a new token).
pub struct Answer {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Zeroizing<Vec<u8>>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T`, `None` when it is not that JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A request that got no answer. Names the host and the cause, never a header or body.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{host}: {why}")]
pub struct NoAnswer {
    pub host: String,
    pub why: String,
    /// False only when the request certainly never reached the server (no such host,
    /// connection refused, TLS handshake failed): then nothing can have happened there.
    pub maybe_delivered: bool,
}

impl Client {
    /// Send one request with `headers` (values may be secrets and are never shown) and
    /// `body`; keep the response headers named in `keep`. Any status is an answer; only a
    /// transport failure is an error. Never retried: a provider may have acted on it.
    pub fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        keep: &[&str],
    ) -> Result<Answer, NoAnswer> {
        let agent = self.agent(url);
        let builder = match method {
            Method::Get => Err(agent.get(url)),
            Method::Delete if matches!(body, Body::Empty) => Err(agent.delete(url)),
            Method::Delete => Ok(agent.delete(url).force_send_body()),
            Method::Post => Ok(agent.post(url)),
        };
        let response = match builder {
            Err(mut request) => {
                request = request.header("Accept", "application/json");
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.call()
            }
            Ok(mut request) => {
                request = request.header("Accept", "application/json");
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                match body {
                    Body::Empty => request.send_empty(),
                    Body::Json(json) => request
                        .header("Content-Type", "application/json")
                        .send(json),
                    Body::Form(form) => request.send_form(form.iter().copied()),
                }
            }
        }
        .map_err(|e| no_answer(url, e))?;
        let status = response.status().as_u16();
        let kept = keep
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let body = response
            .into_body()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map(Zeroizing::new)
            .map_err(|e| no_answer(url, e))?;
        Ok(Answer {
            status,
            headers: kept,
            body,
        })
    }
}

/// `Basic base64(user:secret)` (RFC 7617), zeroized on drop. Both buffers are sized up front
/// so that no copy of the secret is left behind by a reallocation.
pub fn basic_auth(user: &str, secret: &Secret) -> Zeroizing<String> {
    use base64::Engine;
    let mut plain = Zeroizing::new(Vec::with_capacity(user.len() + 1 + secret.expose().len()));
    plain.extend_from_slice(user.as_bytes());
    plain.push(b':');
    plain.extend_from_slice(secret.expose().as_bytes());
    let mut out = Zeroizing::new(String::with_capacity(6 + plain.len().div_ceil(3) * 4));
    out.push_str("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(&*plain, &mut out);
    out
}

pub(super) fn no_answer(url: &str, e: ureq::Error) -> NoAnswer {
    use ureq::Timeout;
    let maybe_delivered = !match &e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::AddrNotAvailable
                | std::io::ErrorKind::HostUnreachable
                | std::io::ErrorKind::NetworkUnreachable
        ),
        _ => false,
    };
    let why = cause(e);
    NoAnswer {
        host: host_of(url),
        why,
        maybe_delivered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_rfc_7617() {
        let s = |v: &str| Secret::new(v.into());
        assert_eq!(
            basic_auth("Aladdin", &s("open sesame")).as_str(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_auth("a", &s("b")).as_str(), "Basic YTpi");
        assert_eq!(basic_auth("ab", &s("c")).as_str(), "Basic YWI6Yw==");
    }
}
