//! The one HTTP client: ureq 3 over rustls with the system's CA roots, proxies from the
//! environment (`HTTPS_PROXY`, `NO_PROXY`, ...) except for loopback destinations, timeouts and
//! a User-Agent. Used by OAuth, OpenBao and the provider APIs (`verify`, `rotate
//! --at-provider`, `renew`, `remove --revoke`).
//!
//! Plain `http://` is allowed only to loopback hosts (`127.0.0.0/8`, `localhost`, `[::1]`):
//! anything else would send a client secret or a token in clear text. Response bodies are never
//! shown: an OAuth error keeps only its `error` code and `error_description`.

mod oauth_error;
mod request;

use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::http::Uri;
use zeroize::Zeroizing;

use crate::secret::Secret;
use crate::url::{host_of, is_loopback};

pub use oauth_error::OAuthError;
pub use request::{Answer, Body, Method, NoAnswer, basic_auth};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole request, connect to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Token and user responses are small; anything larger is not one.
const MAX_BODY: u64 = 1 << 20;

pub fn user_agent() -> String {
    format!("git-credential-vouch/{}", env!("CARGO_PKG_VERSION"))
}

/// What went wrong asking a server. Names the file, host or URL involved; never a header or a
/// body, which may hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A cluster's `ca_file` could not be read.
    #[error("ca_file {}: {source}", path.display())]
    CaFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A cluster's `ca_file` holds no certificate: the setting is wrong.
    #[error("ca_file {}: no PEM certificate in it", path.display())]
    NoCertificate { path: std::path::PathBuf },
    /// The server could not be asked, or its answer not read.
    #[error(transparent)]
    NoAnswer(#[from] NoAnswer),
    /// A token endpoint answered JSON of another shape.
    #[error("{host}: the answer is not the expected JSON")]
    NotJson { host: String },
    /// A token endpoint failed without saying why in OAuth's terms.
    #[error("{host}: HTTP {status} without an OAuth error")]
    NotOAuth { host: String, status: u16 },
    /// An authenticated GET failed.
    #[error("GET {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    /// An authenticated GET answered JSON of another shape.
    #[error("GET {url}: the answer is not the expected JSON")]
    NotJsonAt { url: String },
}

pub struct Client {
    /// With the environment's proxy (and its `NO_PROXY`), for every host but this machine.
    proxied: ureq::Agent,
    /// Without a proxy: loopback destinations, whose plain http would otherwise carry tokens
    /// in clear text to the proxy (ureq's `NO_PROXY` matching knows no address ranges).
    direct: ureq::Agent,
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    pub fn new() -> Client {
        Client::with_roots(ureq::tls::RootCerts::PlatformVerifier)
    }

