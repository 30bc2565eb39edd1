//! The GitHub App test server's own rules at their edges, from outside: GitHub's limits on a
//! JWT's iat and exp, the error bodies, and the hooks that set a token's lifetime and fault the
//! next answer of a route. PyGithub's view of the same server: github_app_fidelity.rs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::unix_now;
use crate::github_app_harness::*;
use crate::provider_harness::Reply;

const APP: u64 = 77;

fn server() -> GitHubAppServer {
    let server = GitHubAppServer::start();
    server.add_app(APP, "vouch-rules", &app_key().public_pem);
    server.install(
        APP,
        5,
        "alice",
        Some(&["hello"]),
        json!({"contents": "write"}),
    );
    server
}

fn get_app(server: &GitHubAppServer, jwt: &str) -> Reply {
    let auth = format!("Bearer {jwt}");
    server
        .send("GET", "/app", &[("Authorization", &auth)], None)
        .expect("GET /app")
}

fn claims(iat: i64, exp: i64) -> Value {
    json!({"iss": APP.to_string(), "iat": iat, "exp": exp})
}

#[test]
fn github_app_rules_jwt_times_keys_and_error_bodies() {
    let server = server();
    let now = unix_now();
    let pem = &app_key().pkcs1_pem;
    let status = |c: Value| get_app(&server, &sign_jwt(pem, &c)).status;
    assert_eq!(status(claims(now - 60, now + 600)), 200, "GitHub's advice");
    assert_eq!(
        status(claims(now + 3, now + 600)),
        200,
        "iat a little ahead"
    );
    assert_eq!(
        status(claims(now + 30, now + 600)),
        401,
        "iat in the future"
    );
    assert_eq!(status(claims(now - 120, now + 540)), 200, "exp - iat 660");
    assert_eq!(status(claims(now - 122, now + 540)), 401, "exp - iat 662");
    assert_eq!(status(claims(now, now + 700)), 401, "exp past 10 minutes");
    assert_eq!(status(claims(now - 600, now - 1)), 401, "expired");
    let pkcs8 = sign_jwt(&app_key().pkcs8_pem, &claims(now - 60, now + 500));
    assert_eq!(
        get_app(&server, &pkcs8).status,
        200,
        "the same key as PKCS#8"
    );

    let refused = get_app(&server, &app_jwt(APP, other_key()));
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("Content-Type"), Some("application/json"));
    let body = refused.json();
    assert_eq!(body["message"], "A JSON web token could not be decoded");
    assert!(
        body["documentation_url"]
            .as_str()
            .unwrap()
            .starts_with("https://docs.github.com/")
    );
    let bare = server.send("GET", "/app", &[], None).unwrap();
    assert_eq!(
        (bare.status, bare.json()["message"].clone()),
        (401, json!("Requires authentication"))
    );
    assert_eq!(server.refused().len(), 6, "{:#?}", server.refused());
    assert_eq!(server.jwts().len(), 4);
    assert_eq!(server.calls("app"), 10);

    // GitHub Enterprise Server's layout: the same routes under /api/v3, its URLs under it too.
    let auth = format!("Bearer {}", app_jwt(APP, app_key()));
    let found = server
        .send(
            "GET",
            "/api/v3/repos/alice/hello/installation",
            &[("Authorization", &auth)],
            None,
        )
        .unwrap();
    let tokens_url = found.json()["access_tokens_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        tokens_url,
        format!(
            "{}/app/installations/5/access_tokens",
            server.enterprise_api_url()
        )
    );
}

#[test]
fn github_app_rules_lifetime_and_faults() {
    let server = server();
    let mint = || server.mint(APP, app_key(), 5, &json!({"repositories": ["hello"]}));

    server.set_lifetime(0);
    let dead = mint().json();
    assert!(
        !server.token_ok(dead["token"].as_str().unwrap(), "alice/hello"),
        "expired at once"
    );
    server.set_lifetime(7200);
    let answer = mint().json();
    let token = answer["token"].as_str().unwrap();
    assert!(server.token_ok(token, "alice/hello"));
    assert_eq!(answer["repositories"][0]["full_name"], "alice/hello");

    server.garble_next("access_tokens", "{not json");
    let garbled = mint();
    assert_eq!(
        (garbled.status, garbled.body.as_slice()),
        (200, &b"{not json"[..])
    );
    assert_eq!(
        server.mints().len(),
        3,
        "the garbled answer's token was minted all the same"
    );

    server.delay_next("access_tokens", 0.5);
    let started = Instant::now();
    assert_eq!(mint().status, 201);
    assert!(started.elapsed() >= Duration::from_millis(500));

    server.drop_next("access_tokens");
    let auth = format!("Bearer {}", app_jwt(APP, app_key()));
    let lost = server.send(
        "POST",
        "/app/installations/5/access_tokens",
        &[("Authorization", &auth)],
        Some(("application/json", b"{}")),
    );
    assert!(lost.is_err(), "no answer: {lost:?}");
    assert_eq!(server.mints().len(), 5);
    assert_eq!(server.calls("access_tokens"), 5);
}
