//! What is found where the store or key file should be: symlinks, dangling links, directories,
//! foreign versions, unreadable keys. Each is refused with the documented exit code and a message
//! naming the path, and nothing is changed; a link to a store is written through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

const GET: &[u8] = b"protocol=https\nhost=example.com\n";
const STORE: &[u8] = b"protocol=https\nhost=new.example\nusername=u\npassword=p\n";

fn seeded() -> Env {
    let env = Env::new();
    env.approve("protocol=https\nhost=example.com\nusername=alice\npassword=s3cret-pw\n");
    env
}

/// Every file, directory and link below the test root, with contents and link targets.
pub fn snapshot(env: &Env) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.is_symlink() {
                format!("link to {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                walk(&path, out);
                "dir".to_owned()
            } else {
                format!("file {:?}", std::fs::read(&path).unwrap())
            };
            out.insert(path, what);
        }
    }
    let mut out = BTreeMap::new();
    walk(env.root.path(), &mut out);
    out
}

/// Run each helper action; each must fail with `code` naming `needle`, changing nothing.
fn all_refused(env: &Env, code: i32, needles: &[&str]) -> String {
    let before = snapshot(env);
    let mut last = String::new();
    for (action, input) in [("get", GET), ("store", STORE), ("erase", STORE)] {
        let err = assert_fails(&env.helper(&[action], input), code);
        for needle in needles {
            assert!(err.contains(needle), "{action}: no {needle:?} in {err}");
        }
        assert!(!err.contains("s3cret"), "{err}");
        assert_eq!(snapshot(env), before, "{action} changed files");
        last = err;
    }
    last
}

fn write_version(env: &Env, version: u16) {
    let mut bytes = env.store_bytes().unwrap();
    bytes[8..10].copy_from_slice(&version.to_be_bytes());
    std::fs::write(env.store_path(), &bytes).unwrap();
}

#[test]
fn version_zero_is_damage_and_only_a_newer_version_asks_for_an_upgrade() {
    let env = seeded();
    write_version(&env, 0);
    let err = all_refused(&env, 6, &["store.vouch", "not a vouch store"]);
    assert!(!err.contains("upgrade"), "{err}");

    write_version(&env, 3);
    let err = all_refused(&env, 6, &["store.vouch", "format version 3", "upgrade"]);
    assert!(!err.contains("not a vouch store"), "{err}");
}

#[test]
fn a_key_file_that_is_not_text_is_key_unavailable() {
    let env = seeded();
    std::fs::write(env.key_path(), b"vouch-key-v1 \xff\xfe\x00 binary\n").unwrap();
    let key = env.key_path().display().to_string();
    all_refused(&env, 5, &[&key, "UTF-8"]);
}

#[test]
fn a_key_file_that_is_a_directory_is_key_unavailable() {
    let env = seeded();
    std::fs::remove_file(env.key_path()).unwrap();
    std::fs::create_dir(env.key_path()).unwrap();
    let key = env.key_path().display().to_string();
    all_refused(&env, 5, &[&key, "is a directory"]);

    // Creating a store needs the key file too: same answer, and no store appears.
    std::fs::remove_file(env.store_path()).unwrap();
    let err = assert_fails(&env.helper(&["store"], STORE), 5);
    assert!(err.contains(&key), "{err}");
    assert!(env.store_bytes().is_none());
}

#[test]
fn a_directory_where_the_store_should_be_is_named() {
    let env = Env::new();
    std::fs::create_dir_all(env.store_path()).unwrap();
    let path = env.store_path().display().to_string();
    all_refused(&env, 6, &[&path, "is a directory, not a store file"]);
    assert!(
        !env.key_path().exists(),
        "a key was made for a store never written"
    );
}

#[test]
fn a_dangling_store_link_is_refused_naming_its_target() {
    let env = Env::new();
    let target = env.path("home/dotfiles/store.vouch");
    std::fs::create_dir_all(env.store_path().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, env.store_path()).unwrap();
    let target = target.display().to_string();
    let err = all_refused(&env, 6, &[&target, "does not exist"]);
    assert!(err.contains("store.vouch"), "{err}");
    assert!(
        !env.key_path().exists(),
        "a key was made for a store never written"
    );
}

#[test]
fn a_store_link_is_written_through_and_kept() {
    let env = seeded();
    let dotfiles = env.path("home/dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("vouch-store");
    std::fs::rename(env.store_path(), &target).unwrap();
    // Relative, as `ln -s` in a dotfiles setup usually makes it.
    let link = Path::new("../../home/dotfiles/vouch-store");
    std::os::unix::fs::symlink(link, env.store_path()).unwrap();
    assert!(env.fill("protocol=https\nhost=example.com\n").is_some());

    assert_ok(&env.helper(&["store"], STORE), "store through a link");
    assert_eq!(std::fs::read_link(env.store_path()).unwrap(), link);
    let answer = env.fill("protocol=https\nhost=new.example\n");
    assert_eq!(get(&answer, "password"), Some("p"));
    assert_eq!(
        get(&env.fill(std::str::from_utf8(GET).unwrap()), "password"),
        Some("s3cret-pw")
    );
    assert_eq!(mode(&target), 0o600);
    // The writers' lock sits beside the file they replace, and no temp file is left there.
    assert!(dotfiles.join("store.lock").exists());
    let names: Vec<String> = std::fs::read_dir(&dotfiles)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

    // A management command writes through it as well.
    env.add(&["github", "--username", "bob"], "ghp_through_link");
    assert!(
        std::fs::symlink_metadata(env.store_path())
            .unwrap()
            .is_symlink()
    );
    assert_eq!(
        env.list_json()["credentials"].as_array().map(Vec::len),
        Some(3)
    );
}
