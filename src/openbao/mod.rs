//! Provider tokens served from an OpenBao (or HashiCorp Vault) KV v2 secret per instance
//! (`openbao_path`), with an encrypted local cache so that `get` inside `cache_ttl` makes no
//! request and a cluster outage does not stop git until the token itself expires.
//!
//! - [`client`]: the HTTP API (KV v2 read, logins), through the one HTTP client.
//! - [`auth`]: which client token to use (BAO_TOKEN/VAULT_TOKEN, AppRole, JWT).
//! - [`cache`]: the encrypted cache file, keyed from the store's data key.
//! - [`source`]: what `get` asks: cache, lock, fetch, fall back.
//! - [`transit`]: signing with a key kept in the transit engine (a GitHub App's key).

pub mod auth;
pub mod cache;
pub mod client;
pub mod source;
pub mod status;
pub mod transit;

use std::path::PathBuf;

pub use crate::config::openbao::Settings;
pub use source::credential;

/// What failed around OpenBao. A secret that does not fit its instance is a
/// [`crate::provider::rules::Invalid`], and a cluster that refuses or does not answer a `get` is
/// one stderr line, not an error: git then asks the next helper.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable address (`[openbao] address`, `BAO_ADDR`, `VAULT_ADDR`).
    #[error("openbao: {0}")]
    Address(String),
    /// The store's data key, which seals the cache.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The HTTP client for the cluster (`ca_file`).
    #[error(transparent)]
    Http(#[from] crate::http::Error),
    /// The cache file or its lock (or one written by a newer build).
    #[error(transparent)]
    Cache(#[from] crate::sealed::FileError),
    /// A damaged cache could not be moved aside.
    #[error("setting {} aside: {source}", path.display())]
    SetAside {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `openbao login --approle`: the cluster said no (a bad role or secret ID).
    #[error("openbao login: {0}")]
    LoginRefused(String),
    /// `openbao login --approle`: the cluster did not answer.
    #[error("openbao login: {0}")]
    LoginUnreachable(String),
    /// Signing with (or reading) a transit key failed: `key` is `mount/name`, `failure` says
    /// why in OpenBao's words; never the input or a token.
    #[error("openbao transit key {key}: {failure}")]
    Transit {
        key: String,
        failure: client::Failure,
    },
}

/// The HTTP client for the cluster: with `ca_file`'s CA, when there is one.
pub fn http(settings: &Settings) -> Result<crate::http::Client, crate::http::Error> {
    match &settings.ca_file {
        Some(file) => crate::http::Client::with_ca_file(file),
        None => Ok(crate::http::Client::new()),
    }
}

/// `secret/git/corp` -> the KV v2 data path `secret/data/git/corp`.
pub fn data_path(path: &str) -> String {
    match path.split_once('/') {
        Some((mount, rest)) => format!("{mount}/data/{rest}"),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_paths_name_the_mount_first() {
        assert_eq!(data_path("secret/git/corp"), "secret/data/git/corp");
    }
}
