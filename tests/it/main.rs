//! Integration tests: the real `git` binary drives the helper, each test in its own HOME.

mod cli;
mod common;
mod e2e;
mod errors;
mod helper_protocol;
mod import;
mod injection;
mod keyring;
mod lifecycle;
mod providers;
mod server;
mod store_file;
