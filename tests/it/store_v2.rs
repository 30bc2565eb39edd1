//! Store format v2 through real git: a v1 store keeps answering and becomes v2 on the first
//! write, and a large store answers each host from its own bucket, also after erase and store.

use vouch::keysource::{self, DataKey, SourceKind};
use vouch::paths::Paths;
use vouch::store::format::{self, Header, v1, v2};

use crate::common::*;

fn query(host: &str) -> String {
    format!("protocol=https\nhost={host}\n")
}

fn approve(env: &Env, host: &str, user: &str, password: &str) {
    env.approve(&format!(
        "protocol=https\nhost={host}\nusername={user}\npassword={password}\n"
    ));
}

fn assert_answers(env: &Env, host: &str, user: &str, password: &str) {
    let answer = env.fill(&query(host));
    assert_eq!(get(&answer, "username"), Some(user), "{host}: {answer:?}");
    assert_eq!(get(&answer, "password"), Some(password), "{host}");
}

/// The version field of the store file.
fn file_version(env: &Env) -> u16 {
    let bytes = env.store_bytes().unwrap();
    u16::from_be_bytes([bytes[8], bytes[9]])
}

fn doctor_store(env: &Env) -> String {
    let store = doctor_check(&env.helper(&["doctor", "--json"], b""), "store");
    assert_eq!(store["level"], "ok", "{store}");
    store["message"].as_str().unwrap().to_owned()
}

/// The header of `env`'s key-file store, its body and its data key, unwrapped in this process
/// from the test's key file.
fn open_store(env: &Env) -> (Header, Vec<u8>, DataKey) {
    let paths = Paths::at(
        env.path("data/git-credential-vouch"),
        env.path("config/git-credential-vouch"),
    );
    let bytes = env.store_bytes().unwrap();
    let (header, body) = format::parse_header(&bytes).unwrap();
    assert_eq!(header.source, SourceKind::File);
    let aad = Header::wrap_aad(&header.key_id, header.source);
    let data_key = keysource::open(SourceKind::File, &paths)
        .unwrap(&header.key_id, &header.wrapped, &aad)
        .unwrap();
    (header, body.to_vec(), data_key)
}

/// Rewrite `env`'s key-file store as version 1, the whole payload sealed as one message, as the
/// release before v2 wrote it: the library's v1 writer (kept for tests and the fuzzer) on the
/// store's own entries and data key.
fn rewrite_as_v1(env: &Env) {
    let (header, body, data_key) = open_store(env);
    let entries = format::decode(&header, &data_key, &body).unwrap();
    std::fs::write(env.store_path(), v1::seal(&header, &data_key, &entries)).unwrap();
    assert_eq!(file_version(env), 1);
}

#[test]
fn a_v1_store_answers_and_becomes_v2_on_the_first_write() {
    let env = Env::new();
    let hosts: Vec<String> = (0..40).map(|i| format!("old{i}.example")).collect();
    for (i, host) in hosts.iter().enumerate() {
        approve(&env, host, &format!("u{i}"), &format!("pw-old-{i}"));
    }
    rewrite_as_v1(&env);

    for (i, host) in hosts.iter().enumerate().step_by(7) {
        assert_answers(&env, host, &format!("u{i}"), &format!("pw-old-{i}"));
    }
    assert!(env.fill(&query("missing.example")).is_none());
    let message = doctor_store(&env);
    assert!(
        message.contains("format version 1 (rewritten as version 2 on the next write)"),
        "{message}"
    );
    assert!(message.contains("40 entries"), "{message}");
    assert_eq!(file_version(&env), 1, "reading does not migrate");

    approve(&env, "new.example", "n", "pw-new");
    assert_eq!(file_version(&env), 2);
    for (i, host) in hosts.iter().enumerate() {
        assert_answers(&env, host, &format!("u{i}"), &format!("pw-old-{i}"));
    }
    assert_answers(&env, "new.example", "n", "pw-new");
    let message = doctor_store(&env);
    assert!(message.contains("format version 2,"), "{message}");
    assert!(!message.contains("rewritten"), "{message}");
    assert!(message.contains("41 entries"), "{message}");
}

