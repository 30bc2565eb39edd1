//! Hostile requests: each is refused whole, leaves the store byte-identical, prints nothing on
//! stdout, one line on stderr that never contains the secret, exit 2.

use crate::common::*;

fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let long = format!(
        "protocol=https\nhost=victim.example.com\nwwwauth[]={}\nusername=alice\npassword=hunter2\n",
        "x".repeat(70_000)
    );
    vec![
        ("lone CR", b"protocol=https\nhost=victim.example.com\rusername=alice\npassword=hunter2\n".to_vec()),
        ("CR inside a value", b"protocol=https\nhost=victim.example.com\nusername=alice\npassword=hun\rter2\n".to_vec()),
        ("NUL", b"protocol=https\nhost=victim.example.com\0\nusername=alice\npassword=hunter2\n".to_vec()),
        ("70,000-byte line", long.into_bytes()),
        ("missing host", b"protocol=https\nusername=alice\npassword=hunter2\n".to_vec()),
        ("missing protocol", b"host=victim.example.com\nusername=alice\npassword=hunter2\n".to_vec()),
        ("url= line", b"url=https://alice@victim.example.com/\nusername=alice\npassword=hunter2\n".to_vec()),
        (
            "url= beside protocol and host",
            b"protocol=https\nhost=victim.example.com\nurl=https://evil.example/\nusername=alice\npassword=hunter2\n".to_vec(),
        ),
        ("invalid UTF-8", b"protocol=https\nhost=victim.example.com\nusername=al\xffice\npassword=hunter2\n".to_vec()),
        ("invalid UTF-8 in a secret", b"protocol=https\nhost=victim.example.com\nusername=alice\npassword=hunter2\xc3\n".to_vec()),
        ("line without =", b"protocol=https\nhost=victim.example.com\nusername\npassword=hunter2\n".to_vec()),
    ]
}

#[test]
fn every_hostile_request_is_refused_without_effect() {
    let env = Env::new();
    env.approve("protocol=https\nhost=victim.example.com\nusername=alice\npassword=original\n");
    let before = env.store_bytes().unwrap();
    for (name, input) in corpus() {
        for action in ["get", "store", "erase"] {
            let out = env.helper(&[action], &input);
            let err = assert_fails(&out, 2);
            assert!(
                err.contains("rejected credential request"),
                "{name}/{action}: {err}"
            );
            assert!(
                !err.contains("hunter2"),
                "{name}/{action} leaked the secret: {err}"
            );
            assert_eq!(
                env.store_bytes().unwrap(),
                before,
                "{name}/{action} changed the store"
            );
        }
    }
    let a = env.fill("protocol=https\nhost=victim.example.com\n");
    assert_eq!(get(&a, "password"), Some("original"));
}

#[test]
fn hostile_store_on_a_fresh_machine_creates_nothing() {
    let env = Env::new();
    for (name, input) in corpus() {
        let out = env.helper(&["store"], &input);
        assert_fails(&out, 2);
        assert!(env.store_bytes().is_none(), "{name} created a store");
    }
}

#[test]
fn escape_sequences_in_errors_are_neutralised() {
    let env = Env::new();
    let out = env.helper(
        &["get"],
        b"protocol=https\nhost=a\n\x1b[2Jkey-without-value\n",
    );
    let err = assert_fails(&out, 2);
    assert!(!err.contains('\x1b'), "raw escape in {err:?}");
}
