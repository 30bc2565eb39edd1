//! The one place where failures become a message and an exit code. Each layer's error keeps
//! its own message; [`Exit`] says which exit code it means (docs/commands.md, "Exit codes").

use crate::provider::rules::Invalid;
use crate::{
    agent, config, gitconfig, github_app, helper, http, import, keysource, lifecycle, oauth,
    openbao, protocol, provider_api, store,
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

/// The error of a layer below the CLI, and the exit code it means.
pub trait Exit: std::error::Error + 'static {
    fn exit_code(&self) -> u8;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
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
    /// The provider said no (see [`exit::PROVIDER`]).
    #[error("{0}")]
    Provider(String),
    /// A lower layer's error, whole: its own message, and its exit code from [`Exit`].
    #[error("{0}")]
    Layer(Box<dyn Exit>),
}

impl<E: Exit> From<E> for Error {
    fn from(e: E) -> Error {
        Error::Layer(Box::new(e))
    }
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Conflict(_) => exit::CONFLICT,
            Error::Io { .. } | Error::Runtime(_) => exit::RUNTIME,
            Error::Provider(_) => exit::PROVIDER,
            Error::Layer(e) => e.exit_code(),
        }
    }

    /// The message as one line with control characters escaped.
    pub fn one_line(&self) -> String {
        crate::term::one_line(self)
    }
}

/// git's request is bad input.
impl Exit for protocol::Error {
    fn exit_code(&self) -> u8 {
        exit::USAGE
    }
}

/// A config that cannot be read or parsed is bad input, whichever way.
impl Exit for config::Error {
    fn exit_code(&self) -> u8 {
        exit::USAGE
    }
}

/// A token or an identity that breaks its provider's rules is bad input.
impl Exit for Invalid {
    fn exit_code(&self) -> u8 {
        exit::USAGE
    }
}

/// git's config could not be read or changed.
impl Exit for gitconfig::Error {
    fn exit_code(&self) -> u8 {
        exit::RUNTIME
    }
}

/// A key that is not there has its own code; a wrong one means a damaged store or key file.
impl Exit for keysource::Error {
    fn exit_code(&self) -> u8 {
        match self {
            keysource::Error::Unavailable { .. } => exit::KEY_UNAVAILABLE,
            keysource::Error::Wrong(_) => exit::DAMAGED,
            keysource::Error::Refused(_) => exit::USAGE,
            keysource::Error::Io { .. } => exit::RUNTIME,
        }
    }
}

impl Exit for store::Error {
    fn exit_code(&self) -> u8 {
        match self {
            store::Error::Damaged { .. }
            | store::Error::UnsupportedVersion { .. }
            | store::Error::NotAStoreFile { .. } => exit::DAMAGED,
            store::Error::Key { source, .. } => source.exit_code(),
            store::Error::Io { .. } => exit::RUNTIME,
        }
    }
}

/// No answer is a runtime failure; the provider's refusal has its own code; asking for what a
/// kind cannot do, or a bad `api_url`, is bad input.
impl Exit for provider_api::Error {
    fn exit_code(&self) -> u8 {
        use provider_api::Error as E;
        match self {
            E::NoAnswer(_) | E::Unexpected { .. } | E::UnusableAnswer { .. } => exit::RUNTIME,
            E::Unauthorized { .. } | E::Refused { .. } => exit::PROVIDER,
            E::Unsupported(_) | E::BadUrl(_) => exit::USAGE,
        }
    }
}

/// Also `renew`'s per-token report.
impl Exit for lifecycle::Error {
    fn exit_code(&self) -> u8 {
        use lifecycle::Error as E;
        match self {
            E::Api(e) | E::NotRotated { source: e, .. } => e.exit_code(),
            E::Store(e) => e.exit_code(),
            E::NotFound(_) => exit::NOT_FOUND,
            E::Unsupported(_) => exit::USAGE,
            E::LostAnswer { .. } | E::NotSaved { .. } => exit::RUNTIME,
        }
    }
}

