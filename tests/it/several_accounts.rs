//! Several accounts on one host: the picker, remembered choices, the stderr line without a
//! person, useHttpPath for scopes, and rejection marks that heal (issue 25: items 1, 2, 6); the
//! paths git must send and doctor's word on them in several_accounts/paths.rs.

mod paths;

use crate::common::*;
use crate::e2e::{askpass, instance, ls_remote};
use crate::provider_harness::ProviderServer;
use crate::server::{Accept, GitServer};

const PATH: &str = "credential.useHttpPath=true";

/// A forge with two accounts that can both read `acme/r.git` and `other/r.git`, neither the
/// default: every fetch ties.
fn two_accounts() -> (Env, GitServer, String, String) {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![
            Accept::basic(Some("alice"), "token-alice"),
            Accept::basic(Some("bob"), "token-bob"),
        ],
    );
    server.create_repo("acme/r.git");
    server.create_repo("other/r.git");
    env.write_config(&instance("forge", "forgejo", &server));
    let alice = env.add(&["forge", "--username", "alice"], "token-alice");
    let bob = env.add(&["forge", "--username", "bob"], "token-bob");
    (env, server, alice, bob)
}

fn fill_request(server: &GitServer, path: &str) -> String {
    format!("protocol=http\nhost={}\npath={path}\n", server.host())
}

#[test]
fn two_accounts_on_one_host_are_chosen_by_the_url_user() {
    let (env, server, _, _) = two_accounts();
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    for user in ["alice", "bob"] {
        assert!(ls_remote(
            &env,
            &no_prompt,
            &[],
            &server.url_as(user, "acme/r.git")
        ));
        assert!(
            server
                .log()
                .iter()
                .any(|l| l.starts_with(&format!("{user} ok")))
        );
    }
    // No URL user: two equal accounts, no guess, so git has nothing and fails.
    assert!(!ls_remote(&env, &no_prompt, &[], &server.url("acme/r.git")));
}

#[test]
fn without_a_person_a_tie_answers_nothing_and_says_why_and_how_to_choose() {
    let (env, server, alice, bob) = two_accounts();
    let out = env.git_credential(&[PATH], "fill", &fill_request(&server, "acme/r.git"));
    assert!(!out.status.success(), "nothing may be answered");
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("git-credential-vouch:"))
        .unwrap_or_else(|| panic!("no line from vouch: {err}"));
    for needle in [
        "2 accounts can answer",
        &format!("alice [{alice}]"),
        &format!("bob [{bob}]"),
        "--default",
        "resolve URL",
        "/acme/r.git",
    ] {
        assert!(line.contains(needle), "{needle:?} missing from {line}");
    }
    assert!(!line.contains("token-"), "a token was printed: {line}");
    // resolve says the same, in its own words.
    let resolved = env.vouch(&["resolve", &server.url("acme/r.git")], "");
    assert!(resolved.contains("none was picked here"), "{resolved}");
}

