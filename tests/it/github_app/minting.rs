//! `get` mints a token for exactly the repository git names, answers it from the cache until
//! five minutes before its expiry, mints once for many parallel `get`s, and says on one stderr
//! line why nothing was answered.

use super::*;
use crate::server::{Accept, GitServer};

#[test]
fn each_repository_gets_its_own_token_narrowed_to_it() {
    let s = Setup::new();
    s.added(&["--permissions", "contents=write"]);
    let widgets = s.token_for("acme/widgets.git");
    let gadgets = s.token_for("acme/gadgets");
    assert_ne!(widgets["password"], gadgets["password"]);
    let mints = s.server.mints();
    assert_eq!(mints.len(), 2, "{mints:?}");
    for (mint, repo) in mints.iter().zip(["widgets", "gadgets"]) {
        assert_eq!(mint["installation_id"], 42);
        assert_eq!(mint["repositories"], json!([repo]), "narrowed: {mint}");
        assert_eq!(mint["permissions"], json!({"contents": "write"}));
    }
    assert!(s.server.token_ok(&widgets["password"], "acme/widgets"));
    assert!(!s.server.token_ok(&widgets["password"], "acme/gadgets"));
    // The answer's expiry is the token's own, as GitHub stated it.
    let expiry: i64 = widgets["password_expiry_utc"].parse().unwrap();
    assert!((expiry - unix_now() - 3600).abs() < 30, "{expiry}");
    // Every JWT followed GitHub's rules (the server refuses others): iss the App ID.
    let jwts = s.server.jwts();
    let iss = APP_ID.to_string();
    assert!(!jwts.is_empty() && jwts.iter().all(|c| c["iss"] == iss.as_str()));
    assert!(s.server.refused().is_empty(), "{:?}", s.server.refused());
}

#[test]
fn a_cached_token_answers_without_a_request_until_five_minutes_before_expiry() {
    let s = Setup::new();
    s.added(&[]);
    let first = s.token_for("acme/widgets.git");
    let again = s.token_for("acme/widgets.git");
    assert_eq!(first["password"], again["password"]);
    assert_eq!(s.server.calls("access_tokens"), 1);
    assert_eq!(s.server.calls("repo_installation"), 1);
    // A token with less than five minutes left is not answered: a new one is minted.
    s.server.set_lifetime(299);
    let short = s.token_for("acme/gadgets.git");
    let renewed = s.token_for("acme/gadgets.git");
    assert_ne!(short["password"], renewed["password"]);
    assert_eq!(s.server.calls("access_tokens"), 3);
    // No permissions configured: none asked, the installation's apply.
    assert!(s.server.mints().iter().all(|m| m["permissions"].is_null()));
    // The cache is sealed: no minted token in any file in plaintext.
    for token in [&first["password"], &renewed["password"]] {
        assert_eq!(s.env.files_containing(token), Vec::<String>::new());
    }
}

#[test]
fn eight_parallel_gets_mint_once_and_answer_the_same_token() {
    let s = Setup::new();
    s.added(&[]);
    // The mint answers slowly, so the other seven wait on the cache lock meanwhile.
    s.server.delay_next("access_tokens", 1.0);
    let request = format!("protocol=https\nhost={HOST}\npath=acme/widgets.git\n\n");
    let children: Vec<_> = (0..8)
        .map(|_| spawn(s.env.command(HELPER).arg("get"), request.as_bytes()))
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_ok(&out, "parallel get");
            fields(&out.stdout)["password"].clone()
        })
        .collect();
    assert!(tokens.iter().all(|t| t == &tokens[0]), "{tokens:?}");
    assert_eq!(s.server.calls("access_tokens"), 1);
}

#[test]
fn nothing_is_answered_without_an_installation_or_a_path_and_stderr_says_why() {
    let s = Setup::new();
    s.added(&[]);
    let out = s.get(Some("other/repo.git"));
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "GitHub App {APP_ID} is not installed on other/repo"
        )),
        "{err}"
    );
    let out = s.get(None);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("useHttpPath"), "{err}");
    assert_eq!(s.server.calls("access_tokens"), 0);
    // A permission above the installation's: GitHub's message, the App named, nothing answered.
    let s = Setup::new();
    s.added(&["--permissions", "administration=write"]);
    let out = s.get(Some("acme/widgets.git"));
    assert!(out.stdout.is_empty(), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("GitHub App {APP_ID}")) && err.contains("422"),
        "{err}"
    );
}

#[test]
fn erase_drops_the_minted_token_and_never_the_app() {
    let s = Setup::new();
    let id = s.added(&[]);
    let first = s.token_for("acme/widgets.git");
    let erase = format!(
        "protocol=https\nhost={HOST}\npath=acme/widgets.git\nusername=x-access-token\npassword={}\n\n",
        first["password"]
    );
    assert_ok(&s.env.helper(&["erase"], erase.as_bytes()), "erase");
    let list = s.env.list_json();
    let creds = list["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{list}");
    assert_eq!(creds[0]["id"], id.as_str());
    assert!(creds[0]["rejected"].is_null(), "{list}");
    let second = s.token_for("acme/widgets.git");
    assert_ne!(first["password"], second["password"]);
    assert_eq!(s.server.calls("access_tokens"), 2);
    // git's `store` after a successful fetch files nothing: the cache keeps the token.
    let store = erase.replace(&first["password"], &second["password"]);
    assert_ok(&s.env.helper(&["store"], store.as_bytes()), "store");
    assert_eq!(
        s.env.list_json()["credentials"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn git_fetches_with_a_minted_token_only_the_repository_it_was_minted_for() {
    let s = Setup::new();
    let git_server = GitServer::start(&s.env.path("srv"), vec![Accept::github_app(s.server.port)]);
    git_server.create_repo("acme/widgets.git");
    git_server.create_repo("other/secret.git");
    s.env.write_config(&format!(
        "{}api_url = \"{}\"\n",
        crate::e2e::instance("ghe", "github-enterprise", &git_server),
        s.server.enterprise_api_url()
    ));
    s.added(&[]);
    let (askpass, _) = crate::e2e::askpass(&s.env, "noprompt", None);
    let path = ["credential.useHttpPath=true"];
    assert!(crate::e2e::ls_remote(
        &s.env,
        &askpass,
        &path,
        &git_server.url("acme/widgets.git")
    ));
    assert!(!crate::e2e::ls_remote(
        &s.env,
        &askpass,
        &path,
        &git_server.url("other/secret.git")
    ));
    let mints = s.server.mints();
    assert_eq!(
        mints.len(),
        1,
        "only acme/widgets has an installation: {mints:?}"
    );
    assert_eq!(mints[0]["repositories"], json!(["widgets"]));
}
