//! Behind the agent everything works as locally, because the agent runs the helper's own code
//! on the user's store: an OAuth token due for refresh is refreshed by the agent, and a
//! passphrase store answers while its key is in the kernel key cache and fails at the agent
//! (said in its log, one line in the box) while locked.

use super::harness::*;
use crate::common::*;
use crate::oauth_harness::{OAuthServer, REFRESH_GRANT, login_ok};

/// `git credential fill` in the box for `url`, through the agent: the answer's fields.
fn forwarded_fill(
    in_box: &Env,
    agent: &Agent,
    url: &str,
) -> std::collections::BTreeMap<String, String> {
    let out = box_git(in_box, &agent.socket, &[], "fill", &format!("url={url}\n"));
    assert_ok(&out, "forwarded fill");
    fields(&out.stdout)
}

#[test]
fn an_oauth_token_due_for_refresh_is_refreshed_by_the_agent() {
    let server = OAuthServer::start(&["--expires-in", "3"]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    login_ok(&env, &["corp"]);
    let agent = Agent::start(&env, &[]);
    let in_box = Env::new();
    let password =
        || forwarded_fill(&in_box, &agent, "https://gitlab.test/g/p.git")["password"].clone();
    let first = password();
    assert_eq!(server.issued(REFRESH_GRANT), 0);
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let second = password();
    assert_ne!(second, first);
    assert_eq!(server.issued(REFRESH_GRANT), 1, "the agent refreshed once");
    assert_eq!(password(), second);
    let log = agent.log();
    assert!(!log.contains(&first) && !log.contains(&second));
}

#[test]
fn a_passphrase_store_answers_through_the_agent_while_unlocked() {
    const PASS: &str = "correct horse battery staple";
    let env = Env::new();
    // Made first: a new Env joins a new session keyring, and the agent, unlock and lock must
    // share one.
    let in_box = Env::new();
    assert_ok(
        &env.helper(
            &["init", "--key", "passphrase"],
            format!("{PASS}\n").as_bytes(),
        ),
        "init",
    );
    env.vouch(&["unlock", "--for", "10m"], &format!("{PASS}\n"));
    let cred = "protocol=https\nhost=example.com\nusername=alice\npassword=locked-away-42\n";
    assert_ok(&env.helper(&["store"], cred.as_bytes()), "store");
    let agent = Agent::start(&env, &[]);
    let query = "protocol=https\nhost=example.com\n";
    assert!(stdout(&box_helper(&in_box, &agent.socket, "get", query)).contains("locked-away-42"));
    env.vouch(&["lock"], "");
    let out = box_helper(&in_box, &agent.socket, "get", query);
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{out:?} {}",
        agent.log()
    );
    assert!(stderr(&out).contains("gave no answer"), "{}", stderr(&out));
    let line = agent.wait_for_line(2);
    assert!(
        line.contains("action=get host=example.com path=- failed: ")
            && line.contains("git credential-vouch unlock"),
        "{line}"
    );
    env.vouch(&["unlock"], &format!("{PASS}\n"));
    assert!(stdout(&box_helper(&in_box, &agent.socket, "get", query)).contains("locked-away-42"));
}

#[test]
fn an_openbao_backed_instance_answers_through_the_agent() {
    use crate::hostile_services::{FakeBao, TOKEN, kv_answer};
    let bao = FakeBao::start(kv_answer(None));
    let env = bao.env();
    // The agent's environment carries the OpenBao token; the box has nothing.
    let mut cmd = env.command(HELPER);
    cmd.env("BAO_TOKEN", "s.reader").arg("agent");
    let agent = Agent::spawn(&env, cmd);
    let in_box = Env::new();
    let answer = forwarded_fill(&in_box, &agent, "https://git.corp.example/team/app.git");
    assert_eq!(answer["password"], TOKEN);
    assert_eq!(answer["username"], "alice");
    assert!(!agent.log().contains(TOKEN), "the log holds the token");
}

/// A get forwarded from the box that finds nothing for an instance with an OAuth client logs in
/// on demand on the agent's side (its browser), never in the box, and answers the new token.
#[test]
fn a_login_on_demand_happens_at_the_agent_not_in_the_box() {
    use crate::oauth_harness::{CODE_GRANT, browser};
    let server = OAuthServer::start(&[]);
    let env = Env::new();
    env.write_config(&server.config("corp", "gitlab-self-managed", "gitlab.test", "public-app"));
    let mut cmd = env.command(HELPER);
    cmd.env_remove("GIT_TERMINAL_PROMPT")
        .env("BROWSER", browser(&env))
        .env("VOUCH_LOGIN_TIMEOUT", "20")
        .arg("agent");
    let agent = Agent::spawn(&env, cmd);
    let in_box = Env::new();
    let answer = forwarded_fill(&in_box, &agent, "https://gitlab.test/g/p.git");
    assert_eq!(answer["username"], "oauth2");
    assert_eq!(server.issued(CODE_GRANT), 1, "one login, by the agent");
    assert_eq!(env.list_json()["credentials"][0]["origin"], "login");
    // The token lives in the user's store, not in the box.
    let token = answer["password"].clone();
    assert_eq!(in_box.files_containing(&token), Vec::<String>::new());
}
