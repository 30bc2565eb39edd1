//! `instance add|update|remove|list`: config.toml edited in place (comments and order kept,
//! 0600), the OAuth client secret only in the encrypted store, `--pat false` purges and
//! refuses PATs, hand edits take effect at once, plain-http issuers refused.

use crate::common::*;

fn config_text(env: &Env) -> String {
    std::fs::read_to_string(env.path("config/git-credential-vouch/config.toml")).unwrap()
}

fn instance_json(env: &Env, name: &str) -> serde_json::Value {
    let all: serde_json::Value =
        serde_json::from_str(&env.vouch(&["instance", "list", "--json"], "")).unwrap();
    assert_eq!(all["version"], 1);
    all["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no instance {name}"))
        .clone()
}

#[test]
fn add_update_list_keep_comments_and_keep_the_secret_encrypted() {
    let env = Env::new();
    env.write_config("# my settings\non_reject = \"keep\" # global\n");
    env.vouch(
        &[
            "instance",
            "add",
            "corp",
            "--kind",
            "gitlab-self-managed",
            "--host",
            "git.corp",
            "--host",
            "*.git.corp",
            "--issuer-url",
            "https://sso.corp/",
            "--oauth-client-id",
            "corp-app",
            "--scopes",
            "read_repository,write_repository",
        ],
        "",
    );
    env.vouch(
        &[
            "instance",
            "update",
            "corp",
            "--oauth-client-secret-stdin",
            "--api-url",
            "https://api.corp/v4",
        ],
        "client-secret-0123456789\n",
    );
    env.vouch(
        &[
            "instance",
            "update",
            "github",
            "--oauth-client-id",
            "gh-app",
        ],
        "",
    );
    let text = config_text(&env);
    assert!(
        text.starts_with("# my settings\non_reject = \"keep\" # global\n"),
        "{text}"
    );
    assert!(
        text.find("corp").unwrap() < text.find("gh-app").unwrap(),
        "{text}"
    );
    assert!(!text.contains("client-secret"), "{text}");
    assert_eq!(
        mode(&env.path("config/git-credential-vouch/config.toml")),
        0o600
    );
    let corp = instance_json(&env, "corp");
    assert_eq!(corp["kind"], "gitlab-self-managed");
    assert_eq!(corp["hosts"], serde_json::json!(["git.corp", "*.git.corp"]));
    assert_eq!(corp["issuer_url"], "https://sso.corp");
    assert_eq!(corp["api_url"], "https://api.corp/v4");
    assert_eq!(corp["oauth_client_id"], "corp-app");
    assert_eq!(corp["oauth_client_secret"], true);
    assert_eq!(
        corp["scopes"],
        serde_json::json!(["read_repository", "write_repository"])
    );
    assert_eq!(corp["pat"], true);
    let github = instance_json(&env, "github");
    assert_eq!(github["builtin"], true);
    assert_eq!(github["oauth_client_id"], "gh-app");
    assert_eq!(github["oauth_client_secret"], false);
    assert!(env.files_containing("client-secret-0123456789").is_empty());
    assert!(
        !env.vouch(&["list"], "").contains("oauth"),
        "the secret is no credential"
    );

    // Clearing the client removes its secret; a built-in's amendment goes with `remove`.
    let out = env.vouch(&["instance", "update", "corp", "--oauth-client-id", ""], "");
    assert!(
        out.contains("removed the OAuth client of corp and its secret"),
        "{out}"
    );
    assert_eq!(instance_json(&env, "corp")["oauth_client_secret"], false);
    assert!(instance_json(&env, "corp")["scopes"].is_null());
    env.vouch(&["instance", "remove", "github"], "");
    assert!(instance_json(&env, "github")["oauth_client_id"].is_null());
    env.vouch(&["instance", "remove", "corp"], "");
    assert!(!config_text(&env).contains("corp"));
}