/// A setting that names a file with no certificate is bad input; everything else is a server
/// that could not be asked or answered nonsense.
impl Exit for http::Error {
    fn exit_code(&self) -> u8 {
        use http::Error as E;
        match self {
            E::NoCertificate { .. } => exit::USAGE,
            E::CaFile { .. }
            | E::NoAnswer(_)
            | E::NotJson { .. }
            | E::NotOAuth { .. }
            | E::Status { .. }
            | E::NotJsonAt { .. } => exit::RUNTIME,
        }
    }
}

/// A setting or a login the cluster refuses is bad input, and so is a transit key the cluster
/// refuses (a policy, a key name or a login to fix); the rest is the machine or the network.
impl Exit for openbao::Error {
    fn exit_code(&self) -> u8 {
        use openbao::Error as E;
        use openbao::client::Failure;
        match self {
            E::Transit {
                failure: Failure::Unreachable(_),
                ..
            } => exit::RUNTIME,
            E::Address(_) | E::LoginRefused(_) | E::Transit { .. } => exit::USAGE,
            E::Store(e) => e.exit_code(),
            E::Http(e) => e.exit_code(),
            E::Cache(_) | E::SetAside { .. } | E::LoginUnreachable(_) => exit::RUNTIME,
        }
    }
}

/// An instance that cannot log in as configured, or a login as someone else, is bad input;
/// a provider that refuses or does not answer is a runtime failure.
impl Exit for oauth::Error {
    fn exit_code(&self) -> u8 {
        use oauth::Error as E;
        match self {
            E::BadUrl(_)
            | E::NoOAuth { .. }
            | E::Api(_)
            | E::NoApi { .. }
            | E::NoClient { .. }
            | E::NoHost { .. }
            | E::NoDeviceLogin { .. }
            | E::OtherAccount { .. } => exit::USAGE,
            E::Http(e) => e.exit_code(),
            E::Store(e) => e.exit_code(),
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
}

/// git's actions: a secret that cannot be stored is bad input.
impl Exit for helper::Error {
    fn exit_code(&self) -> u8 {
        match self {
            helper::Error::Store(e) => e.exit_code(),
            helper::Error::OAuth(e) => e.exit_code(),
            helper::Error::OpenBao(e) => e.exit_code(),
            helper::Error::GitHubApp(e) => e.exit_code(),
            helper::Error::LineBreak => exit::USAGE,
            helper::Error::Answer(_) => exit::RUNTIME,
        }
    }
}

/// A key that is no key, a repository that is no OWNER/REPO or an instance without an API is
/// bad input; GitHub saying no is the provider's word; a cache that cannot be written a runtime
/// failure.
impl Exit for github_app::Error {
    fn exit_code(&self) -> u8 {
        use github_app::Error as E;
        match self {
            E::Store(e) => e.exit_code(),
            E::Sign { source, .. } => source.exit_code(),
            E::Api { source, .. } => source.exit_code(),
            E::NotInstalled { .. } => exit::PROVIDER,
            E::Key { .. } | E::Repository { .. } | E::NoApi { .. } => exit::USAGE,
            E::JustFailed { .. } | E::File(_) => exit::RUNTIME,
        }
    }
}

/// A file that is not a git-credentials file, or skipped lines, are bad input.
impl Exit for import::Error {
    fn exit_code(&self) -> u8 {
        use import::Error as E;
        match self {
            E::TooLarge { .. } | E::LongLine { .. } | E::Skipped { .. } => exit::USAGE,
            E::Store(e) => e.exit_code(),
            E::Read { .. } | E::NotReadBack { .. } | E::Remove { .. } => exit::RUNTIME,
        }
    }
}

/// The agent's options, the client's request and the config are bad input; a socket or a log
/// that cannot be set up, or a stale socket that is not ours, is a runtime failure.
impl Exit for agent::Error {
    fn exit_code(&self) -> u8 {
        use agent::Error as E;
        match self {
            E::Usage(_) | E::Protocol(_) | E::Config(_) => exit::USAGE,
            E::Io { .. } | E::Refused(_) | E::Stdio { .. } => exit::RUNTIME,
        }
    }
}
