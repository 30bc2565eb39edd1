//! The storage semantics of git's own helpers, driven through `git credential`.

use crate::common::*;

fn cred(host: &str, user: &str, pass: &str) -> String {
    format!("protocol=https\nhost={host}\nusername={user}\npassword={pass}\n")
}

#[test]
fn store_then_get() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw1"));
    let a = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(get(&a, "username"), Some("alice"));
    assert_eq!(get(&a, "password"), Some("pw1"));
    assert_eq!(
        get(&a, "host"),
        Some("example.com"),
        "git echoes the request, not us"
    );
}

#[test]
fn protocol_host_and_port_must_match() {
    let env = Env::new();
    env.approve(&cred("example.com:8443", "alice", "pw"));
    assert!(
        env.fill("protocol=https\nhost=example.com:8443\n")
            .is_some()
    );
    assert!(env.fill("protocol=https\nhost=example.com\n").is_none());
    assert!(
        env.fill("protocol=https\nhost=example.com:9443\n")
            .is_none()
    );
    assert!(env.fill("protocol=http\nhost=example.com:8443\n").is_none());
    assert!(env.fill("protocol=https\nhost=other.com:8443\n").is_none());
    assert!(
        env.fill("protocol=https\nhost=sub.example.com:8443\n")
            .is_none()
    );
}

#[test]
fn host_case_does_not_matter() {
    let env = Env::new();
    env.approve(&cred("Example.COM", "alice", "pw"));
    assert!(env.fill("protocol=https\nhost=example.com\n").is_some());
    assert!(env.fill("protocol=https\nhost=EXAMPLE.com\n").is_some());
}

#[test]
fn username_must_match_when_given() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw"));
    assert!(
        env.fill("protocol=https\nhost=example.com\nusername=bob\n")
            .is_none()
    );
    let a = env.fill("protocol=https\nhost=example.com\nusername=alice\n");
    assert_eq!(get(&a, "password"), Some("pw"));
}

#[test]
fn path_must_match_when_sent() {
    let env = Env::new();
    let path = ["credential.useHttpPath=true"];
    let out = env.git_credential(
        &path,
        "approve",
        "protocol=https\nhost=example.com\npath=team/repo.git\nusername=alice\npassword=pw\n",
    );
    assert_ok(&out, "approve with path");
    assert!(
        env.fill_with(
            &path,
            "protocol=https\nhost=example.com\npath=team/repo.git\n"
        )
        .is_some()
    );
    assert!(
        env.fill_with(
            &path,
            "protocol=https\nhost=example.com\npath=team/other.git\n"
        )
        .is_none()
    );
    // Without useHttpPath git drops the path: the request has none, so any path matches.
    assert!(
        env.fill("protocol=https\nhost=example.com\npath=team/other.git\n")
            .is_some()
    );
}

#[test]
fn store_overwrites() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "old"));
    env.approve(&cred("example.com", "alice", "new"));
    let a = env.fill("protocol=https\nhost=example.com\nusername=alice\n");
    assert_eq!(get(&a, "password"), Some("new"));
    let count = env.helper(&["get"], b"protocol=https\nhost=example.com\n");
    assert_eq!(
        fields(&count.stdout).get("password").map(String::as_str),
        Some("new")
    );
}

#[test]
fn several_users_per_host() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw-a"));
    env.approve(&cred("example.com", "bob", "pw-b"));
    let a = env.fill("protocol=https\nhost=example.com\nusername=alice\n");
    let b = env.fill("protocol=https\nhost=example.com\nusername=bob\n");
    assert_eq!(get(&a, "password"), Some("pw-a"));
    assert_eq!(get(&b, "password"), Some("pw-b"));
    // Without a username, the most recently stored answers (as with git's store helper).
    let any = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(get(&any, "username"), Some("bob"));
}

#[test]
fn forgetting_a_host_forgets_all_its_users() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw-a"));
    env.approve(&cred("example.com", "bob", "pw-b"));
    env.approve(&cred("other.com", "alice", "pw-o"));
    env.reject("protocol=https\nhost=example.com\n");
    assert!(env.fill("protocol=https\nhost=example.com\n").is_none());
    assert!(env.fill("protocol=https\nhost=other.com\n").is_some());
}

#[test]
fn forgetting_one_user_keeps_the_other() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw-a"));
    env.approve(&cred("example.com", "bob", "pw-b"));
    env.reject("protocol=https\nhost=example.com\nusername=alice\n");
    assert!(
        env.fill("protocol=https\nhost=example.com\nusername=alice\n")
            .is_none()
    );
    assert!(
        env.fill("protocol=https\nhost=example.com\nusername=bob\n")
            .is_some()
    );
}

