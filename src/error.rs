//! The one place where failures become a message and an exit code.

use crate::{config, keysource, protocol, store};

/// Exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const RUNTIME: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const CONFLICT: u8 = 4;
    pub const KEY_UNAVAILABLE: u8 = 5;
    pub const DAMAGED: u8 = 6;
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
            Error::Store(e) => match e {
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
            },
        }
    }

    /// The message as one line with control characters escaped.
    pub fn one_line(&self) -> String {
        crate::term::escape(&self.to_string().replace('\n', " "))
    }
}
