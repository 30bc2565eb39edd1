//! OAuth login and refresh for the providers that offer it (GitHub, GitLab, Gitea/Forgejo,
//! Bitbucket Cloud): endpoints per kind, the token requests, and filing the token under the
//! account the provider names.
//!
//! - [`browser`]: authorization code with PKCE S256 and `state`, loopback redirect (RFC 8252),
//!   whose listener is [`callback`];
//! - [`device`]: the device authorization grant (RFC 8628);
//! - [`account`]: who the token belongs to (`/user`), and filing it in the store;
//! - [`refresh`]: a token near its expiry is refreshed before `get` answers it;
//! - [`answer`]: the token and device endpoints' answers, checked before anything is kept.

pub mod account;
pub mod answer;
pub mod browser;
pub mod callback;
mod demand;
pub mod device;
mod lock;
pub mod refresh;

pub use answer::Tokens;
pub use demand::on_demand;

use serde::Deserialize;

use crate::config::Config;
use crate::credential::{Credential, client_secret_provider, unix_now};
use crate::http::{Client, OAuthError};
use crate::provider::{Family, Instance};
use crate::secret::Secret;
use crate::store::Store;

/// Why a login or a refresh failed. Names the instance, the host or the field; an OAuth error
/// keeps only its code and description, never a body.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `issuer_url` or a discovered endpoint is not a usable URL (the message names it).
    #[error("{0}")]
    BadUrl(String),
    #[error("instance {instance}: kind {kind} has no OAuth login")]
    NoOAuth {
        instance: String,
        kind: &'static str,
    },
    /// The instance's REST API (for `/user`) is misconfigured.
    #[error(transparent)]
    Api(crate::provider_api::Error),
    #[error("instance {instance}: no REST API known")]
    NoApi { instance: String },
    #[error(
        "instance {instance} has no OAuth client: `git credential-vouch instance update {instance} --oauth-client-id ID`"
    )]
    NoClient { instance: String },
    #[error("instance {instance}: name one of its hosts to log in to")]
    NoHost { instance: String },
    #[error("instance {instance}: the provider offers no device login; use --browser")]
    NoDeviceLogin { instance: String },
    #[error(transparent)]
    Http(#[from] crate::http::Error),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The token or device endpoint's answer was not usable (see [`answer`]).
    #[error("{host}: the {kind} answer was refused: {why}")]
    Refused {
        host: String,
        kind: &'static str,
        why: answer::Refused,
    },
    /// A step the provider answered with an OAuth error.
    #[error("{step} for {instance} failed: {error}")]
    Failed {
        step: &'static str,
        instance: String,
        error: OAuthError,
    },
    #[error("{api}/user names no account")]
    NoAccount { api: String },
    /// `login --username`: the provider logged in someone else (both escaped).
    #[error("username: the login was for {login}, not {wanted}")]
    OtherAccount { login: String, wanted: String },
    /// A lock file, or the browser login's listener.
    #[error("{doing}: {source}")]
    Io {
        doing: String,
        source: std::io::Error,
    },
    #[error("login: the browser did not come back in time")]
    BrowserTimeout,
    /// The browser came back with the provider's refusal (its code, RFC characters only).
    #[error("login: the provider answered {0}")]
    Denied(String),
    #[error("login to {instance}: the code expired before it was entered")]
    CodeExpired { instance: String },
    #[error("login to {instance}: access denied")]
    AccessDenied { instance: String },
}

/// Where an instance's OAuth endpoints and REST API are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    /// RFC 8628 device authorization; `None` where the provider has none (Bitbucket) or it
    /// must be discovered first (Gitea, see [`Endpoints::device`]).
    device: Option<String>,
    pub api: String,
    base: String,
    family: Family,
}

impl Endpoints {
    /// The endpoints of `instance` when it serves `host` (its first host, or the tenant).
    pub fn of(instance: &Instance, host: &str) -> Result<Endpoints, Error> {
        let family = instance.kind.family();
        let bitbucket = family == Family::BitbucketCloud;
        let base = match &instance.issuer_url {
            Some(url) => url.clone(),
            None if bitbucket => "https://bitbucket.org".to_owned(),
            None => format!("https://{host}"),
        };
        crate::url::check_url("issuer_url", &base).map_err(Error::BadUrl)?;
        let (authorize, token, device) = match family {
            Family::GitHub => (
                "/login/oauth/authorize",
                "/login/oauth/access_token",
                Some("/login/device/code"),
            ),
            Family::GitLab => (
                "/oauth/authorize",
                "/oauth/token",
                Some("/oauth/authorize_device"),
            ),
            Family::Gitea => ("/login/oauth/authorize", "/login/oauth/access_token", None),
            Family::BitbucketCloud => ("/site/oauth2/authorize", "/site/oauth2/access_token", None),
            _ => {
                return Err(Error::NoOAuth {
                    instance: instance.name.clone(),
                    kind: instance.kind.name(),
                });
            }
        };
        let api = crate::provider_api::Api::of(instance, host)
            .map_err(Error::Api)?
            .map(|api| api.base)
            .ok_or_else(|| Error::NoApi {
                instance: instance.name.clone(),
            })?;
        Ok(Endpoints {
            authorize: format!("{base}{authorize}"),
            token: format!("{base}{token}"),
            device: device.map(|d| format!("{base}{d}")),
            api,
            base,
            family,
        })
    }

    /// Where RFC 7009 revocation of OAuth tokens is, where vouch knows one (GitLab's
    /// `/oauth/revoke`; GitHub revokes through its REST API instead).
    pub fn revoke(&self) -> Option<String> {
        (self.family == Family::GitLab).then(|| format!("{}/oauth/revoke", self.base))
    }