#[test]
fn a_pick_at_the_terminal_answers_at_once_and_is_remembered_for_the_owner() {
    let (env, server, _alice, bob) = two_accounts();
    let done = env.path("done");
    let script = format!(
        "unset GIT_TERMINAL_PROMPT; git -c credential.helper={HELPER} -c {PATH} ls-remote {} > /dev/null; echo $? > '{}'; sleep 30",
        server.url("acme/r.git"),
        done.display()
    );
    let term = Terminal::start(&env, &script);
    assert!(
        term.wait(&|| term.screen().contains("Account [1-2")),
        "no picker: {}",
        term.screen()
    );
    let menu = term.screen();
    assert!(
        menu.contains("2 accounts can answer")
            && menu.contains("1) alice")
            && menu.contains("2) bob"),
        "{menu}"
    );
    assert!(menu.contains("remembered for `acme`"), "{menu}");
    term.send_keys(&["2", "Enter"]);
    assert!(
        term.wait(&|| done.exists()),
        "git did not finish: {}",
        term.screen()
    );
    let shown = term.screen();
    drop(term);
    assert_eq!(
        std::fs::read_to_string(&done).unwrap().trim(),
        "0",
        "{shown}"
    );
    assert!(!shown.contains("token-"), "a token was shown: {shown}");
    assert!(server.log().iter().any(|l| l.starts_with("bob ok")));

    // The next fetch of acme's repositories asks nobody: no terminal, no prompt, bob answers.
    let (no_prompt, prompts) = askpass(&env, "noprompt", None);
    assert!(ls_remote(
        &env,
        &no_prompt,
        &[PATH],
        &server.url("acme/r.git")
    ));
    assert!(!prompts.exists(), "git prompted");
    let answer = env.fill_with(&[PATH], &fill_request(&server, "acme/r.git"));
    assert_eq!(get(&answer, "username"), Some("bob"));
    // Another owner still ties: nothing answers there.
    assert!(!ls_remote(
        &env,
        &no_prompt,
        &[PATH],
        &server.url("other/r.git")
    ));

    // list, show and resolve say where the pick applies.
    let place = format!("{}/acme", server.host());
    let listed = env.list_json();
    let picked: Vec<&serde_json::Value> = listed["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["picked_for"].as_array().is_some_and(|p| !p.is_empty()))
        .collect();
    assert_eq!(picked.len(), 1, "{listed}");
    assert_eq!(picked[0]["id"], bob.as_str());
    assert_eq!(picked[0]["picked_for"][0], place.as_str());
    assert!(
        env.vouch(&["list"], "")
            .contains(&format!("picked for {place}"))
    );
    let global = env
        .command("git")
        .args(["config", "--global", "credential.useHttpPath", "true"])
        .status();
    assert!(global.unwrap().success());
    let resolved = env.vouch(&["resolve", &server.url("acme/r.git")], "");
    assert!(
        resolved.contains(&format!("answer:     credential {bob} (bob)"))
            && resolved.contains("picked for `acme`"),
        "{resolved}"
    );

    // One command forgets it, and the tie is back.
    let forgot = env.vouch(&["forget", &place], "");
    assert!(
        forgot.contains(&format!("forgot the pick of bob [{bob}] for {place}")),
        "{forgot}"
    );
    assert!(
        env.fill_with(&[PATH], &fill_request(&server, "acme/r.git"))
            .is_none()
    );
    let again = env.helper(&["forget", "--all"], b"");
    assert!(again.status.success(), "forget --all: {}", stderr(&again));
    assert!(
        stderr(&again).contains("no remembered pick"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn enter_at_the_picker_answers_nothing_and_remembers_nothing() {
    let (env, server, _, _) = two_accounts();
    let script = format!(
        "unset GIT_TERMINAL_PROMPT; git -c credential.helper={HELPER} -c {PATH} ls-remote {}; sleep 30",
        server.url("other/r.git"),
    );
    let term = Terminal::start(&env, &script);
    assert!(
        term.wait(&|| term.screen().contains("Account [1-2")),
        "{}",
        term.screen()
    );
    term.send_keys(&["Enter"]);
    // vouch answered nothing, so git asks for a username itself.
    assert!(
        term.wait(&|| term.screen().contains("Username for")),
        "{}",
        term.screen()
    );
    drop(term);
    assert!(
        !server.log().iter().any(|l| l.contains(" ok")),
        "a credential was sent: {:?}",
        server.log()
    );
    let listed = env.list_json();
    assert!(
        listed["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["picked_for"] == serde_json::json!([])),
        "{listed}"
    );
}

#[test]
fn a_rejection_mark_heals_when_git_succeeds_again() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(Some("alice"), "token-a")],
    );
    server.create_repo("acme/r.git");
    env.write_config(&instance("forge", "forgejo", &server));
    let id = env.add(&["forge", "--username", "alice"], "token-a");
    let request = fill_request(&server, "acme/r.git");
    env.reject(&format!("{request}username=alice\npassword=token-a\n"));
    let status = |env: &Env| env.list_json()["credentials"][0]["status"].clone();
    assert_eq!(
        status(&env),
        "rejected",
        "kept and marked by the default policy"
    );
    let table = env.vouch(&["list"], "");
    assert_eq!(
        table.matches("rejected").count(),
        1,
        "the status column says it once: {table}"
    );
    // A successful fetch: git sends `store` with what vouch answered, and the mark ends.
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    assert!(ls_remote(&env, &no_prompt, &[], &server.url("acme/r.git")));
    assert_eq!(status(&env), "ok");
    assert!(env.list_json()["credentials"][0]["rejected"].is_null());
    // Nothing else changes after that: the same store again does not rewrite the file.
    let before = env.store_bytes();
    env.approve(&format!("{request}username=alice\npassword=token-a\n"));
    assert_eq!(
        env.store_bytes(),
        before,
        "an unchanged store was rewritten"
    );
    assert_eq!(env.list_json()["credentials"][0]["id"], id.as_str());
}

#[test]
fn a_verify_that_finds_the_token_valid_ends_a_rejection_mark() {
    let server = ProviderServer::start();
    let env = Env::new();
    env.write_config(&format!(
        "[[provider]]\nname = \"gh\"\nkind = \"github-enterprise\"\nhosts = [\"github.test\"]\napi_url = \"{}\"\n",
        server.api_url("github"),
    ));
    let token = "ghp_validvalidvalidvalidvalidvalid0001";
    server.add_token("github", token, "alice", &["repo"], None);
    let id = env.add(&["gh", "--username", "alice"], token);
    env.reject(&format!(
        "protocol=https\nhost=github.test\nusername=alice\npassword={token}\n"
    ));
    assert_eq!(env.list_json()["credentials"][0]["status"], "rejected");
    let out = env.helper(&["verify", &id], b"");
    assert_ok(&out, "verify");
    assert_eq!(env.list_json()["credentials"][0]["status"], "ok");
}
