//! `add --app-id`: the key checked (PEM, RSA, and accepted by GitHub for that App) before
//! anything is stored, kept encrypted, never shown; `list`/`show`/`resolve`/`verify`/`rotate`
//! of an App.

use super::*;
use crate::github_app_harness::other_key;

/// A line from the middle of a PEM: what would show if the key were written in plaintext.
fn pem_line(pem: &str) -> &str {
    pem.lines().nth(5).unwrap()
}

#[test]
fn an_app_is_added_with_its_key_checked_and_kept_encrypted() {
    let s = Setup::new();
    let id = s.added(&[
        "--permissions",
        "contents=write,pull_requests=read",
        "--label",
        "ci",
    ]);
    let list = s.env.list_json();
    let c = &list["credentials"][0];
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["token_kind"], "github-app");
    assert_eq!(c["account"], SLUG, "the App's slug, from GET /app");
    assert_eq!(c["username"], serde_json::Value::Null);
    assert_eq!(c["app"]["id"], APP_ID);
    assert_eq!(c["app"]["key"], "stored (encrypted)");
    assert_eq!(
        c["app"]["permissions"],
        json!({"contents": "write", "pull_requests": "read"})
    );
    let shown = s.env.vouch(&["show", &id], "");
    assert!(
        shown.contains(&format!("app id          {APP_ID}")),
        "{shown}"
    );
    assert!(shown.contains("sends username  x-access-token"), "{shown}");
    let table = s.env.vouch(&["list"], "");
    assert!(
        table.contains(&format!("vouch-bot (app {APP_ID}, ci)")),
        "{table}"
    );
    for text in [&list.to_string(), &shown, &table] {
        assert!(
            !text.contains(pem_line(&app_key().pkcs1_pem)),
            "the key shown"
        );
    }
    assert_eq!(
        s.env.files_containing(pem_line(&app_key().pkcs1_pem)),
        Vec::<String>::new(),
        "the key in plaintext"
    );
    // PKCS#8, as `openssl pkcs8` writes it, is the same key.
    let s = Setup::new();
    assert_ok(&s.add_app(&[], &app_key().pkcs8_pem), "add a PKCS#8 key");
    s.token_for("acme/widgets.git");
}

#[test]
fn a_key_that_is_not_the_apps_is_refused_before_anything_is_stored() {
    let s = Setup::new();
    // Another App's key: GitHub refuses the JWT, and says so.
    let out = s.add_app(&[], &other_key().pkcs1_pem);
    let err = assert_fails(&out, 7);
    assert!(
        err.contains(&format!("GitHub App {APP_ID}")) && err.contains("401"),
        "{err}"
    );
    assert!(!err.contains(pem_line(&other_key().pkcs1_pem)));
    assert!(s.env.store_bytes().is_none(), "nothing stored");
    // Not a key at all: said without quoting it, no request made.
    for (bad, why) in [
        ("ghp_notakeyatall0123456789", "not PEM"),
        (
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
            "not a usable RSA key",
        ),
    ] {
        let err = assert_fails(&s.add_app(&[], bad), 2);
        assert!(
            err.contains(why) && !err.contains("notakey") && !err.contains("c2VjcmV0"),
            "{err}"
        );
    }
    let err = assert_fails(
        &s.add_app(&["--permissions", "contents=all"], &app_key().pkcs1_pem),
        2,
    );
    assert!(err.contains("read, write or admin"), "{err}");
    let err = assert_fails(&s.add_app(&["--username", "bob"], &app_key().pkcs1_pem), 2);
    assert!(err.contains("not with --app-id"), "{err}");
    let out = s.env.helper(
        &[
            "add",
            "github",
            "--app-id",
            "1",
            "--private-key",
            "transit/k",
        ],
        b"",
    );
    assert!(assert_fails(&out, 2).contains("openbao:MOUNT/KEYNAME"));
    assert_eq!(s.server.calls("access_tokens"), 0);
    assert!(s.env.store_bytes().is_none(), "nothing stored");
}

