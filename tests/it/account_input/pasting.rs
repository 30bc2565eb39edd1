//! Item 4: tokens taken in as people paste them.

use crate::common::*;

/// Add a token as pasted (the bytes exactly, no newline added); the new ID.
fn add_raw(env: &Env, args: &[&str], raw: &[u8]) -> String {
    let mut argv = vec!["add"];
    argv.extend_from_slice(args);
    let out = env.helper(&argv, raw);
    assert_ok(&out, &format!("add {args:?}"));
    stdout(&out).trim_end().to_owned()
}

#[test]
fn blanks_around_a_pasted_token_are_dropped_and_git_gets_it_exactly() {
    let env = Env::new();
    // Leading blanks once made `add` ask for --token-kind; trailing ones were stored.
    add_raw(
        &env,
        &["github", "--username", "alice"],
        b"  ghp_pastedwithblanks \t\r\n",
    );
    add_raw(
        &env,
        &["gitlab", "--email", "alice@corp.example"],
        b"\tglpat-tabbed\t\n\n",
    );
    add_raw(
        &env,
        &["codeberg", "--username", "carol"],
        b"codeberg-crlf\r\n",
    );
    for (host, token) in [
        ("github.com", "ghp_pastedwithblanks"),
        ("gitlab.com", "glpat-tabbed"),
        ("codeberg.org", "codeberg-crlf"),
    ] {
        let answer = env.fill(&format!("protocol=https\nhost={host}\n\n"));
        assert_eq!(get(&answer, "password"), Some(token), "{host}");
    }
    // rotate takes a token the same way.
    let out = env.helper(
        &["rotate", "alice@corp.example@gitlab"],
        b" glpat-rotated \r\n",
    );
    assert_ok(&out, "rotate");
    let answer = env.fill("protocol=https\nhost=gitlab.com\n\n");
    assert_eq!(get(&answer, "password"), Some("glpat-rotated"));
}

#[test]
fn a_blank_inside_a_token_is_refused_naming_the_field_not_the_value() {
    let env = Env::new();
    for raw in [
        &b"ghp_half one\n"[..],
        b"ghp_half\tone\n",
        b"ghp_first\nghp_second\n",
    ] {
        let out = env.helper(&["add", "github", "--username", "alice"], raw);
        let err = assert_fails(&out, 2);
        assert!(err.starts_with("git-credential-vouch: token: "), "{err}");
        assert!(!err.contains("half") && !err.contains("ghp_"), "{err}");
    }
    assert!(env.store_bytes().is_none(), "a refused add wrote the store");
}

#[test]
fn more_than_64_kib_is_refused_with_exit_2_and_nothing_is_stored() {
    let env = Env::new();
    let mut raw = b"ghp_".to_vec();
    raw.resize(64 * 1024 + 1, b'a');
    let err = assert_fails(
        &env.helper(&["add", "github", "--username", "alice"], &raw),
        2,
    );
    assert!(err.contains("token:") && err.contains("64 KiB"), "{err}");
    assert!(env.store_bytes().is_none(), "a refused add wrote the store");

    // The OAuth client secret is read the same way: refused before config.toml changes.
    env.vouch(
        &[
            "instance",
            "add",
            "corp",
            "--kind",
            "gitlab-self-managed",
            "--host",
            "git.corp",
            "--oauth-client-id",
            "corp-app",
        ],
        "",
    );
    let config = env.path("config/git-credential-vouch/config.toml");
    let before = std::fs::read(&config).unwrap();
    let mut secret = vec![b's'; 64 * 1024];
    secret.push(b'\n');
    secret.push(b'x');
    let err = assert_fails(
        &env.helper(
            &[
                "instance",
                "update",
                "corp",
                "--oauth-client-secret-stdin",
                "--pat",
                "false",
            ],
            &secret,
        ),
        2,
    );
    assert!(
        err.contains("oauth client secret: ") && err.contains("64 KiB"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&config).unwrap(),
        before,
        "config.toml changed"
    );
    assert!(env.store_bytes().is_none(), "the secret was stored");
}

#[test]
fn a_token_of_another_provider_is_named_as_such() {
    let env = Env::new();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["add", "github", "--username", "alice"],
            "glpat-wrongplace",
            "looks like a GitLab token (glpat-), not a github token",
        ),
        (
            &["add", "gitlab", "--email", "alice@corp.example"],
            "ghp_wrongplace",
            "looks like a GitHub token (ghp_), not a gitlab token",
        ),
        (
            &[
                "add",
                "codeberg",
                "--username",
                "alice",
                "--token-kind",
                "access-token",
            ],
            "hf_wrongplace",
            "looks like a Hugging Face token (hf_), not a codeberg token",
        ),
    ];
    for (args, token, says) in cases {
        let err = assert_fails(&env.helper(args, format!("{token}\n").as_bytes()), 2);
        assert!(err.contains(&format!("token: {says}")), "{args:?}: {err}");
        assert!(!err.contains("wrongplace"), "the value was shown: {err}");
    }
    assert!(env.store_bytes().is_none(), "a refused add wrote the store");
    // rotate refuses it too, and the stored token stays.
    let id = env.add(&["github", "--username", "alice"], "ghp_rightplace");
    let err = assert_fails(&env.helper(&["rotate", &id], b"glpat-wrongplace\n"), 2);
    assert!(err.contains("GitLab token (glpat-)"), "{err}");
    let answer = env.fill("protocol=https\nhost=github.com\n\n");
    assert_eq!(get(&answer, "password"), Some("ghp_rightplace"));
}
