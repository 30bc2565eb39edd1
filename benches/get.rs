//! `get` against git's own plaintext helper on the same 1,000 credentials, side by side.
//!
//!     cargo bench --locked --bench get            (VOUCH_BENCH_RUNS=N to change the run count;
//!                                                  VOUCH_BENCH_BASELINE=BINARY adds another build)
//!
//! Each round runs every contender once, in turn, so machine noise hits them alike. Reported:
//! median and p90 wall time per process, and each contender's median over git's.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use vouch::credential::Credential;
use vouch::keysource::SourceKind;
use vouch::paths::Paths;
use vouch::secret::Secret;
use vouch::store::{Create, Store};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");
const N: usize = 1000;

struct Contender {
    name: &'static str,
    program: String,
    args: Vec<String>,
    input: &'static [u8],
    expected: String,
    times: Vec<Duration>,
}

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: then one round checks that every
    // contender answers correctly, and no timing is printed.
    let timing = std::env::args().any(|a| a == "--bench");
    let runs = common::interleaved_runs(timing);
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    std::fs::create_dir_all(&home).unwrap();

    // The same credentials for both; the one asked for is last in both files (a full scan).
    let git_file = root.path().join("git-credentials");
    let mut plain = String::new();
    let mut entries = Vec::with_capacity(N);
    // git stops at the first line that matches: host0, the one asked for, goes last.
    for i in (0..N).rev() {
        let token = format!("ghp_{i:036}");
        plain.push_str(&format!("https://user{i}:{token}@host{i}.example.com\n"));
        entries.push(Credential {
            protocol: "https".into(),
            host: format!("host{i}.example.com"),
            username: Some(format!("user{i}")),
            password: Some(Secret::new(token)),
            ..Default::default()
        });
    }
    std::fs::write(&git_file, plain).unwrap();
    let paths = Paths::at(
        root.path().join("data/git-credential-vouch"),
        root.path().join("config/git-credential-vouch"),
    );
    // And one provider account, found by resolution rather than git's exact matching.
    let github = Credential {
        id: "000000000001".into(),
        provider: "github".into(),
        account: Some("octocat".into()),
        username: Some("octocat".into()),
        token_kind: Some(vouch::provider::TokenKind::GitHubClassicPat),
        password: Some(Secret::new("ghp_provider".into())),
        origin: vouch::credential::Origin::Added,
        ..Default::default()
    };
    Store::new(paths)
        .update(Create::With(SourceKind::File), |opened| {
            // Newest first, as `store` keeps them: host0 ends up last.
            opened.entries = std::iter::once(github).chain(entries).collect();
            (true, ())
        })
        .unwrap();
    const QUERY: &[u8] = b"protocol=https\nhost=host0.example.com\n";
    let expected = format!("password=ghp_{:036}", 0);

    let bin_dir = Path::new(HELPER)
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let contender = |name, program: &str, args: Vec<String>, input, expected: &str| Contender {
        name,
        program: program.into(),
        args,
        input,
        expected: expected.into(),
        times: Vec::new(),
    };
    let store_file = git_file.to_string_lossy().into_owned();
    let mut contenders = vec![
        contender(
            "git credential-store get (plaintext)",
            "git",
            vec!["credential-store".into(), "--file".into(), store_file],
            QUERY,
            &expected,
        ),
        contender(
            "git-credential-vouch get (as configured: absolute path)",
            HELPER,
            vec![],
            QUERY,
            &expected,
        ),
        contender(
            "git-credential-vouch get, provider host (github.com)",
            HELPER,
            vec![],
            b"protocol=https\nhost=github.com\n",
            "username=octocat\npassword=ghp_provider",
        ),
        contender(
            "git credential-vouch get (via git's dispatcher)",
            "git",
            vec!["credential-vouch".into()],
            QUERY,
            &expected,
        ),
    ];
    // Another build of vouch beside this one (VOUCH_BENCH_BASELINE=path, e.g. the release
    // binary of an earlier commit, copied next to this one so that both load from the same
    // filesystem): is `get` for a provider host slower than it was?
    let baseline = std::env::var("VOUCH_BENCH_BASELINE").ok();
    if let Some(path) = &baseline {
        contenders.push(contender(
            "baseline build's get, provider host (github.com)",
            path,
            vec![],
            b"protocol=https\nhost=github.com\n",
            "username=octocat\npassword=ghp_provider",
        ));
    }
    for c in &mut contenders {
        c.args.push("get".into());
    }
    let path_env = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let run = |c: &Contender| -> (Duration, String) {
        let mut cmd = Command::new(&c.program);
        // Every contender starts the same way (fork), whether found on PATH or not.
        common::spawn_by_fork(&mut cmd);
        let start = Instant::now();
        let mut child = cmd
            .args(&c.args)
            .env_clear()
            .env("PATH", &path_env)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", root.path().join("config"))
            .env("XDG_DATA_HOME", root.path().join("data"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(c.input).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            start.elapsed(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for c in &contenders {
        let (_, out) = run(c);
        assert!(out.contains(&c.expected), "{} answered {out:?}", c.name);
    }
    for _ in 0..runs {
        for c in &mut contenders {
            let (t, _) = run(c);
            c.times.push(t);
        }
    }
    if !timing {
        println!(
            "bench smoke test: all {} contenders answered correctly",
            contenders.len()
        );
        return;
    }
    let stats = |times: &mut Vec<Duration>| {
        times.sort();
        (times[times.len() / 2], times[times.len() * 9 / 10])
    };
    println!("get on {N} credentials, {runs} interleaved runs each (wall time per process)");
    let (git_median, _) = stats(&mut contenders[0].times.clone());
    for c in &mut contenders {
        let (median, p90) = stats(&mut c.times);
        println!(
            "  {:<56} median {:>7.3} ms   p90 {:>7.3} ms   ratio {:.2}x",
            c.name,
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3,
            median.as_secs_f64() / git_median.as_secs_f64()
        );
    }
    if baseline.is_some() {
        let provider = stats(&mut contenders[2].times.clone()).0;
        let before = stats(&mut contenders[4].times.clone()).0;
        println!(
            "  provider-host get, this build / the baseline build: {:.3}x",
            provider.as_secs_f64() / before.as_secs_f64()
        );
    }
}
