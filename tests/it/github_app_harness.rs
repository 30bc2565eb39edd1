//! The loopback GitHub App API (tests/it/github_app_server.py) on a free 127.0.0.1 port: Apps
//! and installations seeded through its /_test hooks, what it minted and the JWTs it took read
//! back; and RSA test keys for Apps, made once per test process with the venv's `cryptography`
//! (never committed: a key in the tree would look like a leaked one). Requests go through
//! provider_harness's plain HTTP client, so tests see exact statuses and bodies.

use std::ops::{Deref, DerefMut};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::common::{run, unix_now, venv_python};
use crate::provider_harness::{LoopbackServer, Reply, send};

/// The App server; `LoopbackServer`'s methods (`send`, `hook`, `state`, `calls`, `delay_next`,
/// `garble_next`, `drop_next`, `stop`) through `Deref`. Routes as `calls` names them: `app`,
/// `installations`, `installation`, `repo_installation`, `org_installation`,
/// `user_installation`, `access_tokens`.
pub struct GitHubAppServer {
    server: LoopbackServer,
}

impl Deref for GitHubAppServer {
    type Target = LoopbackServer;
    fn deref(&self) -> &LoopbackServer {
        &self.server
    }
}

impl DerefMut for GitHubAppServer {
    fn deref_mut(&mut self) -> &mut LoopbackServer {
        &mut self.server
    }
}

impl GitHubAppServer {
    pub fn start() -> GitHubAppServer {
        GitHubAppServer {
            server: LoopbackServer::start("github_app_server.py"),
        }
    }

    /// The API root as on api.github.com (what an instance's `api_url` is set to).
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The same API as GitHub Enterprise Server lays it out, under `/api/v3`.
    pub fn enterprise_api_url(&self) -> String {
        format!("{}/api/v3", self.api_url())
    }

    /// Registers an App whose JWTs must verify with `public_pem`.
    pub fn add_app(&self, id: u64, slug: &str, public_pem: &str) {
        let body = json!({"id": id, "slug": slug, "public_key_pem": public_pem});
        let reply = self.hook("POST", "/_test/apps", &body);
        assert_eq!(reply.status, 201, "add_app: {:?}", reply.json());
    }

    /// The App's key replaced in its settings: only JWTs signed with `public_pem`'s key pass.
    pub fn replace_key(&self, id: u64, public_pem: &str) {
        let body =
            json!({"id": id, "slug": "-", "public_key_pem": public_pem, "replace_key": true});
        let reply = self.hook("POST", "/_test/apps", &body);
        assert_eq!(reply.status, 200, "replace_key: {:?}", reply.json());
    }

    /// Installs App `app_id` on the user `account`, for the named repositories or (`None`) all
    /// of the account's, with `permissions` (`{"contents": "write", ...}`) as its ceiling.
    pub fn install(
        &self,
        app_id: u64,
        installation_id: u64,
        account: &str,
        repos: Option<&[&str]>,
        permissions: Value,
    ) {
        let body = json!({"app_id": app_id, "id": installation_id, "account": account,
            "repositories": repos, "permissions": permissions});
        let reply = self.hook("POST", "/_test/installations", &body);
        assert_eq!(reply.status, 201, "install: {:?}", reply.json());
    }

    /// How long tokens minted from now on live (GitHub: 3600 s); may be 0 or negative.
    pub fn set_lifetime(&self, secs: i64) {
        let reply = self.hook("POST", "/_test/lifetime", &json!({ "seconds": secs }));
        assert_eq!(reply.status, 200, "set_lifetime: {:?}", reply.json());
    }

    /// What revoking a minted token (`DELETE /installation/token`) does on GitHub.
    pub fn revoke(&self, token: &str) {
        let reply = self.hook("POST", "/_test/revoke", &json!({ "token": token }));
        assert_eq!(reply.status, 200, "revoke: {:?}", reply.json());
    }

    /// Every token minted, in order: `app_id`, `installation_id`, `repositories`,
    /// `repository_ids` and `permissions` as asked (null when absent), `token`, `expires_at`,
    /// `revoked`, and `covered` (the repository names it reaches; null: all the installation's).
    pub fn mints(&self) -> Vec<Value> {
        self.state()["mints"].as_array().unwrap().clone()
    }

    /// The claims of every JWT the server accepted, in order.
    pub fn jwts(&self) -> Vec<Value> {
        self.state()["jwts"].as_array().unwrap().clone()
    }

