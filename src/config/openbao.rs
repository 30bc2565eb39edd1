//! `[openbao]` in config.toml and an instance's `openbao_path`, checked when the file is read:
//! where the cluster is, how long a fetched token is kept, how to log in. The client that uses
//! them is [`crate::openbao`].

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Default `cache_ttl`.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(300);

/// `[openbao]` as written in config.toml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    address: Option<String>,
    cache_ttl: Option<String>,
    namespace: Option<String>,
    ca_file: Option<PathBuf>,
    /// JWT auth: the role and the file holding the JWT (a CI job's ID token).
    jwt_role: Option<String>,
    jwt_file: Option<PathBuf>,
    /// Where the auth methods are mounted (defaults `jwt`, `approle`).
    jwt_mount: Option<String>,
    approle_mount: Option<String>,
}

/// `[openbao]`, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub address: Option<String>,
    pub cache_ttl: Duration,
    pub namespace: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub jwt: Option<(String, PathBuf)>,
    pub jwt_mount: String,
    pub approle_mount: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            address: None,
            cache_ttl: DEFAULT_CACHE_TTL,
            namespace: None,
            ca_file: None,
            jwt: None,
            jwt_mount: "jwt".into(),
            approle_mount: "approle".into(),
        }
    }
}

fn mount_name(field: &str, value: Option<String>, default: &str) -> Result<String, String> {
    let value = value.unwrap_or_else(|| default.to_owned());
    let clean = value.trim_matches('/');
    if clean.is_empty() || !clean.chars().all(path_char) {
        return Err(format!("{field}: `{value}` is not a mount path"));
    }
    Ok(clean.to_owned())
}

fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

impl RawSettings {
    pub(super) fn check(self) -> Result<Settings, String> {
        let address = self
            .address
            .map(|a| crate::url::check_url("openbao.address", &a))
            .transpose()?;
        let cache_ttl = match self.cache_ttl {
            Some(t) => {
                crate::time::parse_duration(&t).map_err(|e| format!("openbao.cache_ttl: {e}"))?
            }
            None => DEFAULT_CACHE_TTL,
        };
        if let Some(ns) = &self.namespace
            && (ns.is_empty() || !ns.chars().all(path_char))
        {
            return Err(format!("openbao.namespace: `{ns}` is not a namespace path"));
        }
        let jwt = match (self.jwt_role, self.jwt_file) {
            (Some(role), Some(file)) => Some((role, file)),
            (None, None) => None,
            _ => return Err("openbao.jwt_role and openbao.jwt_file go together".into()),
        };
        Ok(Settings {
            address,
            cache_ttl,
            namespace: self.namespace,
            ca_file: self.ca_file,
            jwt,
            jwt_mount: mount_name("openbao.jwt_mount", self.jwt_mount, "jwt")?,
            approle_mount: mount_name("openbao.approle_mount", self.approle_mount, "approle")?,
        })
    }
}

impl Settings {
    /// The cluster's address: `BAO_ADDR`, else `VAULT_ADDR`, else `address`; https, or plain
    /// http to loopback only.
    pub fn address(&self) -> Result<String, String> {
        let from_env = ["BAO_ADDR", "VAULT_ADDR"].iter().find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| (*name, v))
        });
        match from_env {
            Some((name, value)) => crate::url::check_url(name, &value),
            None => self.address.clone().ok_or_else(|| {
                "no OpenBao address: set [openbao] address in config.toml, or BAO_ADDR".to_owned()
            }),
        }
    }
}

/// Check an instance's `openbao_path` (`mount/path/of/secret`, at least two segments) and
/// return it without surrounding slashes.
pub fn check_path(path: &str) -> Result<String, String> {
    let clean = path.trim_matches('/');
    let segments: Vec<&str> = clean.split('/').collect();
    if segments.len() < 2
        || segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        || !clean.chars().all(path_char)
    {
        return Err(format!(
            "openbao_path: `{path}` is not a KV v2 path like secret/git/corp (mount, then the secret's path)"
        ));
    }
    Ok(clean.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_settings_are_checked() {
        assert_eq!(check_path("/secret/git/corp/").unwrap(), "secret/git/corp");
        for bad in ["secret", "secret//x", "secret/../x", "secret/a b", ""] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        let raw = |toml: &str| toml::from_str::<RawSettings>(toml).unwrap().check();
        let s = raw("address = \"http://127.0.0.1:8200\"\ncache_ttl = \"2s\"").unwrap();
        assert_eq!(s.cache_ttl, Duration::from_secs(2));
        assert_eq!(raw("").unwrap().cache_ttl, DEFAULT_CACHE_TTL);
        assert!(raw("address = \"http://bao.corp.example\"").is_err());
        assert!(raw("jwt_role = \"ci\"").is_err());
        assert!(raw("cache_ttl = \"soon\"").is_err());
    }
}
