//! A stored credential and the matching rules of git's own storage helpers.

use crate::provider::TokenKind;
use crate::provider::app::App;
use crate::secret::Secret;

/// One credential as the store keeps it.
///
/// A *generic* credential (provider [`GENERIC`]) is what git's own storage helpers keep:
/// protocol, host, path and username as git sent them, matched exactly. A *provider*
/// credential belongs to an account on a provider instance and is chosen by
/// [`crate::resolve`]; the username git receives follows the token kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credential {
    /// Stable across update and rotate; what the CLI names.
    pub id: String,
    /// [`GENERIC`] or the name of a provider instance.
    pub provider: String,
    /// Generic: as git sent it. Provider: empty, meaning http and https.
    pub protocol: String,
    /// Lowercased, with `:port` when not the default. Provider: empty means every host of
    /// the instance.
    pub host: String,
    /// Generic only: the path git sent.
    pub path: Option<String>,
    /// Provider only: the repository (or group) this credential is limited to.
    pub scope: Option<String>,
    /// Generic: as git sent it. Provider: the username to send where the token kind needs one
    /// given (deploy token, CodeCommit) or the account's username.
    pub username: Option<String>,
    /// Provider: the account identity (username or email, per kind).
    pub account: Option<String>,
    pub email: Option<String>,
    pub token_kind: Option<TokenKind>,
    /// The token, for provider credentials.
    pub password: Option<Secret>,
    /// Unix seconds; git skips an answer that has expired.
    pub password_expiry_utc: Option<i64>,
    pub oauth_refresh_token: Option<Secret>,
    /// With `credential`: a pre-encoded `Authorization` value, e.g. a Bearer token.
    pub authtype: Option<String>,
    pub credential: Option<Secret>,
    /// Chosen among equally specific credentials.
    pub is_default: bool,
    pub label: Option<String>,
    pub origin: Origin,
    pub created: i64,
    /// Unix seconds, updated at most hourly (see `helper::store`).
    pub last_used: Option<i64>,
    /// Set when git reported the token rejected and the policy kept it.
    pub rejected: Option<Rejection>,
    /// Unix seconds when the current token was issued by an OAuth login or refresh: set only
    /// for tokens `login` obtained. With the expiry it gives the token's lifetime.
    pub obtained: Option<i64>,
    /// Unix seconds of a refresh the provider refused (the grant is dead): no further refresh
    /// until `login` again.
    pub refresh_failed: Option<i64>,
    /// Unix seconds of the last refresh that failed for a passing reason (no answer, a server
    /// error, an answer that was refused): a later `get` tries again after a backoff.
    pub refresh_retry: Option<i64>,
    /// Provider only: the owners (`acme` on GitHub, a GitLab group, an Azure DevOps
    /// organization) for which a person picked this credential among equals; `""` stands for
    /// every repository of its host (the pick was made where git sends no path).
    pub chosen_for: Vec<String>,
    /// Token kind [`TokenKind::GitHubApp`]: the App whose installation tokens `get` mints; the
    /// secret (if any) is its private key, never answered.
    pub app: Option<App>,
}

/// The provider field of the entry that keeps an instance's OAuth client secret. The space
/// makes it a name no instance can have, so the entry is never answered as a token.
pub fn client_secret_provider(instance: &str) -> String {
    format!("{CLIENT_SECRET} {}", instance.to_ascii_lowercase())
}

const CLIENT_SECRET: &str = "oauth-client-secret";

pub const GENERIC: &str = "generic";

/// How a credential entered the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Origin {
    /// Sent by git's `store` (typed at a prompt or given by another helper).
    #[default]
    Git = 0,
    /// Added with `git credential-vouch add`.
    Added = 1,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub at: i64,
    /// Where git was going, without userinfo; or, for a token `verify` found revoked,
    /// [`REVOKED_AT`] and the provider's API host.
    pub url: String,
}

/// Marks a [`Rejection`] that is a provider's word (`verify`): the token is revoked. The
/// space makes it a text no URL git sends can be, so the store format needs no new field.
const REVOKED_AT: &str = "revoked-at-provider ";

impl Rejection {
    pub fn revoked(at: i64, host: &str) -> Rejection {
        Rejection {
            at,
            url: format!("{REVOKED_AT}{host}"),
        }
    }

    /// The provider host that said the token is revoked, if that is what this records.
    pub fn revoked_by(&self) -> Option<&str> {
        self.url.strip_prefix(REVOKED_AT)
    }
}

/// The fields that select credentials, compared byte for byte (git's `credential_match`).
/// Bytes rather than text so that `get` can match stored entries without decoding them.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub protocol: &'a [u8],
    /// Lowercased (see [`normalize_host`]).
    pub host: &'a [u8],
    pub path: Option<&'a [u8]>,
    pub username: Option<&'a [u8]>,
}

