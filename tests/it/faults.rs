//! Faults the machine deals out: a full disk and a read-only data dir (a small tmpfs mounted
//! over the test's data dir), the key deleted from a real keyring between uses, the store
//! replaced by a symlink to a directory or to a foreign file. Each is one clear line with a
//! documented exit code, and the previous content stays intact. (A directory in the store's
//! place and a dangling link are in store_paths.rs.)

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::keyring_session::Session;

/// A tmpfs mounted over a directory for the test's life.
pub(crate) struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None`, with the reason printed, where mounting is refused (not root, a container
    /// without the capability).
    pub(crate) fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .expect("mount");
        if !out.status.success() {
            eprintln!(
                "SKIPPED: mounting a tmpfs was refused ({}); run as root to test a full disk and a read-only data dir",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs(dir.to_path_buf()))
    }

    fn remount(&self, opt: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{opt}")])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {opt}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn cred(host: &str, password: &str) -> Vec<u8> {
    format!("protocol=https\nhost={host}\nusername=u\npassword={password}\n").into_bytes()
}

fn password(env: &Env, host: &str) -> Option<String> {
    let out = env.helper(
        &["get"],
        format!("protocol=https\nhost={host}\n").as_bytes(),
    );
    assert_ok(&out, "get");
    fields(&out.stdout).get("password").cloned()
}

fn store_dir(env: &Env) -> PathBuf {
    env.store_path().parent().unwrap().to_path_buf()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_full_disk_fails_the_write_in_one_line_and_keeps_the_store() {
    let env = Env::new();
    let Some(_fs) = Tmpfs::mount(&env.path("data"), "256k") else {
        return;
    };
    for i in 0..5 {
        assert_ok(
            &env.helper(&["store"], &cred(&format!("h{i}.example"), "old")),
            "seed",
        );
    }
    let before = env.store_bytes().unwrap();
    let names = entries(&store_dir(&env));
    // Fill the disk, leaving less room than a new store needs.
    let filler = env.path("data/filler");
    let _ = std::fs::write(&filler, vec![0u8; 512 * 1024]);
    let big = "x".repeat(40_000);
    let out = env.helper(&["store"], &cred("new.example", &big));
    let err = assert_fails(&out, 1);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains(&env.store_path().display().to_string()),
        "{err}"
    );
    assert!(!err.contains(&big[..20]), "{err}");
    assert_eq!(env.store_bytes().unwrap(), before, "the store changed");
    assert_eq!(entries(&store_dir(&env)), names, "a temp file was left");
    assert_eq!(password(&env, "h3.example").as_deref(), Some("old"));
    // Room again: the same write goes through.
    std::fs::remove_file(&filler).unwrap();
    assert_ok(&env.helper(&["store"], &cred("new.example", &big)), "after");
    assert_eq!(password(&env, "new.example").as_deref(), Some(big.as_str()));
}

#[test]
fn a_read_only_data_dir_fails_writes_and_still_answers_get() {
    let env = Env::new();
    let Some(fs) = Tmpfs::mount(&env.path("data"), "1m") else {
        return;
    };
    assert_ok(&env.helper(&["store"], &cred("ro.example", "kept")), "seed");
    let before = env.store_bytes().unwrap();
    fs.remount("ro");
    for (args, stdin) in [
        (vec!["store"], cred("other.example", "p")),
        (vec!["erase"], cred("ro.example", "kept")),
    ] {
        let err = assert_fails(&env.helper(&args, &stdin), 1);
        assert!(err.contains("Read-only file system"), "{args:?}: {err}");
    }
    // git's fill still gets its answer: readers take no lock and write nothing.
    assert_eq!(password(&env, "ro.example").as_deref(), Some("kept"));
    fs.remount("rw");
    assert_eq!(env.store_bytes().unwrap(), before);
}

#[test]
fn a_key_deleted_from_the_keyring_between_uses_is_key_unavailable() {
    let env = Env::new();
    let session = Session::start(&env);
    let helper = |args: &[&str], stdin: &[u8]| run(session.command(&env, HELPER).args(args), stdin);
    assert_ok(&helper(&["init", "--key", "keyring"], b""), "init");
    assert_ok(&helper(&["store"], &cred("kr.example", "pw")), "store");
    let out = helper(&["get"], b"protocol=https\nhost=kr.example\n");
    assert!(stdout(&out).contains("password=pw"));
    let before = env.store_bytes().unwrap();

    let clear = run(
        session
            .command(&env, "secret-tool")
            .args(["clear", "service", "git-credential-vouch"]),
        b"",
    );
    assert!(clear.status.success(), "secret-tool: {}", stderr(&clear));
    // The key the first get read is in the kernel cache until key_cache runs out; drop it, as
    // the cache running out would.
    assert_ok(&helper(&["lock"], b""), "lock");
    for (args, stdin) in [
        (vec!["get"], b"protocol=https\nhost=kr.example\n".to_vec()),
        (vec!["store"], cred("kr2.example", "pw2")),
        (vec!["list"], vec![]),
    ] {
        let err = assert_fails(&helper(&args, &stdin), 5);
        assert!(err.contains("keyring"), "{args:?}: {err}");
    }
    assert_eq!(env.store_bytes().unwrap(), before, "the store changed");
}

#[test]
fn a_store_replaced_by_a_link_to_a_directory_or_a_foreign_file_is_refused() {
    let env = Env::new();
    assert_ok(&env.helper(&["store"], &cred("l.example", "pw")), "seed");
    let store = env.store_path();
    let saved = env.path("home/store.saved");
    std::fs::rename(&store, &saved).unwrap();

    let target_dir = env.path("home/somedir");
    std::fs::create_dir(&target_dir).unwrap();
    std::os::unix::fs::symlink(&target_dir, &store).unwrap();
    for (args, stdin) in [
        (vec!["get"], b"protocol=https\nhost=l.example\n".to_vec()),
        (vec!["store"], cred("m.example", "p")),
    ] {
        let err = assert_fails(&env.helper(&args, &stdin), 6);
        assert!(err.contains(&store.display().to_string()), "{err}");
    }
    assert!(std::fs::read_dir(&target_dir).unwrap().next().is_none());

    std::fs::remove_file(&store).unwrap();
    let foreign = env.path("home/notes.txt");
    std::fs::write(&foreign, b"my notes, not a store\n").unwrap();
    std::os::unix::fs::symlink(&foreign, &store).unwrap();
    for (args, stdin) in [
        (vec!["get"], b"protocol=https\nhost=l.example\n".to_vec()),
        (vec!["store"], cred("m.example", "p")),
        (vec!["erase"], cred("l.example", "pw")),
    ] {
        let err = assert_fails(&env.helper(&args, &stdin), 6);
        assert!(err.contains("not a git-credential-vouch store"), "{err}");
    }
    assert_eq!(std::fs::read(&foreign).unwrap(), b"my notes, not a store\n");

    // Put back, the store answers as before.
    std::fs::remove_file(&store).unwrap();
    std::fs::rename(&saved, &store).unwrap();
    assert_eq!(password(&env, "l.example").as_deref(), Some("pw"));
}
