//! Shared helpers: a temp HOME per test, running git and the helper, reading answers.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");

/// A private HOME, XDG dirs and runtime dir; nothing from the machine's own user leaks in.
pub struct Env {
    pub root: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        // The helper caches keyring keys in the kernel session keyring; a test's processes get
        // a new anonymous one, never the user's own (and never another test's).
        let _ = own_session_keyring();
        let root = tempfile::tempdir().expect("temp dir");
        for dir in ["home", "config", "data", "run"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                root.path().join("run"),
                std::fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        Env { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    pub fn store_path(&self) -> PathBuf {
        self.path("data/git-credential-vouch/store.vouch")
    }

    pub fn key_path(&self) -> PathBuf {
        self.path("config/git-credential-vouch/key")
    }

    pub fn store_bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(self.store_path()).ok()
    }

    /// A command with a clean environment pointing at this test's HOME.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_RUNTIME_DIR", self.path("run"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LANG", "C")
            .current_dir(self.path("home"));
        cmd
    }

    /// Run the helper directly with `stdin`.
    pub fn helper(&self, args: &[&str], stdin: &[u8]) -> Output {
        run(self.command(HELPER).args(args), stdin)
    }

    /// `git -c credential.helper=<vouch> [extra -c ...] credential <action>`.
    pub fn git_credential(&self, config: &[&str], action: &str, stdin: &str) -> Output {
        let mut cmd = self.command("git");
        cmd.arg("-c").arg(format!("credential.helper={HELPER}"));
        for c in config {
            cmd.arg("-c").arg(c);
        }
        cmd.args(["credential", action]);
        run(&mut cmd, stdin.as_bytes())
    }

    pub fn approve(&self, stdin: &str) {
        let out = self.git_credential(&[], "approve", stdin);
        assert_ok(&out, "git credential approve");
    }

    pub fn reject(&self, stdin: &str) {
        let out = self.git_credential(&[], "reject", stdin);
        assert_ok(&out, "git credential reject");
    }

    /// `git credential fill`: the answer's fields, or `None` when no helper answered (git then
    /// fails because terminal prompts are disabled).
    pub fn fill(&self, stdin: &str) -> Option<BTreeMap<String, String>> {
        self.fill_with(&[], stdin)
    }

    pub fn fill_with(&self, config: &[&str], stdin: &str) -> Option<BTreeMap<String, String>> {
        let out = self.git_credential(config, "fill", stdin);
        if out.status.success() {
            assert_eq!(stderr(&out), "", "fill printed to stderr");
            Some(fields(&out.stdout))
        } else {
            assert!(
                out.stdout.is_empty(),
                "failed fill printed {:?}",
                stdout(&out)
            );
            assert!(
                stderr(&out).contains("terminal prompts disabled"),
                "fill failed for another reason: {}",
                stderr(&out)
            );
            None
        }
    }
}

pub fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    spawn(cmd, stdin).wait_with_output().expect("wait")
}

/// `cmd` started with `stdin` written and closed, its output piped: for processes run at once.
pub fn spawn(cmd: &mut Command, stdin: &[u8]) -> std::process::Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The helper may reject a request before reading it all.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child
}

pub fn fields(stdout: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8(stdout.to_vec())
        .expect("utf-8 answer")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?}): {}",
        out.status.code(),
        stderr(out)
    );
    assert_eq!(stderr(out), "", "{what} printed to stderr");
}

/// Assert a failure with `code`, one line on stderr, nothing on stdout.
pub fn assert_fails(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(out));
    let err = stderr(out);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "expected one line: {err:?}"
    );
    err
}

pub fn get<'a>(answer: &'a Option<BTreeMap<String, String>>, key: &str) -> Option<&'a str> {
    answer.as_ref()?.get(key).map(String::as_str)
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The version of the `git` on PATH, e.g. (2, 47).
pub fn git_version() -> (u32, u32) {
    let out = Command::new("git")
        .arg("--version")
        .output()
        .expect("git on PATH");
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.split_whitespace().nth(2).unwrap_or("0.0");
    let mut parts = v.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// target/test-venv's python, where tests/run.sh installs the test servers' packages.
pub fn venv_python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run tests/run.sh, which installs the test servers' packages there",
        python.display()
    );
    python
}

