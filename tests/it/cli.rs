//! The management CLI: round trips, exit codes, JSON, and no secret in any output.

use crate::common::*;

const SECRET: &str = "ghp_TOPSECRET0000000000000000000000000000";

#[test]
fn add_list_show_update_rotate_remove_round_trip() {
    let env = Env::new();
    let id = env.add(
        &["github", "--username", "alice", "--label", "laptop"],
        SECRET,
    );
    let list = env.list_json();
    assert_eq!(list["version"], 1);
    let c = &list["credentials"][0];
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["provider"], "github");
    assert_eq!(c["kind"], "github");
    assert_eq!(c["host"], serde_json::Value::Null);
    assert_eq!(c["account"], "alice");
    assert_eq!(c["token_kind"], "classic-pat");
    assert_eq!(c["label"], "laptop");
    assert_eq!(c["origin"], "add");
    assert_eq!(c["status"], "ok");

    let show: serde_json::Value =
        serde_json::from_str(&env.vouch(&["show", &id, "--json"], "")).unwrap();
    assert_eq!(show["id"], id.as_str());
    let text = env.vouch(&["show", &id], "");
    assert!(
        text.contains("alice") && text.contains("classic-pat"),
        "{text}"
    );

    env.vouch(
        &[
            "update",
            &id,
            "--label",
            "desktop",
            "--repo",
            "acme/app",
            "--expires",
            "2030-01-01",
        ],
        "",
    );
    let show: serde_json::Value =
        serde_json::from_str(&env.vouch(&["show", &id, "--json"], "")).unwrap();
    assert_eq!(show["label"], "desktop");
    assert_eq!(show["scope"], "acme/app");
    assert_eq!(show["expires_at"], "2030-01-01T00:00:00Z");

    env.vouch(&["rotate", &id], "github_pat_ROTATED\n");
    let show: serde_json::Value =
        serde_json::from_str(&env.vouch(&["show", &id, "--json"], "")).unwrap();
    assert_eq!(
        show["token_kind"], "fine-grained-pat",
        "rotate re-detects the kind"
    );
    assert_eq!(
        show["expires"],
        serde_json::Value::Null,
        "a new token has its own expiry"
    );
    let a = env.fill_with(
        &["credential.useHttpPath=true"],
        "url=https://github.com/acme/app.git\n",
    );
    assert_eq!(get(&a, "password"), Some("github_pat_ROTATED"));

    env.vouch(&["remove", &id], "");
    assert!(
        env.list_json()["credentials"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(env.vouch(&["list"], "").contains("no credentials"));
}

#[test]
fn unknown_ids_exit_3() {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], SECRET);
    for args in [
        vec!["show", "000000000000"],
        vec!["update", "000000000000", "--label", "x"],
        vec!["remove", "000000000000"],
        vec!["rotate", "000000000000"],
    ] {
        let err = assert_fails(&env.helper(&args, b"new-token\n"), 3);
        assert!(err.contains("000000000000"), "{err}");
    }
}

#[test]
fn duplicates_exit_4_naming_update() {
    let env = Env::new();
    let id = env.add(&["github", "--username", "alice"], SECRET);
    let err = assert_fails(
        &env.helper(&["add", "github", "--username", "ALICE"], b"ghp_other\n"),
        4,
    );
    assert!(err.contains("update") && err.contains(&id), "{err}");
    // Another scope is another credential.
    env.add(
        &["github", "--username", "alice", "--repo", "o/r"],
        "ghp_other",
    );
}

