//! Item 7: `--expires` takes 30d, 12w, a date, or never, on add, update, rotate and
//! rotate --at-provider.

use super::show;
use crate::common::*;
use crate::provider_harness::ProviderServer;

const DAY: i64 = 86_400;

/// The stored expiry, checked to lie `days` ahead of now (within the test's run time).
fn assert_days_ahead(json: &serde_json::Value, days: i64) {
    let expires = json["expires"]
        .as_i64()
        .unwrap_or_else(|| panic!("no expiry: {json}"));
    let ahead = expires - unix_now();
    assert!(
        (days * DAY - 120..=days * DAY).contains(&ahead),
        "{ahead} s ahead, not {days} days: {json}"
    );
}

#[test]
fn durations_dates_and_never_on_add_update_and_rotate() {
    let env = Env::new();
    let id = env.add(
        &["github", "--username", "alice", "--expires", "30d"],
        "ghp_thirtydays",
    );
    assert_days_ahead(&show(&env, &id), 30);
    env.vouch(&["update", &id, "--expires", "12w"], "");
    assert_days_ahead(&show(&env, &id), 84);
    env.vouch(&["update", &id, "--expires", "never"], "");
    assert_eq!(show(&env, &id)["expires"], serde_json::Value::Null);
    env.vouch(&["update", &id, "--expires", "2031-02-03"], "");
    assert_eq!(show(&env, &id)["expires_at"], "2031-02-03T00:00:00Z");
    env.vouch(&["rotate", &id, "--expires", "7d"], "ghp_rotated\n");
    assert_days_ahead(&show(&env, &id), 7);
    env.vouch(&["rotate", &id, "--expires", "never"], "ghp_rotatedagain\n");
    assert_eq!(show(&env, &id)["expires"], serde_json::Value::Null);

    let never = env.add(
        &["gitlab", "--email", "a@corp.example", "--expires", "never"],
        "glpat-never",
    );
    assert_eq!(show(&env, &never)["expires"], serde_json::Value::Null);
    let unix = env.add(
        &["codeberg", "--username", "carol", "--expires", "1900000000"],
        "tea-unix",
    );
    assert_eq!(show(&env, &unix)["expires"], 1_900_000_000);

    // A bad form names the accepted ones; nothing changes.
    for args in [
        vec!["update", id.as_str(), "--expires", "soon"],
        vec!["update", id.as_str(), "--expires", "0d"],
    ] {
        let err = assert_fails(&env.helper(&args, b""), 2);
        assert!(
            err.contains("expires: ") && err.contains("30d") && err.contains("never"),
            "{err}"
        );
    }
    assert_eq!(show(&env, &id)["expires"], serde_json::Value::Null);
}

#[test]
fn rotate_at_provider_takes_a_duration_and_refuses_never() {
    let server = ProviderServer::start();
    let env = super::with_server(&server);
    let old = "glpat-rotatemeplease0001";
    server.add_token("gitlab", old, "alice", &["api"], None);
    let id = env.add(&["corp", "--email", "alice@corp.test"], old);
    let err = assert_fails(
        &env.helper(&["rotate", &id, "--at-provider", "--expires", "never"], b""),
        2,
    );
    assert!(err.contains("expires: "), "{err}");
    assert!(
        server.is_active(old),
        "a refused rotation reached the provider"
    );
    let out = env.helper(&["rotate", &id, "--at-provider", "--expires", "10d"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = crate::provider_wire::day(10);
    assert_eq!(
        show(&env, &id)["expires_at"],
        format!("{expected}T00:00:00Z"),
        "GitLab was asked for 10 days ahead"
    );
}
