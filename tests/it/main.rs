//! Integration tests: the real `git` binary drives the helper, each test in its own HOME.

mod cli;
mod common;
#[cfg(target_os = "linux")]
mod core_dumps;
mod e2e;
mod errors;
mod hardening;
mod helper_protocol;
mod import;
mod injection;
mod instances;
#[cfg(target_os = "linux")]
mod key_cache;
mod keyring;
mod leftovers;
mod lifecycle;
mod native;
mod oauth;
mod oauth_harness;
mod openbao;
mod openbao_harness;
mod providers;
mod server;
mod store_file;
mod store_paths;
