//! The passphrase key source and the kernel key cache, against the real kernel keyring: each
//! test thread first joins a new anonymous session keyring (what `keyctl session -` does), so
//! the helper's cached keys land there and never in the user's own keyrings. Keyring-mode
//! tests use the real gnome-keyring of tests/it/keyring.rs.

use std::process::Output;

use crate::common::*;
use crate::keyring::in_session;

const PASS: &str = "correct horse battery staple";
const CRED: &str = "protocol=https\nhost=example.com\nusername=alice\npassword=tok-s3cret-123\n";
const QUERY: &str = "protocol=https\nhost=example.com\n";

fn assert_own_session_keyring() {
    if let Err(e) = crate::common::own_session_keyring() {
        panic!("keyctl refused to create a session keyring: {e}");
    }
}

fn keyctl_show(env: &Env) -> String {
    stdout(&run(env.command("keyctl").args(["show", "@s"]), b""))
}

fn passphrase_store() -> Env {
    assert_own_session_keyring();
    let env = Env::new();
    let out = env.helper(
        &["init", "--key", "passphrase"],
        format!("{PASS}\n").as_bytes(),
    );
    assert_ok(&out, "init --key passphrase");
    assert!(stdout(&out).contains("key source passphrase"));
    assert!(!env.key_path().exists(), "a key file was written");
    // The passphrase typed at init unlocks the new store as `unlock` would...
    assert!(
        stdout(&out).contains("unlocked for 15m"),
        "{}",
        stdout(&out)
    );
    assert!(env.vouch(&["status"], "").contains("state: unlocked"));
    // ...and these tests start from a locked store.
    env.vouch(&["lock"], "");
    env
}

fn get(env: &Env) -> Output {
    env.helper(&["get"], QUERY.as_bytes())
}

fn assert_locked(out: &Output) {
    let err = assert_fails(out, 5);
    assert!(err.contains("git credential-vouch unlock"), "{err}");
}

