//! The loopback provider server (tests/it/provider_server.py): GitLab, GitHub, Gitea and
//! Bitbucket token-lifecycle routes on a free 127.0.0.1 port, seeded and inspected through its
//! /_test hooks. A plain HTTP/1.1 client over `TcpStream` talks to it, so tests see the exact
//! status, headers and body (or a connection closed without any answer). `LoopbackServer` is
//! what it shares with the GitHub App server's harness (github_app_harness.rs).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::ops::{Deref, DerefMut};
use std::process::Child;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::spawn_python_server;

/// What every loopback API test server of tests/it/*.py shares: its port, requests through
/// `send`, its /_test hooks (state, route faults: route_faults.py), killed when dropped.
pub struct LoopbackServer {
    child: Option<Child>,
    pub port: u16,
}

/// The provider server, with `LoopbackServer`'s methods through `Deref`.
pub struct ProviderServer {
    server: LoopbackServer,
}

/// One HTTP answer, read whole (the client sends `Connection: close`).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first header of that name (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body {:?} is not JSON: {e}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl LoopbackServer {
    /// Starts tests/it/`script` (which prints `PORT <n>`) on a free 127.0.0.1 port.
    pub fn start(script: &str) -> LoopbackServer {
        let (child, port) = spawn_python_server(script, &[]);
        LoopbackServer {
            child: Some(child),
            port,
        }
    }

    /// `GET /_test/state`: what the server holds and counted.
    pub fn state(&self) -> Value {
        let reply = self.send("GET", "/_test/state", &[], None).expect("state");
        assert_eq!(reply.status, 200);
        reply.json()
    }

    /// How often an API route was called, whatever the answer (a name unknown to the server
    /// panics: a typo would otherwise count 0 forever).
    pub fn calls(&self, name: &str) -> u64 {
        let calls = &self.state()["calls"];
        calls[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no route {name:?} in {calls}"))
    }

    /// The next call of `endpoint` (a `calls` name) is carried out but gets no answer.
    pub fn drop_next(&self, endpoint: &str) {
        self.fault_next("/_test/drop_next", json!({ "endpoint": endpoint }));
    }

    /// The next call of `endpoint` is carried out, then answered `seconds` later.
    pub fn delay_next(&self, endpoint: &str, seconds: f64) {
        self.fault_next(
            "/_test/next",
            json!({ "endpoint": endpoint, "delay": seconds }),
        );
    }

    /// The next call of `endpoint` is carried out, then answered 200 with `body` verbatim.
    pub fn garble_next(&self, endpoint: &str, body: &str) {
        self.fault_next("/_test/next", json!({ "endpoint": endpoint, "body": body }));
    }

    fn fault_next(&self, path: &str, body: Value) {
        let reply = self.hook("POST", path, &body);
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.json());
    }

    /// Kills the server now: the service is down and connections are refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A JSON request to a test hook (`/_test/...`), which must be answered.
    pub fn hook(&self, method: &str, path: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).unwrap();
        self.send(method, path, &[], Some(("application/json", &bytes)))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// One request to this server; `Err` when the connection failed or closed without an
    /// answer. `path` starts with `/`.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> std::io::Result<Reply> {
        send(self.port, method, path, headers, body)
    }

    /// `send` of a GET with one `Authorization`-style header, which must be answered.
    pub fn get(&self, path: &str, header: (&str, &str)) -> Reply {
        self.send("GET", path, &[header], None)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Deref for ProviderServer {
    type Target = LoopbackServer;
    fn deref(&self) -> &LoopbackServer {
        &self.server
    }
}

impl DerefMut for ProviderServer {
    fn deref_mut(&mut self) -> &mut LoopbackServer {
        &mut self.server
    }
}

impl ProviderServer {
    pub fn start() -> ProviderServer {
        ProviderServer {
            server: LoopbackServer::start("provider_server.py"),
        }
    }

    /// Where `family`'s REST API lives (what a provider's `api_url` is set to).
    pub fn api_url(&self, family: &str) -> String {
        let suffix = match family {
            "gitlab" => "/api/v4",
            "github" => "",
            "gitea" => "/api/v1",
            "bitbucket" => "/2.0",
            other => panic!("no provider family {other:?}"),
        };
        format!("{}{suffix}", self.base_url(family))
    }

    /// `family`'s root without the API suffix (GitLab's OAuth revoke lives here).
    pub fn base_url(&self, family: &str) -> String {
        assert!(
            ["gitlab", "github", "gitea", "bitbucket"].contains(&family),
            "no provider family {family:?}"
        );
        format!("http://127.0.0.1:{}/{family}", self.port)
    }

    /// Seeds a token the provider knows; its id (the first of its rotation family).
    pub fn add_token(
        &self,
        family: &str,
        token: &str,
        username: &str,
        scopes: &[&str],
        expires_at: Option<&str>,
    ) -> u64 {
        let body = json!({"family": family, "token": token, "username": username,
            "scopes": scopes, "expires_at": expires_at});
        let reply = self.hook("POST", "/_test/tokens", &body);
        assert_eq!(reply.status, 201, "add_token: {:?}", reply.json());
        reply.json()["id"].as_u64().expect("an id")
    }

    /// What revoking `token` in the provider's web UI does.
    pub fn revoke(&self, token: &str) {
        let reply = self.hook("POST", "/_test/revoke", &json!({ "token": token }));
        assert_eq!(reply.status, 200, "revoke: {:?}", reply.json());
    }

    /// The values of `family`'s tokens that are active now (not revoked, not expired).
    pub fn active_tokens(&self, family: &str) -> Vec<String> {
        self.tokens()
            .into_iter()
            .filter(|t| t["family"] == family && t["active"] == true)
            .map(|t| t["token"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn is_active(&self, token: &str) -> bool {
        self.tokens()
            .iter()
            .any(|t| t["token"] == token && t["active"] == true)
    }

    pub fn tokens(&self) -> Vec<Value> {
        self.state()["tokens"].as_array().unwrap().clone()
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port`; `Err` when the connection failed or closed
/// without an answer. `path` starts with `/`. The other loopback test servers' harnesses and
/// the git server's front use it too.
pub(crate) fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let (content_type, bytes) = body.unwrap_or(("", b""));
    if body.is_some() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(bytes)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> std::io::Result<Reply> {
    let lost = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no HTTP answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(lost)?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| lost())?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(lost)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = raw[split + 4..].to_vec();
    let reply = Reply {
        status,
        headers,
        body,
    };
    assert_ne!(
        reply.header("Transfer-Encoding"),
        Some("chunked"),
        "the test client reads no chunked bodies"
    );
    Ok(reply)
}

/// `Authorization: Basic base64(user:password)`, for Bitbucket and GitHub's app routes.
pub fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in input.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | *b as u32) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
