//! Writers killed mid-write: the temp file they leave is a whole, decryptable copy of an older
//! store. The next write removes such files (its own pattern only), doctor names them, and the
//! store stays readable throughout.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// Regular files in `dir` named `<prefix>` and six alphanumerics: what writers leave behind.
fn temps(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.strip_prefix(prefix).is_some_and(|rest| {
                rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            })
        })
        .collect();
    found.sort();
    found
}

fn store_input(host: &str, password: &str) -> Vec<u8> {
    format!("protocol=https\nhost={host}\nusername=u\npassword={password}\n").into_bytes()
}

/// The `leftovers` check of `doctor --json`: its level and message.
fn doctor_leftovers(env: &Env) -> (String, String) {
    let check = doctor_check(&env.helper(&["doctor", "--json"], b""), "leftovers");
    (
        check["level"].as_str().unwrap().to_owned(),
        check["message"].as_str().unwrap().to_owned(),
    )
}

/// Start `store` writes and SIGKILL each at a later moment of its run, sweeping across the
/// run's length, until one leaves a temp file. None within the bounds: an empty list.
fn kill_writers_until_one_leaves_a_temp(env: &Env, dir: &Path) -> Vec<PathBuf> {
    let started = Instant::now();
    let one = env.helper(&["store"], &store_input("timing.example", "t"));
    assert_ok(&one, "a timed store");
    let run = started.elapsed();
    let tries = 60u32;
    let deadline = Instant::now() + Duration::from_secs(60);
    for i in 0..tries {
        if Instant::now() > deadline {
            break;
        }
        let mut child = env
            .command(HELPER)
            .arg("store")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin
                .write_all(&store_input(&format!("killed{i}.example"), "k"))
                .unwrap();
        }
        // From a quarter to all of a run: the temp file exists only near the end.
        std::thread::sleep(run / 4 + run * 3 * i / (4 * tries));
        child.kill().unwrap();
        child.wait().unwrap();
        let found = temps(dir, ".store-");
        if !found.is_empty() {
            eprintln!("kill {i} of {tries} left {found:?} (a run takes {run:?})");
            return found;
        }
    }
    Vec::new()
}

#[test]
fn a_killed_writers_copy_is_reported_then_removed_by_the_next_write() {
    let env = Env::new();
    // Big entries make a write long enough to be caught in the middle.
    let big = "x".repeat(60_000);
    for i in 0..30 {
        let out = env.helper(&["store"], &store_input(&format!("big{i}.example"), &big));
        assert_ok(&out, "seeding");
    }
    let dir = env.store_path().parent().unwrap().to_path_buf();
    // Look-alikes that are not ours to delete.
    let unrelated = [
        ".store-notes.txt",
        ".store-abc",
        "store-Ab12Cd",
        ".tmpAb12Cd",
    ];
    for name in unrelated {
        std::fs::write(dir.join(name), b"user file").unwrap();
    }
    let mut stale = kill_writers_until_one_leaves_a_temp(&env, &dir);
    if stale.is_empty() {
        eprintln!("no kill landed mid-write: simulating the leftover with a copy of the store");
        let copy = dir.join(".store-Sim0Ab");
        std::fs::copy(env.store_path(), &copy).unwrap();
        stale.push(copy);
    }
    // Killed or not, the store opens.
    let answer = env.fill("protocol=https\nhost=big7.example\n");
    assert_eq!(get(&answer, "password"), Some(big.as_str()));

    let (level, message) = doctor_leftovers(&env);
    assert_eq!(level, "warn", "{message}");
    for file in &stale {
        assert!(message.contains(&file.display().to_string()), "{message}");
    }
    assert!(message.contains("delete them"), "{message}");
    for name in unrelated {
        assert!(!message.contains(name), "{message}");
    }

    assert_ok(
        &env.helper(&["store"], &store_input("after.example", "a")),
        "the next write",
    );
    assert_eq!(temps(&dir, ".store-"), Vec::<PathBuf>::new());
    for name in unrelated {
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            b"user file",
            "{name}"
        );
    }
    let answer = env.fill("protocol=https\nhost=after.example\n");
    assert_eq!(get(&answer, "password"), Some("a"));
    let answer = env.fill("protocol=https\nhost=big29.example\n");
    assert_eq!(get(&answer, "password"), Some(big.as_str()));
    assert_eq!(doctor_leftovers(&env).0, "ok");
}

#[test]
fn key_file_leftovers_are_reported_removed_by_the_next_key_write_and_purged() {
    let env = Env::new();
    let dir = env.key_path().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join(".key-Ab12Cd");
    std::fs::write(&stale, "vouch-key-v1 00 11\n").unwrap();
    let unrelated = [".key-notes.txt", ".tmpAb12Cd", "key-Ab12Cd"];
    for name in unrelated {
        std::fs::write(dir.join(name), b"user file").unwrap();
    }
    let (level, message) = doctor_leftovers(&env);
    assert_eq!(level, "warn");
    assert!(message.contains(&stale.display().to_string()), "{message}");

    // Creating a store writes its key: that write clears the leftover, and only it.
    env.vouch(&["init", "--key", "file"], "");
    assert!(!stale.exists());
    for name in unrelated {
        assert!(dir.join(name).exists(), "{name} was removed");
    }
    assert_eq!(doctor_leftovers(&env).0, "ok");

    // purge takes leftovers of both files with it.
    let store_copy = env.store_path().with_file_name(".store-Zz9Yy8");
    std::fs::copy(env.store_path(), &store_copy).unwrap();
    std::fs::write(&stale, "vouch-key-v1 00 11\n").unwrap();
    env.vouch(&["purge", "--yes"], "");
    assert!(!store_copy.exists() && !stale.exists());
    assert!(!env.key_path().exists() && env.store_bytes().is_none());
}