#[test]
fn instance_errors_name_the_field_and_exit_codes() {
    let env = Env::new();
    let e = assert_fails(
        &env.helper(
            &[
                "instance",
                "add",
                "corp",
                "--kind",
                "gitlab",
                "--host",
                "git.corp",
                "--issuer-url",
                "http://sso.corp",
            ],
            b"",
        ),
        2,
    );
    assert!(e.contains("issuer_url") && e.contains("plain http"), "{e}");
    assert!(!env.path("config/git-credential-vouch/config.toml").exists());
    // Loopback may be plain http.
    env.vouch(
        &[
            "instance",
            "add",
            "corp",
            "--kind",
            "gitlab",
            "--host",
            "git.corp",
            "--api-url",
            "http://127.0.0.1:9/api/v4",
        ],
        "",
    );
    let e = assert_fails(
        &env.helper(
            &["instance", "update", "corp", "--api-url", "http://api.corp"],
            b"",
        ),
        2,
    );
    assert!(e.contains("api_url"), "{e}");
    assert_fails(
        &env.helper(
            &[
                "instance", "add", "CORP", "--kind", "gitea", "--host", "x.corp",
            ],
            b"",
        ),
        4,
    );
    assert_fails(
        &env.helper(
            &[
                "instance", "add", "github", "--kind", "github", "--host", "x",
            ],
            b"",
        ),
        4,
    );
    assert_fails(
        &env.helper(&["instance", "update", "nope", "--pat", "false"], b""),
        3,
    );
    let e = assert_fails(
        &env.helper(
            &["instance", "update", "corp", "--oauth-client-secret-stdin"],
            b"s\n",
        ),
        2,
    );
    assert!(e.contains("oauth_client_id"), "{e}");
    let e = assert_fails(
        &env.helper(
            &[
                "instance",
                "update",
                "huggingface",
                "--oauth-client-id",
                "x",
            ],
            b"",
        ),
        2,
    );
    assert!(
        e.contains("oauth_client_id") && e.contains("huggingface"),
        "{e}"
    );
    let e = assert_fails(
        &env.helper(
            &["instance", "update", "github", "--path-prefix", "/a"],
            b"",
        ),
        2,
    );
    assert!(e.contains("path_prefix"), "{e}");
}

#[test]
fn pat_false_deletes_and_refuses_pats_and_hand_edits_take_effect_at_once() {
    let env = Env::new();
    let pat = env.add(
        &["gitlab", "--email", "a@corp.example"],
        "glpat-alice000000000000",
    );
    env.add(
        &["github", "--username", "alice"],
        "ghp_alice0000000000000000000000000000000",
    );
    let url = "url=https://gitlab.com/g/p.git\n";
    assert_eq!(
        get(&env.fill(url), "password"),
        Some("glpat-alice000000000000")
    );

    // A hand edit: not answered at once, purged at the next write.
    env.write_config("[[provider]]\nname = \"gitlab\"\npat = false\n");
    assert_eq!(env.fill(url), None);
    assert!(
        env.list_json()["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == pat)
    );
    env.approve("protocol=https\nhost=example.org\nusername=u\npassword=p\n");
    let ids: Vec<_> = env.list_json()["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert!(
        !ids.contains(&serde_json::json!(pat)),
        "purged at the next write"
    );
    assert_eq!(ids.len(), 2, "the GitHub PAT and the generic entry stay");

    // From the CLI: deletes, says how many, and refuses later PATs.
    let gh = env.add(
        &["github", "--username", "bob"],
        "ghp_bob00000000000000000000000000000000",
    );
    let out = env.vouch(&["instance", "update", "github", "--pat", "false"], "");
    assert!(
        out.contains("deleted 2 personal access token(s) of github"),
        "{out}"
    );
    assert!(!env.vouch(&["list"], "").contains(&gh));
    let e = assert_fails(
        &env.helper(
            &["add", "github", "--username", "carol"],
            b"ghp_carol000000000000000000000000000000\n",
        ),
        2,
    );
    assert!(e.contains("pat = false"), "{e}");
    // What git's prompt gives is not filed as a PAT either.
    env.approve("protocol=https\nhost=github.com\nusername=dave\npassword=ghp_dave\n");
    assert!(!env.vouch(&["list"], "").contains("dave"));
    env.vouch(&["instance", "update", "github", "--pat", "true"], "");
    env.add(
        &["github", "--username", "carol"],
        "ghp_carol000000000000000000000000000000",
    );
}
