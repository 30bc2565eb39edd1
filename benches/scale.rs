//! How vouch scales: `import` of a generated git-credentials file (1k, 10k, 100k lines) and
//! config.toml loading (a `get` for a host no instance serves, with 2k and 20k `[[provider]]`
//! instances, and with none for reference).
//!
//!     cargo bench --locked --bench scale          (VOUCH_BENCH_RUNS=N runs per row, default 5)
//!
//! Every run is the real binary in a fresh temp HOME whose store uses the file key source
//! (`init --key file`). Reported: median wall time per process and, on Linux, the largest peak
//! RSS of the runs (from `wait4`). Prints a markdown table.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Run, credentials_file};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");

/// A private HOME and XDG dirs with an initialized store.
struct Home {
    root: tempfile::TempDir,
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
        common::run(
            Command::new(HELPER)
                .args(args)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", self.path("home"))
                .env("XDG_CONFIG_HOME", self.path("config"))
                .env("XDG_DATA_HOME", self.path("data"))
                .stderr(Stdio::inherit()),
            stdin,
        )
    }
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
            size: format!("{} lines", common::thousands(lines)),
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
            size: format!("{} instances", common::thousands(instances)),
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
            row.size,
            if median < Duration::from_secs(1) {
                format!("{:.1} ms", median.as_secs_f64() * 1e3)
            } else {
                format!("{:.2} s", median.as_secs_f64())
            },
            common::mib(rss),
        );
    }
}