#[test]
fn a_large_store_answers_each_host_also_after_erase_and_store() {
    let env = Env::new();
    let n = 3000;
    let file = env.path("home/git-credentials");
    let lines: String = (0..n)
        .map(|i| format!("https://user{i}:tok-{i}-x@host{i}.example\n"))
        .collect();
    std::fs::write(&file, lines).unwrap();
    let out = env.helper(&["import", "--from", file.to_str().unwrap()], b"");
    assert_ok(&out, "import");
    assert_eq!(file_version(&env), 2);
    // 3000 entries at 32 a bucket: 94 buckets, and the hosts asked for lie in several.
    let asked = [0, 1, 2, 17, 999, 1500, 2998, 2999];
    let hosts = asked.iter().map(|i| format!("host{i}.example"));
    let (buckets, used) = buckets_of(&env, hosts, |host| v2::Slot::Generic {
        protocol: b"https",
        host,
    });
    assert_eq!(buckets, 94);
    assert!(
        used.len() >= 4,
        "the hosts asked for share buckets {used:?}"
    );
    for i in asked {
        assert_answers(
            &env,
            &format!("host{i}.example"),
            &format!("user{i}"),
            &format!("tok-{i}-x"),
        );
    }
    assert!(env.fill(&query("host3000.example")).is_none());
    assert!(doctor_store(&env).contains("3000 entries"));

    env.reject("protocol=https\nhost=host1500.example\nusername=user1500\n");
    approve(&env, "added.example", "a", "tok-added");
    approve(&env, "host17.example", "user17", "tok-17-new");
    assert!(env.fill(&query("host1500.example")).is_none());
    assert_answers(&env, "added.example", "a", "tok-added");
    assert_answers(&env, "host17.example", "user17", "tok-17-new");
    for i in asked.into_iter().filter(|&i| i != 1500 && i != 17) {
        assert_answers(
            &env,
            &format!("host{i}.example"),
            &format!("user{i}"),
            &format!("tok-{i}-x"),
        );
    }
    assert!(doctor_store(&env).contains("3000 entries"));
}

/// GitHub tokens scoped to one repository each spread over the buckets (the writer hashes the
/// scope), and `get` still picks the most specific: the repository's, the organization's, the
/// instance-wide one.
#[test]
fn repository_tokens_of_one_instance_spread_and_the_most_specific_answers() {
    let env = Env::new();
    let token = |what: &str| format!("ghp_{what:0>36}");
    env.add(&["github", "--username", "wide"], &token("wide"));
    env.add(
        &["github", "--username", "org", "--repo", "acme"],
        &token("org"),
    );
    let n = 100;
    for i in 0..n {
        let repo = format!("acme/repo{i}");
        env.add(
            &["github", "--username", "bot", "--repo", &repo],
            &token(&format!("r{i}")),
        );
    }
    let scopes = (0..n).map(|i| format!("acme/repo{i}"));
    let (buckets, used) = buckets_of(&env, scopes, |scope| v2::Slot::Scoped {
        provider: b"github",
        scope,
    });
    assert_eq!(buckets, v2::bucket_count(n + 2));
    assert!(used.len() >= 3, "repository tokens share buckets {used:?}");

    let path = ["credential.useHttpPath=true"];
    let fill = |url: &str| {
        let answer = env.fill_with(&path, &format!("url={url}\n")).unwrap();
        (answer["username"].clone(), answer["password"].clone())
    };
    for i in [0, 41, 99] {
        let url = format!("https://github.com/Acme/Repo{i}.git");
        assert_eq!(fill(&url), ("bot".into(), token(&format!("r{i}"))), "{url}");
    }
    assert_eq!(
        fill("https://github.com/acme/other.git"),
        ("org".into(), token("org"))
    );
    assert_eq!(
        fill("https://github.com/else/x.git"),
        ("wide".into(), token("wide"))
    );
}

/// The store's bucket count, and the buckets `slot` puts each of `names` in (found with the
/// store's key, as `get` finds them).
fn buckets_of(
    env: &Env,
    names: impl IntoIterator<Item = String>,
    slot: impl for<'a> Fn(&'a [u8]) -> v2::Slot<'a>,
) -> (u32, std::collections::BTreeSet<u32>) {
    let (header, body, data_key) = open_store(env);
    let buckets = header.layout.unwrap().buckets;
    let index = v2::Index::open(&header, &data_key, &body[..v2::table_len(buckets)]).unwrap();
    let used = names
        .into_iter()
        .map(|name| index.bucket_of(slot(name.as_bytes())))
        .collect();
    (buckets, used)
}
