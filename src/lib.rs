//! git-credential-vouch: an encrypted, headless git credential helper.
//!
//! The layers, from the top (see docs/architecture.md; a module uses its own layer and those
//! below, never one above, and tests/it/architecture.rs checks it):
//! - front: [`cli`], [`error`] (every layer's error as a message and an exit code), [`agent`];
//! - operations: [`doctor`], [`import`], [`lifecycle`], [`gitconfig`], [`helper`] (what
//!   `get`, `store` and `erase` do with a request);
//! - network: [`oauth`], [`openbao`], [`provider_api`], [`http`];
//! - decisions: [`protocol`] (git's helper protocol, with input hardening), [`resolve`],
//!   [`allowed`];
//! - data: [`store`] (the encrypted, versioned, locked store file), [`config`], [`sealed`],
//!   [`keysource`] (where the key that wraps the store's data key lives), [`credential`],
//!   [`provider`];
//! - foundation: [`durable`] (crash-safe file replacement, locking, permission checks),
//!   [`platform`] (one seam per difference between Linux, macOS and Windows), [`paths`],
//!   [`secret`], [`term`], [`colour`], [`time`], [`url`], [`progress`].

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
pub mod github_app;
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
