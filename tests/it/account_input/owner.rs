//! Item 3: without `--username`/`--email`, `add` asks the provider who owns the token (`GET
//! /user` at the loopback provider server) and files it under that account; what the provider
//! does not say exits 2 naming the flag. `--username` holds the email where the identity is one.

use super::{seed, show, with_server};
use crate::common::*;
use crate::openbao_harness::Bao;
use crate::provider_harness::ProviderServer;

#[test]
fn github_and_gitea_tokens_are_filed_under_the_login_the_provider_names() {
    let server = ProviderServer::start();
    let env = with_server(&server);
    server.add_token("github", "ghp_octocatowned", "octo", &["repo"], None);
    server.add_token("gitea", "tea-owned-by-carol", "carol", &[], None);
    let gh = env.add(&["gh"], "ghp_octocatowned");
    let tea = env.add(&["tea"], "tea-owned-by-carol");
    assert_eq!(server.calls("github_user"), 1);
    assert_eq!(server.calls("gitea_user"), 1);
    let c = show(&env, &gh);
    assert_eq!(
        (c["account"].as_str(), c["username"].as_str()),
        (Some("octo"), Some("octo"))
    );
    assert_eq!(show(&env, &tea)["account"], "carol");
    // git gets the token with the account the provider named.
    let answer = env.fill("protocol=https\nhost=github.test\n\n");
    assert_eq!(get(&answer, "username"), Some("octo"));
    assert_eq!(get(&answer, "password"), Some("ghp_octocatowned"));
    // A token the provider refuses: exit 2 naming the flag, nothing stored, no token shown.
    let before = env.store_bytes();
    let out = env.helper(&["add", "gh"], b"ghp_unknowntoken\n");
    let err = assert_fails(&out, 2);
    assert!(
        err.contains("username: required (--username)") && err.contains("401"),
        "{err}"
    );
    assert!(!err.contains("ghp_"), "{err}");
    assert_eq!(env.store_bytes(), before);
    // Told the account, vouch does not ask.
    env.add(&["gh", "--username", "someone"], "ghp_notasked");
    assert_eq!(server.calls("github_user"), 2);
}

#[test]
fn gitlab_tokens_are_filed_under_the_email_when_the_provider_shows_it() {
    let server = ProviderServer::start();
    let env = with_server(&server);
    seed(
        &server,
        "gitlab",
        "glpat-mayreaduser01",
        "alice",
        "alice@corp.test",
        &["read_user", "read_repository"],
    );
    seed(
        &server,
        "gitlab",
        "glpat-cannotreaduser",
        "bob",
        "bob@corp.test",
        &["read_repository"],
    );
    let id = env.add(&["corp"], "glpat-mayreaduser01");
    let c = show(&env, &id);
    assert_eq!(c["account"], "alice@corp.test");
    assert_eq!(c["email"], "alice@corp.test");
    assert_eq!(c["username"], "alice");
    let answer = env.fill("protocol=https\nhost=gitlab.test\n\n");
    assert_eq!(get(&answer, "password"), Some("glpat-mayreaduser01"));

    // Without read_user GitLab shows no email: exit 2 asking for --email, nothing stored.
    let before = env.store_bytes();
    let err = assert_fails(&env.helper(&["add", "corp"], b"glpat-cannotreaduser\n"), 2);
    assert!(
        err.contains("email: required (--email)") && err.contains("read_user"),
        "{err}"
    );
    assert_eq!(env.store_bytes(), before);
    assert_eq!(server.calls("gitlab_user"), 2);
    // Given as the username, an email is the GitLab identity.
    let bob = env.add(
        &["corp", "--username", "bob@corp.test"],
        "glpat-cannotreaduser",
    );
    let c = show(&env, &bob);
    assert_eq!(
        (c["account"].as_str(), c["email"].as_str()),
        (Some("bob@corp.test"), Some("bob@corp.test"))
    );
    assert_eq!(server.calls("gitlab_user"), 2, "asked although told");
}

#[test]
fn an_email_as_the_username_is_the_gitlab_identity_on_update_too() {
    let env = Env::new();
    let id = env.add(
        &["gitlab", "--username", "alice@corp.example"],
        "glpat-byusername",
    );
    let c = show(&env, &id);
    assert_eq!(c["email"], "alice@corp.example");
    assert_eq!(c["account"], "alice@corp.example");
    env.vouch(&["update", &id, "--username", "alice@new.example"], "");
    let c = show(&env, &id);
    assert_eq!(
        (c["account"].as_str(), c["email"].as_str()),
        (Some("alice@new.example"), Some("alice@new.example"))
    );
    let answer = env.fill("protocol=https\nhost=gitlab.com\nusername=alice@new.example\n\n");
    assert_eq!(get(&answer, "password"), Some("glpat-byusername"));
    // Where the identity is a username, an email stays refused.
    let err = assert_fails(
        &env.helper(
            &["add", "bitbucket", "--username", "a@b.example"],
            b"ATATtoken\n",
        ),
        2,
    );
    assert!(err.contains("username: "), "{err}");
}

#[test]
fn an_openbao_secret_whose_username_is_an_email_answers_on_gitlab() {
    let bao = Bao::start();
    let reader = bao.reader_token();
    bao.cli(&[
        "kv",
        "put",
        "secret/git/corp",
        "token=glpat-FromOpenBaoByMail",
        "username=alice@corp.example",
    ]);
    let env = Env::new();
    env.write_config(&format!(
        "[openbao]\naddress = \"{}\"\n\n[[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp.example\"]\nopenbao_path = \"secret/git/corp\"\n",
        bao.address()
    ));
    let mut cmd = env.command("git");
    cmd.env("BAO_TOKEN", &reader)
        .arg("-c")
        .arg(format!("credential.helper={HELPER}"))
        .args(["credential", "fill"]);
    let out = run(&mut cmd, b"protocol=https\nhost=git.corp.example\n\n");
    assert_ok(&out, "git credential fill");
    let answer = fields(&out.stdout);
    assert_eq!(
        answer.get("password").map(String::as_str),
        Some("glpat-FromOpenBaoByMail")
    );
    assert_eq!(
        answer.get("username").map(String::as_str),
        Some("alice@corp.example")
    );
}