/// Starts a loopback test server, tests/it/`script`, with target/test-venv's python (which
/// tests/run.sh fills) and an empty environment; the port from its first line, `PORT <n>`.
pub fn spawn_python_server(script: &str, args: &[&str]) -> (std::process::Child, u16) {
    use std::io::BufRead;
    let mut child = Command::new(venv_python())
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/it")
                .join(script),
        )
        .args(args)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {script}: {e}"));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("PORT ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("{script} said {line:?}"));
    (child, port)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl Env {
    /// Write config.toml where vouch looks for it.
    /// config.toml, private as `init` would make it (a file others can write is refused).
    pub fn write_config(&self, toml: &str) {
        let dir = self.path("config/git-credential-vouch");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        std::fs::write(&file, toml).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let set = |p: &Path, mode| {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
            };
            set(&dir, 0o700);
            set(&file, 0o600);
        }
    }

    /// Run a management command that must succeed quietly on stderr; its stdout.
    pub fn vouch(&self, args: &[&str], stdin: &str) -> String {
        let out = self.helper(args, stdin.as_bytes());
        assert_ok(&out, &format!("vouch {args:?}"));
        stdout(&out)
    }

    /// `add` with the token on stdin; the new ID.
    pub fn add(&self, args: &[&str], token: &str) -> String {
        let mut argv = vec!["add"];
        argv.extend_from_slice(args);
        let id = self.vouch(&argv, &format!("{token}\n"));
        assert!(
            id.len() == 13 && id.ends_with('\n') && id[..12].bytes().all(|b| b.is_ascii_hexdigit()),
            "add printed {id:?}, not an ID alone"
        );
        id.trim_end().to_owned()
    }

    pub fn list_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.vouch(&["list", "--json"], "")).expect("list --json is JSON")
    }
}

/// Every check of `doctor --json` output.
pub fn doctor_checks(out: &Output) -> Vec<serde_json::Value> {
    let json: serde_json::Value =
        serde_json::from_str(&stdout(out)).expect("doctor --json is JSON");
    json["checks"].as_array().expect("a checks array").clone()
}

/// The first check named `name` in `doctor --json` output.
pub fn doctor_check(out: &Output, name: &str) -> serde_json::Value {
    doctor_checks(out)
        .into_iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {}", stdout(out)))
}

/// A command running at a real terminal (tmux), for what must differ from a pipe: prompts
/// without echo, messages meant for a person. The tmux server ends with the value.
pub struct Terminal<'e> {
    env: &'e Env,
    sock: PathBuf,
}

impl<'e> Terminal<'e> {
    /// Start `script` (a shell command line) in a 120x20 terminal.
    pub fn start(env: &'e Env, script: &str) -> Terminal<'e> {
        let term = Terminal {
            env,
            sock: env.path("tmux.sock"),
        };
        // A server killed a moment ago on the same socket may still be going away: retry.
        let started = (0..40).any(|_| {
            let ok = term
                .tmux(&["new-session", "-d", "-x", "120", "-y", "20", script])
                .status
                .success();
            if !ok {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            ok
        });
        assert!(started, "tmux did not start");
        term
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let mut cmd = self.env.command("tmux");
        cmd.env("TERM", "xterm")
            .arg("-S")
            .arg(&self.sock)
            .args(args);
        run(&mut cmd, b"")
    }

    pub fn screen(&self) -> String {
        stdout(&self.tmux(&["capture-pane", "-p"]))
    }

    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Poll `what` for up to ten seconds.
    pub fn wait(&self, what: &dyn Fn() -> bool) -> bool {
        for _ in 0..200 {
            if what() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Terminal<'_> {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

impl Env {
    /// The files under this test's config and data dirs that contain `needle` as bytes.
    pub fn files_containing(&self, needle: &str) -> Vec<String> {
        let mut hits = vec![];
        let mut stack = vec![self.path("config"), self.path("data")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if std::fs::read(&path)
                    .unwrap()
                    .windows(needle.len())
                    .any(|w| w == needle.as_bytes())
                {
                    hits.push(path.display().to_string());
                }
            }
        }
        hits
    }
}

/// KEYCTL_JOIN_SESSION_KEYRING with no name (what `keyctl session -` does): a new session
/// keyring for this thread and the processes it starts. Err when the kernel refuses keyctl
/// (some containers), where the helper cannot cache keys either.
pub fn own_session_keyring() -> std::io::Result<()> {
    // SAFETY: keyctl(2) with operation 1 and a null name takes no pointers to Rust memory.
    let id = unsafe { libc::syscall(libc::SYS_keyctl, 1, std::ptr::null::<libc::c_char>()) };
    if id > 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
