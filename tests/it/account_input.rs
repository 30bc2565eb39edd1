//! Tokens taken in as people paste them, selectors, dates and the lines that say success
//! (issue 25: items 3, 4, 5, 7, 8).

mod dates;
mod owner;
mod pasting;
mod selectors;
mod terminal;

use serde_json::json;

use crate::common::*;
use crate::provider_harness::ProviderServer;

/// A home with instances whose APIs are the loopback provider server: `gh` (GitHub
/// Enterprise), `corp` (self-managed GitLab) and `tea` (Gitea).
fn with_server(server: &ProviderServer) -> Env {
    let env = Env::new();
    env.write_config(&format!(
        "[[provider]]\nname = \"gh\"\nkind = \"github-enterprise\"\nhosts = [\"github.test\"]\napi_url = \"{}\"\n\n\
         [[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"gitlab.test\"]\napi_url = \"{}\"\n\n\
         [[provider]]\nname = \"tea\"\nkind = \"gitea\"\nhosts = [\"gitea.test\"]\napi_url = \"{}\"\n",
        server.api_url("github"),
        server.api_url("gitlab"),
        server.api_url("gitea"),
    ));
    env
}

/// A token the server knows, with the account's email (GitLab's /user shows it only to tokens
/// with `api`, `read_api` or `read_user`).
fn seed(
    server: &ProviderServer,
    family: &str,
    token: &str,
    user: &str,
    email: &str,
    scopes: &[&str],
) {
    let body = json!({"family": family, "token": token, "username": user, "email": email,
        "scopes": scopes});
    let bytes = serde_json::to_vec(&body).unwrap();
    let reply = server
        .send(
            "POST",
            "/_test/tokens",
            &[],
            Some(("application/json", &bytes)),
        )
        .expect("seed a token");
    assert_eq!(reply.status, 201, "seed: {:?}", reply.json());
}

/// `show SELECTOR --json`.
fn show(env: &Env, selector: &str) -> serde_json::Value {
    serde_json::from_str(&env.vouch(&["show", selector, "--json"], "")).expect("show --json")
}

/// Whether the store still holds the credential with this full ID.
fn exists(env: &Env, id: &str) -> bool {
    match env.helper(&["show", id], b"").status.code() {
        Some(0) => true,
        Some(3) => false,
        other => panic!("show {id} exited {other:?}"),
    }
}
