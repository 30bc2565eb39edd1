//! `import`: bad lines skipped by number, bounded input, and the same answers as git's own store.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Run `cmd` (stdin closed), killing it if it outlives `limit`: a hang fails instead of hanging.
fn run_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            child.kill().expect("kill");
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn import_from(env: &Env, file: &str, extra: &[&str]) -> Output {
    let mut args = vec!["import", "--from", file];
    args.extend_from_slice(extra);
    run_within(env.command(HELPER).args(&args), Duration::from_secs(60))
}

/// Exit 2 with one line on stderr, which names what was wrong; never a secret anywhere.
fn assert_refused(out: &Output, secrets: &[&str]) -> String {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    for s in secrets {
        assert!(!err.contains(s) && !stdout(out).contains(s), "{s} shown");
    }
    err
}

#[test]
fn bad_lines_are_skipped_by_number_and_the_good_ones_imported() {
    let env = Env::new();
    let file = env.path("home/.git-credentials");
    let mut text = b"https://alice:first-pass@one.example\n".to_vec();
    text.extend_from_slice(b"https://bob:utf8-\xff-hunter2@two.example\n");
    text.extend_from_slice(b"not-a-url-with-secret-hunter3\n");
    text.extend_from_slice(b"# a comment and an empty line are not skipped lines\n\n");
    text.extend_from_slice(b"https://carol:third-pass@three.example\r\n");
    std::fs::write(&file, &text).unwrap();
    let path = file.to_str().unwrap();

    let out = import_from(&env, path, &["--remove-source"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    for secret in ["hunter", "pass"] {
        assert!(
            !err.contains(secret) && !stdout(&out).contains(secret),
            "{secret} shown"
        );
    }
    // One line per skipped line, then the one-line error.
    assert_eq!(err.trim_end().lines().count(), 3, "{err:?}");
    assert!(err.contains("2 in") && err.contains(path), "{err}");
    assert!(err.contains("kept"), "{err}");
    let report = stdout(&out);
    assert!(report.contains("2 entries, 2 new"), "{report}");
    assert!(report.contains("plaintext file kept"), "{report}");
    // The skipped lines are diagnostics: on stderr, above the error that sums them up.
    assert!(!report.contains("skipped:"), "{report}");
    assert!(err.contains("line 2 skipped: not valid UTF-8"), "{err}");
    assert!(err.contains("line 3 skipped"), "{err}");
    assert_eq!(err.matches("skipped:").count(), 2, "{err}");
    assert!(
        err.find("line 3 skipped").unwrap() < err.find("listed above").unwrap(),
        "{err}"
    );
    assert!(file.exists(), "a file with skipped lines must be kept");
    for (host, pass) in [("one", "first-pass"), ("three", "third-pass")] {
        let a = env.fill(&format!("protocol=https\nhost={host}.example\n"));
        assert_eq!(get(&a, "password"), Some(pass), "{host}");
    }
    assert!(env.fill("protocol=https\nhost=two.example\n").is_none());
}

#[test]
fn endless_input_ends_at_once_with_an_error() {
    let env = Env::new();
    let start = Instant::now();
    let out = import_from(&env, "/dev/zero", &[]);
    let err = assert_refused(&out, &[]);
    assert!(
        err.contains("/dev/zero") && err.contains("line 1 is longer than 64 KiB"),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert!(env.store_bytes().is_none(), "nothing was imported");
}

#[test]
fn an_oversized_line_or_file_is_refused_naming_it() {
    let env = Env::new();
    let file = env.path("creds");
    let path = file.to_str().unwrap();
    let long = format!("https://u:{}@long.example\n", "s3cret".repeat(12 << 10));
    std::fs::write(&file, format!("https://ok:fine@ok.example\n{long}")).unwrap();
    let err = assert_refused(&import_from(&env, path, &[]), &["s3cret", "fine"]);
    assert!(err.contains(&format!("{path}: line 2 is longer")), "{err}");
    assert!(env.store_bytes().is_none(), "nothing was imported");

    // Sparse: no 65 MiB written to disk, and none of it read.
    std::fs::File::create(&file)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let err = assert_refused(&import_from(&env, path, &[]), &[]);
    assert!(
        err.contains(&format!("{path} is larger than 64 MiB")),
        "{err}"
    );
}

/// 10,000 lines with repeated hosts, users and paths, in an order git's store could have written
/// them (a line with a path before the pathless one for the same user): vouch answers what git's
/// own store answers from the same file (the first matching line), and a second import adds
/// nothing.
#[test]
fn ten_thousand_lines_answer_like_gits_store() {
    let env = Env::new();
    let file = env.path("creds");
    let mut text = String::from("https://dup:first@dup.example\nhttps://dup:second@dup.example\n");
    for i in 0..9_998 {
        let (host, round) = (i % 1499, i / 1499);
        let path = ["/o/r.git", "/o/s.git", "/o/r.git", "/o/s.git", "", "", ""][round];
        text.push_str(&format!(
            "https://user{}:pass{i}@host{host}.example{path}\n",
            i % 3
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let path = file.to_str().unwrap();
    let out = import_from(&env, path, &[]);
    assert_ok(&out, "import");
    assert!(stdout(&out).contains("10000 entries"), "{}", stdout(&out));

    let mut asked = 0;
    for host in ["dup", "host0", "host1", "host700", "host1497", "host1498"] {
        for user in [
            None,
            Some("dup"),
            Some("user0"),
            Some("user1"),
            Some("user2"),
        ] {
            for repo in [None, Some("o/r.git"), Some("o/s.git")] {
                let mut query = format!("protocol=https\nhost={host}.example\n");
                if let Some(user) = user {
                    query.push_str(&format!("username={user}\n"));
                }
                if let Some(repo) = repo {
                    query.push_str(&format!("path={repo}\n"));
                }
                let mut git = env.command("git");
                git.args(["credential-store", "--file", path, "get"]);
                let theirs = fields(&run(&mut git, query.as_bytes()).stdout);
                let ours = fields(&env.helper(&["get"], query.as_bytes()).stdout);
                assert_eq!(ours, theirs, "{query}");
                asked += usize::from(theirs.contains_key("password"));
            }
        }
    }
    assert!(asked > 30, "only {asked} queries were answered");

    // Again: nothing twice (a pathless line still replaces the same user's lines with a path
    // and is replaced by them in turn, as `store` would: the same entries, refiled).
    let count = || env.list_json()["credentials"].as_array().unwrap().len();
    let before = count();
    assert_ok(&import_from(&env, path, &[]), "import again");
    assert_eq!(count(), before);
}
