//! The provider test server's GitHub, Gitea and Bitbucket routes, its lost answers
//! (drop_next), a stopped provider, and its admin hooks.

use serde_json::json;

use crate::provider_harness::*;
use crate::provider_wire::day;

const GITHUB_401: &str =
    r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"#;

#[test]
fn provider_github_user_sends_scopes_and_expiry_headers() {
    let server = ProviderServer::start();
    assert_eq!(
        server.api_url("github"),
        format!("http://127.0.0.1:{}/github", server.port)
    );
    server.add_token(
        "github",
        "ghp_classic",
        "octo",
        &["repo", "workflow"],
        Some("2027-10-12"),
    );
    server.add_token("github", "github_pat_fine", "octo", &[], None);
    let reply = server.get("/github/user", ("Authorization", "Bearer ghp_classic"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["login"], "octo");
    assert!(reply.json()["id"].is_u64());
    assert_eq!(reply.header("X-OAuth-Scopes"), Some("repo, workflow"));
    assert_eq!(
        reply.header("github-authentication-token-expiration"),
        Some("2027-10-12 00:00:00 UTC")
    );
    let fine = server.get("/github/user", ("Authorization", "token github_pat_fine"));
    assert_eq!(fine.status, 200);
    assert_eq!(fine.header("X-OAuth-Scopes"), Some(""), "present but empty");
    assert_eq!(fine.header("github-authentication-token-expiration"), None);

    server.add_token("github", "ghp_expired", "octo", &["repo"], Some(&day(-1)));
    server.add_token("gitlab", "glpat-x", "octo", &["api"], None);
    for auth in [
        "Bearer ghp_expired",
        "Bearer glpat-x",
        "Bearer nope",
        "Basic ghp_classic",
    ] {
        let reply = server.get("/github/user", ("Authorization", auth));
        assert_eq!(reply.status, 401, "{auth}");
        let expected: serde_json::Value = serde_json::from_str(GITHUB_401).unwrap();
        assert_eq!(reply.json(), expected, "{auth}");
    }
    assert_eq!(server.calls("github_user"), 6);
}

#[test]
fn provider_github_app_token_revoke_needs_basic_auth() {
    let server = ProviderServer::start();
    server.add_token("github", "gho_app", "octo", &["repo"], None);
    let path = "/github/applications/Iv1.client/token";
    let body = br#"{"access_token":"gho_app"}"#;
    let send = |auth: Option<&str>, body: &[u8]| {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        server
            .send("DELETE", path, &headers, Some(("application/json", body)))
            .unwrap()
    };
    assert_eq!(send(None, body).status, 401);
    assert_eq!(
        send(Some(&basic("other.client", "s3cret")), body).status,
        401
    );
    assert!(server.is_active("gho_app"));
    let good = basic("Iv1.client", "s3cret");
    let missing = send(Some(&good), br#"{"access_token":"gho_unknown"}"#);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "Not Found");
    let reply = send(Some(&good), body);
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert!(!server.is_active("gho_app"));
    assert_eq!(send(Some(&good), body).status, 404, "already revoked");
    assert_eq!(server.calls("github_app_revoke"), 5);
}

#[test]
fn provider_gitea_and_bitbucket_user() {
    let server = ProviderServer::start();
    assert!(server.api_url("gitea").ends_with("/gitea/api/v1"));
    assert!(server.api_url("bitbucket").ends_with("/bitbucket/2.0"));
    server.add_token("gitea", "gitea-tok", "carol", &["write:repository"], None);
    server.add_token("bitbucket", "ATBB-tok", "dave", &["repository"], None);
    for auth in ["token gitea-tok", "Bearer gitea-tok"] {
        let user = server.get("/gitea/api/v1/user", ("Authorization", auth));
        assert_eq!(user.status, 200, "{auth}");
        let user = user.json();
        assert_eq!(
            (&user["login"], &user["username"]),
            (&json!("carol"), &json!("carol"))
        );
        assert!(user["id"].is_u64() && user["full_name"].is_string() && user["email"].is_string());
    }
    let refused = server.get("/gitea/api/v1/user", ("Authorization", "token ATBB-tok"));
    assert_eq!(refused.status, 401);
    assert!(refused.json()["message"].is_string());

    for auth in [basic("dave", "ATBB-tok"), "Bearer ATBB-tok".to_owned()] {
        let user = server.get("/bitbucket/2.0/user", ("Authorization", &auth));
        assert_eq!(user.status, 200, "{auth}");
        let user = user.json();
        assert_eq!(user["username"], "dave");
        let uuid = user["uuid"].as_str().unwrap();
        assert!(uuid.starts_with('{') && uuid.ends_with('}'), "{uuid}");
        assert!(user["account_id"].is_string() && user["display_name"].is_string());
    }
    server.revoke("ATBB-tok");
    let refused = server.get(
        "/bitbucket/2.0/user",
        ("Authorization", &basic("dave", "ATBB-tok")),
    );
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["type"], "error");
    assert!(refused.json()["error"]["message"].is_string());
    assert_eq!(
        (server.calls("gitea_user"), server.calls("bitbucket_user")),
        (3, 3)
    );
}

#[test]
fn provider_drop_next_carries_out_the_rotation_but_sends_no_answer() {
    let server = ProviderServer::start();
    server.add_token("gitlab", "glpat-lost", "alice", &["api"], None);
    server.drop_next("gitlab_rotate");
    let path = "/gitlab/api/v4/personal_access_tokens/self/rotate";
    let lost = server.send("POST", path, &[("PRIVATE-TOKEN", "glpat-lost")], None);
    assert!(lost.is_err(), "an answer came: {lost:?}");
    assert_eq!(server.calls("gitlab_rotate"), 1);
    assert!(
        !server.is_active("glpat-lost"),
        "the rotation was carried out"
    );
    let active = server.active_tokens("gitlab");
    assert_eq!(active.len(), 1);
    assert!(active[0].starts_with("glpat-"));
    // Only the next call: the new token rotates with an answer.
    let next = server
        .send("POST", path, &[("PRIVATE-TOKEN", &active[0])], None)
        .unwrap();
    assert_eq!(next.status, 200);

    let bad = server.send(
        "POST",
        "/_test/drop_next",
        &[],
        Some(("application/json", br#"{"endpoint":"nope"}"#)),
    );
    assert_eq!(bad.unwrap().status, 400);
}

#[test]
fn provider_stop_refuses_connections() {
    let mut server = ProviderServer::start();
    assert_eq!(
        server.base_url("gitlab"),
        format!("http://127.0.0.1:{}/gitlab", server.port)
    );
    server.stop();
    let err = server.send("GET", "/_test/state", &[], None).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn provider_admin_hooks_validate_and_report_state() {
    let server = ProviderServer::start();
    let id = server.add_token("gitea", "t1", "erin", &["read:user"], Some("2030-01-31"));
    let state = server.state();
    let token = &state["tokens"][0];
    assert_eq!(
        *token,
        json!({"id": id, "family": "gitea", "token": "t1", "username": "erin",
            "scopes": ["read:user"], "expires_at": "2030-01-31", "active": true,
            "revoked": false, "family_id": id, "rotated_from": null})
    );
    assert_eq!(state["calls"].as_object().unwrap().len(), 9);
    assert!(state["calls"].as_object().unwrap().values().all(|n| n == 0));
    let post = |path: &str, body: &str| {
        server
            .send(
                "POST",
                path,
                &[],
                Some(("application/json", body.as_bytes())),
            )
            .unwrap()
            .status
    };
    let seed = |family: &str, token: &str, expiry: &str| {
        let body = format!(
            r#"{{"family":"{family}","token":"{token}","username":"u","scopes":[],"expires_at":{expiry}}}"#
        );
        post("/_test/tokens", &body)
    };
    assert_eq!(seed("gitlab", "t2", "null"), 201);
    assert_eq!(seed("sourcehut", "t3", "null"), 400);
    assert_eq!(seed("gitlab", "t4", r#""31/01/2030""#), 400);
    assert_eq!(seed("github", "t1", "null"), 409, "token values are unique");
    assert_eq!(post("/_test/revoke", r#"{"token":"unknown"}"#), 404);
    assert_eq!(post("/_test/revoke", r#"{"token":"t1"}"#), 200);
    assert_eq!(server.state()["tokens"][0]["revoked"], true);
    assert_eq!(server.calls("gitea_user"), 0);
}
