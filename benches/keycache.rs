//! `get` with a key file, with the OS keyring uncached (`key_cache = "off"`), and with the
//! keyring key warm in the kernel key cache, on the same 1,000 credentials, side by side.
//!
//!     cargo bench --locked --bench keycache       (VOUCH_BENCH_RUNS=N to change the run count)
//!
//! The bench re-runs itself inside `keyctl session -` (a fresh session keyring: the user's own
//! keyrings are never touched) and `dbus-run-session` with a real gnome-keyring unlocked by a
//! test password in a temp HOME. Each round runs every contender once, in turn, so machine
//! noise hits them alike. Reported: median and p90 per process, and each median over the key
//! file's. Target (issue 12): warm keyring <= 1.3x key file.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vouch::credential::Credential;
use vouch::keysource::SourceKind;
use vouch::paths::Paths;
use vouch::secret::Secret;
use vouch::store::{Create, Store};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");
const N: usize = 1000;
const INSIDE: &str = "VOUCH_BENCH_KEYCACHE_INSIDE";
const QUERY: &[u8] = b"protocol=https\nhost=host0.example.com\n";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if std::env::var_os(INSIDE).is_none() {
        return common::reexec_in_session(&args, INSIDE);
    }
    // `cargo test --all-targets` runs this without `--bench`: one round checks the answers.
    let timing = args.iter().any(|a| a == "--bench");
    let runs = common::interleaved_runs(timing);
    let root = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("inside dbus-run-session");
    let mut contenders = vec![
        Contender::new("key file", &root, "file", SourceKind::File, None),
        Contender::new(
            "keyring, cold (key_cache = \"off\")",
            &root,
            "cold",
            SourceKind::Keyring,
            Some("off"),
        ),
        Contender::new(
            "keyring, warm (kernel key cache)",
            &root,
            "warm",
            SourceKind::Keyring,
            None,
        ),
    ];
    let expected = format!("password=ghp_{:036}", 0);
    for c in &contenders {
        // Also fills the warm contender's cache.
        let (_, out) = c.run(&root, &bus);
        assert!(out.contains(&expected), "{} answered {out:?}", c.name);
    }
    for _ in 0..runs {
        for c in &mut contenders {
            let (t, _) = c.run(&root, &bus);
            c.times.push(t);
        }
    }
    if !timing {
        println!("keycache bench smoke test: all 3 contenders answered correctly");
        return;
    }
    let stats = |times: &mut Vec<Duration>| {
        times.sort();
        (times[times.len() / 2], times[times.len() * 9 / 10])
    };
    println!("get on {N} credentials, {runs} interleaved runs each (wall time per process)");
    let (base, _) = stats(&mut contenders[0].times.clone());
    for c in &mut contenders {
        let (median, p90) = stats(&mut c.times);
        println!(
            "  {:<40} median {:>7.3} ms   p90 {:>7.3} ms   ratio {:.2}x",
            c.name,
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3,
            median.as_secs_f64() / base.as_secs_f64()
        );
    }
}

struct Contender {
    name: &'static str,
    data: PathBuf,
    config: PathBuf,
    keyring: bool,
    times: Vec<Duration>,
}

impl Contender {
    fn new(
        name: &'static str,
        root: &Path,
        dir: &str,
        source: SourceKind,
        key_cache: Option<&str>,
    ) -> Contender {
        let (data, config) = (root.join(dir).join("data"), root.join(dir).join("config"));
        let paths = Paths::at(
            data.join("git-credential-vouch"),
            config.join("git-credential-vouch"),
        );
        // The one asked for is last: a full scan, as in benches/get.rs.
        let entries: Vec<Credential> = (0..N)
            .rev()
            .map(|i| Credential {
                protocol: "https".into(),
                host: format!("host{i}.example.com"),
                username: Some(format!("user{i}")),
                password: Some(Secret::new(format!("ghp_{i:036}"))),
                ..Default::default()
            })
            .collect();
        Store::new(paths.clone())
            .update(Create::With(source), |opened| {
                opened.entries = entries;
                (true, ())
            })
            .unwrap();
        if let Some(cache) = key_cache {
            use std::os::unix::fs::PermissionsExt;
            let private = |p: &Path, mode| {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
            };
            std::fs::create_dir_all(&paths.config_dir).unwrap();
            private(&paths.config_dir, 0o700);
            let file = paths.config_dir.join("config.toml");
            std::fs::write(&file, format!("key_cache = \"{cache}\"\n")).unwrap();
            private(&file, 0o600);
        }
        Contender {
            name,
            data,
            config,
            keyring: source == SourceKind::Keyring,
            times: Vec::new(),
        }
    }

    fn run(&self, home: &Path, bus: &str) -> (Duration, String) {
        let mut cmd = Command::new(HELPER);
        cmd.arg("get")
            .env_clear()
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", &self.config)
            .env("XDG_DATA_HOME", &self.data);
        if self.keyring {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        common::spawn_by_fork(&mut cmd);
        let start = Instant::now();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(QUERY).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            start.elapsed(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}
