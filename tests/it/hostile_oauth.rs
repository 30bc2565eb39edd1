//! Hostile OAuth servers, a hostile local process at the browser login's listener, proxies and
//! bad network days (issue 26: items 1, 2, 3, 6, 7, 8, 12, 13).

mod listener;
mod network;

use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::common::*;
use crate::oauth_harness::*;

const GITLAB_URL: &str = "url=https://gitlab.test/g/p.git\n";
const GET: &[u8] = b"protocol=https\nhost=gitlab.test\n\n";
/// Text in every hostile token below: it must never reach stderr or stdout.
const EVIL: &str = "EVILTOKEN";

/// A server and a HOME whose instance `corp` logs in there.
fn setup(server_args: &[&str]) -> (OAuthServer, Env) {
    let server = OAuthServer::start(server_args);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    (server, env)
}

fn token_json(access: &str, token_type: &str, expires_in: &str) -> String {
    format!(
        r#"{{"access_token":"{access}","token_type":"{token_type}","expires_in":{expires_in},"refresh_token":"rt-{EVIL}-unused"}}"#
    )
}

fn credential(env: &Env) -> Value {
    let list = env.list_json();
    let all = list["credentials"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{list}");
    all[0].clone()
}

fn password(out: &Output) -> Option<String> {
    fields(&out.stdout).get("password").cloned()
}

/// `get` that answers `token`.
fn answers(env: &Env, token: &str) {
    let out = env.helper(&["get"], GET);
    assert_eq!(password(&out).as_deref(), Some(token), "{}", stderr(&out));
}

/// `get` that answers nothing and says why in one stderr line, which is returned.
fn get_nothing(env: &Env) -> String {
    let out = env.helper(&["get"], GET);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "answered {}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains(EVIL), "a hostile token on stderr: {err}");
    err
}

/// Tokens with a line break, CR or NUL, an empty token, a token type other than Bearer and a
/// lifetime below one second: each refused at login, naming the field and never the value;
/// the token filed before stays.
#[test]
fn unusable_login_answers_are_refused_naming_the_field() {
    let (server, env) = setup(&[]);
    login_ok(&env, &["corp", "--browser"]);
    let first = password(&env.helper(&["get"], GET)).expect("the first token");
    let line_breaks = [
        (
            token_json(&format!("{EVIL}\\nX"), "bearer", "3600"),
            "access_token",
        ),
        (
            token_json(&format!("{EVIL}\\rX"), "bearer", "3600"),
            "access_token",
        ),
        (
            token_json(&format!("{EVIL}\\u0000X"), "bearer", "3600"),
            "access_token",
        ),
        (
            format!(
                r#"{{"access_token":"gho_fine","token_type":"Bearer","refresh_token":"{EVIL}\nX"}}"#
            ),
            "refresh_token",
        ),
    ];
    let unusable = [
        (token_json("", "bearer", "3600"), "access_token"),
        (token_json("gho_fine", "mac", "3600"), "token_type"),
        (
            r#"{"access_token":"gho_fine","expires_in":3600}"#.to_owned(),
            "token_type",
        ),
        (token_json("gho_fine", "Bearer", "-5"), "expires_in"),
        (token_json("gho_fine", "Bearer", "0"), "expires_in"),
    ];
    for (body, field) in line_breaks.iter().chain(&unusable) {
        server.answer(CODE_GRANT, 200, body);
        // --username: the provider's /user does not know the token, and must not be asked.
        let out = login(&env, &["corp", "--browser", "--username", "alice"]);
        let err = login_fails(&out, 1);
        assert!(err.contains(field), "{body}: {err}");
        assert!(!stderr(&out).contains(EVIL), "{body}: {}", stderr(&out));
    }
    let out = env.helper(&["get"], GET);
    assert_eq!(
        password(&out).as_deref(),
        Some(first.as_str()),
        "the old token stays"
    );
    assert!(!stderr(&out).contains(EVIL));
    assert_eq!(credential(&env)["refresh_failed"], Value::Null);
}

/// A refresh answer whose token holds a line break is refused: nothing filed, no value on
/// stderr, the old refresh token kept (the honest server accepts it afterwards).
#[test]
fn a_line_break_in_a_refreshed_token_is_refused_and_never_shown() {
    let (server, env) = setup(&["--expires-in", "2"]);
    login_ok(&env, &["corp"]);
    server.answer(
        REFRESH_GRANT,
        200,
        &token_json(&format!("{EVIL}\\nX"), "Bearer", "3600"),
    );
    std::thread::sleep(Duration::from_millis(3200));
    let err = get_nothing(&env);
    assert!(
        err.contains("access_token") && err.contains("again"),
        "{err}"
    );
    // Again at once: backing off, no second request, still no value shown.
    get_nothing(&env);
    assert_eq!(server.requests(REFRESH_GRANT), 1);
    server.honest(REFRESH_GRANT);
    std::thread::sleep(Duration::from_millis(5200));
    let out = env.helper(&["get"], GET);
    let fresh = password(&out).expect("refreshed with the kept refresh token");
    assert!(!fresh.contains(EVIL) && !stderr(&out).contains(EVIL));
    assert_eq!(server.issued(REFRESH_GRANT), 1);
}

/// RFC 6749 5.1: an empty access token or a token type other than Bearer replaces nothing;
/// "bearer" in any case is Bearer (GitHub answers it in lower case).
#[test]
fn an_empty_token_or_another_token_type_does_not_replace_the_working_one() {
    let (server, env) = setup(&["--expires-in", "2"]);
    login_ok(&env, &["corp"]);
    std::thread::sleep(Duration::from_millis(3200));
    for (body, field) in [
        (token_json("", "Bearer", "3600"), "access_token"),
        (token_json("gho_mac", "mac", "3600"), "token_type"),
    ] {
        server.answer(REFRESH_GRANT, 200, &body);
        let err = get_nothing(&env);
        assert!(err.contains(field), "{err}");
        std::thread::sleep(Duration::from_millis(5200));
    }
    server.answer(
        REFRESH_GRANT,
        200,
        &token_json("gho_lower", "bearer", "3600"),
    );
    answers(&env, "gho_lower");
}

/// `expires_in` near i64::MAX (at login and at refresh) is clamped to a year, never wrapped
/// into an expiry in the past.
#[test]
fn an_absurd_lifetime_is_clamped_to_a_year() {
    let (server, env) = setup(&["--expires-in", "2"]);
    let year = 366 * 24 * 3600;
    let within_a_year = |env: &Env| {
        let expires = credential(env)["expires"].as_i64().unwrap();
        expires > unix_now() + 300 * 24 * 3600 && expires <= unix_now() + year
    };
    server.answer(
        CODE_GRANT,
        200,
        &token_json("gho_forever", "Bearer", &i64::MAX.to_string()),
    );
    login_ok(&env, &["corp", "--browser", "--username", "alice"]);
    assert!(within_a_year(&env));
    answers(&env, "gho_forever");
    server.honest(CODE_GRANT);
    // Logged in honestly (a token of 2 s), then refreshed with absurd lifetimes.
    for lifetime in ["9223372036854775807", "18446744073709551616", "1e300"] {
        let env = Env::new();
        env.write_config(&server.config(
            "corp",
            "gitlab-self-managed",
            "gitlab.test",
            "public-app",
        ));
        login_ok(&env, &["corp", "--browser"]);
        server.answer(
            REFRESH_GRANT,
            200,
            &token_json("gho_refreshed", "Bearer", lifetime),
        );
        std::thread::sleep(Duration::from_millis(3200));
        answers(&env, "gho_refreshed");
        assert!(within_a_year(&env), "{lifetime}");
    }
}

/// A server error is a bad moment, not a dead grant: nothing marked, `list` does not say "log
/// in again", the next gets back off, and a later get refreshes.
#[test]
fn a_server_error_at_refresh_is_retried_later_and_not_marked() {
    let (server, env) = setup(&["--expires-in", "2"]);
    login_ok(&env, &["corp"]);
    server.answer(REFRESH_GRANT, 503, "<html>Service Unavailable</html>");
    std::thread::sleep(Duration::from_millis(3200));
    let err = get_nothing(&env);
    assert!(err.contains("503") && err.contains("again"), "{err}");
    assert!(!err.contains("login corp"), "{err}");
    assert_eq!(credential(&env)["refresh_failed"], Value::Null);
    let list = env.vouch(&["list"], "");
    assert!(!list.contains("refresh failed"), "{list}");
    // Within the backoff: no request, one line.
    get_nothing(&env);
    assert_eq!(server.requests(REFRESH_GRANT), 1);
    server.honest(REFRESH_GRANT);
    std::thread::sleep(Duration::from_millis(5200));
    let out = env.helper(&["get"], GET);
    assert!(password(&out).is_some(), "{}", stderr(&out));
    assert_eq!(server.issued(REFRESH_GRANT), 1);
}

/// A refresh that reaches no server at all (connection refused) is retried too.
#[test]
fn a_refused_connection_at_refresh_is_not_marked() {
    let (server, env) = setup(&["--expires-in", "2"]);
    login_ok(&env, &["corp"]);
    drop(server);
    std::thread::sleep(Duration::from_millis(3200));
    let err = get_nothing(&env);
    assert!(
        err.contains("again") && !err.contains("login corp"),
        "{err}"
    );
    assert_eq!(credential(&env)["refresh_failed"], Value::Null);
}

/// Parallel gets that find nothing start one login on demand; the others wait for it and
/// answer its token.
#[test]
fn parallel_gets_start_one_login_on_demand() {
    let (server, env) = setup(&[]);
    // A browser that takes its time, so that every get starts while the first login waits.
    let slow = env.path("slow-browser.sh");
    std::fs::write(
        &slow,
        format!("#!/bin/sh\nsleep 2\nexec {} \"$1\"\n", browser(&env)),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    let answers: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let mut cmd = env.command("git");
                    cmd.env_remove("GIT_TERMINAL_PROMPT")
                        .env("BROWSER", &slow)
                        .env("VOUCH_LOGIN_TIMEOUT", "30")
                        .arg("-c")
                        .arg(format!("credential.helper={HELPER}"))
                        .args(["credential", "fill"]);
                    run(&mut cmd, GITLAB_URL.as_bytes())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(server.issued(CODE_GRANT), 1, "one login");
    let token = server.stats()["access"][0].as_str().unwrap().to_owned();
    for out in &answers {
        assert!(out.status.success(), "{}", stderr(out));
        assert_eq!(password(out).as_deref(), Some(token.as_str()));
    }
    assert_eq!(credential(&env)["origin"], "login");
}
