//! OAuth login, refresh and login on demand against a loopback OAuth server built on Authlib's
//! RFC 6749/7636/8628 server classes (tests/it/oauth_server.py, installed by tests/run.sh into
//! target/test-venv). The browser is a script that follows the redirect with curl.

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::common::*;
use crate::oauth_harness::*;

fn credential(env: &Env, id: &str) -> Value {
    env.list_json()["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

fn last(server: &OAuthServer, what: &str) -> String {
    server.stats()[what]
        .as_array()
        .unwrap()
        .last()
        .and_then(Value::as_str)
        .expect("a token was issued")
        .to_owned()
}

const GITLAB_URL: &str = "url=https://gitlab.test/g/p.git\n";

#[test]
fn browser_login_files_the_account_and_logging_in_again_replaces_the_token() {
    let server = OAuthServer::start(&[]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    let id = login_ok(&env, &["corp", "--browser"]);
    let token = last(&server, "access");
    let refresh = last(&server, "refresh");
    let a = env.fill(GITLAB_URL);
    assert_eq!(get(&a, "username"), Some("oauth2"));
    assert_eq!(get(&a, "password"), Some(token.as_str()));
    assert_eq!(
        get(&a, "oauth_refresh_token"),
        None,
        "vouch keeps the refresh token"
    );
    let c = credential(&env, &id);
    assert_eq!(c["origin"], "login");
    assert_eq!(c["account"], "alice@example.com");
    assert_eq!(c["token_kind"], "oauth2");
    assert!(c["expires"].as_i64().unwrap() > unix_now() + 7000);
    for secret in [&token, &refresh] {
        assert!(
            env.files_containing(secret).is_empty(),
            "a token in plaintext"
        );
    }
    // Again, to the same account: the same ID, a new token.
    assert_eq!(
        login_ok(&env, &["corp", "--browser", "--username", "alice"]),
        id
    );
    assert_eq!(env.list_json()["credentials"].as_array().unwrap().len(), 1);
    let newer = last(&server, "access");
    assert_ne!(newer, token);
    assert_eq!(get(&env.fill(GITLAB_URL), "password"), Some(newer.as_str()));
    // As someone else: refused, nothing stored.
    let out = login(&env, &["corp", "--browser", "--username", "bob"]);
    assert!(login_fails(&out, 2).contains("not bob"));
    assert_eq!(server.issued(CODE_GRANT), 3);
}

#[test]
fn device_login_obeys_slow_down_and_each_kind_sends_its_username() {
    let server = OAuthServer::start(&["--slow-down", "1"]);
    let env = Env::new();
    let config = [
        server.config("gh", "github-enterprise", "github.test", "public-app"),
        server.config("tea", "gitea", "gitea.test", "public-app"),
        server.config("bb", "bitbucket-cloud", "bitbucket.test", "public-app"),
    ]
    .join("\n");
    env.write_config(&config);
    for (instance, host, username, device) in [
        ("gh", "github.test", "oauth2", true),
        ("tea", "gitea.test", "oauth2", true),
        ("bb", "bitbucket.test", "x-token-auth", false),
    ] {
        if device {
            let started = std::time::Instant::now();
            let out = device_login(&env, &server, instance, true);
            assert!(out.status.success(), "{instance}: {}", stderr(&out));
            // interval 1 s, then slow_down: 5 s more.
            assert!(started.elapsed().as_secs() >= 6, "slow_down was not obeyed");
        } else {
            let out = login(&env, &[instance, "--device"]);
            assert!(login_fails(&out, 2).contains("no device login"));
            login_ok(&env, &[instance]);
        }
        let a = env.fill(&format!("url=https://{host}/o/r.git\n"));
        assert_eq!(get(&a, "username"), Some(username), "{instance}");
        assert_eq!(get(&a, "password"), Some(last(&server, "access").as_str()));
    }
    assert_eq!(server.issued(DEVICE_GRANT), 2);
    let errors = &server.stats()["errors"];
    assert_eq!(errors[format!("{DEVICE_GRANT}:slow_down")], 2, "{errors}");
    // Denied: no token.
    let out = device_login(&env, &server, "gh", false);
    assert!(login_fails(&out, 1).contains("access denied"));
}

/// Run `login NAME --device`, read the user code from stderr and approve (or deny) it.
fn device_login(env: &Env, server: &OAuthServer, instance: &str, allow: bool) -> Output {
    let mut child = env
        .command(HELPER)
        .args(["login", instance, "--device"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let code = line
        .split("enter the code ")
        .nth(1)
        .unwrap_or_else(|| panic!("no user code in {line:?}"))
        .trim()
        .to_owned();
    assert!(line.contains(&server.url("/oauth/device")), "{line}");
    // After the first poll (at 1 s), which the server may answer with slow_down.
    std::thread::sleep(std::time::Duration::from_millis(2000));
    server.approve(&code, allow);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stderr = rest.into_bytes();
    out
}

#[test]
fn expiry_refreshes_once_for_eight_parallel_gets_then_with_the_rotated_token() {
    let server = OAuthServer::start(&["--expires-in", "3"]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    login_ok(&env, &["corp"]);
    let first = last(&server, "access");
    assert_eq!(get(&env.fill(GITLAB_URL), "password"), Some(first.as_str()));
    assert_eq!(
        server.issued(REFRESH_GRANT),
        0,
        "no network while the token is fresh"
    );
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let answers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| get(&env.fill(GITLAB_URL), "password").map(str::to_owned)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(server.issued(REFRESH_GRANT), 1, "exactly one refresh");
    let second = last(&server, "access");
    assert_ne!(second, first);
    assert!(
        answers
            .iter()
            .all(|a| a.as_deref() == Some(second.as_str())),
        "{answers:?}"
    );
    // The server revoked the first refresh token: the second refresh must use the new one.
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let third = env.fill(GITLAB_URL);
    assert_eq!(server.issued(REFRESH_GRANT), 2);
    assert_eq!(
        get(&third, "password"),
        Some(last(&server, "access").as_str())
    );
    assert_eq!(server.stats()["errors"], serde_json::json!({}));
}

#[test]
fn a_failed_refresh_answers_nothing_keeps_the_entry_and_says_login() {
    let server = OAuthServer::start(&["--expires-in", "2"]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    let id = login_ok(&env, &["corp"]);
    // The grant refused (a server that is down is retried instead: hostile_oauth).
    server.revoke_refresh_tokens();
    std::thread::sleep(std::time::Duration::from_millis(3200));
    let out = env.helper(&["get"], b"protocol=https\nhost=gitlab.test\n\n");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("git credential-vouch login corp"), "{err}");
    let c = credential(&env, &id);
    assert!(c["refresh_failed"].is_i64(), "{c}");
    // Marked: no second attempt, still one line saying what to do.
    let out = env.helper(&["get"], b"protocol=https\nhost=gitlab.test\n\n");
    assert!(
        out.stdout.is_empty() && stderr(&out).contains("login corp"),
        "{} {}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn a_confidential_client_logs_in_with_its_secret_which_stays_encrypted() {
    let server = OAuthServer::start(&[]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "secret-app"));
    // Without its secret the server refuses the client.
    let out = login(&env, &["corp", "--browser"]);
    assert!(login_fails(&out, 1).contains("invalid_client"));
    env.vouch(
        &["instance", "update", "corp", "--oauth-client-secret-stdin"],
        "client-secret-3f9a7c\n",
    );
    login_ok(&env, &["corp", "--browser"]);
    assert!(env.fill(GITLAB_URL).is_some());
    for secret in [
        "client-secret-3f9a7c",
        &last(&server, "access"),
        &last(&server, "refresh"),
    ] {
        assert!(
            env.files_containing(secret).is_empty(),
            "{secret} in plaintext"
        );
    }
}

#[test]
fn clearing_the_oauth_client_deletes_login_tokens() {
    let server = OAuthServer::start(&[]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    login_ok(&env, &["corp"]);
    env.add(
        &["corp", "--email", "a@corp.example"],
        "glpat-kept000000000000",
    );
    let out = env.vouch(&["instance", "update", "corp", "--oauth-client-id", ""], "");
    assert!(
        out.contains("deleted 1 token(s) obtained with login"),
        "{out}"
    );
    let left = env.list_json()["credentials"].as_array().unwrap().clone();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["origin"], "add");
}

#[test]
fn plain_http_issuer_is_refused() {
    let env = Env::new();
    env.write_config(
        "[[provider]]\nname = \"corp\"\nkind = \"gitlab\"\nhosts = [\"gitlab.test\"]\nissuer_url = \"http://sso.corp\"\noauth_client_id = \"x\"\n",
    );
    let err = assert_fails(&login(&env, &["corp"]), 2);
    assert!(
        err.contains("issuer_url") && err.contains("plain http"),
        "{err}"
    );
}

#[test]
fn login_on_demand_with_a_browser_and_never_without_a_person() {
    let server = OAuthServer::start(&[]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    // GIT_TERMINAL_PROMPT=0 (as Env sets it): nothing, at once, no request.
    assert_eq!(env.fill(GITLAB_URL), None);
    // No browser and no terminal (a new session has none): nothing either.
    let mut cmd = env.command("setsid");
    cmd.env_remove("GIT_TERMINAL_PROMPT")
        .arg("git")
        .arg("-c")
        .arg(format!("credential.helper={HELPER}"))
        .args(["credential", "fill"]);
    let out = run(&mut cmd, GITLAB_URL.as_bytes());
    assert!(!out.status.success());
    assert_eq!(server.issued(CODE_GRANT), 0);
    // A browser: log in and answer.
    let mut cmd = env.command("git");
    cmd.env_remove("GIT_TERMINAL_PROMPT")
        .env("BROWSER", browser(&env))
        .env("VOUCH_LOGIN_TIMEOUT", "20")
        .arg("-c")
        .arg(format!("credential.helper={HELPER}"))
        .args(["credential", "fill"]);
    let out = run(&mut cmd, GITLAB_URL.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let a = Some(fields(&out.stdout));
    assert_eq!(get(&a, "username"), Some("oauth2"));
    assert_eq!(get(&a, "password"), Some(last(&server, "access").as_str()));
    assert_eq!(server.issued(CODE_GRANT), 1);
    assert_eq!(env.list_json()["credentials"][0]["origin"], "login");
}
