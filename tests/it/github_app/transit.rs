//! `--private-key openbao:transit/KEY`: OpenBao's transit engine (a real `bao server -dev`,
//! the App's key imported there) signs every JWT, and the key never exists in the HOME.

use super::*;
use crate::openbao_harness::{Bao, ROOT_TOKEN};

/// The helper with `BAO_TOKEN` (none: no OpenBao login at all).
fn vouch(s: &Setup, bao_token: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = s.env.command(HELPER);
    if let Some(token) = bao_token {
        cmd.env("BAO_TOKEN", token);
    }
    run(cmd.args(args), stdin.as_bytes())
}

fn get(s: &Setup, bao_token: Option<&str>, path: &str) -> Output {
    let request = format!("protocol=https\nhost={HOST}\npath={path}\n\n");
    vouch(s, bao_token, &["get"], &request)
}

#[test]
fn openbao_signs_the_jwt_and_the_key_never_reaches_the_machine() {
    let bao = Bao::start();
    bao.enable_transit();
    bao.import_rsa_key("vouch-bot", &app_key().pkcs8_pem);
    let s = Setup::new();
    let config =
        std::fs::read_to_string(s.env.path("config/git-credential-vouch/config.toml")).unwrap();
    s.env.write_config(&format!(
        "[openbao]\naddress = \"{}\"\n\n{config}",
        bao.address()
    ));
    let id = APP_ID.to_string();
    let add = [
        "add",
        "ghe",
        "--app-id",
        &id,
        "--private-key",
        "openbao:transit/vouch-bot",
    ];
    assert_ok(
        &vouch(&s, Some(ROOT_TOKEN), &add, ""),
        "add with a transit key",
    );
    let listed = s.env.list_json();
    assert_eq!(
        listed["credentials"][0]["app"]["key"],
        "openbao:transit/vouch-bot"
    );
    assert_eq!(
        listed["credentials"][0]["account"], SLUG,
        "GitHub accepted OpenBao's JWT"
    );

    let out = get(&s, Some(ROOT_TOKEN), "acme/widgets.git");
    assert_ok(&out, "get");
    let answer = fields(&out.stdout);
    assert!(
        s.server.token_ok(&answer["password"], "acme/widgets"),
        "{answer:?}"
    );
    assert!(s.server.refused().is_empty(), "{:?}", s.server.refused());
    // The key is in no file of this HOME, nor is the minted token.
    let key_line = app_key().pkcs8_pem.lines().nth(5).unwrap();
    assert_eq!(s.env.files_containing(key_line), Vec::<String>::new());
    assert_eq!(
        s.env.files_containing(&answer["password"]),
        Vec::<String>::new()
    );

    // OpenBao refuses to sign (a token whose policy cannot): nothing answered, one line naming
    // the App and OpenBao's reason.
    bao.policy(
        "no-sign",
        "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n",
    );
    let weak = bao.cli(&["token", "create", "-policy=no-sign", "-field=token"]);
    let out = get(&s, Some(weak.trim()), "acme/gadgets.git");
    assert!(out.stdout.is_empty(), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("GitHub App {APP_ID}")) && err.contains("permission denied"),
        "{err}"
    );
    assert!(!err.contains(weak.trim()), "{err}");
    // The cached token still answers without OpenBao: no signing needed.
    let out = get(&s, None, "acme/widgets.git");
    assert_eq!(fields(&out.stdout)["password"], answer["password"]);
    assert_eq!(s.server.calls("access_tokens"), 1);
}
