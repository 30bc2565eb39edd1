//! verify, rotate --at-provider, renew and remove --revoke against the loopback provider
//! server (tests/it/provider_server.py), with instances pointed at it through `api_url`, and
//! the real git asking for the credential afterwards. No token value may ever be printed.

use std::process::Output;

use serde_json::Value;

use crate::common::*;
use crate::provider_harness::ProviderServer;
use crate::provider_wire::day;

pub(crate) const GITLAB_URL: &str = "protocol=https\nhost=gitlab.test\npath=group/repo.git\n\n";

pub(crate) fn setup(server: &ProviderServer) -> Env {
    let env = Env::new();
    env.write_config(&format!(
        "[[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"gitlab.test\"]\napi_url = \"{}\"\n\n\
         [[provider]]\nname = \"gh\"\nkind = \"github-enterprise\"\nhosts = [\"github.test\"]\napi_url = \"{}\"\n\n\
         [[provider]]\nname = \"tea\"\nkind = \"gitea\"\nhosts = [\"gitea.test\"]\napi_url = \"{}\"\n",
        server.api_url("gitlab"),
        server.api_url("github"),
        server.api_url("gitea"),
    ));
    env
}

/// No token the server knows (old, new, rotated) appears in anything the helper printed.
fn assert_no_token(server: &ProviderServer, outs: &[&Output]) {
    for token in server.tokens() {
        let token = token["token"].as_str().unwrap();
        for out in outs {
            assert!(
                !stdout(out).contains(token) && !stderr(out).contains(token),
                "a token was printed: {}{}",
                stdout(out),
                stderr(out)
            );
        }
    }
}

fn verify_json(env: &Env, ids: &[&str]) -> (Output, Value) {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(ids);
    let out = env.helper(&args, b"");
    let json: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("verify --json: {e}: {}{}", stdout(&out), stderr(&out)));
    assert_eq!(json["version"], 1);
    (out, json)
}

#[test]
fn rotate_at_provider_then_git_gets_the_new_token_and_the_old_is_dead() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let old = "glpat-oldoldoldoldoldold01";
    server.add_token("gitlab", old, "alice", &["api"], Some(&day(3)));
    let id = env.add(&["corp", "--email", "alice@corp.test"], old);
    assert_eq!(get(&env.fill(GITLAB_URL), "password"), Some(old));

    let out = env.helper(
        &["rotate", &id, "--at-provider", "--expires", &day(40)],
        b"",
    );
    assert_ok(&out, "rotate --at-provider");
    assert!(
        !server.is_active(old),
        "the old token still works at the provider"
    );
    let active = server.active_tokens("gitlab");
    assert_eq!(active.len(), 1, "exactly one live token: {active:?}");
    let answer = env.fill(GITLAB_URL);
    assert_eq!(get(&answer, "password"), Some(active[0].as_str()));
    assert_eq!(server.calls("gitlab_rotate"), 1);
    let list = env.helper(&["list", "--json"], b"");
    let show = env.helper(&["show", &id], b"");
    assert!(stdout(&show).contains(&day(40)) || stdout(&list).contains(&day(40)));
    assert_no_token(&server, &[&out, &list, &show]);
}

#[test]
fn renew_twice_rotates_once() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let token = "glpat-renewrenewrenew0001";
    server.add_token("gitlab", token, "alice", &["self_rotate"], Some(&day(2)));
    let id = env.add(
        &["corp", "--email", "alice@corp.test", "--expires", &day(2)],
        token,
    );
    let first = env.helper(&["renew", "--within", "7d", "--lifetime", "30d"], b"");
    assert_ok(&first, "first renew");
    assert_eq!(server.calls("gitlab_rotate"), 1);
    let second = env.helper(&["renew", "--within", "7d", "--lifetime", "30d"], b"");
    assert_ok(&second, "second renew");
    assert_eq!(
        server.calls("gitlab_rotate"),
        1,
        "the renewed token is not due again"
    );
    let live = server.active_tokens("gitlab");
    assert_eq!(live.len(), 1);
    let expiry = server
        .tokens()
        .into_iter()
        .find(|t| t["token"] == live[0].as_str())
        .unwrap()["expires_at"]
        .clone();
    assert_eq!(expiry, day(30), "renew asks for --lifetime ahead");
    assert_eq!(
        get(&env.fill(GITLAB_URL), "password"),
        Some(live[0].as_str())
    );
    let dry = env.helper(&["renew", "--within", "60d", "--dry-run"], b"");
    assert_eq!(
        server.calls("gitlab_rotate"),
        1,
        "--dry-run rotates nothing"
    );
    assert_no_token(&server, &[&first, &second, &dry]);
    let _ = id;
}

