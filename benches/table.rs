//! The README's benchmark table from one command: vouch against git's own plaintext helper
//! (`git credential-store`) on the same 1, 1,000, 10,000 and 100,000 credentials.
//!
//!     cargo bench --locked --bench table
//!         VOUCH_BENCH_RUNS=N     interleaved rounds per `get` and `fill` row (default 100;
//!                                `store` rows get a quarter of them, at least 5)
//!         VOUCH_BENCH_SIZES=1,1000    the credential counts (default 1,1000,10000,100000)
//!
//! For each size one generated git-credentials file is git's store and is imported (`import
//! --from`, timed) into a key-file store and a keyring store, so all three hold the same
//! credentials. Everything runs through the CLI only, never the store's internals, so the
//! bench outlives format changes. The bench re-runs itself in a fresh `keyctl session` and
//! `dbus-run-session` with a real gnome-keyring in a temp HOME (benches/common).
//!
//! Each row group runs every contender once per round, in turn, so machine noise hits them
//! alike; ratios are medians over git's median from the same rounds. The credential asked for
//! is the last line of git's file: git reads the whole file, as it does on every miss.

mod common;
#[path = "table/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Run, credentials_file, mib, millis, quantile, thousands, token};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");
const INSIDE: &str = "VOUCH_BENCH_TABLE_INSIDE";

/// Which store and environment a vouch process (or git running vouch) gets.
#[derive(Clone, Copy)]
enum Mode {
    File,
    /// The keyring store; its key warm in the kernel key cache after the first `get`.
    Keyring,
    /// The same keyring store with `key_cache = "off"`: a Secret Service call every time.
    KeyringCold,
}

/// One size's stores: `root/{file,keyring,cold}/{config,data}`, git's file, an empty HOME.
struct Stores {
    root: PathBuf,
    bus: String,
    git_file: String,
}

impl Stores {
    fn command(&self, program: &str, mode: Mode) -> Command {
        let (config, data) = match mode {
            Mode::File => ("file/config", "file/data"),
            Mode::Keyring => ("keyring/config", "keyring/data"),
            Mode::KeyringCold => ("cold/config", "keyring/data"),
        };
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root.join("home"))
            .env("XDG_CONFIG_HOME", self.root.join(config))
            .env("XDG_DATA_HOME", self.root.join(data))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stderr(Stdio::inherit());
        cmd
    }

    fn vouch(&self, mode: Mode, args: &[&str]) -> Command {
        let mut cmd = self.command(HELPER, mode);
        cmd.args(args);
        cmd
    }

    fn git_store(&self, action: &str) -> Command {
        let mut cmd = self.command("git", Mode::File);
        cmd.args(["credential-store", "--file", &self.git_file, action]);
        cmd
    }

    /// `git credential fill` with `helper` as the only credential helper.
    fn git_fill(&self, helper: &str, mode: Mode) -> Command {
        let mut cmd = self.command("git", mode);
        cmd.arg("-c")
            .arg(format!("credential.helper={helper}"))
            .args(["credential", "fill"]);
        cmd
    }
}

/// One row: how to start the process, its stdin for round `i`, what its stdout must contain.
struct Contender<'a> {
    label: &'static str,
    command: Box<dyn Fn() -> Command + 'a>,
    input: Box<dyn Fn(usize) -> Vec<u8> + 'a>,
    expect: String,
    runs: Vec<Run>,
}

impl Contender<'_> {
    fn once(&mut self, i: usize) -> Run {
        let run = common::run(&mut (self.command)(), &(self.input)(i));
        assert_eq!(run.code, Some(0), "{}: exit code", self.label);
        assert!(
            run.stdout.contains(&self.expect),
            "{} answered {:?}",
            self.label,
            run.stdout
        );
        run
    }
}

/// Rows measured together; with `baseline`, the first is git's and the others' ratio is to it.
struct Group<'a> {
    operation: &'static str,
    size: usize,
    baseline: bool,
    contenders: Vec<Contender<'a>>,
}

impl Group<'_> {
    /// One unmeasured run each (checks the answer, fills the kernel cache), then `rounds`
    /// interleaved rounds.
    fn measure(&mut self, rounds: usize) {
        for c in &mut self.contenders {
            c.once(usize::MAX);
        }
        for i in 0..rounds {
            for c in &mut self.contenders {
                let run = c.once(i);
                c.runs.push(run);
            }
        }
    }
}

fn contender<'a>(
    label: &'static str,
    command: impl Fn() -> Command + 'a,
    input: impl Fn(usize) -> Vec<u8> + 'a,
    expect: String,
) -> Contender<'a> {
    Contender {
        label,
        command: Box::new(command),
        input: Box::new(input),
        expect,
        runs: Vec::new(),
    }
}