/// Hosts compare byte-exact after ASCII lowercasing.
pub fn normalize_host(host: &str) -> String {
    host.to_ascii_lowercase()
}

impl<'a> Query<'a> {
    pub fn new(
        protocol: &'a str,
        host: &'a str,
        path: Option<&'a str>,
        username: Option<&'a str>,
    ) -> Self {
        Query {
            protocol: protocol.as_bytes(),
            host: host.as_bytes(),
            path: path.map(str::as_bytes),
            username: username.map(str::as_bytes),
        }
    }

    /// git's `credential_match`: protocol and host always match exactly; path and username only
    /// when this query has them.
    pub fn selects(&self, stored: &Query<'_>) -> bool {
        fn optional_field(want: Option<&[u8]>, have: Option<&[u8]>) -> bool {
            want.is_none_or(|want| have == Some(want))
        }
        self.protocol == stored.protocol
            && self.host == stored.host
            && optional_field(self.path, stored.path)
            && optional_field(self.username, stored.username)
    }
}

impl Credential {
    pub fn query(&self) -> Query<'_> {
        Query::new(
            &self.protocol,
            &self.host,
            self.path.as_deref(),
            self.username.as_deref(),
        )
    }

    pub fn matches(&self, query: &Query<'_>) -> bool {
        query.selects(&self.query())
    }

    /// git's rule: expired once the expiry lies strictly in the past.
    pub fn is_expired(&self, now: i64) -> bool {
        self.password_expiry_utc.is_some_and(|expiry| expiry < now)
    }

    /// A bearer-style credential: answered only to a git that offers `capability[]=authtype`.
    pub fn is_pre_encoded(&self) -> bool {
        self.authtype.is_some() && self.credential.is_some()
    }

    /// A GitHub App, which mints the tokens `get` answers.
    pub fn is_app(&self) -> bool {
        self.app.is_some()
    }

    /// A token obtained with `login` (and refreshed by vouch).
    pub fn is_login(&self) -> bool {
        self.obtained.is_some()
    }

    /// A login token vouch can refresh: it has a refresh token and no refresh has failed.
    pub fn can_refresh(&self) -> bool {
        self.is_login() && self.oauth_refresh_token.is_some() && self.refresh_failed.is_none()
    }

    /// The entry keeping an instance's OAuth client secret, not a credential.
    pub fn is_client_secret(&self) -> bool {
        self.client_secret_of().is_some()
    }

    /// The instance whose OAuth client secret this entry keeps.
    pub fn client_secret_of(&self) -> Option<&str> {
        self.provider
            .strip_prefix(CLIENT_SECRET)
            .and_then(|rest| rest.strip_prefix(' '))
    }

    pub fn is_generic(&self) -> bool {
        self.provider == GENERIC || self.provider.is_empty()
    }

    /// The account as a person knows it: identity, else the username.
    pub fn display_account(&self) -> &str {
        self.account
            .as_deref()
            .or(self.username.as_deref())
            .unwrap_or("")
    }
}

/// A fresh credential ID: 12 hex digits from the OS random generator.
pub fn new_id() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 6];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the OS random number generator failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(path: Option<&str>, user: Option<&str>) -> Credential {
        Credential {
            protocol: "https".into(),
            host: "example.com:8443".into(),
            path: path.map(Into::into),
            username: user.map(Into::into),
            password: Some(Secret::new("pw".into())),
            ..Default::default()
        }
    }

    fn query<'a>(host: &'a str, path: Option<&'a str>, user: Option<&'a str>) -> Query<'a> {
        Query::new("https", host, path, user)
    }

    #[test]
    fn protocol_and_host_with_port_must_match_exactly() {
        let c = stored(None, Some("alice"));
        assert!(c.matches(&query("example.com:8443", None, None)));
        assert!(!c.matches(&query("example.com", None, None)));
        assert!(!c.matches(&query("example.com:844", None, None)));
        assert!(!c.matches(&Query {
            protocol: b"http",
            ..query("example.com:8443", None, None)
        }));
    }

    #[test]
    fn path_and_username_match_only_when_asked() {
        let c = stored(Some("o/r.git"), Some("alice"));
        assert!(c.matches(&query("example.com:8443", Some("o/r.git"), Some("alice"))));
        assert!(!c.matches(&query("example.com:8443", Some("o/other.git"), None)));
        assert!(!c.matches(&query("example.com:8443", None, Some("bob"))));
        let no_path = stored(None, Some("alice"));
        assert!(!no_path.matches(&query("example.com:8443", Some("o/r.git"), None)));
    }

    #[test]
    fn expiry_is_strictly_in_the_past() {
        let mut c = stored(None, None);
        c.password_expiry_utc = Some(100);
        assert!(!c.is_expired(100));
        assert!(c.is_expired(101));
    }
}
