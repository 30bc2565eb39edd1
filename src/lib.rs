//! git-credential-vouch: an encrypted, headless git credential helper.
//!
//! Layers, from the outside in:
//! - [`protocol`]: git's helper protocol on stdin/stdout, with input hardening.
//! - [`helper`]: what `get`, `store` and `erase` do with a request.
//! - [`credential`]: a stored credential and git's matching rules.
//! - [`store`]: the encrypted, versioned, locked store file.
//! - [`keysource`]: where the key that wraps the store's data key lives.
//! - [`durable`]: crash-safe file replacement, locking and permission checks both use.
//! - [`platform`]: what differs between Linux, macOS and Windows, one seam per difference.
//! - [`cli`]: the management commands; [`error`] maps every failure to an exit code.

pub mod agent;
pub mod allowed;
pub mod cli;
pub mod colour;
pub mod config;
pub mod credential;
pub mod doctor;
pub mod durable;
pub mod error;
pub mod gitconfig;
pub mod helper;
pub mod http;
pub mod import;
pub mod keysource;
pub mod lifecycle;
pub mod oauth;
pub mod openbao;
pub mod paths;
pub mod platform;
pub mod progress;
pub mod protocol;
pub mod provider;
pub mod provider_api;
pub mod resolve;
pub mod sealed;
pub mod secret;
pub mod store;
pub mod term;
pub mod time;
pub mod url;