/// Make `path` readable by its owner only, as config.toml's trust check wants.
fn private(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Build one size's stores: git's file, `init` + a timed `import` of it in both key sources.
fn build(root: PathBuf, bus: &str, size: usize) -> (Stores, Rows) {
    for dir in [
        "home",
        "file/config",
        "file/data",
        "keyring/config",
        "keyring/data",
    ] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let cold = root.join("cold/config/git-credential-vouch");
    std::fs::create_dir_all(&cold).unwrap();
    private(&cold, 0o700);
    std::fs::write(cold.join("config.toml"), "key_cache = \"off\"\n").unwrap();
    private(&cold.join("config.toml"), 0o600);
    let git_file = root.join("git-credentials");
    credentials_file(&git_file, size);
    let stores = Stores {
        root,
        bus: bus.into(),
        git_file: git_file.to_str().unwrap().into(),
    };
    let mut import = Rows {
        operation: "`import --from FILE`",
        size,
        baseline: false,
        rows: Vec::new(),
    };
    for (mode, key, label) in [
        (Mode::File, "file", "vouch, key file"),
        (Mode::Keyring, "keyring", "vouch, keyring"),
    ] {
        let init = common::run(&mut stores.vouch(mode, &["init", "--key", key]), b"");
        assert_eq!(init.code, Some(0), "init --key {key}");
        let run = common::run(
            &mut stores.vouch(mode, &["import", "--from", &stores.git_file]),
            b"",
        );
        assert_eq!(run.code, Some(0), "import into the {key} store");
        let summary = format!("{size} entries, {size} new");
        assert!(run.stdout.contains(&summary), "import: {}", run.stdout);
        import.rows.push(Row {
            label,
            times: vec![run.time],
            rss_kib: run.rss_kib,
        });
    }
    (stores, import)
}

/// The get, fill and store rows of one size, measured.
fn measure(stores: &Stores, size: usize, rounds: usize, store_rounds: usize) -> Vec<Group<'_>> {
    let last = size - 1;
    let query = format!("protocol=https\nhost=host{last}.example.com\n");
    let answer = format!("password={}", token(last));
    let ask = move |_: usize| query.clone().into_bytes();
    let store = |i: usize| {
        format!("protocol=https\nhost=stored.example.com\nusername=u\npassword=pw-{i}\n")
            .into_bytes()
    };
    let git_helper = format!("store --file {}", stores.git_file);
    let mut get = Group {
        operation: "`get`",
        size,
        baseline: true,
        contenders: vec![
            contender(
                "git credential-store (plaintext)",
                || stores.git_store("get"),
                ask.clone(),
                answer.clone(),
            ),
            contender(
                "vouch, key file",
                || stores.vouch(Mode::File, &["get"]),
                ask.clone(),
                answer.clone(),
            ),
            contender(
                "vouch, keyring warm (kernel key cache)",
                || stores.vouch(Mode::Keyring, &["get"]),
                ask.clone(),
                answer.clone(),
            ),
            contender(
                "vouch, keyring cold (`key_cache = \"off\"`: D-Bus each time)",
                || stores.vouch(Mode::KeyringCold, &["get"]),
                ask.clone(),
                answer.clone(),
            ),
        ],
    };
    let mut fill = Group {
        operation: "`git credential fill`",
        size,
        baseline: true,
        contenders: vec![
            contender(
                "helper `store --file` (plaintext)",
                move || stores.git_fill(&git_helper, Mode::File),
                ask.clone(),
                answer.clone(),
            ),
            contender(
                "helper vouch, key file",
                || stores.git_fill(HELPER, Mode::File),
                ask.clone(),
                answer.clone(),
            ),
            contender(
                "helper vouch, keyring warm",
                || stores.git_fill(HELPER, Mode::Keyring),
                ask,
                answer,
            ),
        ],
    };
    let mut write = Group {
        operation: "`store` (one changed credential)",
        size,
        baseline: true,
        contenders: vec![
            contender(
                "git credential-store (plaintext)",
                || stores.git_store("store"),
                store,
                String::new(),
            ),
            contender(
                "vouch, key file",
                || stores.vouch(Mode::File, &["store"]),
                store,
                String::new(),
            ),
            contender(
                "vouch, keyring warm",
                || stores.vouch(Mode::Keyring, &["store"]),
                store,
                String::new(),
            ),
        ],
    };
    get.measure(rounds);
    fill.measure(rounds);
    write.measure(store_rounds);
    vec![get, fill, write]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if std::env::var_os(INSIDE).is_none() {
        return common::reexec_in_session(&args, INSIDE);
    }
    // `cargo test --all-targets` runs this without `--bench`: then one round on small stores
    // checks every answer, and no table is printed.
    let timing = args.iter().any(|a| a == "--bench");
    let rounds: usize = match std::env::var("VOUCH_BENCH_RUNS") {
        Ok(r) if timing => r.parse().expect("VOUCH_BENCH_RUNS: a number"),
        _ if timing => 100,
        _ => 1,
    };
    let store_rounds = if timing { (rounds / 4).max(5) } else { 1 };
    let sizes: Vec<usize> = match std::env::var("VOUCH_BENCH_SIZES") {
        Ok(s) if timing => s
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .expect("VOUCH_BENCH_SIZES: numbers, comma-separated")
            })
            .collect(),
        _ if timing => vec![1, 1_000, 10_000, 100_000],
        _ => vec![1, 20],
    };
    assert!(sizes.iter().all(|&n| n > 0), "sizes start at 1");
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("inside dbus-run-session");
    let mut groups = Vec::new();
    for &size in &sizes {
        let root = home.join(format!("n{size}"));
        let (stores, import) = build(root.clone(), &bus, size);
        if timing {
            eprintln!("table: measuring {size} credentials");
        }
        let measured = measure(&stores, size, rounds, store_rounds);
        groups.extend(measured.into_iter().map(Group::into_rows));
        groups.push(import);
        std::fs::remove_dir_all(&root).unwrap();
    }
    if !timing {
        println!(
            "table bench smoke test: {} row groups answered",
            groups.len()
        );
        return;
    }
    print_table(&mut groups, rounds, store_rounds);
}

