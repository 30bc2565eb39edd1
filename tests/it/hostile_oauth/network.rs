//! Proxies from the environment (issue 26, item 8): never for loopback destinations, whose
//! plain http would carry tokens in clear text through the proxy; still for other hosts.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{GET, password, setup};
use crate::common::*;
use crate::oauth_harness::*;

/// A proxy on 127.0.0.1 that records the first line of every request and refuses it.
struct FakeProxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FakeProxy {
    fn start() -> FakeProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        // Ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                record.lock().unwrap().push(line.trim().to_owned());
                let _ =
                    (&stream).write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            }
        });
        FakeProxy { port, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Every proxy variable ureq and curl read, in both cases.
    fn set(&self, cmd: &mut Command) {
        for var in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"] {
            let url = format!("http://127.0.0.1:{}", self.port);
            cmd.env(var, &url).env(var.to_ascii_lowercase(), &url);
        }
    }
}

#[test]
fn environment_proxies_are_never_used_for_loopback() {
    let (server, env) = setup(&["--expires-in", "2"]);
    let proxy = FakeProxy::start();
    // Login: the token endpoint and /user, at http://127.0.0.1.
    let mut cmd = env.command(HELPER);
    proxy.set(&mut cmd);
    cmd.env("BROWSER", browser(&env))
        .env("VOUCH_LOGIN_TIMEOUT", "20")
        .args(["login", "corp", "--browser"]);
    let out = run(&mut cmd, b"");
    assert!(out.status.success(), "{}", stderr(&out));
    // Refresh on get.
    std::thread::sleep(Duration::from_millis(3200));
    let mut cmd = env.command(HELPER);
    proxy.set(&mut cmd);
    let out = run(cmd.arg("get"), GET);
    assert!(password(&out).is_some(), "{}", stderr(&out));
    assert_eq!(server.issued(REFRESH_GRANT), 1);
    assert_eq!(
        proxy.seen(),
        Vec::<String>::new(),
        "the proxy saw loopback traffic"
    );
    // Other hosts still go through it (the proxy resolves them: no lookup here).
    env.write_config(
        "[[provider]]\nname = \"far\"\nkind = \"gitlab-self-managed\"\nhosts = [\"gitlab.test\"]\noauth_client_id = \"x\"\n",
    );
    let mut cmd = env.command(HELPER);
    proxy.set(&mut cmd);
    let out = run(cmd.args(["login", "far", "--device"]), b"");
    assert!(!out.status.success());
    assert_eq!(proxy.seen(), ["CONNECT gitlab.test:443 HTTP/1.1"]);
}