#[test]
fn locked_store_answers_nothing_saves_nothing_and_unlock_lets_get_answer_without_a_prompt() {
    let env = passphrase_store();
    let before = env.store_bytes().unwrap();
    let out = env.helper(&["store"], CRED.as_bytes());
    assert_locked(&out);
    assert!(stderr(&out).contains("nothing was read or saved"));
    assert_eq!(
        env.store_bytes().unwrap(),
        before,
        "a locked store was written"
    );
    assert_locked(&get(&env));
    assert!(env.vouch(&["status"], "").contains("state: locked"));

    let out = env.vouch(&["unlock", "--for", "10m"], &format!("{PASS}\n"));
    assert!(out.contains("unlocked for"), "{out}");
    assert!(keyctl_show(&env).contains("git-credential-vouch:store-key-"));
    assert_ok(&env.helper(&["store"], CRED.as_bytes()), "store unlocked");
    // stdin carries only the request: no passphrase is read or asked for.
    let out = get(&env);
    assert_ok(&out, "get unlocked");
    assert_eq!(fields(&out.stdout)["password"], "tok-s3cret-123");
    let status = env.vouch(&["status"], "");
    assert!(
        status.contains("state: unlocked") && status.contains("left"),
        "{status}"
    );

    env.vouch(&["lock"], "");
    assert_locked(&get(&env));
    assert!(!keyctl_show(&env).contains("git-credential-vouch"));
    // Nothing secret reached a file: not the token, the passphrase, nor the cached key.
    for needle in ["tok-s3cret-123", PASS] {
        assert_eq!(
            env.files_containing(needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
}

#[test]
fn a_short_unlock_expires() {
    let env = passphrase_store();
    env.vouch(&["unlock", "--for", "2s"], &format!("{PASS}\n"));
    assert!(env.vouch(&["status"], "").contains("state: unlocked"));
    std::thread::sleep(std::time::Duration::from_millis(3500));
    assert_locked(&get(&env));
    assert!(env.vouch(&["status"], "").contains("state: locked"));
}

#[test]
fn a_wrong_passphrase_exits_5_and_changes_no_byte_and_passwd_rewraps() {
    let env = passphrase_store();
    env.vouch(&["unlock"], &format!("{PASS}\n"));
    env.vouch(
        &["add", "github", "--username", "alice"],
        "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
    );
    env.vouch(&["lock"], "");
    let before = env.store_bytes().unwrap();
    for args in [&["unlock"][..], &["passwd"]] {
        let err = assert_fails(&env.helper(args, b"not it\nnew one\n"), 5);
        assert!(err.contains("wrong passphrase"), "{err}");
        assert_eq!(
            env.store_bytes().unwrap(),
            before,
            "{args:?} changed the store"
        );
    }
    env.vouch(&["passwd"], &format!("{PASS}\nnew passphrase\n"));
    assert_fails(&env.helper(&["unlock"], format!("{PASS}\n").as_bytes()), 5);
    env.vouch(&["unlock"], "new passphrase\n");
    let list = env.list_json();
    assert_eq!(list["credentials"].as_array().unwrap().len(), 1, "{list}");
}

/// Set the Argon2 memory cost (KiB) in a store's header and fix the header checksum, as a
/// crafted file would: `fixed [27] | source u8 | len u16 | version u8 | m_cost u32 | ...`, and
/// after the wrapped key the v2 layout (generation [16] | bucket count u32), then the check.
fn craft_memory_cost(env: &Env, m_kib: u32) {
    let mut bytes = env.store_bytes().unwrap();
    assert_eq!(bytes[8..10], [0, 2], "format version 2");
    assert_eq!(bytes[27], 3, "passphrase source byte");
    let len = u16::from_be_bytes([bytes[28], bytes[29]]) as usize;
    bytes[31..35].copy_from_slice(&m_kib.to_be_bytes());
    let end = 30 + len + 20;
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes[..end]);
    bytes[end..end + 8].copy_from_slice(&digest.as_ref()[..8]);
    std::fs::write(env.store_path(), bytes).unwrap();
}

#[test]
fn absurd_argon2_parameters_are_refused_as_damage_and_smaller_ones_fail_authentication() {
    let env = passphrase_store();
    craft_memory_cost(&env, u32::MAX);
    let err = assert_fails(&env.helper(&["unlock"], format!("{PASS}\n").as_bytes()), 6);
    assert!(err.contains("out of range"), "{err}");
    // In range but not what was written: the wrap's AAD covers the parameters.
    craft_memory_cost(&env, 1024);
    assert_fails(&env.helper(&["unlock"], format!("{PASS}\n").as_bytes()), 5);
}

#[test]
fn keyring_key_is_cached_after_one_secret_service_read_until_lock_or_expiry() {
    assert_own_session_keyring();
    let env = Env::new();
    assert_ok(
        &in_session(&env, true, &[HELPER, "init", "--key", "keyring"], b""),
        "init --key keyring",
    );
    assert_ok(
        &in_session(&env, true, &[HELPER, "store"], CRED.as_bytes()),
        "store",
    );
    // Outside any D-Bus session the Secret Service is unreachable: only the cache answers.
    let out = get(&env);
    assert_ok(&out, "warm get without a Secret Service");
    assert_eq!(fields(&out.stdout)["password"], "tok-s3cret-123");
    env.vouch(&["lock"], "");
    assert_fails(&get(&env), 5);

    env.write_config("key_cache = \"2s\"\n");
    assert_ok(
        &in_session(&env, true, &[HELPER, "get"], QUERY.as_bytes()),
        "refill",
    );
    assert_ok(&get(&env), "cached for 2s");
    std::thread::sleep(std::time::Duration::from_millis(3500));
    assert_fails(&get(&env), 5);

    env.write_config("key_cache = \"off\"\n");
    assert_ok(
        &in_session(&env, true, &[HELPER, "get"], QUERY.as_bytes()),
        "uncached get",
    );
    assert_fails(&get(&env), 5);
    assert_eq!(env.files_containing("tok-s3cret-123"), Vec::<String>::new());
}

#[test]
fn rekey_round_trips_keyring_file_passphrase_keyring_with_every_credential() {
    assert_own_session_keyring();
    let env = Env::new();
    let vouch = |args: &[&str], stdin: &str| {
        let mut argv = vec![HELPER];
        argv.extend_from_slice(args);
        let out = in_session(&env, true, &argv, stdin.as_bytes());
        assert_ok(&out, &format!("{args:?}"));
        stdout(&out)
    };
    vouch(&["init", "--key", "keyring"], "");
    vouch(&["store"], CRED);
    for (to, stdin) in [
        ("file", ""),
        ("passphrase", "pw one\n"),
        ("keyring", "pw one\n"),
    ] {
        vouch(&["lock"], "");
        let out = vouch(&["rekey", "--key", to], stdin);
        assert!(out.contains(&format!("to {to}")), "{out}");
        assert!(vouch(&["status"], "").contains(&format!("key source: {to}")));
        if to == "passphrase" {
            assert_locked(&get(&env));
            vouch(&["unlock"], "pw one\n");
        }
        let out = in_session(&env, true, &[HELPER, "get"], QUERY.as_bytes());
        assert_eq!(
            fields(&out.stdout)["password"],
            "tok-s3cret-123",
            "after rekey to {to}"
        );
    }
    assert!(!env.key_path().exists(), "the key file outlived its source");
}