#[test]
fn missing_or_wrong_fields_exit_2_naming_the_field() {
    let env = Env::new();
    env.write_config(
        "[[provider]]\nname = \"bb-dc\"\nkind = \"bitbucket-server\"\nhosts = [\"bb.corp:7990\"]\n",
    );
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["add", "gitlab", "--username", "alice"],
            "glpat-x",
            "email:",
        ),
        (
            &["add", "bitbucket", "--username", "alice@x.io"],
            "ATATx",
            "username:",
        ),
        (
            &[
                "add",
                "bitbucket",
                "--username",
                "alice",
                "--email",
                "alice@x.io",
            ],
            "ATATx",
            "email:",
        ),
        (&["add", "aws-codecommit"], "pw", "username:"),
        // Without --username GitHub would be asked whose the token is (network): a Bitbucket
        // API token cannot be asked without the name (account_input::owner covers GitHub).
        (&["add", "bitbucket"], "ATATx", "username:"),
        (
            &["add", "github", "--username", "alice"],
            "no-prefix",
            "token-kind:",
        ),
        (
            &[
                "add",
                "github",
                "--username",
                "alice",
                "--token-kind",
                "bogus",
            ],
            "ghp_x",
            "token-kind:",
        ),
        (
            &["add", "github", "--username", "alice", "--expires", "soon"],
            "ghp_x",
            "expires:",
        ),
        (&["add", "nowhere.example"], "x", "provider:"),
        (&["add", "gitlab-self-managed"], "x", "provider:"),
        (&["add", "github", "--username", "alice"], "", "token:"),
        (&["add", "bb-dc", "--username", "a@b.c"], "x", "username:"),
    ];
    for (args, token, field) in cases {
        let out = env.helper(args, format!("{token}\n").as_bytes());
        let err = assert_fails(&out, 2);
        assert!(err.contains(field), "{args:?}: {err}");
    }
    assert!(env.store_bytes().is_none(), "a refused add wrote the store");
}

#[test]
fn no_secret_in_any_output() {
    let env = Env::new();
    let id = env.add(&["github", "--username", "alice"], SECRET);
    let mut outputs = Vec::new();
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", id.as_str()],
        vec!["show", id.as_str(), "--json"],
        vec!["resolve", "https://github.com/o/r.git"],
        vec!["resolve", "https://github.com/o/r.git", "--json"],
        vec!["resolve", "https://alice:hunter2pass@github.com/o/r.git"],
        vec!["providers"],
        vec!["add", "github", "--username", "alice"],
    ] {
        let out = env.helper(&args, format!("{SECRET}\n").as_bytes());
        outputs.push(format!("{}{}", stdout(&out), stderr(&out)));
    }
    for text in outputs {
        assert!(!text.contains("TOPSECRET"), "secret in output: {text}");
        assert!(
            !text.contains("hunter2pass"),
            "URL password in output: {text}"
        );
    }
}

