//! The GitHub App test server (tests/it/github_app_server.py) against the real clients: PyGithub
//! (installed into target/test-venv by tests/run.sh) authenticates, finds installations, mints
//! and is refused as GitHub answers it (tests/it/github_app_fidelity.py); real git reaches a
//! repository with a minted token only where GitHub would let it.

use serde_json::json;

use crate::common::{Env, run};
use crate::github_app_harness::*;
use crate::provider_fidelity::run_fidelity;
use crate::server::{Accept, GitServer};

const APP: u64 = 42;

#[test]
fn github_app_fidelity_pygithub_authenticates_finds_installations_and_mints() {
    let server = GitHubAppServer::start();
    server.add_app(APP, "vouch-fidelity", &app_key().public_pem);
    let permissions = json!({"contents": "write", "metadata": "read", "pull_requests": "read"});
    server.install(
        APP,
        7,
        "alice",
        Some(&["hello", "world"]),
        permissions.clone(),
    );
    let org = json!({"app_id": APP, "id": 8, "account": "acme", "account_type": "Organization",
        "repositories": null, "permissions": {"contents": "read"}});
    assert_eq!(
        server.hook("POST", "/_test/installations", &org).status,
        201
    );

    // Throwaway keys made for this test process, in files as PyGithub's users keep them.
    let keys = tempfile::tempdir().unwrap();
    let (key_file, other_file) = (keys.path().join("app.pem"), keys.path().join("other.pem"));
    std::fs::write(&key_file, &app_key().pkcs1_pem).unwrap();
    std::fs::write(&other_file, &other_key().pkcs1_pem).unwrap();
    let input = json!({
        "url": server.api_url(), "app_id": APP, "slug": "vouch-fidelity",
        "key_file": key_file, "other_key_file": other_file,
        "installation_id": 7, "owner": "alice", "repos": ["hello", "world"],
        "uncovered": "private-notes", "permissions": permissions,
        "org": "acme", "org_installation_id": 8,
    });
    run_fidelity("github_app_fidelity.py", &input, 41);

    // What the client did, as the server saw and recorded it.
    let mints = server.mints();
    assert_eq!(mints.len(), 6, "{mints:#?}");
    let narrowed = &mints[2];
    assert_eq!(narrowed["installation_id"], 7);
    assert_eq!(narrowed["repositories"], json!(["world"]));
    assert_eq!(narrowed["permissions"], json!({"contents": "write"}));
    assert_eq!(narrowed["covered"], json!(["world"]));
    let token = narrowed["token"].as_str().unwrap();
    assert!(server.token_ok(token, "alice/world") && server.token_ok(token, "Alice/World"));
    assert!(!server.token_ok(token, "alice/hello"));
    server.revoke(token);
    assert!(!server.token_ok(token, "alice/world"));
    // PyGithub's JWTs: iss the App ID as a string, iat 60 s back, at most 10 minutes ahead.
    let jwts = server.jwts();
    let span = |c: &serde_json::Value| c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap();
    assert!(jwts.iter().all(|c| span(c) <= 660), "{jwts:#?}");
    assert_eq!(jwts[0]["iss"], "42");
    assert!(jwts.iter().any(|c| c["iss"] == 42), "a numeric iss taken");
    let refused: Vec<_> = server
        .refused()
        .into_iter()
        .map(|r| r["message"].clone())
        .collect();
    assert_eq!(refused.len(), 6, "{refused:#?}");
    assert!(refused.contains(&json!(
        "'Expiration time' claim ('exp') is too far in the future"
    )));
    assert!(server.calls("access_tokens") >= 6 && server.calls("repo_installation") >= 3);
}

#[test]
fn github_app_minted_token_reaches_only_its_repository_over_git() {
    let env = Env::new();
    let app = GitHubAppServer::start();
    app.add_app(APP, "vouch-git", &app_key().public_pem);
    app.install(APP, 9, "alice", None, json!({"contents": "read"}));
    let git = GitServer::start(&env.path("srv"), vec![Accept::github_app(app.port)]);
    git.create_repo("alice/hello.git");
    git.create_repo("alice/world.git");

    let reply = app.mint(APP, app_key(), 9, &json!({"repositories": ["hello"]}));
    assert_eq!(reply.status, 201, "{:?}", reply.json());
    let token = reply.json()["token"].as_str().unwrap().to_owned();
    let ls_remote = |repo: &str| {
        let url = git.url_as(&format!("x-access-token:{token}"), repo);
        let out = run(env.command("git").args(["ls-remote", &url]), b"");
        out.status.success()
    };
    assert!(ls_remote("alice/hello.git"), "{:?}", git.log());
    assert!(!ls_remote("alice/world.git"), "narrowed to hello only");
    app.revoke(&token);
    assert!(!ls_remote("alice/hello.git"), "a revoked token is refused");
    assert_eq!(app.mints().len(), 1);
}
