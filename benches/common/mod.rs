//! What the benches share: running the real binary with its peak RSS, a private Secret Service
//! session, generated git-credentials files, percentiles and number formatting. Each bench uses
//! a part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// `program` with a clean environment: PATH, and HOME and the XDG dirs under `dir`, so that
/// nothing of the user's (their store, config or git config) is read or written; stderr
/// inherited, so a contender's complaint shows when its answer is checked.
pub fn isolated(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stderr(Stdio::inherit());
    cmd
}

/// Rounds of interleaved runs: `VOUCH_BENCH_RUNS` (default 300) when timing (`--bench`), none
/// when `cargo test --all-targets` runs the bench as a smoke test.
pub fn interleaved_runs(timing: bool) -> usize {
    if !timing {
        return 0;
    }
    std::env::var("VOUCH_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(300)
}

/// One finished process: wall time (spawn to reaped), peak RSS in KiB (when known), exit code,
/// stdout.
pub struct Run {
    pub time: Duration,
    pub rss_kib: Option<i64>,
    pub code: Option<i32>,
    pub stdout: String,
}

/// Spawn `cmd` (stdout piped; stdin and stderr as the caller set them, stdin piped here when
/// `stdin` is given), feed it `stdin`, read its stdout and reap it with `wait4`.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Run {
    spawn_by_fork(cmd);
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut input = child.stdin.take().unwrap();
    // A process that answers without reading all of stdin may close it first.
    let _ = input.write_all(stdin);
    drop(input);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let (code, rss_kib) = wait(child);
    Run {
        time: start.elapsed(),
        rss_kib,
        code,
        stdout,
    }
}

/// The largest RSS (KiB) this bench had when it spawned a measured process: see
/// [`spawn_by_fork`].
static FLOOR_KIB: AtomicI64 = AtomicI64::new(0);

/// Make `cmd` start by fork and exec, never posix_spawn. Linux counts in a child's peak RSS
/// the pages of the address space it left at exec: after posix_spawn (a vfork) that is this
/// bench's own *peak*, after fork its RSS at that moment. std picks posix_spawn for an absolute
/// path and fork for a PATH lookup, so without this vouch was charged the bench's peak (10 MiB
/// at 100,000 credentials) and git only its current RSS. Now every contender carries the same
/// floor, which [`floor_kib`] reports.
pub fn spawn_by_fork(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    FLOOR_KIB.fetch_max(own_rss_kib().unwrap_or(0), Ordering::Relaxed);
    // SAFETY: the closure does nothing, so it is async-signal-safe; its presence alone makes
    // std fork.
    unsafe { cmd.pre_exec(|| Ok(())) };
}

/// The largest RSS of this bench at a measured spawn, which every peak RSS figure includes.
pub fn floor_kib() -> i64 {
    FLOOR_KIB.load(Ordering::Relaxed)
}

/// VmRSS of this process, from /proc/self/status.
fn own_rss_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Wait for `child`: its exit code and peak RSS (KiB), which `wait4` reports with its status
/// (the largest of the child and the descendants it waited for).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn wait(child: std::process::Child) -> (Option<i32>, Option<i64>) {
    /// Linux's `struct rusage` on 64-bit targets: two timevals, then 14 longs.
    #[repr(C)]
    struct Rusage {
        time: [i64; 4],
        maxrss: i64,
        rest: [i64; 13],
    }
    unsafe extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }
    let (mut status, mut usage) = (
        0,
        Rusage {
            time: [0; 4],
            maxrss: 0,
            rest: [0; 13],
        },
    );
    loop {
        // SAFETY: both pointers are to live, correctly laid out values; the child is ours and
        // not yet reaped (std's `Child` is dropped without waiting).
        let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
        if pid > 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
    }
    let code = (status & 0x7f == 0).then_some((status >> 8) & 0xff);
    let _ = usage.rest;
    (code, Some(usage.maxrss))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn wait(mut child: std::process::Child) -> (Option<i32>, Option<i64>) {
    (child.wait().unwrap().code(), None)
}

/// Run this bench again inside a fresh session keyring (`keyctl session -`: the user's own
/// keyrings are never touched) and `dbus-run-session` with a real gnome-keyring unlocked by a
/// test password, in a temp HOME. The inner run sees `inside` set.
pub fn reexec_in_session(args: &[String], inside: &str) {
    let home = tempfile::tempdir().unwrap();
    let script = "printf %s vouch-bench | gnome-keyring-daemon --unlock --components=secrets \
                  >/dev/null 2>&1; exec \"$@\"";
    let status = Command::new("keyctl")
        .args([
            "session",
            "-",
            "dbus-run-session",
            "--",
            "bash",
            "-c",
            script,
            "bash",
        ])
        .args(args)
        .env(inside, "1")
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", home.path())
        .stderr(Stdio::inherit())
        .status()
        .expect("keyctl and dbus-run-session (Debian keyutils, dbus) must be installed");
    assert!(status.success(), "the bench inside the session failed");
}

/// The token the generated credential `i` has.
pub fn token(i: usize) -> String {
    format!("ghp_{i:036}")
}

/// A git-credentials file of `lines` distinct hosts: `https://user<i>:<token>@host<i>.example.com`.
pub fn credentials_file(path: &Path, lines: usize) {
    // Streamed, so that the bench stays small: its RSS is in every measured figure.
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..lines {
        writeln!(out, "https://user{i}:{}@host{i}.example.com", token(i)).unwrap();
    }
    out.flush().unwrap();
}

/// The nearest-rank `q` quantile (0 < q <= 1) of `sorted`.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Sort `times`, print `name`'s median and p90 on one line, and return the median.
pub fn median_and_p90(name: &str, times: &mut [Duration]) -> Duration {
    times.sort();
    let (median, p90) = (quantile(times, 0.5), quantile(times, 0.9));
    println!(
        "  {name:<58} median {:>9}   p90 {:>9}",
        millis(median),
        millis(p90)
    );
    median
}

/// 100000 as "100,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1.23 ms" below a second, "1.23 s" above.
pub fn millis(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// KiB as "12 MiB".
pub fn mib(kib: Option<i64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}
