//! The store on disk: permissions, encryption, tamper detection, concurrency, key loss.

use crate::common::*;

fn seeded() -> Env {
    let env = Env::new();
    env.approve("protocol=https\nhost=example.com\nusername=alice\npassword=s3cret-pw\n");
    env
}

#[test]
fn files_are_private_and_encrypted() {
    let env = seeded();
    let store = env.store_path();
    assert_eq!(mode(store.parent().unwrap()), 0o700);
    assert_eq!(mode(&store), 0o600);
    assert_eq!(mode(&env.key_path()), 0o600);
    assert_eq!(mode(env.key_path().parent().unwrap()), 0o700);
    let bytes = env.store_bytes().unwrap();
    for plain in ["s3cret-pw", "example.com", "alice", "https"] {
        assert!(
            !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "{plain} readable in the store"
        );
    }
    assert_eq!(&bytes[..8], b"VOUCHST\0");
}

#[test]
fn a_fresh_machine_without_keyring_gets_a_key_file() {
    let env = seeded();
    assert!(env.key_path().exists());
}

#[test]
fn every_flipped_byte_is_refused_and_the_file_left_alone() {
    let env = seeded();
    let good = env.store_bytes().unwrap();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0xff;
        std::fs::write(env.store_path(), &bad).unwrap();
        for (action, input) in [
            ("get", "protocol=https\nhost=example.com\n"),
            (
                "store",
                "protocol=https\nhost=new.example\nusername=u\npassword=p\n",
            ),
        ] {
            let out = env.helper(&[action], input.as_bytes());
            let err = assert_fails(&out, 6);
            assert!(
                err.contains("store.vouch"),
                "byte {i}: error does not name the file: {err}"
            );
            assert!(!err.contains("s3cret"), "{err}");
            assert_eq!(
                env.store_bytes().unwrap(),
                bad,
                "byte {i}: {action} touched the file"
            );
        }
    }
    std::fs::write(env.store_path(), &good).unwrap();
    assert!(env.fill("protocol=https\nhost=example.com\n").is_some());
}

#[test]
fn unknown_format_version_is_refused_clearly() {
    let env = seeded();
    let mut bytes = env.store_bytes().unwrap();
    bytes[8..10].copy_from_slice(&9u16.to_be_bytes());
    std::fs::write(env.store_path(), &bytes).unwrap();
    let err = assert_fails(
        &env.helper(&["get"], b"protocol=https\nhost=example.com\n"),
        6,
    );
    assert!(err.contains("format version 9"), "{err}");
}

#[test]
fn a_missing_key_file_is_key_unavailable_and_the_store_untouched() {
    let env = seeded();
    let before = env.store_bytes().unwrap();
    std::fs::remove_file(env.key_path()).unwrap();
    for action in ["get", "store", "erase"] {
        let input = "protocol=https\nhost=example.com\nusername=alice\npassword=other\n";
        let err = assert_fails(&env.helper(&[action], input.as_bytes()), 5);
        assert!(err.contains("key file"), "{err}");
        assert_eq!(env.store_bytes().unwrap(), before);
    }
    // Nothing was recreated behind the user's back.
    assert!(!env.key_path().exists());
}

#[test]
fn the_wrong_key_is_refused_as_damage() {
    let env = seeded();
    let other = seeded();
    std::fs::copy(other.key_path(), env.key_path()).unwrap();
    let before = env.store_bytes().unwrap();
    let err = assert_fails(
        &env.helper(&["get"], b"protocol=https\nhost=example.com\n"),
        6,
    );
    assert!(err.contains("key"), "{err}");
    assert_eq!(env.store_bytes().unwrap(), before);
}

#[test]
fn parallel_approves_lose_nothing() {
    let env = Env::new();
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let mut cmd = env.command("git");
            cmd.arg("-c")
                .arg(format!("credential.helper={HELPER}"))
                .args(["credential", "approve"]);
            std::thread::spawn(move || {
                let input = format!(
                    "protocol=https\nhost=host{i}.example\nusername=user{i}\npassword=pw{i}\n"
                );
                run(&mut cmd, input.as_bytes())
            })
        })
        .collect();
    for h in handles {
        assert_ok(&h.join().unwrap(), "parallel approve");
    }
    for i in 0..32 {
        let a = env.fill(&format!("protocol=https\nhost=host{i}.example\n"));
        assert_eq!(
            get(&a, "password"),
            Some(format!("pw{i}").as_str()),
            "credential {i} lost"
        );
    }
    // One key, one store: the racing first writers did not each create their own.
    let key = std::fs::read_to_string(env.key_path()).unwrap();
    assert_eq!(
        key.lines()
            .filter(|l| l.starts_with("vouch-key-v1"))
            .count(),
        1
    );
}

#[test]
fn readers_never_see_a_partial_file() {
    let env = seeded();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let mut cmds: Vec<_> = (0..40).map(|_| env.command(HELPER)).collect();
        std::thread::spawn(move || {
            for (i, cmd) in cmds.iter_mut().enumerate() {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let input = format!("protocol=https\nhost=w{i}.example\nusername=u\npassword=p\n");
                assert_ok(&run(cmd.arg("store"), input.as_bytes()), "store");
            }
        })
    };
    for _ in 0..40 {
        let out = env.helper(&["get"], b"protocol=https\nhost=example.com\n");
        assert_ok(&out, "get during writes");
        assert!(stdout(&out).contains("password=s3cret-pw"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
}
