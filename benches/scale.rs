//! How vouch scales: `import` of a generated git-credentials file (1k, 10k, 100k lines) and
//! config.toml loading (a `get` for a host no instance serves, with 2k and 20k `[[provider]]`
//! instances, and with none for reference).
//!
//!     cargo bench --locked --bench scale          (VOUCH_BENCH_RUNS=N runs per row, default 5)
//!
//! Every run is the real binary in a fresh temp HOME whose store uses the file key source
//! (`init --key file`). Reported: median wall time per process and, on Linux, the largest peak
//! RSS of the runs (from `wait4`). Prints a markdown table.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");

/// A private HOME and XDG dirs with an initialized store.
struct Home {
    root: tempfile::TempDir,
}

/// One finished run: wall time, peak RSS in KiB (when known), exit code, stdout.
struct Run {
    time: Duration,
    rss_kib: Option<i64>,
    code: Option<i32>,
    stdout: String,
}

impl Home {
    fn new() -> Home {
        let home = Home {
            root: tempfile::tempdir().unwrap(),
        };
        for dir in ["home", "config", "data"] {
            std::fs::create_dir_all(home.path(dir)).unwrap();
        }
        let init = home.run(&["init", "--key", "file"], b"");
        assert_eq!(init.code, Some(0), "init: {}", init.stdout);
        home
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let start = Instant::now();
        let mut child = Command::new(HELPER)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
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
}

/// Wait for `child`: its exit code and peak RSS (KiB), which `wait4` reports with its status.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn wait(child: std::process::Child) -> (Option<i32>, Option<i64>) {
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
fn wait(mut child: std::process::Child) -> (Option<i32>, Option<i64>) {
    (child.wait().unwrap().code(), None)
}

fn credentials_file(path: &Path, lines: usize) {
    let mut text = String::with_capacity(lines * 80);
    for i in 0..lines {
        text.push_str(&format!(
            "https://user{i}:ghp_{i:036}@host{i}.example.com\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn config_file(home: &Home, instances: usize) {
    let kinds = [
        "gitlab-self-managed",
        "gitea",
        "forgejo",
        "github-enterprise",
    ];
    let mut text = String::with_capacity(instances * 100);
    for i in 0..instances {
        text.push_str(&format!(
            "[[provider]]\nname = \"corp{i}\"\nkind = \"{}\"\nhosts = [\"git{i}.corp.example\"]\n\n",
            kinds[i % kinds.len()]
        ));
    }
    let dir = home.path("config/git-credential-vouch");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

struct Row {
    what: &'static str,
    size: String,
    runs: Vec<Run>,
}

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: then one small run of each kind
    // checks the answers, and no timing is printed.
    let timing = std::env::args().any(|a| a == "--bench");
    let runs: usize = match std::env::var("VOUCH_BENCH_RUNS").ok() {
        Some(r) if timing => r.parse().expect("VOUCH_BENCH_RUNS: a number"),
        _ if timing => 5,
        _ => 1,
    };
    let (imports, configs): (&[usize], &[usize]) = if timing {
        (&[1_000, 10_000, 100_000], &[0, 2_000, 20_000])
    } else {
        (&[100], &[0, 50])
    };
    let mut rows = Vec::new();
    for &lines in imports {
        let mut row = Row {
            what: "`import --from FILE`",
            size: format!("{lines} lines"),
            runs: Vec::new(),
        };
        for _ in 0..runs {
            let home = Home::new();
            let file = home.path("git-credentials");
            credentials_file(&file, lines);
            let run = home.run(&["import", "--from", file.to_str().unwrap()], b"");
            assert_eq!(run.code, Some(0), "import of {lines} lines");
            assert!(
                run.stdout
                    .contains(&format!("{lines} entries, {lines} new"))
            );
            let last = lines - 1;
            let get = home.run(
                &["get"],
                format!("protocol=https\nhost=host{last}.example.com\n").as_bytes(),
            );
            assert_eq!(
                get.stdout,
                format!("username=user{last}\npassword=ghp_{last:036}\n")
            );
            row.runs.push(run);
        }
        rows.push(row);
    }
    for &instances in configs {
        let home = Home::new();
        config_file(&home, instances);
        let mut row = Row {
            what: "`get` for a host no instance serves (loads config.toml)",
            size: format!("{instances} instances"),
            runs: Vec::new(),
        };
        for _ in 0..runs {
            let run = home.run(&["get"], b"protocol=https\nhost=elsewhere.example\n");
            assert_eq!((run.code, run.stdout.as_str()), (Some(0), ""));
            row.runs.push(run);
        }
        if instances > 0 {
            // The last instance is configured and serves its host.
            let resolve = home.run(
                &[
                    "resolve",
                    &format!("https://git{}.corp.example/o/r.git", instances - 1),
                ],
                b"",
            );
            assert!(
                resolve.stdout.contains(&format!("corp{}", instances - 1)),
                "{}",
                resolve.stdout
            );
        }
        rows.push(row);
    }
    if !timing {
        println!("bench smoke test: {} rows answered correctly", rows.len());
        return;
    }
    println!("`cargo bench --locked --bench scale`, VOUCH_BENCH_RUNS={runs}, file key source\n");
    println!("| what | size | median | peak RSS |");
    println!("| --- | --- | --- | --- |");
    for row in &mut rows {
        row.runs.sort_by_key(|r| r.time);
        let median = row.runs[row.runs.len() / 2].time;
        let rss = row.runs.iter().filter_map(|r| r.rss_kib).max();
        println!(
            "| {} | {} | {} | {} |",
            row.what,
            thousands(&row.size),
            if median < Duration::from_secs(1) {
                format!("{:.1} ms", median.as_secs_f64() * 1e3)
            } else {
                format!("{:.2} s", median.as_secs_f64())
            },
            rss.map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0)),
        );
    }
}

/// "100000 lines" as "100,000 lines".
fn thousands(size: &str) -> String {
    let (n, rest) = size.split_once(' ').unwrap_or((size, ""));
    let mut out = String::new();
    for (i, c) in n.chars().enumerate() {
        if i > 0 && (n.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} {rest}")
}
