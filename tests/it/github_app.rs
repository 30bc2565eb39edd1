//! GitHub App installation tokens minted per repository (issue 30), against the loopback
//! GitHub App API (github_app_server.py, which verifies every JWT with the App's public key):
//! adding an App, minting narrowed tokens at `get`, the cache and its lock, erase, resolve and
//! verify, a real `git ls-remote` with a minted token, and the key kept in OpenBao's transit
//! engine instead (a real `bao server -dev`).

mod adding;
mod agent;
mod edges;
mod minting;
mod transit;

use std::process::Output;

use serde_json::json;

use crate::common::*;
use crate::github_app_harness::{GitHubAppServer, app_key};

pub(crate) const APP_ID: u64 = 4242;
const SLUG: &str = "vouch-bot";
const HOST: &str = "ghe.test";

/// One HOME with a GitHub Enterprise instance whose API is the loopback server, and the App
/// registered there and installed on `acme`'s repositories.
pub(crate) struct Setup {
    pub env: Env,
    pub server: GitHubAppServer,
}

impl Setup {
    pub fn new() -> Setup {
        let env = Env::new();
        let server = GitHubAppServer::start();
        server.add_app(APP_ID, SLUG, &app_key().public_pem);
        server.install(
            APP_ID,
            42,
            "acme",
            None,
            json!({"contents": "write", "metadata": "read", "pull_requests": "write"}),
        );
        env.write_config(&format!(
            "[[provider]]\nname = \"ghe\"\nkind = \"github-enterprise\"\nhosts = [\"{HOST}\"]\napi_url = \"{}\"\n",
            server.enterprise_api_url()
        ));
        Setup { env, server }
    }

    /// `add ghe --app-id APP_ID --private-key-stdin` + `extra`, the PEM on stdin.
    pub fn add_app(&self, extra: &[&str], pem: &str) -> Output {
        let id = APP_ID.to_string();
        let mut args = vec!["add", "ghe", "--app-id", &id, "--private-key-stdin"];
        args.extend_from_slice(extra);
        self.env.helper(&args, pem.as_bytes())
    }

    /// [`Setup::add_app`] that must succeed; the new ID.
    pub fn added(&self, extra: &[&str]) -> String {
        let out = self.add_app(extra, &app_key().pkcs1_pem);
        assert_ok(&out, "add --app-id");
        stdout(&out).trim().to_owned()
    }

    /// `get` for `path` (none: git sent no path).
    pub fn get(&self, path: Option<&str>) -> Output {
        let path = path.map_or(String::new(), |p| format!("path={p}\n"));
        self.env.helper(
            &["get"],
            format!("protocol=https\nhost={HOST}\n{path}\n").as_bytes(),
        )
    }

    /// A `get` that must answer: its fields.
    pub fn token_for(&self, path: &str) -> std::collections::BTreeMap<String, String> {
        let out = self.get(Some(path));
        assert_ok(&out, &format!("get {path}"));
        let answer = fields(&out.stdout);
        assert_eq!(answer["username"], "x-access-token", "{answer:?}");
        assert!(answer["password"].starts_with("ghs_"), "{answer:?}");
        answer
    }
}