#[test]
fn resolve_explains_in_json() {
    let env = Env::new();
    let alice = env.add(&["github", "--username", "alice"], "ghp_a");
    let bob = env.add(&["github", "--username", "bob"], "ghp_b");
    let r: serde_json::Value = serde_json::from_str(&env.vouch(
        &["resolve", "https://alice@github.com/o/r.git", "--json"],
        "",
    ))
    .unwrap();
    assert_eq!(r["instance"]["name"], "github");
    assert_eq!(r["instance"]["kind"], "github");
    assert_eq!(r["answer"]["id"], alice.as_str());
    assert_eq!(r["answer"]["username"], "alice");
    let bob_row = r["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == bob.as_str())
        .unwrap();
    assert_eq!(bob_row["eligible"], false);
    let r: serde_json::Value =
        serde_json::from_str(&env.vouch(&["resolve", "https://github.com/o/r.git", "--json"], ""))
            .unwrap();
    assert_eq!(r["answer"], serde_json::Value::Null);
    assert!(r["reason"].as_str().unwrap().contains("guess"), "{r}");
    let text = env.vouch(&["resolve", "https://unknown.example/x.git"], "");
    assert!(text.contains("nothing, because"), "{text}");
}

#[test]
fn providers_lists_the_catalogue() {
    let env = Env::new();
    let p: serde_json::Value =
        serde_json::from_str(&env.vouch(&["providers", "--json"], "")).unwrap();
    let kinds = p["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 16);
    let github = kinds.iter().find(|k| k["kind"] == "github").unwrap();
    assert_eq!(
        github["builtin_hosts"],
        serde_json::json!(["github.com", "gist.github.com"])
    );
    assert!(
        github["token_kinds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["prefix"] == "ghp_")
    );
    let text = env.vouch(&["providers"], "");
    assert!(
        text.contains("x-access-token") && text.contains("gitlab-ci-token"),
        "{text}"
    );
}

#[test]
fn a_bad_config_names_key_and_line_and_exits_2() {
    let env = Env::new();
    env.write_config("[[provider]]\nname = \"x\"\nkind = \"gitlab\"\nhosts = [\"a.example\"]\ncolour = \"blue\"\n");
    for args in [vec!["list"], vec!["get"]] {
        let err = assert_fails(&env.helper(&args, b"protocol=https\nhost=a.example\n"), 2);
        assert!(err.contains("line 5") && err.contains("colour"), "{err}");
    }
    let other = Env::new();
    let err = assert_fails(
        &other.helper(&["--config", "/nonexistent/vouch.toml", "list"], b""),
        2,
    );
    assert!(err.contains("/nonexistent/vouch.toml"), "{err}");
}

#[test]
fn every_command_has_help() {
    let env = Env::new();
    for cmd in [
        "add",
        "list",
        "show",
        "update",
        "rotate",
        "remove",
        "resolve",
        "providers",
        "init",
        "rekey",
        "configure",
        "unconfigure",
    ] {
        let out = env.helper(&[cmd, "--help"], b"");
        assert_ok(&out, cmd);
        assert!(stdout(&out).contains("Usage"), "{cmd}");
    }
}

#[test]
fn the_config_file_can_be_named_by_flag_or_environment() {
    let env = Env::new();
    let file = env.path("elsewhere.toml");
    std::fs::write(
        &file,
        "[[provider]]\nname = \"mine\"\nkind = \"gitea\"\nhosts = [\"git.mine.example\"]\n",
    )
    .unwrap();
    let by_flag = env.vouch(
        &[
            "--config",
            file.to_str().unwrap(),
            "resolve",
            "https://git.mine.example/o/r.git",
        ],
        "",
    );
    assert!(by_flag.contains("instance:   mine"), "{by_flag}");
    let mut cmd = env.command(HELPER);
    cmd.env("VOUCH_CONFIG", &file)
        .args(["resolve", "https://git.mine.example/o/r.git"]);
    let by_env = stdout(&run(&mut cmd, b""));
    assert!(by_env.contains("instance:   mine"), "{by_env}");
    // The default file is not read when another is named.
    let default = env.vouch(&["resolve", "https://git.mine.example/o/r.git"], "");
    assert!(default.contains("instance:   none"), "{default}");
}

/// `add` at a real terminal (tmux): the token is asked for without echo and never shown.
#[test]
fn the_token_prompt_does_not_echo() {
    let env = Env::new();
    let out_file = env.path("id.txt");
    let done = env.path("done");
    let script = format!(
        "{HELPER} add github --username alice > '{}'; touch '{}'; sleep 30",
        out_file.display(),
        done.display()
    );
    let term = Terminal::start(&env, &script);
    assert!(
        term.wait(&|| term.screen().contains("Token for github")),
        "no prompt: {}",
        term.screen()
    );
    term.send_keys(&["ghp_typedtoken", "Enter"]);
    assert!(
        term.wait(&|| done.exists()),
        "add did not finish: {}",
        term.screen()
    );
    let shown = term.screen();
    drop(term);
    assert!(
        !shown.contains("ghp_typedtoken"),
        "the token was echoed: {shown}"
    );
    let id = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(id.trim().len(), 12, "{id:?}");
    let a = env.fill("protocol=https\nhost=github.com\n");
    assert_eq!(get(&a, "password"), Some("ghp_typedtoken"));
}
