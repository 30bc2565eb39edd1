//! `doctor` on a healthy setup, on broken ones, and its warnings about the helper chain and
//! tokens that expire.

use crate::common::*;

#[test]
fn doctor_on_a_healthy_setup() {
    let env = Env::new();
    env.vouch(&["init", "--key", "file"], "");
    env.vouch(&["configure"], "");
    env.add(&["github", "--username", "alice"], "ghp_x");
    let out = env.helper(&["doctor"], b"");
    assert_ok(&out, "doctor");
    let text = stdout(&out);
    assert!(!text.contains("FAIL"), "{text}");
    for check in [
        "git ",
        "git config",
        "key ",
        "store",
        "config",
        "expired",
        "plaintext",
    ] {
        assert!(text.contains(check), "no {check} line: {text}");
    }
    let store = doctor_check(&env.helper(&["doctor", "--json"], b""), "store");
    assert_eq!(store["level"], "ok");
    assert!(
        store["message"].as_str().unwrap().contains("1 entries"),
        "{store}"
    );
}

fn doctor_fails_with(env: &Env, check: &str, needle: &str) {
    let out = env.helper(&["doctor", "--json"], b"");
    assert_eq!(
        out.status.code(),
        Some(1),
        "doctor must exit 1: {}",
        stdout(&out)
    );
    let failed: Vec<serde_json::Value> = doctor_checks(&out)
        .into_iter()
        .filter(|c| c["level"] == "fail")
        .collect();
    assert!(
        failed
            .iter()
            .any(|c| c["check"] == check && c["message"].as_str().unwrap().contains(needle)),
        "no failing {check} check mentioning {needle}: {failed:?}"
    );
}

#[test]
fn doctor_on_broken_setups() {
    // The key cannot be reached.
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_x");
    std::fs::remove_file(env.key_path()).unwrap();
    doctor_fails_with(&env, "key", "missing");

    // A bad config file.
    let env = Env::new();
    env.write_config("[[provider]]\nname = 1\n");
    doctor_fails_with(&env, "config", "line");

    // A world-readable store.
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_x");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(env.store_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    doctor_fails_with(&env, "store", "readable by others");

    // git not configured to use vouch.
    let env = Env::new();
    doctor_fails_with(&env, "git config", "configure");

    // Plaintext credentials are reported.
    let env = Env::new();
    std::fs::write(
        env.path("home/.git-credentials"),
        "https://a:b@example.com\n",
    )
    .unwrap();
    let out = env.helper(&["doctor"], b"");
    assert!(stdout(&out).contains("1 in"), "{}", stdout(&out));
}

#[test]
fn doctor_warns_about_helpers_first_and_expiring_tokens() {
    let env = Env::new();
    std::fs::write(
        env.path("home/.gitconfig"),
        format!("[credential]\n\thelper = cache\n\thelper = {HELPER}\n"),
    )
    .unwrap();
    let expired = env.add(
        &["github", "--username", "old", "--expires", "2001-01-01"],
        "ghp_old",
    );
    let soon = (unix_now() + 3 * 86_400).to_string();
    let expiring = env.add(
        &["github", "--username", "soon", "--expires", &soon],
        "ghp_soon",
    );
    let out = env.helper(&["doctor", "--json"], b"");
    let chain = doctor_check(&out, "git config");
    assert_eq!(chain["level"], "warn");
    assert!(
        chain["message"].as_str().unwrap().contains("cache"),
        "{chain}"
    );
    let e = doctor_check(&out, "expired");
    assert_eq!(e["level"], "warn");
    assert!(e["message"].as_str().unwrap().contains(&expired), "{e}");
    let s = doctor_check(&out, "expiring");
    assert_eq!(s["level"], "warn");
    assert!(s["message"].as_str().unwrap().contains(&expiring), "{s}");
}