#[test]
fn resolve_names_the_app_and_installation_that_would_mint() {
    let s = Setup::new();
    let id = s.added(&["--permissions", "contents=write"]);
    let git = s
        .env
        .command("git")
        .args(["config", "--global", "credential.useHttpPath", "true"])
        .status()
        .unwrap();
    assert!(git.success());
    let text = s.env.vouch(
        &["resolve", &format!("https://{HOST}/acme/widgets.git")],
        "",
    );
    assert!(
        text.contains(&format!(
            "credential {id} (vouch-bot), username x-access-token"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("mints:      GitHub App vouch-bot (ID {APP_ID}), installation 42 on acme: a token for acme/widgets only, permissions contents=write")),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&s.env.vouch(
        &[
            "resolve",
            "--json",
            &format!("https://{HOST}/other/repo.git"),
        ],
        "",
    ))
    .unwrap();
    let mint = &json["answer"]["mint"];
    assert!(mint["installation"].is_null(), "{json}");
    assert!(
        mint["error"]
            .as_str()
            .unwrap()
            .contains("not installed on other/repo"),
        "{json}"
    );
    // resolve mints nothing.
    assert_eq!(s.server.calls("access_tokens"), 0);
}

#[test]
fn verify_asks_github_for_the_app_and_rotate_replaces_its_key() {
    let s = Setup::new();
    let id = s.added(&[]);
    let out = s.env.vouch(&["verify", &id], "");
    assert!(
        out.contains("valid") && out.contains("account vouch-bot"),
        "{out}"
    );
    assert!(out.contains("installed on acme (42)"), "{out}");
    // The App's key is replaced at GitHub (the old one deleted): verify says revoked (exit 7).
    s.server.replace_key(APP_ID, &other_key().public_pem);
    let out = s.env.helper(&["verify", &id], b"");
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stdout(&out).contains("revoked"), "{}", stdout(&out));
    // rotate takes the new key from stdin, checked against GitHub first.
    let wrong = s
        .env
        .helper(&["rotate", &id], app_key().pkcs1_pem.as_bytes());
    assert_fails(&wrong, 7);
    assert_ok(
        &s.env
            .helper(&["rotate", &id], other_key().pkcs1_pem.as_bytes()),
        "rotate",
    );
    s.token_for("acme/widgets.git");
    let out = s.env.helper(&["verify", &id], b"");
    assert_ok(&out, "verify after rotate");
}

#[test]
fn update_changes_the_permissions_asked_and_keeps_the_app() {
    let s = Setup::new();
    let id = s.added(&["--permissions", "contents=write"]);
    s.token_for("acme/widgets.git");
    s.env.vouch(
        &[
            "update",
            &id,
            "--permissions",
            "contents=read",
            "--label",
            "bot",
        ],
        "",
    );
    let c = &s.env.list_json()["credentials"][0];
    assert_eq!(c["account"], SLUG, "{c}");
    assert_eq!(c["label"], "bot");
    assert_eq!(c["app"]["permissions"], json!({"contents": "read"}));
    // The token minted for the old permissions is not answered for the new ones.
    s.token_for("acme/widgets.git");
    let mints = s.server.mints();
    assert_eq!(mints.len(), 2, "{mints:?}");
    assert_eq!(mints[1]["permissions"], json!({"contents": "read"}));
    let err = assert_fails(&s.env.helper(&["update", &id, "--username", "bob"], b""), 2);
    assert!(err.contains("GitHub App"), "{err}");
    // An App holds no token to revoke: said, and the App stays.
    let err = assert_fails(&s.env.helper(&["remove", &id, "--revoke"], b""), 2);
    assert!(err.contains("a GitHub App holds no token"), "{err}");
    assert_eq!(
        s.env.list_json()["credentials"].as_array().unwrap().len(),
        1
    );
    let pat = s.env.add(
        &["ghe", "--username", "alice"],
        "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    );
    let err = assert_fails(
        &s.env
            .helper(&["update", &pat, "--permissions", "contents=read"], b""),
        2,
    );
    assert!(err.contains("only a GitHub App"), "{err}");
}

#[test]
fn add_makes_git_send_the_path_and_git_fills_from_the_app() {
    let s = Setup::new();
    s.env.vouch(&["configure"], "");
    let out = s.add_app(&[], &app_key().pkcs1_pem);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("credential.https://{HOST}.useHttpPath")),
        "{}",
        stderr(&out)
    );
    // git itself (configured by `configure`, nothing passed on its command line) now sends the
    // path, and the App answers for that repository.
    let out = run(
        s.env.command("git").args(["credential", "fill"]),
        format!("url=https://{HOST}/acme/widgets.git\n\n").as_bytes(),
    );
    assert_ok(&out, "git credential fill");
    let answer = fields(&out.stdout);
    assert_eq!(answer["path"], "acme/widgets.git");
    assert_eq!(answer["username"], "x-access-token");
    assert!(s.server.token_ok(&answer["password"], "acme/widgets"));
}