#[test]
fn a_token_revoked_in_the_web_ui_is_reported_revoked() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let (good, bad) = ("glpat-goodgoodgoodgood001", "glpat-badbadbadbadbadb001");
    server.add_token(
        "gitlab",
        good,
        "alice",
        &["read_repository"],
        Some(&day(90)),
    );
    server.add_token("gitlab", bad, "bob", &["api"], Some(&day(90)));
    let good_id = env.add(&["corp", "--email", "alice@corp.test"], good);
    let bad_id = env.add(&["corp", "--email", "bob@corp.test"], bad);

    let (out, json) = verify_json(&env, &[]);
    assert_ok(&out, "verify while both are valid");
    server.revoke(bad);
    let (out, json2) = verify_json(&env, &[]);
    assert_ne!(out.status.code(), Some(0), "a revoked token fails verify");
    let status = |json: &Value, id: &str| {
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {json}"))
            .clone()
    };
    assert_eq!(status(&json, &bad_id)["status"], "valid");
    assert_eq!(status(&json2, &bad_id)["status"], "revoked");
    let good_result = status(&json2, &good_id);
    assert_eq!(good_result["status"], "valid");
    assert_eq!(
        good_result["expires_at"].as_str().map(|d| &d[..10]),
        Some(day(90).as_str())
    );
    assert_eq!(
        good_result["scopes"],
        serde_json::json!(["read_repository"])
    );
    let list = env.helper(&["list"], b"");
    assert!(
        stdout(&list).contains("revoked"),
        "list shows it: {}",
        stdout(&list)
    );
    assert_no_token(&server, &[&out, &list]);
}

#[test]
fn github_and_gitea_verify_reads_what_the_provider_says() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let gh = "ghp_verifyverifyverifyverify000001";
    server.add_token("github", gh, "alice", &["repo", "workflow"], Some(&day(20)));
    let gh_id = env.add(&["gh", "--username", "alice"], gh);
    let tea = "0123456789abcdef0123456789abcdef01234567";
    server.add_token("gitea", tea, "alice", &[], None);
    let tea_id = env.add(&["tea", "--username", "alice"], tea);
    let (out, json) = verify_json(&env, &[&gh_id, &tea_id]);
    assert_ok(&out, "verify github and gitea");
    let results = json["results"].as_array().unwrap();
    let gh_result = results.iter().find(|r| r["id"] == gh_id.as_str()).unwrap();
    assert_eq!(gh_result["scopes"], serde_json::json!(["repo", "workflow"]));
    assert_eq!(
        gh_result["expires_at"].as_str().map(|d| &d[..10]),
        Some(day(20).as_str())
    );
    server.revoke(tea);
    let (out, json) = verify_json(&env, &[&tea_id]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(json["results"][0]["status"], "revoked");
}

#[test]
fn provider_down_rotate_fails_clearly_and_nothing_changes() {
    let mut server = ProviderServer::start();
    let env = setup(&server);
    let old = "glpat-downdowndowndown0001";
    server.add_token("gitlab", old, "alice", &["api"], Some(&day(3)));
    let id = env.add(&["corp", "--email", "alice@corp.test"], old);
    let before = env.store_bytes();
    server.stop();
    let out = env.helper(&["rotate", &id, "--at-provider"], b"");
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("127.0.0.1"), "the error names the host: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(env.store_bytes(), before, "the store is byte-identical");
    assert_eq!(get(&env.fill(GITLAB_URL), "password"), Some(old));
    assert!(!err.contains(old) && !stdout(&out).contains(old));
}

#[test]
fn a_lost_rotation_answer_is_reported_and_never_retried() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let old = "glpat-lostlostlostlost0001";
    server.add_token("gitlab", old, "alice", &["api"], Some(&day(3)));
    let id = env.add(&["corp", "--email", "alice@corp.test"], old);
    server.drop_next("gitlab_rotate");
    let out = env.helper(&["rotate", &id, "--at-provider"], b"");
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("not retried"), "{}", stderr(&out));
    assert_eq!(
        server.calls("gitlab_rotate"),
        1,
        "one rotation request, no retry"
    );
    assert_eq!(
        server.active_tokens("gitlab").len(),
        1,
        "the family was not revoked"
    );
    assert_no_token(&server, &[&out]);
}

