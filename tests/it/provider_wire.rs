//! The provider test server's wire format, route by route: what vouch's provider-lifecycle
//! tests rely on (status codes, headers, JSON shapes, GitLab's rotation rules, lost answers).

use serde_json::{Value, json};

use crate::provider_harness::*;

const SELF: &str = "/gitlab/api/v4/personal_access_tokens/self";
const ROTATE: &str = "/gitlab/api/v4/personal_access_tokens/self/rotate";

/// Today (UTC) moved by `days`, as `YYYY-MM-DD`.
pub fn day(days: i64) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    keys
}

fn private(token: &str) -> (&'static str, &str) {
    ("PRIVATE-TOKEN", token)
}

fn rotate(server: &ProviderServer, token: &str, query: &str) -> Reply {
    let path = format!("{ROTATE}{query}");
    server
        .send("POST", &path, &[private(token)], None)
        .expect("an answer")
}

#[test]
fn provider_gitlab_self_answers_its_fields_and_401_when_the_token_is_unusable() {
    let server = ProviderServer::start();
    let id = server.add_token("gitlab", "glpat-alice", "alice", &["api"], None);
    let soon = day(30);
    server.add_token("gitlab", "glpat-soon", "alice", &["read_api"], Some(&soon));
    server.add_token("gitlab", "glpat-today", "alice", &[], Some(&day(0)));
    server.add_token("gitlab", "glpat-old", "alice", &["api"], Some(&day(-1)));
    server.add_token("gitlab", "glpat-gone", "alice", &["api"], None);
    server.add_token("github", "ghp_other", "alice", &["repo"], None);
    server.revoke("glpat-gone");

    let reply = server.get(SELF, private("glpat-alice"));
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(
        keys(&body),
        [
            "active",
            "created_at",
            "expires_at",
            "id",
            "last_used_at",
            "name",
            "revoked",
            "scopes",
            "user_id"
        ]
    );
    assert_eq!(body["id"], id);
    assert_eq!(body["scopes"], json!(["api"]));
    assert_eq!(
        (&body["active"], &body["revoked"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(body["expires_at"], Value::Null);
    assert!(body["user_id"].is_u64() && body["created_at"].is_string());

    let bearer = server
        .get(SELF, ("Authorization", "Bearer glpat-soon"))
        .json();
    assert_eq!(bearer["expires_at"], soon.as_str());
    assert_eq!(bearer["user_id"], body["user_id"], "one user, one id");
    // Valid through its expires_at day.
    assert_eq!(server.get(SELF, private("glpat-today")).status, 200);

    for header in [
        private("glpat-old"),
        private("glpat-gone"),
        private("glpat-unknown"),
        private("ghp_other"),
        ("Authorization", "token glpat-alice"),
        ("X-Nothing", "here"),
    ] {
        let reply = server.get(SELF, header);
        assert_eq!(reply.status, 401, "{header:?}");
        assert_eq!(
            reply.json(),
            json!({"message": "401 Unauthorized"}),
            "{header:?}"
        );
    }
    assert_eq!(
        server.calls("gitlab_self_get"),
        9,
        "every call counts, whatever the answer"
    );
    assert!(server.is_active("glpat-today") && !server.is_active("glpat-old"));
    let mut active = server.active_tokens("gitlab");
    active.sort();
    assert_eq!(active, ["glpat-alice", "glpat-soon", "glpat-today"]);
}

#[test]
fn provider_gitlab_rotate_issues_a_new_token_and_revokes_the_old_one_at_once() {
    let server = ProviderServer::start();
    let old_id = server.add_token("gitlab", "glpat-first", "alice", &["self_rotate"], None);
    let reply = rotate(&server, "glpat-first", "");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let new = body["token"].as_str().unwrap().to_owned();
    let suffix = new.strip_prefix("glpat-").expect("glpat- prefix");
    assert_eq!(suffix.len(), 20, "{new}");
    assert!(
        suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_ne!(body["id"], old_id, "a rotation answers a new id");
    assert_eq!(
        body["expires_at"],
        day(7).as_str(),
        "default expiry: a week"
    );
    assert_eq!(body["scopes"], json!(["self_rotate"]));
    assert_eq!(
        (&body["active"], &body["revoked"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(keys(&body).len(), 10, "the self fields plus token: {body}");

    assert!(!server.is_active("glpat-first") && server.is_active(&new));
    assert_eq!(server.get(SELF, private("glpat-first")).status, 401);
    assert_eq!(server.get(SELF, private(&new)).json()["id"], body["id"]);
    let tokens = server.tokens();
    assert_eq!(tokens[1]["family_id"], tokens[0]["family_id"]);
    assert_eq!(tokens[1]["rotated_from"], old_id);
    assert_eq!(tokens[0]["revoked"], true);

    // expires_at as a query string, a form field or a JSON body.
    let in_ten = day(10);
    let next = rotate(&server, &new, &format!("?expires_at={in_ten}")).json();
    assert_eq!(next["expires_at"], in_ten.as_str());
    let form = format!("expires_at={}", day(11));
    let form_type = "application/x-www-form-urlencoded";
    let token = next["token"].as_str().unwrap();
    let next = server
        .send(
            "POST",
            ROTATE,
            &[private(token)],
            Some((form_type, form.as_bytes())),
        )
        .unwrap()
        .json();
    assert_eq!(next["expires_at"], day(11).as_str());
    let body = format!(r#"{{"expires_at":"{}"}}"#, day(365));
    let token = next["token"].as_str().unwrap();
    let auth = ("Authorization", format!("Bearer {token}"));
    let next = server
        .send(
            "POST",
            ROTATE,
            &[(auth.0, &auth.1)],
            Some(("application/json", body.as_bytes())),
        )
        .unwrap()
        .json();
    assert_eq!(next["expires_at"], day(365).as_str());
    assert_eq!(server.calls("gitlab_rotate"), 4);
}

#[test]
fn provider_gitlab_rotate_refuses_bad_scopes_and_expiry_without_revoking() {
    let server = ProviderServer::start();
    server.add_token(
        "gitlab",
        "glpat-read",
        "alice",
        &["read_api", "read_repository"],
        None,
    );
    server.add_token("gitlab", "glpat-api", "alice", &["api"], None);
    let reply = rotate(&server, "glpat-read", "");
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json(), json!({"message": "403 Forbidden"}));
    for expiry in [
        day(-1),
        day(366),
        "tomorrow".to_owned(),
        "2026-02-30".to_owned(),
    ] {
        let reply = rotate(&server, "glpat-api", &format!("?expires_at={expiry}"));
        assert_eq!(reply.status, 400, "{expiry}");
        let messages = &reply.json()["message"]["expires_at"];
        assert!(messages[0].is_string(), "{expiry}: {messages}");
    }
    assert!(server.is_active("glpat-read") && server.is_active("glpat-api"));
    assert_eq!(server.tokens().len(), 2, "no token was created");
    assert_eq!(
        rotate(&server, "glpat-api", &format!("?expires_at={}", day(0))).status,
        200
    );
}

#[test]
fn provider_gitlab_rotating_a_rotated_token_revokes_its_whole_family() {
    let server = ProviderServer::start();
    server.add_token("gitlab", "glpat-one", "alice", &["api"], None);
    server.add_token("gitlab", "glpat-bystander", "alice", &["api"], None);
    let second = rotate(&server, "glpat-one", "").json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = rotate(&server, &second, "").json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(server.is_active(&third));

    // A retry with the first token (its answer was lost, say): the family is treated as leaked.
    let reply = rotate(&server, "glpat-one", "");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"message": "401 Unauthorized"}));
    assert!(
        !server.is_active(&third),
        "the newest token of the family is revoked too"
    );
    assert_eq!(server.active_tokens("gitlab"), ["glpat-bystander"]);

    // A token revoked in the web UI (not by a rotation) is only refused.
    server.revoke("glpat-bystander");
    assert_eq!(rotate(&server, "glpat-bystander", "").status, 401);
    assert_eq!(server.tokens().len(), 4);
}

#[test]
fn provider_gitlab_delete_self_user_and_oauth_revoke() {
    let server = ProviderServer::start();
    server.add_token("gitlab", "glpat-del", "bob", &["api"], None);
    server.add_token("gitlab", "oauth-access", "bob", &["read_repository"], None);
    let user = server.get(
        "/gitlab/api/v4/user",
        ("Authorization", "Bearer oauth-access"),
    );
    assert_eq!(user.status, 200);
    let user = user.json();
    assert_eq!(keys(&user), ["id", "name", "state", "username"]);
    assert_eq!(
        (&user["username"], &user["state"]),
        (&json!("bob"), &json!("active"))
    );

    let reply = server
        .send("DELETE", SELF, &[private("glpat-del")], None)
        .unwrap();
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert!(!server.is_active("glpat-del"));
    assert_eq!(
        server
            .get("/gitlab/api/v4/user", private("glpat-del"))
            .status,
        401
    );
    let again = server
        .send("DELETE", SELF, &[private("glpat-del")], None)
        .unwrap();
    assert_eq!(again.status, 401);

    let form = "application/x-www-form-urlencoded";
    let revoke = |body: &str| {
        server
            .send(
                "POST",
                "/gitlab/oauth/revoke",
                &[],
                Some((form, body.as_bytes())),
            )
            .unwrap()
    };
    let unknown = revoke("client_id=app&token=never-issued");
    assert_eq!(
        (unknown.status, unknown.json()),
        (200, json!({})),
        "RFC 7009: 200"
    );
    assert!(server.is_active("oauth-access"));
    assert_eq!(
        revoke("client_id=app&client_secret=s&token=oauth-access").status,
        200
    );
    assert!(!server.is_active("oauth-access"));
    assert_eq!(server.calls("gitlab_oauth_revoke"), 2);
    assert_eq!(server.calls("gitlab_self_delete"), 2);
}
