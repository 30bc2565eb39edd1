//! Crash consistency: hundreds of SIGKILLs at random moments of `store`, `erase`, `import` and
//! `rekey` (the real binary). After each kill the store opens and holds exactly the old or the
//! new set of credentials; after the next completed write no temp file is left.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::keyring_session::Session;

/// A small xorshift generator: the seed is printed, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn from_time() -> Rng {
        let seed = std::env::var("VOUCH_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("crash seed {seed} (replay with VOUCH_CRASH_SEED={seed})");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Start `cmd` with `stdin`, SIGKILL it after `delay`; whether it had already finished.
fn kill_after(mut cmd: Command, stdin: &[u8], delay: Duration) -> bool {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin);
    drop(input);
    std::thread::sleep(delay);
    let done = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();
    done
}

/// The hosts the store holds, via `list --json` (which must succeed: the store opens).
fn hosts(env: &Env, session: Option<&Session>) -> BTreeSet<String> {
    let mut cmd = match session {
        Some(s) => s.command(env, HELPER),
        None => env.command(HELPER),
    };
    let out = run(cmd.args(["list", "--json"]), b"");
    assert_ok(&out, "list after a kill");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["host"].as_str().unwrap().to_owned())
        .collect()
}

/// Files named `<prefix>` plus six alphanumerics in `dir`: what a killed writer leaves.
fn temps(dir: &Path, prefix: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.strip_prefix(prefix)
                .is_some_and(|r| r.len() == 6 && r.bytes().all(|b| b.is_ascii_alphanumeric()))
        })
        .collect()
}

fn assert_no_temps(env: &Env) {
    let data = env.store_path().parent().unwrap().to_path_buf();
    let config = env.key_path().parent().unwrap().to_path_buf();
    assert_eq!(
        temps(&data, ".store-"),
        Vec::<String>::new(),
        "store temp survived"
    );
    assert_eq!(
        temps(&config, ".key-"),
        Vec::<String>::new(),
        "key temp survived"
    );
}

fn cred(host: &str) -> Vec<u8> {
    format!("protocol=https\nhost={host}\nusername=u\npassword=pw-{host}\n").into_bytes()
}

/// How long one run of `args` takes, to spread kill moments over it.
fn timed(env: &Env, args: &[&str], stdin: &[u8]) -> Duration {
    let start = Instant::now();
    assert_ok(&env.helper(args, stdin), &format!("{args:?}"));
    start.elapsed()
}

/// A random moment from the process start to a bit past a typical run.
fn moment(rng: &mut Rng, run: Duration) -> Duration {
    Duration::from_micros(rng.below(run.as_micros() as u64 * 5 / 4 + 1))
}

#[test]
fn kills_during_store_erase_and_import_leave_the_old_or_the_new_set() {
    let env = Env::new();
    let mut rng = Rng::from_time();
    // A modest store: writes take long enough to be hit mid-way.
    let seed: String = (0..150)
        .map(|i| format!("https://u:pw-seed{i}@seed{i}.example\n"))
        .collect();
    std::fs::write(env.path("home/seed.txt"), seed).unwrap();
    let seed_file = env.path("home/seed.txt").display().to_string();
    assert_ok(&env.helper(&["import", "--from", &seed_file], b""), "seed");
    let mut model = hosts(&env, None);
    assert_eq!(model.len(), 150);

    let runs = [
        timed(&env, &["store"], &cred("timing.example")),
        timed(&env, &["erase"], &cred("timing.example")),
    ];
    let (mut kills, mut old, mut finished) = (0u32, 0u32, 0u32);
    let started = Instant::now();
    for i in 0..420u32 {
        let op = i % 3;
        let (args, stdin, changed): (Vec<String>, Vec<u8>, Vec<String>) = match op {
            0 => (
                vec!["store".into()],
                cred(&format!("k{i}.example")),
                vec![format!("k{i}.example")],
            ),
            // Erase what the previous store added.
            1 => (
                vec!["erase".into()],
                cred(&format!("k{}.example", i - 1)),
                vec![format!("k{}.example", i - 1)],
            ),
            _ => {
                let file = env.path(&format!("home/import{i}.txt"));
                let lines: Vec<String> = (0..4).map(|j| format!("i{i}-{j}.example")).collect();
                let text: String = lines
                    .iter()
                    .map(|h| format!("https://u:pw-{h}@{h}\n"))
                    .collect();
                std::fs::write(&file, text).unwrap();
                (
                    vec!["import".into(), "--from".into(), file.display().to_string()],
                    vec![],
                    lines,
                )
            }
        };
        let mut new = model.clone();
        for h in &changed {
            if op == 1 {
                new.remove(h);
            } else {
                new.insert(h.clone());
            }
        }
        let run = runs[usize::from(op == 1)];
        let mut cmd = env.command(HELPER);
        cmd.args(&args);
        let done = kill_after(cmd, &stdin, moment(&mut rng, run));
        kills += 1;
        let seen = hosts(&env, None);
        assert!(
            seen == model || seen == new,
            "after kill {i} ({args:?}, finished: {done}) the store holds neither the old nor the new set"
        );
        if seen == model && seen != new {
            old += 1;
        }
        finished += u32::from(done);
        // Complete the operation: the next write clears any leftover.
        assert_ok(
            &env.helper(&args.iter().map(String::as_str).collect::<Vec<_>>(), &stdin),
            "redo",
        );
        assert_no_temps(&env);
        model = hosts(&env, None);
        assert_eq!(model, new, "after redoing {args:?}");
    }
    // Passwords survived too, not just the names.
    let out = env.helper(&["get"], b"protocol=https\nhost=seed42.example\n");
    assert!(
        stdout(&out).contains("password=pw-seed42"),
        "{}",
        stdout(&out)
    );
    eprintln!(
        "{kills} kills during store/erase/import in {:?}: {old} left the old set, the others the new; {finished} had already exited",
        started.elapsed()
    );
    assert!(kills >= 420);
}

#[test]
fn kills_during_rekey_leave_a_store_that_opens_with_the_same_content() {
    let env = Env::new();
    let session = Session::start(&env);
    let mut rng = Rng::from_time();
    let run = |args: &[&str], stdin: &[u8]| run(session.command(&env, HELPER).args(args), stdin);
    assert_ok(&run(&["init", "--key", "file"], b""), "init");
    for i in 0..40 {
        assert_ok(&run(&["store"], &cred(&format!("r{i}.example"))), "seed");
    }
    let model = hosts(&env, Some(&session));
    let start = Instant::now();
    assert_ok(&run(&["rekey", "--key", "keyring"], b""), "timed rekey");
    let took = start.elapsed();
    let started = Instant::now();
    let mut kills = 0;
    for i in 0..80u32 {
        let to = if i % 2 == 0 { "file" } else { "keyring" };
        let mut cmd = session.command(&env, HELPER);
        cmd.args(["rekey", "--key", to]);
        kill_after(cmd, b"", moment(&mut rng, took));
        kills += 1;
        assert_eq!(
            hosts(&env, Some(&session)),
            model,
            "after kill {i} of rekey to {to}"
        );
        let out = run(&["get"], b"protocol=https\nhost=r7.example\n");
        assert!(
            stdout(&out).contains("password=pw-r7.example"),
            "kill {i}: {}",
            stderr(&out)
        );
        assert_ok(&run(&["rekey", "--key", to], b""), "redo rekey");
        assert_no_temps(&env);
    }
    eprintln!("{kills} kills during rekey in {:?}", started.elapsed());
}
