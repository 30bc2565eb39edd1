//! Integration tests: the real `git` binary drives the helper, each test in its own HOME.

mod common;
mod errors;
mod helper_protocol;
mod injection;
mod keyring;
mod store_file;
