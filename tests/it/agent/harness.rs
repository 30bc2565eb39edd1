//! What the agent tests run: the agent itself, a box (a second HOME with no vouch data) whose
//! helper forwards to it, a real `sshd` on 127.0.0.1 and bubblewrap containers.
//!
//! sshd runs with its own config, host key and authorized key in the test's temp dir, never
//! the machine's /etc/ssh or ~/.ssh: it runs inside a bubblewrap mount namespace that gives it
//! the /run/sshd it needs and an empty tmpfs over the user's home (the remote session's shell
//! finds no rc files there). The ssh client gets `-F` (so it creates no ~/.ssh either), the
//! user key and a known_hosts holding the throwaway host key.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// A running `git credential-vouch agent` for `env`'s store.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
    pub log: PathBuf,
    stderr: PathBuf,
}

impl Agent {
    pub fn start(env: &Env, args: &[&str]) -> Agent {
        let mut cmd = env.command(HELPER);
        cmd.arg("agent").args(args);
        Agent::spawn(env, cmd)
    }

    /// Start `cmd` (an agent command line from `env`) and wait for its export line.
    pub fn spawn(env: &Env, mut cmd: Command) -> Agent {
        let stderr = env.path("agent.stderr");
        let mut child = cmd
            .env("XDG_STATE_HOME", env.path("state"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start the agent");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let socket = line
            .strip_prefix("VOUCH_AGENT_SOCK=")
            .and_then(|l| l.strip_suffix("; export VOUCH_AGENT_SOCK;\n"))
            .unwrap_or_else(|| {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the agent said {line:?}; stderr: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                )
            });
        Agent {
            child,
            socket: PathBuf::from(socket.trim_matches('\'')),
            log: env.path("state/git-credential-vouch/agent.log"),
            stderr,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The log's last line, once `n` lines were written (lines are written after the answer).
    pub fn wait_for_line(&self, n: usize) -> String {
        let start = Instant::now();
        loop {
            let log = self.log();
            if log.lines().count() >= n {
                return log.lines().nth(n - 1).unwrap().to_owned();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no line {n} in the log: {log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `git credential <action>` in `box_env` with the helper forwarding to `socket`.
pub fn box_git(box_env: &Env, socket: &Path, config: &[&str], action: &str, stdin: &str) -> Output {
    let mut cmd = box_env.command("git");
    cmd.env("VOUCH_AGENT_SOCK", socket)
        .arg("-c")
        .arg(format!("credential.helper={HELPER}"));
    for c in config {
        cmd.arg("-c").arg(c);
    }
    cmd.args(["credential", action]);
    run(&mut cmd, stdin.as_bytes())
}

/// The helper itself in `box_env`, forwarding to `socket`.
pub fn box_helper(box_env: &Env, socket: &Path, action: &str, stdin: &str) -> Output {
    let mut cmd = box_env.command(HELPER);
    cmd.env("VOUCH_AGENT_SOCK", socket).arg(action);
    run(&mut cmd, stdin.as_bytes())
}

/// A git command that got nothing: it failed with git's own "terminal prompts disabled", and
/// vouch said why in exactly one stderr line, which is returned.
pub fn one_line_then_git_prompts(out: &Output) -> String {
    assert!(!out.status.success() && out.stdout.is_empty(), "{out:?}");
    let err = stderr(out);
    let ours: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("git-credential-vouch:"))
        .collect();
    assert_eq!(ours.len(), 1, "one line from vouch: {err}");
    assert!(
        err.contains("terminal prompts disabled"),
        "git's own behaviour: {err}"
    );
    ours[0].to_owned()
}

/// The files under `dir` holding `needle`, raw or as the base64 of `user:needle` (what Basic
/// auth would carry).
pub fn files_holding(dir: &Path, user: &str, needle: &str) -> Vec<PathBuf> {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{needle}"));
    let mut hits = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let has = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
                if has(needle.as_bytes()) || has(basic.as_bytes()) {
                    hits.push(path);
                }
            }
        }
    }
    hits
}

/// The current user's home directory as the password database has it (what sshd gives the
/// session), which sshd's namespace covers with an empty tmpfs.
fn passwd_home() -> PathBuf {
    // SAFETY: getpwuid returns a pointer into static storage or null; read at once, on this
    // thread, before any other call that could overwrite it.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        assert!(!pw.is_null(), "no passwd entry for this uid");
        let dir = std::ffi::CStr::from_ptr((*pw).pw_dir);
        PathBuf::from(std::ffi::OsStr::from_encoded_bytes_unchecked(
            dir.to_bytes(),
        ))
    }
}

pub fn user_name() -> String {
    // SAFETY: as in passwd_home.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        assert!(!pw.is_null(), "no passwd entry for this uid");
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

/// A real sshd on 127.0.0.1 (Debian's openssh-server).
pub struct Sshd {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

const SSHD: &str = "/usr/sbin/sshd";

impl Sshd {
    pub fn start(dir: &Path) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: tests/run.sh installs openssh-server"
        );
        std::fs::create_dir_all(dir).unwrap();
        for key in ["host_key", "user_key"] {
            let out = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "vouch-test", "-f"])
                .arg(dir.join(key))
                .output()
                .expect("ssh-keygen (openssh-client)");
            assert!(out.status.success(), "ssh-keygen: {out:?}");
        }
        std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
        let port = free_port();
        let d = dir.display();
        std::fs::write(
            dir.join("sshd_config"),
            format!(
                "ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_key\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
                 AllowStreamLocalForwarding yes\nStreamLocalBindUnlink yes\nPermitUserRC no\n\
                 PermitUserEnvironment no\nPidFile none\nLogLevel VERBOSE\n"
            ),
        )
        .unwrap();
        let host_key = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
        let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
        std::fs::write(
            dir.join("known_hosts"),
            format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
        )
        .unwrap();
        std::fs::write(
            dir.join("ssh_config"),
            format!(
                "Host *\n  IdentityFile {d}/user_key\n  IdentitiesOnly yes\n  \
                 UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  \
                 StrictHostKeyChecking yes\n  BatchMode yes\n  ExitOnForwardFailure yes\n  \
                 StreamLocalBindUnlink yes\n"
            ),
        )
        .unwrap();
        let mut cmd = Command::new("bwrap");
        cmd.args(["--bind", "/", "/", "--dev", "/dev", "--proc", "/proc"])
            .args(["--tmpfs", "/run", "--perms", "0755", "--dir", "/run/sshd"])
            .arg("--tmpfs")
            .arg(passwd_home())
            .args(["--unshare-pid", "--die-with-parent"]);
        if user_name() != "root" {
            cmd.arg("--unshare-user");
        }
        let child = cmd
            .arg("--")
            .arg(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
            .spawn()
            .expect("bwrap (bubblewrap) runs sshd");
        let sshd = Sshd {
            child,
            port,
            dir: dir.to_path_buf(),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "sshd did not listen: {}",
                sshd.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sshd
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// `ssh -R remote:local` to this sshd running `command` (a shell command line).
    pub fn ssh(&self, env: &Env, forward: (&Path, &Path), command: &str) -> Output {
        let mut cmd = env.command("ssh");
        cmd.arg("-F")
            .arg(self.dir.join("ssh_config"))
            .args(["-p", &self.port.to_string(), "-R"])
            .arg(format!("{}:{}", forward.0.display(), forward.1.display()))
            .arg(format!("{}@127.0.0.1", user_name()))
            .arg(command);
        run(&mut cmd, b"")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A container made with bubblewrap: the system's /usr and /etc read-only, its own HOME
/// (`home`, at /home/dev) and /tmp (`tmp`), the helper read-only at /opt/vouch, the agent's
/// socket bound at /run/vouch/agent.sock, and nothing else of the host: not the test's HOME,
/// not its vouch data or config dirs.
pub struct Container {
    pub home: PathBuf,
    pub tmp: PathBuf,
    socket: PathBuf,
}

pub const BOX_HELPER: &str = "/opt/vouch/git-credential-vouch";
pub const BOX_SOCKET: &str = "/run/vouch/agent.sock";

impl Container {
    pub fn new(dir: &Path, socket: &Path) -> Container {
        let (home, tmp) = (dir.join("home"), dir.join("tmp"));
        for d in [&home, &tmp] {
            std::fs::create_dir_all(d).unwrap();
        }
        Container {
            home,
            tmp,
            socket: socket.to_path_buf(),
        }
    }

    /// Run `script` with sh in the container.
    pub fn run(&self, script: &str) -> Output {
        let mut cmd = Command::new("bwrap");
        cmd.args(["--ro-bind", "/usr", "/usr"]);
        for (link, to) in [
            ("/bin", "usr/bin"),
            ("/sbin", "usr/sbin"),
            ("/lib", "usr/lib"),
            ("/lib64", "usr/lib64"),
        ] {
            cmd.args(["--symlink", to, link]);
        }
        cmd.args([
            "--ro-bind",
            "/etc",
            "/etc",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
        ])
        .arg("--bind")
        .arg(&self.home)
        .arg("/home/dev")
        .arg("--bind")
        .arg(&self.tmp)
        .arg("/tmp")
        // Directories every uid may enter, as an image's would be.
        .args([
            "--perms",
            "0755",
            "--dir",
            "/opt",
            "--perms",
            "0755",
            "--dir",
            "/opt/vouch",
        ])
        .arg("--ro-bind")
        .arg(HELPER)
        .arg(BOX_HELPER)
        .args(["--perms", "0755", "--dir", "/run/vouch", "--bind"])
        .arg(&self.socket)
        .arg(BOX_SOCKET)
        .args([
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--die-with-parent",
        ])
        .args(["--clearenv", "--chdir", "/home/dev"]);
        for (k, v) in [
            ("HOME", "/home/dev"),
            ("PATH", "/usr/local/bin:/usr/bin:/bin"),
            ("VOUCH_AGENT_SOCK", BOX_SOCKET),
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("GIT_TERMINAL_PROMPT", "0"),
            ("LANG", "C"),
        ] {
            cmd.args(["--setenv", k, v]);
        }
        cmd.args(["sh", "-c", script]);
        run(&mut cmd, b"")
    }
}
