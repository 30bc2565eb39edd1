//! Integration tests: the real `git` binary drives the helper, each test in its own HOME.

mod account_input;
mod agent;
mod canary;
mod cli;
mod common;
#[cfg(target_os = "linux")]
mod core_dumps;
mod crash;
mod e2e;
mod errors;
mod faults;
mod hardening;
mod help;
mod helper_protocol;
mod hostile_oauth;
mod hostile_services;
mod import;
mod injection;
mod install_timer;
mod instances;
#[cfg(target_os = "linux")]
mod key_cache;
mod keyring;
mod keyring_session;
mod leftovers;
mod lifecycle;
mod load;
mod native;
mod oauth;
mod oauth_harness;
mod openbao;
mod openbao_harness;
mod output;
mod pipes;
mod provider_families;
mod provider_fidelity;
mod provider_harness;
mod provider_lifecycle;
mod provider_wire;
mod providers;
mod quickstart;
mod server;
mod several_accounts;
mod store_file;
mod store_paths;
mod store_v2;
