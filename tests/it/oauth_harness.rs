//! The loopback OAuth server (tests/it/oauth_server.py, Authlib's RFC 6749/7636/8628 server
//! classes) and logging in against it with a `BROWSER` that follows the redirect with curl.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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
        "#!/bin/sh\nexec curl -sS -L --noproxy '*' --max-time 20 -o /dev/null \"$1\"\n",
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

impl OAuthServer {
    /// Make the token endpoint answer `grant` ("*": every grant) with `status` and `body`
    /// (raw JSON) instead of Authlib, which then uses up no code or refresh token.
    pub fn answer(&self, grant: &str, status: u16, body: &str) {
        self.hook(
            "/_test/answer",
            &[
                ("grant", grant),
                ("status", &status.to_string()),
                ("body", body),
            ],
        );
    }

    /// Let Authlib answer `grant` again.
    pub fn honest(&self, grant: &str) {
        self.hook("/_test/answer", &[("grant", grant)]);
    }

    /// Revoke every refresh token issued so far: the refresh grant is refused (invalid_grant).
    pub fn revoke_refresh_tokens(&self) {
        self.hook("/_test/revoke", &[]);
    }

    /// Token requests of `grant` the server received, answered honestly or not.
    pub fn requests(&self, grant: &str) -> u64 {
        self.stats()["requests"][grant].as_u64().unwrap_or(0)
    }

    fn hook(&self, path: &str, form: &[(&str, &str)]) {
        let _: Value = vouch::http::Client::new()
            .post_form(&self.url(path), form)
            .unwrap()
            .unwrap();
    }
}

/// A `login` running in the background: its authorization URL (read from stderr) and the
/// redirect port and `state` in it.
pub struct PendingLogin {
    pub child: Child,
    pub url: String,
    pub port: u16,
    pub state: String,
    stderr: std::thread::JoinHandle<String>,
}

impl PendingLogin {
    /// Start `login ARGS` with a `BROWSER` that does nothing (the test plays the browser) and
    /// `VOUCH_LOGIN_TIMEOUT` seconds to wait.
    pub fn start(env: &Env, args: &[&str], timeout: u64) -> PendingLogin {
        use std::io::BufRead;
        let mut child = env
            .command(HELPER)
            .env("BROWSER", "true")
            .env("VOUCH_LOGIN_TIMEOUT", timeout.to_string())
            .arg("login")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut url = String::new();
        while !url.starts_with("http") {
            url.clear();
            assert!(reader.read_line(&mut url).unwrap() > 0, "no URL on stderr");
        }
        let url = url.trim().to_owned();
        let param = |name: &str| {
            let raw = url
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no {name} in {url}"));
            percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .unwrap()
                .into_owned()
        };
        let redirect = param("redirect_uri");
        let port = redirect
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|_| panic!("redirect {redirect}"));
        let state = param("state");
        let stderr = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
            rest
        });
        PendingLogin {
            child,
            url,
            port,
            state,
            stderr,
        }
    }

    /// Follow the authorization URL to the redirect, as a browser would.
    pub fn browse(&self) -> Output {
        run(
            Command::new("curl")
                .args([
                    "-sS",
                    "-L",
                    "--noproxy",
                    "*",
                    "--max-time",
                    "20",
                    "-o",
                    "/dev/null",
                ])
                .arg(&self.url),
            b"",
        )
    }

    /// Send `request_line` (and a Host header) to the redirect port; the status line back.
    pub fn send(&self, request_line: &str) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "{request_line}\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer.lines().next().unwrap_or_default().to_owned()
    }

    /// Wait up to `limit` for the login to end: its output, or `None` (then it is killed).
    pub fn finish(mut self, limit: Duration) -> Option<Output> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stdout = Vec::new();
                if let Some(mut out) = self.child.stdout.take() {
                    std::io::Read::read_to_end(&mut out, &mut stdout).unwrap();
                }
                let stderr = self.stderr.join().unwrap().into_bytes();
                return Some(Output {
                    status,
                    stdout,
                    stderr,
                });
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
