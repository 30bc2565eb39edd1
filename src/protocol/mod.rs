//! git's credential helper protocol: requests in, answers out.
//!
//! gix-credentials reads and writes the fields it knows (protocol, host, path, username,
//! password, password_expiry_utc, oauth_refresh_token, wwwauth[]). This module adds what it
//! lacks: the input hardening from the protocol spec (checked on the raw bytes, before anything
//! is parsed) and the capability-gated fields capability[], authtype, credential, ephemeral and
//! state[].

mod answer;
pub mod request;

pub use answer::{Answer, write_answer};
pub use request::{Request, parse_request};

/// The longest line git may send (git's own limit is 64 KiB).
pub const MAX_LINE: usize = 65535;
/// A request is a handful of lines; anything this large is not from git.
pub const MAX_REQUEST: usize = 1 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The reason names the line and key, never a value.
    #[error("rejected credential request: {0}")]
    Invalid(String),
}
