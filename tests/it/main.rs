//! Integration tests: the real `git` binary drives the helper, each test in its own HOME.

mod cli;
mod common;
mod e2e;
mod errors;
mod hardening;
mod helper_protocol;
mod injection;
mod instances;
mod keyring;
mod lifecycle;
mod oauth;
mod oauth_harness;
mod providers;
mod server;
mod store_file;