/// A measured row, its process no longer needed.
struct Row {
    label: &'static str,
    times: Vec<Duration>,
    rss_kib: Option<i64>,
}

struct Rows {
    operation: &'static str,
    size: usize,
    baseline: bool,
    rows: Vec<Row>,
}

impl Group<'_> {
    fn into_rows(self) -> Rows {
        let rows = self
            .contenders
            .into_iter()
            .map(|c| {
                let mut times: Vec<Duration> = c.runs.iter().map(|r| r.time).collect();
                times.sort();
                Row {
                    label: c.label,
                    times,
                    rss_kib: c.runs.iter().filter_map(|r| r.rss_kib).max(),
                }
            })
            .collect();
        Rows {
            operation: self.operation,
            size: self.size,
            baseline: self.baseline,
            rows,
        }
    }
}

fn print_table(groups: &mut [Rows], rounds: usize, store_rounds: usize) {
    println!(
        "`cargo bench --locked --bench table`, {}; {}; VOUCH_BENCH_RUNS={rounds} interleaved \
         rounds (`store`: {store_rounds}); wall time per process, p95 by nearest rank; peak RSS: \
         the largest of the runs (the process and the children it waited for), which includes \
         the bench's own RSS at fork, at most {:.1} MiB, alike for every contender\n",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        machine(),
        common::floor_kib() as f64 / 1024.0
    );
    println!("| operation | credentials | contender | median | p95 | ratio to git | peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for group in groups.iter() {
        let base = quantile(&group.rows[0].times, 0.5).as_secs_f64();
        for row in &group.rows {
            let median = quantile(&row.times, 0.5);
            let ratio = median.as_secs_f64() / base;
            let (p95, ratio_text) = if group.baseline {
                (millis(quantile(&row.times, 0.95)), format!("{ratio:.2}x"))
            } else {
                ("(one run)".into(), "".into())
            };
            println!(
                "| {} | {} | {} | {} | {p95} | {ratio_text} | {} |",
                group.operation,
                thousands(group.size),
                row.label,
                millis(median),
                mib(row.rss_kib),
            );
        }
    }
    targets::print(groups);
}

/// "AMD EPYC 7763, 2 cores, Linux 6.1.0, git 2.47.3, vouch 1a2b3c4".
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, m)| m.trim().to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
        |_| std::env::consts::OS.into(),
        |k| format!("Linux {}", k.trim()),
    );
    let output = |cmd: &mut Command| {
        cmd.output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let git = output(Command::new("git").arg("--version"));
    let commit = output(Command::new("git").args([
        "-C",
        env!("CARGO_MANIFEST_DIR"),
        "rev-parse",
        "--short",
        "HEAD",
    ]));
    format!("{cpu}, {cores} cores, {kernel}, {git}, vouch {commit}")
}