    /// A client that trusts exactly the CA certificates in the PEM file `ca_file` (a private
    /// CA, as a cluster's `ca_file` names), instead of the system's roots.
    pub fn with_ca_file(ca_file: &std::path::Path) -> Result<Client, Error> {
        let pem = std::fs::read(ca_file).map_err(|source| Error::CaFile {
            path: ca_file.to_owned(),
            source,
        })?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(Error::NoCertificate {
                path: ca_file.to_owned(),
            });
        }
        Ok(Client::with_roots(ureq::tls::RootCerts::new_with_certs(
            &certs,
        )))
    }

    fn with_roots(roots: ureq::tls::RootCerts) -> Client {
        let agent = |proxy| {
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(roots.clone())
                .build();
            let config = ureq::Agent::config_builder()
                .tls_config(tls)
                .proxy(proxy)
                .timeout_connect(Some(CONNECT_TIMEOUT))
                .timeout_global(Some(REQUEST_TIMEOUT))
                .user_agent(user_agent())
                .http_status_as_error(false)
                .max_redirects(0)
                .build();
            ureq::Agent::from(config)
        };
        Client {
            proxied: agent(ureq::Proxy::try_from_env()),
            direct: agent(None),
        }
    }

    /// The agent for `url`: never through a proxy to this machine.
    fn agent(&self, url: &str) -> &ureq::Agent {
        let host = url.parse::<Uri>().ok();
        if host.as_ref().and_then(Uri::host).is_some_and(is_loopback) {
            &self.direct
        } else {
            &self.proxied
        }
    }

    /// POST a form and read a JSON answer: `Ok(Ok(T))` on success, `Ok(Err(e))` for an OAuth
    /// error response, `Err` when the server could not be asked or answered nonsense.
    pub fn post_form<T: DeserializeOwned>(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<T, OAuthError>, Error> {
        let body = match self.post_form_raw(url, form)? {
            Ok(body) => body,
            Err(e) => return Ok(Err(e)),
        };
        serde_json::from_slice(&body)
            .map(Ok)
            .map_err(|_| Error::NotJson { host: host_of(url) })
    }

    /// POST a form: `Ok(Ok(body))` for a 2xx answer that is not an OAuth error (the caller
    /// checks it), `Ok(Err(e))` for an OAuth error response, `Err` when the server could not
    /// be asked or answered something else.
    pub fn post_form_raw(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<Zeroizing<Vec<u8>>, OAuthError>, Error> {
        let response = self
            .agent(url)
            .post(url)
            .header("Accept", "application/json")
            .send_form(form.iter().copied())
            .map_err(|e| transport(url, e))?;
        let status = response.status().as_u16();
        let body = read(url, response)?;
        // GitHub answers device-flow errors with 200.
        if let Some(e) = OAuthError::from_body(&body) {
            return Ok(Err(e));
        }
        if (200..300).contains(&status) {
            return Ok(Ok(body));
        }
        Err(Error::NotOAuth {
            host: host_of(url),
            status,
        })
    }

    /// GET JSON with `Authorization: Bearer <token>`.
    pub fn get_json<T: DeserializeOwned>(&self, url: &str, token: &Secret) -> Result<T, Error> {
        let auth = Zeroizing::new(format!("Bearer {}", token.expose()));
        let response = self
            .agent(url)
            .get(url)
            .header("Accept", "application/json")
            .header("Authorization", auth.as_str())
            .call()
            .map_err(|e| transport(url, e))?;
        let status = response.status().as_u16();
        let body = read(url, response)?;
        if !(200..300).contains(&status) {
            return Err(Error::Status {
                url: url.to_owned(),
                status,
            });
        }
        serde_json::from_slice(&body).map_err(|_| Error::NotJsonAt {
            url: url.to_owned(),
        })
    }

    /// Send `body` (JSON, or nothing for a GET) with extra `headers` and return the status and
    /// the raw answer, whatever the status: for APIs (OpenBao) whose error bodies carry a reason
    /// the caller picks out. Header values may be secrets and are never shown.
    pub fn exchange(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), Error> {
        let response = match body {
            None => {
                let mut request = self
                    .agent(url)
                    .get(url)
                    .header("Accept", "application/json");
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.call()
            }
            Some(body) => {
                let mut request = self
                    .agent(url)
                    .post(url)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json");
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.send(body)
            }
        }
        .map_err(|e| transport(url, e))?;
        let status = response.status().as_u16();
        Ok((status, read(url, response)?))
    }

    /// GET JSON without credentials (discovery documents).
    pub fn get_public<T: DeserializeOwned>(&self, url: &str) -> Result<Option<T>, Error> {
        let response = self
            .agent(url)
            .get(url)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| transport(url, e))?;
        let status = response.status().as_u16();
        let body = read(url, response)?;
        if !(200..300).contains(&status) {
            return Ok(None);
        }
        Ok(serde_json::from_slice(&body).ok())
    }
}

fn read(
    url: &str,
    response: ureq::http::Response<ureq::Body>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    response
        .into_body()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map(Zeroizing::new)
        .map_err(|e| transport(url, e))
}

/// ureq's transport errors name the host and the cause, never a body or header value.
fn transport(url: &str, e: ureq::Error) -> Error {
    Error::NoAnswer(request::no_answer(url, e))
}

fn cause(e: ureq::Error) -> String {
    let why = match e {
        ureq::Error::Timeout(_) => "timed out".to_owned(),
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::BodyExceedsLimit(_) => "answer too large".to_owned(),
        other => other.to_string(),
    };
    why.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_never_goes_through_a_proxy() {
        let c = Client::new();
        for url in ["http://127.9.9.9/", "http://LOCALHOST:1", "http://[::1]/"] {
            assert!(std::ptr::eq(c.agent(url), &c.direct), "{url}");
        }
        for url in ["https://gitlab.example/", "https://10.0.0.1", "not a url"] {
            assert!(std::ptr::eq(c.agent(url), &c.proxied), "{url}");
        }
    }
}
