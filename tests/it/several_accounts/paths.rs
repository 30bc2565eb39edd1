//! Where several accounts need git to send the path: a repository scope or a second account
//! sets useHttpPath where vouch is configured, and doctor says where two accounts tie or a
//! URL-scoped helper shuts vouch out.

use super::*;

fn git_config_get(env: &Env, key: &str) -> Option<String> {
    let out = run(
        env.command("git")
            .args(["config", "--global", "--get", key]),
        b"",
    );
    out.status.success().then(|| stdout(&out).trim().to_owned())
}

const GITHUB_PATH_KEY: &str = "credential.https://github.com.useHttpPath";

#[test]
fn a_repository_scope_makes_git_send_the_path_where_vouch_is_configured() {
    let env = Env::new();
    env.vouch(&["configure"], "");
    let personal = env.add(
        &["github", "--username", "me", "--default"],
        "ghp_personalpersonalpersonal01",
    );
    assert_eq!(
        git_config_get(&env, GITHUB_PATH_KEY),
        None,
        "one account needs no path"
    );
    // Before: the scope could never apply (git sent no path); now add says what it set.
    let out = env.helper(
        &["add", "github", "--username", "worker", "--repo", "acme"],
        b"ghp_workerworkerworkerworker01\n",
    );
    assert_ok_status(&out, "add --repo");
    assert!(
        stderr(&out).contains(&format!("set {GITHUB_PATH_KEY} = true (global config)")),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        git_config_get(&env, GITHUB_PATH_KEY).as_deref(),
        Some("true")
    );
    // Plain git, nothing passed on the command line: acme gets the worker token, the rest the
    // personal default.
    let fill = |url: &str| {
        let out = env.git_credential(&[], "fill", &format!("url={url}\n"));
        assert!(out.status.success(), "{}", stderr(&out));
        fields(&out.stdout)
    };
    let acme = fill("https://github.com/acme/app.git");
    assert_eq!(acme["username"], "worker");
    assert_eq!(acme["password"], "ghp_workerworkerworkerworker01");
    assert_eq!(fill("https://github.com/me/dotfiles.git")["username"], "me");
    let doctor = env.helper(&["doctor", "--json"], b"");
    assert_eq!(
        doctor_check(&doctor, "http-path")["level"],
        "ok",
        "{}",
        stdout(&doctor)
    );
    // unconfigure takes it back with the rest.
    let undone = env.vouch(&["unconfigure"], "");
    assert!(
        undone.contains(&format!("unset {GITHUB_PATH_KEY}")),
        "{undone}"
    );
    assert_eq!(git_config_get(&env, GITHUB_PATH_KEY), None);
    let doctor = env.helper(&["doctor", "--json"], b"");
    let check = doctor_check(&doctor, "http-path");
    assert_eq!(check["level"], "warn");
    assert!(
        check["message"].to_string().contains("https://github.com"),
        "{check}"
    );
    let _ = personal;
}

#[test]
fn configure_sets_the_path_for_hosts_with_scopes_and_several_accounts() {
    let env = Env::new();
    for (account, token) in [
        (
            &["github", "--username", "worker", "--repo", "acme"][..],
            "ghp_workerworkerworkerworker01",
        ),
        (
            &["gitlab", "--email", "a@corp.example"],
            "glpat-aaaaaaaaaaaaaaaaaaaa",
        ),
        (
            &["gitlab", "--email", "b@corp.example"],
            "glpat-bbbbbbbbbbbbbbbbbbbb",
        ),
        (&["codeberg", "--username", "solo"], "codeberg-token-0001"),
    ] {
        env.add(account, token);
    }
    let out = env.vouch(&["configure"], "");
    assert!(
        out.contains(&format!("set {GITHUB_PATH_KEY} = true")),
        "{out}"
    );
    assert!(
        out.contains("set credential.https://gitlab.com.useHttpPath = true"),
        "{out}"
    );
    assert!(
        !out.contains("codeberg.org"),
        "one account needs no path: {out}"
    );
}

#[test]
fn doctor_warns_where_two_accounts_tie_until_one_is_the_default() {
    let (env, _server, alice, bob) = two_accounts();
    let out = env.helper(&["doctor", "--json"], b"");
    let check = doctor_check(&out, "accounts");
    assert_eq!(check["level"], "warn", "{check}");
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("alice [{alice}]")) && message.contains(&format!("bob [{bob}]")),
        "{message}"
    );
    env.vouch(&["update", &alice, "--default"], "");
    let out = env.helper(&["doctor", "--json"], b"");
    assert_eq!(doctor_check(&out, "accounts")["level"], "ok");
}

fn assert_ok_status(out: &std::process::Output, what: &str) {
    assert!(out.status.success(), "{what}: {}", stderr(out));
}

#[test]
fn doctor_names_a_host_where_a_url_scoped_helper_shuts_vouch_out() {
    let env = Env::new();
    env.vouch(&["configure"], "");
    env.add(
        &["github", "--username", "me"],
        "ghp_doctordoctordoctordoctor01",
    );
    let chain_checks = |out: &std::process::Output| -> Vec<serde_json::Value> {
        let all = doctor_checks(out);
        all.into_iter()
            .filter(|c| c["check"] == "git config")
            .collect()
    };
    let chains = chain_checks(&env.helper(&["doctor", "--json"], b""));
    assert_eq!(chains.len(), 1, "{chains:?}");
    assert_eq!(chains[0]["level"], "ok");
    // What `gh auth setup-git` writes: github.com gets gh alone, vouch never hears of it.
    for value in ["", "!gh auth git-credential"] {
        let set = env
            .command("git")
            .args([
                "config",
                "--global",
                "--add",
                "credential.https://github.com.helper",
                value,
            ])
            .status()
            .unwrap();
        assert!(set.success());
    }
    let out = env.helper(&["doctor", "--json"], b"");
    assert!(
        !out.status.success(),
        "a host vouch never hears of is a failure"
    );
    let failing: Vec<serde_json::Value> = chain_checks(&out)
        .into_iter()
        .filter(|c| c["level"] == "fail")
        .collect();
    assert_eq!(failing.len(), 1, "{failing:?}");
    let message = failing[0]["message"].as_str().unwrap();
    assert!(
        message.contains("https://github.com") && message.contains("--remove-section"),
        "{message}"
    );
}