#[test]
fn erase_keeps_an_entry_whose_password_differs() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "current"));
    env.reject(&cred("example.com", "alice", "stale"));
    let a = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(get(&a, "password"), Some("current"));
    env.reject(&cred("example.com", "alice", "current"));
    assert!(env.fill("protocol=https\nhost=example.com\n").is_none());
}

#[test]
fn erase_removes_all_matches() {
    let env = Env::new();
    let path = ["credential.useHttpPath=true"];
    for (p, pw) in [("a.git", "1"), ("b.git", "2")] {
        let input =
            format!("protocol=https\nhost=example.com\npath={p}\nusername=alice\npassword={pw}\n");
        assert_ok(&env.git_credential(&path, "approve", &input), "approve");
    }
    env.reject("protocol=https\nhost=example.com\nusername=alice\n");
    for p in ["a.git", "b.git"] {
        let q = format!("protocol=https\nhost=example.com\npath={p}\n");
        assert!(env.fill_with(&path, &q).is_none(), "{p} survived");
    }
}

#[test]
fn empty_username_and_password_round_trip() {
    let env = Env::new();
    env.approve("protocol=https\nhost=example.com\nusername=\npassword=pw\n");
    let a = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(get(&a, "username"), Some(""));
    assert_eq!(get(&a, "password"), Some("pw"));
    env.approve("protocol=https\nhost=empty.example\nusername=u\npassword=\n");
    let raw = env.helper(&["get"], b"protocol=https\nhost=empty.example\n");
    assert_eq!(stdout(&raw), "username=u\npassword=\n");
}

#[test]
fn a_long_wwwauth_line_leaks_nothing() {
    let env = Env::new();
    env.approve(&cred("victim.example.com", "alice", "victim-secret"));
    // Padded so that a helper reading 1024-byte lines would see `host=victim...` as a new line.
    let pad = "A".repeat(1024 - "wwwauth[]=".len());
    let input =
        format!("protocol=https\nhost=attacker.example\nwwwauth[]={pad}host=victim.example.com\n");
    assert!(env.fill(&input).is_none());
    let direct = env.helper(&["get"], input.as_bytes());
    assert_ok(&direct, "get");
    assert!(direct.stdout.is_empty());
}

#[test]
fn expiry_is_stored_returned_and_overwritten() {
    let env = Env::new();
    let later = unix_now() + 3600;
    env.approve(&format!(
        "{}password_expiry_utc={later}\n",
        cred("example.com", "alice", "pw")
    ));
    let a = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(
        get(&a, "password_expiry_utc"),
        Some(later.to_string().as_str())
    );
    let later2 = later + 60;
    env.approve(&format!(
        "{}password_expiry_utc={later2}\n",
        cred("example.com", "alice", "pw2")
    ));
    let a = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(
        get(&a, "password_expiry_utc"),
        Some(later2.to_string().as_str())
    );
    assert_eq!(get(&a, "password"), Some("pw2"));
}

#[test]
fn expired_credentials_are_not_returned_nor_stored() {
    let env = Env::new();
    // git itself never sends an expired credential to `store`; the helper refuses it too.
    let past = unix_now() - 10;
    let out = env.helper(
        &["store"],
        format!(
            "{}password_expiry_utc={past}\n",
            cred("example.com", "alice", "old")
        )
        .as_bytes(),
    );
    assert_ok(&out, "store expired");
    assert!(
        env.store_bytes().is_none(),
        "an expired credential created a store"
    );
    // One that expires while stored is no longer answered.
    let soon = unix_now() + 2;
    env.approve(&format!(
        "{}password_expiry_utc={soon}\n",
        cred("example.com", "alice", "pw")
    ));
    assert!(env.fill("protocol=https\nhost=example.com\n").is_some());
    std::thread::sleep(std::time::Duration::from_millis(3200));
    assert!(env.fill("protocol=https\nhost=example.com\n").is_none());
}

#[test]
fn refresh_token_round_trips() {
    let env = Env::new();
    env.approve(&format!(
        "{}oauth_refresh_token=refresh-123\n",
        cred("example.com", "alice", "pw")
    ));
    let a = env.fill("protocol=https\nhost=example.com\n");
    assert_eq!(get(&a, "oauth_refresh_token"), Some("refresh-123"));
}

const BEARER: &str = "capability[]=authtype\nauthtype=Bearer\ncredential=bearer-tok\nprotocol=https\nhost=bb.example:7990\n";

