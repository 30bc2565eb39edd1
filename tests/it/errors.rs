//! init and usage: documented exit codes and messages.

use crate::common::*;

#[test]
fn init_chooses_a_key_file_without_keyring_and_is_idempotent() {
    let env = Env::new();
    let out = env.helper(&["init"], b"");
    assert_ok(&out, "init");
    assert!(stdout(&out).starts_with("initialized:"), "{}", stdout(&out));
    assert!(stdout(&out).contains("key source file"));
    assert!(env.key_path().exists() && env.store_path().exists());
    let store = env.store_bytes().unwrap();
    let again = env.helper(&["init"], b"");
    assert_ok(&again, "second init");
    assert!(stdout(&again).starts_with("already initialized:"));
    assert_eq!(env.store_bytes().unwrap(), store);
}

#[test]
fn init_with_another_source_than_the_store_uses_is_a_conflict() {
    let env = Env::new();
    assert_ok(&env.helper(&["init", "--key", "file"], b""), "init");
    let err = assert_fails(&env.helper(&["init", "--key", "keyring"], b""), 4);
    assert!(err.contains("rekey"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    let out = env.helper(&["init", "--key", "bogus"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = env.helper(&["rekey"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rekey_without_store_is_not_found() {
    let env = Env::new();
    let err = assert_fails(&env.helper(&["rekey", "--key", "file"], b""), 3);
    assert!(err.contains("init"), "{err}");
}

#[test]
fn help_is_there() {
    let env = Env::new();
    let out = env.helper(&["--help"], b"");
    assert_ok(&out, "--help");
    assert!(stdout(&out).contains("init"));
}
