//! Through the forwarding agent: a box that holds nothing gets a token minted for exactly the
//! repository it fetches, and only for owners the agent allows.

use super::*;
use crate::agent::harness::{Agent, box_helper};

#[test]
fn a_box_behind_the_agent_gets_a_token_for_one_repository_of_an_allowed_owner() {
    let s = Setup::new();
    s.added(&[]);
    s.server
        .install(APP_ID, 43, "evil", None, json!({"contents": "write"}));
    let agent = Agent::start(&s.env, &["--allow", &format!("{HOST}/acme")]);
    let in_box = Env::new();
    let ask = |path: &str| {
        box_helper(
            &in_box,
            &agent.socket,
            "get",
            &format!("protocol=https\nhost={HOST}\npath={path}\n\n"),
        )
    };
    let out = ask("acme/widgets.git");
    assert!(out.status.success(), "{}", stderr(&out));
    let answer = fields(&out.stdout);
    assert_eq!(answer["username"], "x-access-token");
    assert!(s.server.token_ok(&answer["password"], "acme/widgets"));
    assert!(!s.server.token_ok(&answer["password"], "acme/gadgets"));
    // Another owner's repository: the agent's policy answers nothing, and nothing is minted.
    let out = ask("evil/widgets.git");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(s.server.calls("access_tokens"), 1);
    assert!(
        !agent.log().contains(&answer["password"]),
        "the token in the log"
    );
    assert_eq!(
        in_box.files_containing(&answer["password"]),
        Vec::<String>::new()
    );
}
