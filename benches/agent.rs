//! A `get` forwarded to the agent against the same `get` answered locally, side by side, both
//! through `git credential fill` (and the helper alone, to show where the time goes).
//!
//!     cargo bench --locked --bench agent        (VOUCH_BENCH_RUNS=N, default 300)
//!
//! The user's machine has a key-file store of 1,000 credentials (imported from a generated
//! git-credentials file) and runs `agent`; the box is a HOME with nothing of vouch in it and
//! `VOUCH_AGENT_SOCK` set. The credential asked for is the file's last line. Each round runs
//! every contender once, in turn, so machine noise hits them alike; the ratio is the forwarded
//! median over the local median. Target (issue 29): a forwarded `get` costs at most 1.5x a
//! local one.

mod common;

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{credentials_file, thousands, token};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");
const N: usize = 1000;

struct Contender {
    name: &'static str,
    /// "host": the user's machine; "box": an empty HOME forwarding to the agent.
    side: &'static str,
    /// Through `git credential fill`, or the helper's `get` alone.
    fill: bool,
    times: Vec<Duration>,
}

impl Contender {
    fn command(&self, root: &Path, socket: &Path) -> Command {
        let mut cmd = if self.fill {
            let mut git = clean("git", root, self.side);
            git.args(["-c", &format!("credential.helper={HELPER}")])
                .args(["credential", "fill"]);
            git
        } else {
            let mut helper = clean(HELPER, root, self.side);
            helper.arg("get");
            helper
        };
        if self.side == "box" {
            cmd.env("VOUCH_AGENT_SOCK", socket);
        }
        cmd
    }
}

/// The agent, stopped when the bench ends.
struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A command with a clean environment: PATH, and HOME and the XDG dirs under `root/side`.
fn clean(program: &str, root: &Path, side: &str) -> Command {
    common::isolated(program, &root.join(side))
}

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: one round checks every answer.
    let timing = std::env::args().any(|a| a == "--bench");
    let runs = common::interleaved_runs(timing);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    for dir in ["host/home", "box/home"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let file = root.join("git-credentials");
    credentials_file(&file, N);
    for args in [&["init", "--key", "file"][..], &["import", "--from"]] {
        let mut cmd = clean(HELPER, &root, "host");
        cmd.args(args);
        if args[0] == "import" {
            cmd.arg(&file);
        }
        assert!(cmd.stdout(Stdio::null()).status().unwrap().success());
    }
    let socket = root.join("agent.sock");
    let mut agent = clean(HELPER, &root, "host")
        .arg("agent")
        .arg("--socket")
        .arg(&socket)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(agent.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("VOUCH_AGENT_SOCK="),
        "the agent said {line:?}"
    );
    let _agent = Agent(agent);

    let contender = |name, side, fill| Contender {
        name,
        side,
        fill,
        times: vec![],
    };
    let mut contenders = vec![
        contender("git credential fill, vouch get local", "host", true),
        contender(
            "git credential fill, vouch get forwarded to the agent",
            "box",
            true,
        ),
        contender("git-credential-vouch get, local", "host", false),
        contender(
            "git-credential-vouch get, forwarded to the agent",
            "box",
            false,
        ),
    ];
    let query = format!("protocol=https\nhost=host{}.example.com\n", N - 1);
    let expected = format!("password={}\n", token(N - 1));
    for round in 0..runs.max(1) {
        for c in &mut contenders {
            let result = common::run(&mut c.command(&root, &socket), query.as_bytes());
            assert!(
                result.code == Some(0) && result.stdout.contains(&expected),
                "{} answered {:?}",
                c.name,
                result.stdout
            );
            if timing && round < runs {
                c.times.push(result.time);
            }
        }
    }
    if !timing {
        println!(
            "bench smoke test: all {} contenders answered correctly",
            contenders.len()
        );
        return;
    }
    println!(
        "get on {} credentials (key-file store), {runs} interleaved runs each (wall time per process)",
        thousands(N)
    );
    let medians: Vec<Duration> = contenders
        .iter_mut()
        .map(|c| common::median_and_p90(c.name, &mut c.times))
        .collect();
    for (what, local, forwarded) in [
        ("git credential fill", medians[0], medians[1]),
        ("git-credential-vouch get", medians[2], medians[3]),
    ] {
        println!(
            "  forwarded / local, {what}: {:.2}x (target: at most 1.5x)",
            forwarded.as_secs_f64() / local.as_secs_f64()
        );
    }
}
