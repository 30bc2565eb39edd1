//! The providers' token APIs, each answer mapped to one domain type: is a token valid, what
//! it may do and until when ([`TokenInfo`]), a rotation's new token ([`Rotated`]), and
//! revocation. Nothing here touches the store; `lifecycle` decides what to record.
//!
//! - [`gitlab`]: `personal_access_tokens/self` (read, rotate, delete), `/user`, `/oauth/revoke`;
//! - [`github`]: `/user` with its scope and expiry headers, OAuth app token revocation;
//! - [`gitea`], [`bitbucket`]: `/user`;
//! - [`owner`]: who owns a token (`/user`), for `add` and `login`.
//!
//! Errors name the host, never a token or a response body.

pub mod bitbucket;
pub mod gitea;
pub mod github;
pub mod github_app;
pub mod gitlab;
pub mod owner;

use zeroize::Zeroizing;

use crate::http::{Answer, Body, Client, Method, NoAnswer};
use crate::provider::{Family, Instance, Kind, TokenKind};
use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No answer: the provider is down, unreachable, or the connection broke.
    #[error("{0}")]
    NoAnswer(#[from] NoAnswer),
    /// The provider does not accept the token (HTTP 401): revoked or expired.
    #[error("{host}: the provider does not accept the token (HTTP 401)")]
    Unauthorized { host: String },
    /// The provider understood and said no.
    #[error("{host}: refused (HTTP {status}): {why}")]
    Refused {
        host: String,
        status: u16,
        why: String,
    },
    #[error("{host}: unexpected answer (HTTP {status})")]
    Unexpected { host: String, status: u16 },
    /// The provider accepted a request that changes the token (HTTP 2xx) but its answer holds
    /// no usable token: the change may well have happened.
    #[error("{host}: the answer (HTTP {status}) holds no usable token")]
    UnusableAnswer { host: String, status: u16 },
    /// The kind has no such API (or none vouch knows).
    #[error("{0}")]
    Unsupported(String),
    /// A bad `api_url` (the message names it).
    #[error("{0}")]
    BadUrl(String),
}

/// What a provider says about a valid token. `None`: the provider did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenInfo {
    /// Unix seconds.
    pub expires_at: Option<i64>,
    /// The provider states expiries (GitLab access tokens, GitHub's header): then a missing
    /// `expires_at` means the token never expires, rather than "not said".
    pub expiry_stated: bool,
    /// The provider stated an expiry vouch cannot read (unparsable, out of range): not taken
    /// for "never"; what was known stays, and the caller warns.
    pub expiry_unreadable: bool,
    pub scopes: Option<Vec<String>>,
    /// The account's username as the provider names it.
    pub account: Option<String>,
}

/// A provider's verdict on a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid(TokenInfo),
    /// Answered 401, or said the token is inactive: revoked or expired.
    Rejected,
}

/// A new token from a rotation; the old one is dead.
pub struct Rotated {
    pub token: Secret,
    pub info: TokenInfo,
}

/// A token as the APIs need it: the secret and how to present it.
#[derive(Clone, Copy)]
pub struct Token<'a> {
    pub secret: &'a Secret,
    pub kind: Option<TokenKind>,
    /// For HTTP Basic (Bitbucket API tokens and app passwords): email or username.
    pub user: Option<&'a str>,
}

/// Where one instance's REST API is, for a credential at `host`.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    pub family: Family,
}

impl Api {
    /// The API of `instance` at `host` (a host it serves): `api_url` from config.toml, else
    /// what the kind implies (see [`api_base`]). `None` when the kind has no API vouch knows.
    pub fn of(instance: &Instance, host: &str) -> Result<Option<Api>, Error> {
        let base = match &instance.api_url {
            Some(url) => Some(url.clone()),
            None => api_base(instance.kind, host),
        };
        let Some(base) = base else { return Ok(None) };
        let base = crate::url::check_url("api_url", &base).map_err(Error::BadUrl)?;
        Ok(Some(Api {
            base,
            family: instance.kind.family(),
        }))
    }

