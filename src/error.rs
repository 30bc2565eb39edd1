//! The one place where failures become a message and an exit code.

use crate::provider_api::Error as ApiError;
use crate::{
    agent, config, gitconfig, helper, http, import, keysource, lifecycle, oauth, openbao, protocol,
    store,
};

/// Exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const RUNTIME: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const CONFLICT: u8 = 4;
    pub const KEY_UNAVAILABLE: u8 = 5;
    pub const DAMAGED: u8 = 6;
    /// The provider said no: a token is revoked or expired (`verify`), needs a person
    /// (`renew`), or a rotation or revocation was refused.
    pub const PROVIDER: u8 = 7;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Protocol(#[from] protocol::Error),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Runtime(String),
    #[error(transparent)]
    Lifecycle(#[from] lifecycle::Error),
    #[error(transparent)]
    Http(#[from] http::Error),
    #[error(transparent)]
    OpenBao(#[from] openbao::Error),
    #[error(transparent)]
    OAuth(#[from] oauth::Error),
    #[error(transparent)]
    Helper(#[from] helper::Error),
    #[error(transparent)]
    Import(#[from] import::Error),
    #[error(transparent)]
    Agent(#[from] agent::Error),
    /// git's config could not be read or changed (configure, unconfigure, doctor, add).
    #[error(transparent)]
    GitConfig(#[from] gitconfig::Error),
    /// A token or an identity that breaks its provider's rules.
    #[error(transparent)]
    Invalid(#[from] crate::provider::rules::Invalid),
    /// The provider said no (see [`exit::PROVIDER`]).
    #[error("{0}")]
    Provider(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Protocol(_) | Error::Usage(_) => exit::USAGE,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Conflict(_) => exit::CONFLICT,
            Error::Io { .. } | Error::Runtime(_) => exit::RUNTIME,
            // A config that cannot be read or parsed is bad input, whichever way.
            Error::Config(_) => exit::USAGE,
            Error::Store(e) => store_exit(e),
            Error::Provider(_) => exit::PROVIDER,
            Error::Lifecycle(e) => lifecycle_exit(e),
            Error::Http(e) => http_exit(e),
            Error::Invalid(_) => exit::USAGE,
            Error::OpenBao(e) => openbao_exit(e),
            Error::OAuth(e) => oauth_exit(e),
            Error::Helper(e) => helper_exit(e),
            Error::Import(e) => import_exit(e),
            Error::GitConfig(_) => exit::RUNTIME,
            Error::Agent(e) => agent_exit(e),
        }
    }

    /// The message as one line with control characters escaped.
    pub fn one_line(&self) -> String {
        crate::term::one_line(self)
    }
}

/// The exit code of a lifecycle failure (also for `renew`'s per-token report).
pub fn lifecycle_exit(e: &lifecycle::Error) -> u8 {
    match e {
        lifecycle::Error::Api(e) | lifecycle::Error::NotRotated { source: e, .. } => api_exit(e),
        lifecycle::Error::Store(e) => store_exit(e),
        lifecycle::Error::NotFound(_) => exit::NOT_FOUND,
        lifecycle::Error::Unsupported(_) => exit::USAGE,
        lifecycle::Error::LostAnswer { .. } | lifecycle::Error::NotSaved { .. } => exit::RUNTIME,
    }
}

fn store_exit(e: &store::Error) -> u8 {
    match e {
        store::Error::Damaged { .. }
        | store::Error::UnsupportedVersion { .. }
        | store::Error::NotAStoreFile { .. } => exit::DAMAGED,
        store::Error::Key { source, .. } => match source {
            keysource::Error::Unavailable { .. } => exit::KEY_UNAVAILABLE,
            keysource::Error::Wrong(_) => exit::DAMAGED,
            keysource::Error::Refused(_) => exit::USAGE,
            keysource::Error::Io { .. } => exit::RUNTIME,
        },
        store::Error::Io { .. } => exit::RUNTIME,
    }
}

/// No answer is a runtime failure; the provider's refusal has its own code; asking for what a
/// kind cannot do, or a bad `api_url`, is bad input.
fn api_exit(e: &ApiError) -> u8 {
    match e {
        ApiError::NoAnswer(_) | ApiError::Unexpected { .. } | ApiError::UnusableAnswer { .. } => {
            exit::RUNTIME
        }
        ApiError::Unauthorized { .. } | ApiError::Refused { .. } => exit::PROVIDER,
        ApiError::Unsupported(_) | ApiError::BadUrl(_) => exit::USAGE,
    }
}

/// A setting that names a file with no certificate is bad input; everything else is a server
/// that could not be asked or answered nonsense.
fn http_exit(e: &http::Error) -> u8 {
    match e {
        http::Error::NoCertificate { .. } => exit::USAGE,
        http::Error::CaFile { .. }
        | http::Error::NoAnswer(_)
        | http::Error::NotJson { .. }
        | http::Error::NotOAuth { .. }
        | http::Error::Status { .. }
        | http::Error::NotJsonAt { .. } => exit::RUNTIME,
    }
}

/// A setting or a login the cluster refuses is bad input; the rest is the machine or the
/// network.
fn openbao_exit(e: &openbao::Error) -> u8 {
    match e {
        openbao::Error::Address(_) | openbao::Error::LoginRefused(_) => exit::USAGE,
        openbao::Error::Store(e) => store_exit(e),
        openbao::Error::Http(e) => http_exit(e),
        openbao::Error::NewerCache { .. }
        | openbao::Error::Cache { .. }
        | openbao::Error::SetAside { .. }
        | openbao::Error::LoginUnreachable(_) => exit::RUNTIME,
    }
}

/// An instance that cannot log in as configured, or a login as someone else, is bad input;
/// a provider that refuses or does not answer is a runtime failure.
fn oauth_exit(e: &oauth::Error) -> u8 {
    use oauth::Error as E;
    match e {
        E::BadUrl(_)
        | E::NoOAuth { .. }
        | E::Api(_)
        | E::NoApi { .. }
        | E::NoClient { .. }
        | E::NoHost { .. }
        | E::NoDeviceLogin { .. }
        | E::OtherAccount { .. } => exit::USAGE,
        E::Http(e) => http_exit(e),
        E::Store(e) => store_exit(e),
        E::Refused { .. }
        | E::Failed { .. }
        | E::NoAccount { .. }
        | E::Io { .. }
        | E::BrowserTimeout
        | E::Denied(_)
        | E::CodeExpired { .. }
        | E::AccessDenied { .. } => exit::RUNTIME,
    }
}

/// git's actions: a secret that cannot be stored is bad input.
fn helper_exit(e: &helper::Error) -> u8 {
    match e {
        helper::Error::Store(e) => store_exit(e),
        helper::Error::OAuth(e) => oauth_exit(e),
        helper::Error::OpenBao(e) => openbao_exit(e),
        helper::Error::LineBreak => exit::USAGE,
        helper::Error::Answer(_) => exit::RUNTIME,
    }
}

/// A file that is not a git-credentials file, or skipped lines, are bad input.
fn import_exit(e: &import::Error) -> u8 {
    match e {
        import::Error::TooLarge { .. }
        | import::Error::LongLine { .. }
        | import::Error::Skipped { .. } => exit::USAGE,
        import::Error::Store(e) => store_exit(e),
        import::Error::Read { .. }
        | import::Error::NotReadBack { .. }
        | import::Error::Remove { .. } => exit::RUNTIME,
    }
}

/// The agent's options, the client's request and the config are bad input; a socket or a log
/// that cannot be set up, or a stale socket that is not ours, is a runtime failure.
fn agent_exit(e: &agent::Error) -> u8 {
    match e {
        agent::Error::Usage(_) | agent::Error::Protocol(_) | agent::Error::Config(_) => exit::USAGE,
        agent::Error::Io { .. } | agent::Error::Refused(_) | agent::Error::Stdio { .. } => {
            exit::RUNTIME
        }
    }
}
