//! Rotations and verifies against a provider that misbehaves, and a store that cannot be written:
//! no store lock held while the provider answers, an answer without a usable token, an
//! unreadable expiry, the new token kept in the rescue file.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::faults::Tmpfs;
use crate::provider_harness::ProviderServer;
use crate::provider_lifecycle::{GITLAB_URL, setup};
use crate::provider_wire::day;

const OLD: &str = "glpat-oldoldoldoldoldold02";

fn one_gitlab_token(server: &ProviderServer) -> (Env, String) {
    let env = setup(server);
    server.add_token("gitlab", OLD, "alice", &["api"], Some(&day(3)));
    let id = env.add(&["corp", "--email", "alice@corp.test"], OLD);
    (env, id)
}

#[test]
fn no_store_lock_is_held_while_the_provider_answers_a_rotation() {
    let server = ProviderServer::start();
    let (env, id) = one_gitlab_token(&server);
    server.delay_next("gitlab_rotate", 4.0);
    let rotation = env
        .command(HELPER)
        .args(["rotate", &id, "--at-provider"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.calls("gitlab_rotate") == 0 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        server.calls("gitlab_rotate"),
        1,
        "the rotation was not sent"
    );
    // git's `store` after a fetch elsewhere writes the store: it must not wait for GitLab.
    let writing = Instant::now();
    env.approve("protocol=https\nhost=elsewhere.example\nusername=u\npassword=p\n");
    assert!(
        writing.elapsed() < Duration::from_secs(2),
        "a store write waited {:?} for the provider",
        writing.elapsed()
    );
    let out = rotation.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let active = server.active_tokens("gitlab");
    assert_eq!(
        get(&env.fill(GITLAB_URL), "password"),
        Some(active[0].as_str())
    );
    assert_eq!(
        get(
            &env.fill("protocol=https\nhost=elsewhere.example\n"),
            "password"
        ),
        Some("p")
    );
}

#[test]
fn a_2xx_rotation_answer_without_a_usable_token_is_the_lost_answer_case() {
    for body in [
        r#"{"active": true}"#,
        r#"{"token": "glpat-new\u0000tail"}"#,
        "<html>ok</html>",
    ] {
        let server = ProviderServer::start();
        let (env, id) = one_gitlab_token(&server);
        server.garble_next("gitlab_rotate", body);
        let out = env.helper(&["rotate", &id, "--at-provider"], b"");
        assert!(!out.status.success(), "{body}");
        let err = stderr(&out);
        assert!(
            err.contains("not retried") && err.contains("probably dead"),
            "{body}: {err}"
        );
        assert!(!err.contains("nothing changed"), "{body}: {err}");
        assert_eq!(server.calls("gitlab_rotate"), 1, "retried");
        assert!(!server.is_active(OLD), "the server did rotate");
    }
}

#[test]
fn an_unreadable_expiry_in_a_verify_answer_keeps_the_known_one_and_warns() {
    let server = ProviderServer::start();
    let (env, id) = one_gitlab_token(&server);
    let expiry = |env: &Env| env.list_json()["credentials"][0]["expires"].clone();
    let before = {
        let out = env.helper(&["verify", &id], b"");
        assert!(out.status.success(), "{}", stderr(&out));
        expiry(&env)
    };
    assert!(before.is_i64(), "GitLab stated an expiry: {before}");
    for garbage in ["not-a-date", "99999999999999999999", "2026-13-45"] {
        server.garble_next(
            "gitlab_self_get",
            &format!(r#"{{"active": true, "scopes": ["api"], "expires_at": "{garbage}"}}"#),
        );
        let out = env.helper(&["verify", &id], b"");
        assert!(
            stderr(&out).contains("cannot read"),
            "{garbage}: {}",
            stderr(&out)
        );
        assert_eq!(expiry(&env), before, "{garbage}: the expiry was lost");
    }
}

/// Fill the tmpfs at `dir` until only about `room` bytes are left.
fn fill_leaving(dir: &std::path::Path, room: usize) {
    let mut n = 0;
    while std::fs::write(dir.join(format!("filler-{n}")), vec![0u8; 4096]).is_ok() {
        n += 1;
    }
    let _ = std::fs::remove_file(dir.join(format!("filler-{n}")));
    for i in (0..n).rev().take(room / 4096) {
        std::fs::remove_file(dir.join(format!("filler-{i}"))).unwrap();
    }
}

#[test]
fn a_rotation_whose_store_write_fails_keeps_the_new_token_for_the_next_run() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let Some(_fs) = Tmpfs::mount(&env.path("data"), "512k") else {
        return;
    };
    server.add_token("gitlab", OLD, "alice", &["api"], Some(&day(3)));
    let id = env.add(&["corp", "--email", "alice@corp.test"], OLD);
    // A store much larger than the room left: its rewrite fails, the rescue file fits.
    let big = "x".repeat(60_000);
    env.approve(&format!(
        "protocol=https\nhost=big.example\nusername=u\npassword={big}\n"
    ));
    let data = env.path("data");
    fill_leaving(&data, 16 * 1024);
    let out = env.helper(&["rotate", &id, "--at-provider"], b"");
    assert!(!out.status.success(), "the store write should have failed");
    let err = stderr(&out);
    let rescue = env.path("data/git-credential-vouch/rotation-rescue.vouch");
    assert!(rescue.exists(), "no rescue file: {err}");
    assert!(
        err.contains("kept encrypted in") && err.contains("rotation-rescue.vouch"),
        "{err}"
    );
    let active = server.active_tokens("gitlab");
    assert_eq!(active.len(), 1);
    let new = active[0].clone();
    assert_ne!(new, OLD);
    assert!(!err.contains(&new), "the token was printed");
    assert_eq!(
        env.files_containing(&new),
        Vec::<String>::new(),
        "plaintext"
    );
    let doctor = env.helper(&["doctor", "--json"], b"");
    assert_eq!(doctor_check(&doctor, "rescue")["level"], "warn");
    // Room again: the next verify files it.
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("filler-") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    let out = env.helper(&["verify", &id], b"");
    assert!(out.status.success(), "verify: {}", stderr(&out));
    assert!(stderr(&out).contains("filed the token"), "{}", stderr(&out));
    let shown: serde_json::Value =
        serde_json::from_str(&env.vouch(&["show", &id, "--json"], "")).unwrap();
    assert_eq!(
        shown["status"], "ok",
        "the new token was checked, not the dead one"
    );
    assert!(!rescue.exists());
    assert_eq!(get(&env.fill(GITLAB_URL), "password"), Some(new.as_str()));
}
