//! A stored credential and the matching rules of git's own storage helpers.

use crate::secret::Secret;

/// One credential as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credential {
    pub protocol: String,
    /// Lowercased, with `:port` when git sent one.
    pub host: String,
    pub path: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Unix seconds; git skips an answer that has expired.
    pub password_expiry_utc: Option<i64>,
    pub oauth_refresh_token: Option<Secret>,
    /// With `credential`: a pre-encoded `Authorization` value, e.g. a Bearer token.
    pub authtype: Option<String>,
    pub credential: Option<Secret>,
}

/// The fields of a request that select credentials: git's `credential_match` "want" side.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub protocol: &'a str,
    /// Must already be lowercased (see [`normalize_host`]).
    pub host: &'a str,
    pub path: Option<&'a str>,
    pub username: Option<&'a str>,
}

/// Hosts compare byte-exact after ASCII lowercasing.
pub fn normalize_host(host: &str) -> String {
    host.to_ascii_lowercase()
}

impl Credential {
    /// Protocol and host always match exactly; path and username only when the query has them.
    pub fn matches(&self, query: &Query<'_>) -> bool {
        fn optional_field(want: Option<&str>, have: Option<&str>) -> bool {
            want.is_none_or(|want| have == Some(want))
        }
        self.protocol == query.protocol
            && self.host == query.host
            && optional_field(query.path, self.path.as_deref())
            && optional_field(query.username, self.username.as_deref())
    }

    /// git's rule: expired once the expiry lies strictly in the past.
    pub fn is_expired(&self, now: i64) -> bool {
        self.password_expiry_utc.is_some_and(|expiry| expiry < now)
    }

    /// A bearer-style credential: answered only to a git that offers `capability[]=authtype`.
    pub fn is_pre_encoded(&self) -> bool {
        self.authtype.is_some() && self.credential.is_some()
    }
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
        Query {
            protocol: "https",
            host,
            path,
            username: user,
        }
    }

    #[test]
    fn protocol_and_host_with_port_must_match_exactly() {
        let c = stored(None, Some("alice"));
        assert!(c.matches(&query("example.com:8443", None, None)));
        assert!(!c.matches(&query("example.com", None, None)));
        assert!(!c.matches(&query("example.com:844", None, None)));
        assert!(!c.matches(&Query {
            protocol: "http",
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