    /// Every JWT refused: `{"message": GitHub's, "claims": null when they did not decode}`.
    pub fn refused(&self) -> Vec<Value> {
        self.state()["refused"].as_array().unwrap().clone()
    }

    /// Whether `token` is a live minted token that reaches `repo` (`OWNER/REPO`).
    pub fn token_ok(&self, token: &str, repo: &str) -> bool {
        token_ok(self.port, token, repo)
    }

    /// Mints through the API as a client would: a JWT signed now with `key`, then `POST
    /// /app/installations/ID/access_tokens` with `body` (`{"repositories": [...], ...}`).
    pub fn mint(&self, app_id: u64, key: &AppKey, installation_id: u64, body: &Value) -> Reply {
        let auth = format!("Bearer {}", app_jwt(app_id, key));
        let path = format!("/app/installations/{installation_id}/access_tokens");
        let bytes = serde_json::to_vec(body).unwrap();
        let headers = [
            ("Authorization", auth.as_str()),
            ("Accept", "application/vnd.github+json"),
        ];
        self.send("POST", &path, &headers, Some(("application/json", &bytes)))
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }
}

/// Asks the App server at `port` whether `token` reaches `repo` (`OWNER/REPO`); false when
/// the server does not answer. The git server's front (server.rs) asks the same.
pub(crate) fn token_ok(port: u16, token: &str, repo: &str) -> bool {
    let path = format!(
        "/_test/check?token={}&repo={}",
        query_escape(token),
        query_escape(repo)
    );
    send(port, "GET", &path, &[], None)
        .is_ok_and(|reply| reply.status == 200 && reply.json()["ok"] == true)
}

fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An App's RSA 2048 key pair, PEM-encoded.
pub struct AppKey {
    /// `-----BEGIN RSA PRIVATE KEY-----`, as GitHub hands App keys out.
    pub pkcs1_pem: String,
    /// `-----BEGIN PRIVATE KEY-----`, the same key.
    pub pkcs8_pem: String,
    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo), what the server verifies with.
    pub public_pem: String,
}

const KEYGEN: &str = r#"
import json
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
keys = []
for _ in range(2):
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = lambda f: k.private_bytes(s.Encoding.PEM, f, s.NoEncryption()).decode()
    keys.append({"pkcs1": private(s.PrivateFormat.TraditionalOpenSSL),
                 "pkcs8": private(s.PrivateFormat.PKCS8),
                 "public": k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode()})
print(json.dumps(keys))
"#;

fn keys() -> &'static [AppKey; 2] {
    static KEYS: OnceLock<[AppKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let out = python(KEYGEN, b"");
        let made: Vec<Value> = serde_json::from_str(&out).expect("keys as JSON");
        let key = |k: &Value| AppKey {
            pkcs1_pem: k["pkcs1"].as_str().unwrap().to_owned(),
            pkcs8_pem: k["pkcs8"].as_str().unwrap().to_owned(),
            public_pem: k["public"].as_str().unwrap().to_owned(),
        };
        [key(&made[0]), key(&made[1])]
    })
}

/// The test App's key, the same for the whole test process.
pub fn app_key() -> &'static AppKey {
    &keys()[0]
}

/// A second key, different from `app_key()`: a JWT signed with it is badly signed.
pub fn other_key() -> &'static AppKey {
    &keys()[1]
}

/// `claims` signed RS256 with `private_pem` (PyJWT; the key goes through stdin, never argv).
pub fn sign_jwt(private_pem: &str, claims: &Value) -> String {
    let script = "import json, sys, jwt\n\
        given = json.load(sys.stdin)\n\
        print(jwt.api_jws.encode(json.dumps(given['claims']).encode(), given['key'], algorithm='RS256'))";
    let input = json!({"key": private_pem, "claims": claims});
    python(script, input.to_string().as_bytes())
        .trim()
        .to_owned()
}

/// A JWT as GitHub's docs recommend: `iss` the App ID, `iat` 60 s ago, `exp` in 9 minutes.
pub fn app_jwt(app_id: u64, key: &AppKey) -> String {
    let now = unix_now();
    sign_jwt(
        &key.pkcs1_pem,
        &json!({"iss": app_id.to_string(), "iat": now - 60, "exp": now + 540}),
    )
}

fn python(script: &str, stdin: &[u8]) -> String {
    let mut cmd = Command::new(venv_python());
    cmd.args(["-c", script]).env_clear();
    let out = run(&mut cmd, stdin);
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}