#[test]
fn authtype_credential_round_trip_only_with_the_capability() {
    let env = Env::new();
    // Directly against the helper: works with any git.
    assert_ok(&env.helper(&["store"], BEARER.as_bytes()), "store bearer");
    let with = env.helper(
        &["get"],
        b"capability[]=authtype\nprotocol=https\nhost=bb.example:7990\n",
    );
    assert_eq!(
        stdout(&with),
        "capability[]=authtype\nauthtype=Bearer\ncredential=bearer-tok\n"
    );
    let without = env.helper(&["get"], b"protocol=https\nhost=bb.example:7990\n");
    assert_ok(&without, "get without capability");
    assert!(
        without.stdout.is_empty(),
        "answered a Bearer token to a git without the capability"
    );
}

#[test]
fn authtype_credential_round_trip_through_git() {
    if git_version() < (2, 46) {
        eprintln!(
            "git {:?} has no capability[]=authtype; covered by the direct test",
            git_version()
        );
        return;
    }
    let env = Env::new();
    env.approve(BEARER);
    let a = env.fill("capability[]=authtype\nprotocol=https\nhost=bb.example:7990\n");
    assert_eq!(get(&a, "authtype"), Some("Bearer"));
    assert_eq!(get(&a, "credential"), Some("bearer-tok"));
    assert!(env.fill("protocol=https\nhost=bb.example:7990\n").is_none());
}

#[test]
fn a_bearer_token_does_not_replace_passwords() {
    let env = Env::new();
    env.approve(&cred("bb.example:7990", "alice", "pw"));
    assert_ok(&env.helper(&["store"], BEARER.as_bytes()), "store bearer");
    let a = env.fill("protocol=https\nhost=bb.example:7990\n");
    assert_eq!(get(&a, "password"), Some("pw"));
}

#[test]
fn ephemeral_credentials_are_not_stored() {
    let env = Env::new();
    let input = format!(
        "capability[]=authtype\nephemeral=1\n{}",
        cred("example.com", "alice", "pw")
    );
    assert_ok(&env.helper(&["store"], input.as_bytes()), "store ephemeral");
    assert!(env.store_bytes().is_none());
    if git_version() >= (2, 46) {
        let input = "capability[]=authtype\nauthtype=Bearer\ncredential=t\nephemeral=1\nprotocol=https\nhost=e.example\n";
        let _ = env.git_credential(&[], "approve", input);
        assert!(env.store_bytes().is_none());
    }
}

#[test]
fn storing_the_same_answer_again_does_not_rewrite_the_store() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw"));
    let before = env.store_bytes().unwrap();
    env.approve(&cred("example.com", "alice", "pw"));
    assert_eq!(
        env.store_bytes().unwrap(),
        before,
        "identical store was rewritten"
    );
}

#[test]
fn nothing_found_is_silent_success() {
    let env = Env::new();
    let out = env.helper(&["get"], b"protocol=https\nhost=example.com\n");
    assert_ok(&out, "get without store");
    assert!(out.stdout.is_empty());
    env.approve(&cred("example.com", "alice", "pw"));
    let out = env.helper(&["get"], b"protocol=https\nhost=nothing.example\n");
    assert_ok(&out, "get no match");
    assert!(out.stdout.is_empty());
    let out = env.helper(&["erase"], b"protocol=https\nhost=nothing.example\n");
    assert_ok(&out, "erase no match");
}

#[test]
fn never_prints_protocol_host_path_or_url() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw"));
    let out = env.helper(&["get"], b"protocol=https\nhost=example.com\npath=a/b\n");
    let text = stdout(&out);
    for key in ["protocol=", "host=", "path=", "url="] {
        assert!(!text.contains(key), "{key} in {text:?}");
    }
}

#[test]
fn unknown_actions_are_ignored() {
    let env = Env::new();
    for action in ["capability", "frobnicate"] {
        let out = env.helper(&[action], b"protocol=https\nhost=example.com\n");
        assert_eq!(out.status.code(), Some(0));
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{action}");
    }
}

#[test]
fn git_finds_the_helper_by_its_short_name() {
    let env = Env::new();
    env.approve(&cred("example.com", "alice", "pw"));
    let bin = std::path::Path::new(HELPER).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = env.command("git");
    cmd.env("PATH", path)
        .args(["-c", "credential.helper=vouch", "credential", "fill"]);
    let out = run(&mut cmd, b"protocol=https\nhost=example.com\n");
    assert_ok(&out, "fill with credential.helper=vouch");
    assert_eq!(
        fields(&out.stdout).get("password").map(String::as_str),
        Some("pw")
    );
}
