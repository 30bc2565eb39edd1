//! The keyring key source against a real Secret Service: gnome-keyring-daemon inside its own
//! `dbus-run-session`, with the test HOME's login keyring unlocked by a test password.

use std::process::Output;

use crate::common::*;

const PASSWORD: &str = "vouch-test-keyring-password";

fn require_tools() {
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).exists()))
            .unwrap_or(false);
        assert!(
            found,
            "{tool} not found: install dbus and gnome-keyring (see README's test command)"
        );
    }
}

/// Run `argv` inside a fresh session bus with gnome-keyring started, unlocked when `unlock`.
/// The daemons' own chatter goes to /dev/null; the command's stdout/stderr come back.
pub(crate) fn in_session(env: &Env, unlock: bool, argv: &[&str], stdin: &[u8]) -> Output {
    require_tools();
    let start = if unlock {
        format!("printf %s '{PASSWORD}' | gnome-keyring-daemon --unlock --components=secrets")
    } else {
        "gnome-keyring-daemon --start --components=secrets".to_owned()
    };
    let script = format!(
        "exec 3>&2 2>/dev/null; exec dbus-run-session -- bash -c '{start} >/dev/null 2>&1 3>&-; exec \"$@\" 2>&3 3>&-' bash \"$@\""
    );
    let mut cmd = env.command("bash");
    cmd.args(["-c", &script, "bash"]).args(argv);
    run(&mut cmd, stdin)
}

fn git_in_session(env: &Env, action: &str, stdin: &str) -> Output {
    let helper = format!("credential.helper={HELPER}");
    in_session(
        env,
        true,
        &["git", "-c", &helper, "credential", action],
        stdin.as_bytes(),
    )
}

const CRED: &str = "protocol=https\nhost=example.com\nusername=alice\npassword=keyring-pw\n";
const QUERY: &str = "protocol=https\nhost=example.com\n";

#[test]
fn first_store_chooses_the_keyring_and_survives_a_session_restart() {
    let env = Env::new();
    assert_ok(&git_in_session(&env, "approve", CRED), "approve in session");
    assert!(
        !env.key_path().exists(),
        "a key file was written although a keyring answered"
    );
    let init = in_session(&env, true, &[HELPER, "init"], b"");
    assert_ok(&init, "init");
    assert!(
        stdout(&init).contains("key source keyring"),
        "{}",
        stdout(&init)
    );

    // A new session: new bus, new daemon, same keyring files on disk.
    let fill = git_in_session(&env, "fill", QUERY);
    assert_ok(&fill, "fill in a new session");
    assert_eq!(
        fields(&fill.stdout).get("password").map(String::as_str),
        Some("keyring-pw")
    );

    // No bus at all: the key read in the session above is still in the kernel cache, so get
    // answers; once `lock` drops it, the key cannot be reached and nothing changes.
    let out = env.helper(&["get"], QUERY.as_bytes());
    assert_ok(&out, "get from the kernel cache without a bus");
    assert_eq!(fields(&out.stdout)["password"], "keyring-pw");
    assert_ok(&env.helper(&["lock"], b""), "lock");
    let before = env.store_bytes().unwrap();
    let err = assert_fails(&env.helper(&["get"], QUERY.as_bytes()), 5);
    assert!(err.contains("keyring"), "{err}");
    assert_fails(&env.helper(&["store"], CRED.as_bytes()), 5);
    assert_eq!(env.store_bytes().unwrap(), before);
}

#[test]
fn a_locked_keyring_is_key_unavailable() {
    let env = Env::new();
    assert_ok(&git_in_session(&env, "approve", CRED), "approve in session");
    let before = env.store_bytes().unwrap();
    let out = in_session(&env, false, &[HELPER, "get"], QUERY.as_bytes());
    let err = assert_fails(&out, 5);
    assert!(err.contains("locked"), "{err}");
    assert_eq!(env.store_bytes().unwrap(), before);
}

#[test]
fn init_with_keyring_then_rekey_to_file_and_back() {
    let env = Env::new();
    let init = in_session(&env, true, &[HELPER, "init", "--key", "keyring"], b"");
    assert_ok(&init, "init --key keyring");
    assert!(
        stdout(&init).starts_with("initialized:"),
        "{}",
        stdout(&init)
    );
    assert_ok(&git_in_session(&env, "approve", CRED), "approve");
    let body_before = env.store_bytes().unwrap();

    let rekey = in_session(&env, true, &[HELPER, "rekey", "--key", "file"], b"");
    assert_ok(&rekey, "rekey to file");
    assert!(
        stdout(&rekey).contains("from keyring to file"),
        "{}",
        stdout(&rekey)
    );
    // The encrypted entries are carried over byte for byte: only the header changed.
    let after = env.store_bytes().unwrap();
    let tail = 12 + 16 + 40; // nonce, tag and more: the ciphertext's end is identical
    assert_eq!(
        after[after.len() - tail..],
        body_before[body_before.len() - tail..]
    );
    // Now no keyring is needed.
    let out = env.helper(&["get"], QUERY.as_bytes());
    assert_ok(&out, "get with key file");
    assert!(stdout(&out).contains("password=keyring-pw"));

    assert_ok(
        &in_session(&env, true, &[HELPER, "rekey", "--key", "keyring"], b""),
        "rekey back",
    );
    assert_fails(&env.helper(&["get"], QUERY.as_bytes()), 5);
    let out = in_session(&env, true, &[HELPER, "get"], QUERY.as_bytes());
    assert!(stdout(&out).contains("password=keyring-pw"));
}

#[test]
fn init_keyring_without_a_keyring_fails_with_5() {
    let env = Env::new();
    let err = assert_fails(&env.helper(&["init", "--key", "keyring"], b""), 5);
    assert!(err.contains("D-Bus") || err.contains("keyring"), "{err}");
    assert!(env.store_bytes().is_none());
}

#[test]
fn doctor_reports_a_locked_keyring_as_a_failing_key() {
    let env = Env::new();
    assert_ok(&git_in_session(&env, "approve", CRED), "approve in session");
    let out = in_session(&env, false, &[HELPER, "doctor", "--json"], b"");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let key = doctor_check(&out, "key");
    assert_eq!(key["level"], "fail");
    assert!(key["message"].as_str().unwrap().contains("locked"), "{key}");
    // Unlocked, the same store is healthy.
    let out = in_session(&env, true, &[HELPER, "doctor", "--json"], b"");
    let key = doctor_check(&out, "key");
    assert_eq!(key["level"], "ok", "{key}");
}