    /// The device authorization endpoint, read from the OpenID configuration on Gitea and
    /// Forgejo (only newer releases offer one).
    pub fn device(&self, client: &Client) -> Result<Option<String>, Error> {
        if self.family != Family::Gitea {
            return Ok(self.device.clone());
        }
        #[derive(Deserialize)]
        struct Discovery {
            device_authorization_endpoint: Option<String>,
        }
        let url = format!("{}/.well-known/openid-configuration", self.base);
        let found: Option<Discovery> = client.get_public(&url)?;
        found
            .and_then(|d| d.device_authorization_endpoint)
            .map(|e| {
                crate::url::check_url("device_authorization_endpoint", &e).map_err(Error::BadUrl)
            })
            .transpose()
    }
}

/// The scopes `login` asks for unless the instance names its own: git access, and reading
/// the user (for `/user`).
pub fn default_scopes(family: Family) -> &'static str {
    match family {
        Family::GitHub => "repo workflow",
        Family::GitLab => "read_repository write_repository read_user",
        Family::Gitea => "write:repository read:user",
        _ => "repository repository:write account",
    }
}

/// An instance's OAuth client: its ID from config.toml, its secret (confidential clients) from
/// the store.
pub struct OAuthClient {
    pub id: String,
    pub secret: Option<Secret>,
    pub scopes: String,
}

impl OAuthClient {
    pub fn of(instance: &Instance, store: &Store) -> Result<OAuthClient, Error> {
        let id = instance
            .oauth_client_id
            .clone()
            .ok_or_else(|| Error::NoClient {
                instance: instance.name.clone(),
            })?;
        let provider = client_secret_provider(&instance.name);
        let secret = store
            .select_wanted(
                &crate::store::Wanted {
                    protocol: b"",
                    host: b"",
                    providers: &[provider.as_bytes()],
                    scopes: &[],
                },
                |v| v.provider() == provider.as_bytes(),
            )?
            .into_iter()
            .find_map(|c| c.password);
        let scopes = match &instance.scopes {
            Some(s) => s.join(" "),
            None => default_scopes(instance.kind.family()).to_owned(),
        };
        Ok(OAuthClient { id, secret, scopes })
    }

    /// POST `form` plus the client's identity to the token endpoint. An answer that is not
    /// usable (see [`answer::token_answer`]) is an error naming the field, never its value.
    pub fn token_request(
        &self,
        http: &Client,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<Tokens, OAuthError>, Error> {
        let mut all: Vec<(&str, &str)> = form.to_vec();
        all.push(("client_id", &self.id));
        if let Some(secret) = &self.secret {
            all.push(("client_secret", secret.expose()));
        }
        let body = match http.post_form_raw(url, &all)? {
            Ok(body) => body,
            Err(e) => return Ok(Err(e)),
        };
        answer::token_answer(&body, unix_now())
            .map(Ok)
            .map_err(|why| refused(url, "token", why))
    }
}

/// The error for an answer `kind` ("token", "device authorization") that `url` gave and
/// [`answer`] refused.
fn refused(url: &str, kind: &'static str, why: answer::Refused) -> Error {
    Error::Refused {
        host: crate::url::host_of(url),
        kind,
        why,
    }
}

impl Tokens {
    /// Put these tokens into `c` (a login token, fresh or refreshed).
    pub fn apply(self, c: &mut Credential) {
        c.password = Some(self.access);
        c.password_expiry_utc = self.expires_at;
        // A server that issues no new refresh token keeps the old one valid.
        if let Some(refresh) = self.refresh {
            c.oauth_refresh_token = Some(refresh);
        }
        c.obtained = Some(self.obtained);
        c.refresh_failed = None;
        c.refresh_retry = None;
        c.rejected = None;
    }
}

/// How `login` asks the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Browser,
    Device,
    /// The browser when one can be opened, else the device code.
    Auto,
}

/// Log in to `instance` (at `host`, "" for its first host) and file the token. Returns the
/// credential's ID and the credential. Messages for the person go to `notice`.
pub fn login(
    store: &Store,
    config: &Config,
    instance: &Instance,
    host: &str,
    mode: Mode,
    username: Option<&str>,
    notice: &mut dyn std::io::Write,
) -> Result<Credential, Error> {
    let git_host = instance.host_for(host).ok_or_else(|| Error::NoHost {
        instance: instance.name.clone(),
    })?;
    let endpoints = Endpoints::of(instance, &git_host)?;
    let client = OAuthClient::of(instance, store)?;
    let http = Client::new();
    let use_browser = match mode {
        Mode::Browser => true,
        Mode::Device => false,
        Mode::Auto => browser::available() || endpoints.device(&http)?.is_none(),
    };
    let tokens = if use_browser {
        browser::run(&http, &endpoints, &client, &instance.name, notice)?
    } else {
        let device = endpoints
            .device(&http)?
            .ok_or_else(|| Error::NoDeviceLogin {
                instance: instance.name.clone(),
            })?;
        device::run(
            &http,
            &device,
            &endpoints.token,
            &client,
            &instance.name,
            notice,
        )?
    };
    let bound = if instance.per_host { host } else { "" };
    account::file(
        store, config, instance, bound, &endpoints, &http, tokens, username,
    )
}

/// A one-line error for a failed OAuth step (never a body: only code and description).
pub fn failed(step: &'static str, instance: &str, error: OAuthError) -> Error {
    Error::Failed {
        step,
        instance: instance.to_owned(),
        error,
    }
}
