//! The loopback OAuth server (tests/it/oauth_server.py, Authlib's RFC 6749/7636/8628 server
//! classes) and logging in against it with a `BROWSER` that follows the redirect with curl.

use std::process::{Child, Output};

use serde_json::Value;

use crate::common::*;

pub struct OAuthServer {
    child: Child,
    pub port: u16,
}

impl OAuthServer {
    pub fn start(args: &[&str]) -> OAuthServer {
        let (child, port) = spawn_python_server("oauth_server.py", args);
        OAuthServer { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stats(&self) -> Value {
        vouch::http::Client::new()
            .get_public(&self.url("/_test/stats"))
            .unwrap()
            .expect("stats")
    }

    pub fn issued(&self, grant: &str) -> u64 {
        self.stats()["issued"][grant].as_u64().unwrap_or(0)
    }

    pub fn approve(&self, user_code: &str, allow: bool) {
        let _: Value = vouch::http::Client::new()
            .post_form(
                &self.url("/_test/approve"),
                &[
                    ("user_code", user_code),
                    ("allow", if allow { "1" } else { "0" }),
                ],
            )
            .unwrap()
            .unwrap();
    }

    /// config.toml for an instance `name` of `kind` at host `host` whose OAuth lives here.
    pub fn config(&self, name: &str, kind: &str, host: &str, client: &str) -> String {
        let api = match kind {
            "gitlab" | "gitlab-self-managed" => "/api/v4",
            "gitea" | "forgejo" => "/api/v1",
            "bitbucket-cloud" => "/2.0",
            _ => "",
        };
        format!(
            "[[provider]]\nname = \"{name}\"\nkind = \"{kind}\"\nhosts = [\"{host}\"]\nissuer_url = \"{}\"\napi_url = \"{}\"\noauth_client_id = \"{client}\"\n",
            self.url(""),
            self.url(api)
        )
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const CODE_GRANT: &str = "authorization_code";
pub const REFRESH_GRANT: &str = "refresh_token";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A `BROWSER` that follows the authorization redirect back to vouch with curl.
pub fn browser(env: &Env) -> String {
    let path = env.path("browser.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nexec curl -sS -L --max-time 20 -o /dev/null \"$1\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// A failed login: its exit code, nothing on stdout; the last line of stderr (the error; the
/// lines before it told the person where to go).
pub fn login_fails(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    assert!(out.stdout.is_empty(), "{}", stdout(out));
    let err = stderr(out);
    let last = err.lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with("git-credential-vouch: "), "{err}");
    last
}

pub fn login(env: &Env, args: &[&str]) -> Output {
    let mut cmd = env.command(HELPER);
    cmd.env("BROWSER", browser(env))
        .env("VOUCH_LOGIN_TIMEOUT", "20")
        .arg("login")
        .args(args);
    run(&mut cmd, b"")
}

/// `login` that must succeed: the ID it printed.
pub fn login_ok(env: &Env, args: &[&str]) -> String {
    let out = login(env, args);
    assert!(out.status.success(), "login failed: {}", stderr(&out));
    let id = stdout(&out).trim().to_owned();
    assert_eq!(id.len(), 12, "login printed {id:?}");
    id
}