    pub fn host(&self) -> String {
        crate::url::host_of(&self.base)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Is `token` valid, and what may it do until when?
    pub fn verify(&self, client: &Client, token: Token<'_>) -> Result<Verdict, Error> {
        match self.family {
            Family::GitLab => gitlab::verify(self, client, token),
            Family::GitHub => github::verify(self, client, token),
            Family::Gitea => gitea::verify(self, client, token),
            Family::BitbucketCloud => bitbucket::verify(self, client, token),
            _ => Err(Error::Unsupported(format!(
                "{}: vouch knows no API to check this kind of token",
                self.host()
            ))),
        }
    }

    /// Whether a token of `kind` can rotate itself here (GitLab personal, project and group
    /// access tokens).
    pub fn can_rotate(&self, kind: Option<TokenKind>) -> bool {
        self.family == Family::GitLab && kind == Some(TokenKind::GitLabPersonal)
    }

    /// Rotate `token` at the provider: the old token dies at once. Never retried.
    pub fn rotate(
        &self,
        client: &Client,
        token: Token<'_>,
        expires: Option<&str>,
    ) -> Result<Rotated, Error> {
        if !self.can_rotate(token.kind) {
            return Err(Error::Unsupported(format!(
                "{}: only GitLab access tokens can rotate themselves",
                self.host()
            )));
        }
        gitlab::rotate(self, client, token, expires)
    }
}

/// The REST API a kind has at `host`, when the instance names none: the built-in services'
/// own API hosts, else the API path on the git host itself.
pub fn api_base(kind: Kind, host: &str) -> Option<String> {
    Some(match kind {
        Kind::GitHub | Kind::GitHubEnterprise if host == "github.com" => {
            "https://api.github.com".to_owned()
        }
        Kind::GitHub if host == "gist.github.com" => "https://api.github.com".to_owned(),
        // GitHub Enterprise Cloud with data residency: api.SUBDOMAIN.ghe.com.
        Kind::GitHub | Kind::GitHubEnterprise if host.ends_with(".ghe.com") => {
            format!("https://api.{host}")
        }
        Kind::GitHub | Kind::GitHubEnterprise => format!("https://{host}/api/v3"),
        Kind::GitLab | Kind::GitLabSelfManaged => format!("https://{host}/api/v4"),
        Kind::Gitea | Kind::Forgejo | Kind::Codeberg => format!("https://{host}/api/v1"),
        Kind::BitbucketCloud => "https://api.bitbucket.org/2.0".to_owned(),
        Kind::BitbucketServer => format!("https://{host}/rest/api/1.0"),
        _ => return None,
    })
}

/// One authenticated request; the header value is built here and zeroized after.
fn call(
    client: &Client,
    method: Method,
    url: &str,
    auth: &str,
    body: Body<'_>,
    keep: &[&str],
) -> Result<Answer, Error> {
    Ok(client.send(method, url, &[("Authorization", auth)], body, keep)?)
}

/// `GET path` with `auth`, keeping the `keep` headers: `None` when the provider answers 401
/// (it does not accept the token), the answer when it succeeded, else the error `why` names.
fn read(
    api: &Api,
    client: &Client,
    path: &str,
    auth: &str,
    keep: &[&str],
    why: &str,
) -> Result<Option<Answer>, Error> {
    let answer = call(client, Method::Get, &api.url(path), auth, Body::Empty, keep)?;
    match answer.status {
        401 => Ok(None),
        _ if answer.is_success() => Ok(Some(answer)),
        _ => Err(failure(api, &answer, why)),
    }
}

/// `Authorization: Bearer <token>`.
fn bearer(token: &Secret) -> Zeroizing<String> {
    Zeroizing::new(format!("Bearer {}", token.expose()))
}

/// The error for an answer that is not a success.
fn failure(api: &Api, answer: &Answer, why: &str) -> Error {
    let host = api.host();
    match answer.status {
        401 => Error::Unauthorized { host },
        400 | 403 | 404 | 409 | 422 => Error::Refused {
            host,
            status: answer.status,
            why: why.to_owned(),
        },
        status => Error::Unexpected { host, status },
    }
}

/// A string from a JSON answer, cut short and with control characters escaped: providers
/// name accounts, but an answer is still outside input.
fn clean(text: &str) -> String {
    crate::term::escape(&text.chars().take(200).collect::<String>())
}

/// An expiry a provider states (`YYYY-MM-DD`, a timestamp, or absent for "never"), as the
/// [`TokenInfo`] fields `expires_at`, `expiry_stated` and `expiry_unreadable`: a text that
/// cannot be read is no statement at all (never "never").
fn stated_expiry(text: Option<&str>) -> TokenInfo {
    match text.map(crate::time::parse) {
        None => TokenInfo {
            expiry_stated: true,
            ..TokenInfo::default()
        },
        Some(Ok(at)) => TokenInfo {
            expires_at: Some(at),
            expiry_stated: true,
            ..TokenInfo::default()
        },
        Some(Err(_)) => TokenInfo {
            expiry_unreadable: true,
            ..TokenInfo::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_bases_follow_the_kind_and_host() {
        let table = [
            (Kind::GitHub, "github.com", "https://api.github.com"),
            (
                Kind::GitHubEnterprise,
                "acme.ghe.com",
                "https://api.acme.ghe.com",
            ),
            (
                Kind::GitHubEnterprise,
                "ghe.corp",
                "https://ghe.corp/api/v3",
            ),
            (Kind::GitLab, "gitlab.com", "https://gitlab.com/api/v4"),
            (
                Kind::GitLabSelfManaged,
                "git.corp:8443",
                "https://git.corp:8443/api/v4",
            ),
            (Kind::Forgejo, "forge.corp", "https://forge.corp/api/v1"),
            (
                Kind::Codeberg,
                "codeberg.org",
                "https://codeberg.org/api/v1",
            ),
            (
                Kind::BitbucketCloud,
                "bitbucket.org",
                "https://api.bitbucket.org/2.0",
            ),
            (
                Kind::BitbucketServer,
                "bb.corp",
                "https://bb.corp/rest/api/1.0",
            ),
        ];
        for (kind, host, base) in table {
            assert_eq!(
                api_base(kind, host).as_deref(),
                Some(base),
                "{kind:?} {host}"
            );
        }
        assert_eq!(api_base(Kind::AzureDevOps, "dev.azure.com"), None);
    }

    #[test]
    fn api_url_overrides_and_must_be_https_off_loopback() {
        let mut gl = Instance::new("corp".into(), Kind::GitLabSelfManaged, vec![]);
        gl.api_url = Some("http://127.0.0.1:9/gitlab/api/v4/".into());
        let api = Api::of(&gl, "git.corp").unwrap().unwrap();
        assert_eq!(api.base, "http://127.0.0.1:9/gitlab/api/v4");
        assert_eq!(api.host(), "127.0.0.1:9");
        gl.api_url = Some("http://git.corp/api/v4".into());
        let e = Api::of(&gl, "git.corp").unwrap_err().to_string();
        assert!(e.starts_with("api_url:"), "{e}");
    }

    #[test]
    fn only_gitlab_access_tokens_rotate_themselves() {
        let gl = Api {
            base: "https://gitlab.com/api/v4".into(),
            family: Family::GitLab,
        };
        assert!(gl.can_rotate(Some(TokenKind::GitLabPersonal)));
        assert!(!gl.can_rotate(Some(TokenKind::GitLabOAuth2)));
        assert!(!gl.can_rotate(Some(TokenKind::GitLabDeployToken)));
        let gh = Api {
            base: "https://api.github.com".into(),
            family: Family::GitHub,
        };
        assert!(!gh.can_rotate(Some(TokenKind::GitHubClassicPat)));
    }
}