#[test]
fn remove_revoke_kills_the_token_first_and_keeps_the_entry_when_refused() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let token = "glpat-removeremoveremov01";
    server.add_token("gitlab", token, "alice", &["api"], Some(&day(30)));
    let id = env.add(&["corp", "--email", "alice@corp.test"], token);
    let out = env.helper(&["remove", &id, "--revoke"], b"");
    assert_ok(&out, "remove --revoke");
    assert!(!server.is_active(token));
    assert_eq!(server.calls("gitlab_self_delete"), 1);
    assert_eq!(env.fill(GITLAB_URL), None);

    // Already dead at the provider: refused, the entry stays unless --force.
    let dead = "glpat-deaddeaddeaddead0001";
    server.add_token("gitlab", dead, "alice", &["api"], Some(&day(30)));
    server.revoke(dead);
    let id = env.add(&["corp", "--email", "alice@corp.test"], dead);
    let out = env.helper(&["remove", &id, "--revoke"], b"");
    assert_ne!(out.status.code(), Some(0));
    assert!(env.list_json().to_string().contains(&id), "the entry stays");
    let forced = env.helper(&["remove", &id, "--revoke", "--force"], b"");
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(
        stderr(&forced).contains("still holds"),
        "{}",
        stderr(&forced)
    );
    assert!(!env.list_json().to_string().contains(&id));
    assert_no_token(&server, &[&out, &forced]);
}

#[test]
fn bad_api_url_and_kinds_that_cannot_rotate_are_usage_errors() {
    let server = ProviderServer::start();
    let env = setup(&server);
    let gh = "ghp_cannotrotatecannotrotate00001";
    server.add_token("github", gh, "alice", &["repo"], None);
    let id = env.add(&["gh", "--username", "alice"], gh);
    assert_fails(&env.helper(&["rotate", &id, "--at-provider"], b""), 2);
    assert_eq!(server.calls("github_user"), 0);

    env.write_config(
        "[[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"gitlab.test\"]\napi_url = \"http://gitlab.example.com/api/v4\"\n",
    );
    let out = env.helper(&["verify"], b"");
    let err = assert_fails(&out, 2);
    assert!(err.contains("api_url"), "{err}");
}

/// Four GitLab tokens due in three days: enough for `verify` and `renew` to draw a bar.
fn four_due_tokens(server: &ProviderServer, env: &Env) {
    for (i, user) in ["ann", "ben", "cat", "dan"].iter().enumerate() {
        let token = format!("glpat-progress{i}progress{i}00");
        server.add_token("gitlab", &token, user, &["api"], Some(&day(3)));
        env.add(&["corp", "--email", &format!("{user}@corp.test")], &token);
    }
}

#[test]
fn verify_and_renew_show_progress_at_a_terminal_only() {
    // In a pipe: not a byte of progress on stderr.
    let server = ProviderServer::start();
    let env = setup(&server);
    four_due_tokens(&server, &env);
    let verified = env.helper(&["verify"], b"");
    assert_ok(&verified, "verify in a pipe");
    let renewed = env.helper(&["renew", "--within", "7d"], b"");
    assert_ok(&renewed, "renew in a pipe");
    for out in [&verified, &renewed] {
        let err = stderr(out);
        assert!(
            !err.contains("verifying") && !err.contains("renewing") && !err.contains("4/4"),
            "progress in a pipe: {err}"
        );
    }
    assert_no_token(&server, &[&verified, &renewed]);

    // At a terminal: a bar for each, counting all four tokens.
    let server = ProviderServer::start();
    let env = setup(&server);
    four_due_tokens(&server, &env);
    let done = env.path("done");
    let script = format!(
        "{HELPER} verify >/dev/null; {HELPER} renew --within 7d >/dev/null; touch '{}'; sleep 30",
        done.display()
    );
    let term = Terminal::start(&env, &script);
    assert!(term.wait(&|| done.exists()), "{}", term.screen());
    let screen = term.screen();
    assert!(
        screen.contains("verifying") && screen.contains("renewing") && screen.contains("4/4"),
        "no progress bars: {screen}"
    );
    assert_eq!(
        server.calls("gitlab_rotate"),
        4,
        "renew rotated every due token"
    );
}
