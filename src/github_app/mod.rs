//! GitHub App installation tokens, minted at `get` for exactly the repository git asks about.
//!
//! An App credential (token kind `github-app`, `add github --app-id`) keeps the App's ID, the
//! permissions each token asks for and its private key (or the name of an OpenBao transit key
//! that signs for it). For `https://HOST/OWNER/REPO`, vouch signs a JWT, finds the App's
//! installation for the repository and mints a token narrowed to that one repository.
//!
//! - [`key`]: the PEM private key, checked, and RS256 signing;
//! - [`jwt`]: the JWT's claims and assembly;
//! - [`cache`]: the sealed file of minted tokens, and its lock (parallel `get`s mint once);
//! - [`mint`]: what `get` asks, and what `erase` drops;
//! - [`session`]: the App's API and a signed JWT, for every call to GitHub;
//! - [`inspect`]: what `resolve` and `verify` show of an App, asked of GitHub.
//!
//! GitHub's API calls themselves are in `provider_api::github_app`.

pub mod cache;
pub mod inspect;
pub mod jwt;
pub mod key;
mod mint;
pub mod session;

pub use mint::{Minted, forget, forget_app, token};

use crate::credential::Credential;
use crate::provider::Instance;
use crate::provider::app::App;

/// An App credential where it serves: its instance and the host git asked about.
pub struct AppAt<'a> {
    pub instance: &'a Instance,
    pub credential: &'a Credential,
    pub host: &'a str,
}

impl AppAt<'_> {
    pub fn app(&self) -> &App {
        self.credential.app.as_ref().expect("an App credential")
    }
}

/// Why no token was minted. Every message names the App by its ID; none holds the key, the
/// JWT or a token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// GitHub refused or did not answer (its message is in `source`).
    #[error("GitHub App {app}: {source}")]
    Api {
        app: u64,
        source: crate::provider_api::Error,
    },
    /// The stored private key is not a usable RSA key.
    #[error("GitHub App {app}: {source}")]
    Key { app: u64, source: key::BadKey },
    /// OpenBao's transit engine did not sign.
    #[error("GitHub App {app}: {source}")]
    Sign {
        app: u64,
        source: crate::openbao::Error,
    },
    /// GitHub knows no installation of the App that can see the repository.
    #[error(
        "GitHub App {app} is not installed on {repository} (or cannot see it): install the App there, or give this repository another account"
    )]
    NotInstalled { app: u64, repository: String },
    /// Another `get` tried to mint this token while this one waited, and failed so.
    #[error("{why} (another git process tried just now)")]
    JustFailed { app: u64, why: String },
    /// Tokens are minted per repository, and the path is not one.
    #[error("GitHub App {app}: `{repository}` is not OWNER/REPO")]
    Repository { app: u64, repository: String },
    /// The instance has no REST API vouch knows (or a bad `api_url`).
    #[error("GitHub App {app}: instance {instance} has no usable API URL (set api_url)")]
    NoApi { app: u64, instance: String },
    /// The minted tokens' cache file or a lock.
    #[error(transparent)]
    File(#[from] crate::sealed::FileError),
}
