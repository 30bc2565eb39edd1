//! Item 5: wherever an ID is taken, a unique prefix of at least 4 characters and
//! ACCOUNT@INSTANCE work; an ambiguous selector exits 2 listing the candidates.

use super::{exists, show, with_server};
use crate::common::*;
use crate::provider_harness::ProviderServer;

/// The shortest prefix of `id`, at least 4 characters, that no other ID in `env` starts with.
fn short(env: &Env, id: &str) -> String {
    let ids: Vec<String> = env.list_json()["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    (4..=id.len())
        .map(|n| &id[..n])
        .find(|p| ids.iter().filter(|i| i.starts_with(p)).count() == 1)
        .unwrap()
        .to_owned()
}

#[test]
fn prefixes_and_account_at_instance_name_one_credential_in_every_command() {
    let env = Env::new();
    let alice = env.add(&["github", "--username", "alice"], "ghp_alicetoken");
    let bob = env.add(&["github", "--username", "bob"], "ghp_bobtoken");
    let mail = env.add(
        &["gitlab", "--email", "alice@corp.example"],
        "glpat-alicemail",
    );

    assert_eq!(show(&env, &short(&env, &alice))["id"], alice.as_str());
    assert_eq!(
        show(&env, &short(&env, &alice).to_uppercase())["id"],
        alice.as_str()
    );
    assert_eq!(show(&env, "ALICE@GitHub")["id"], alice.as_str());
    assert_eq!(show(&env, "bob")["id"], bob.as_str());
    // An email account has its own `@`: the instance follows the last one.
    assert_eq!(show(&env, "alice@corp.example@gitlab")["id"], mail.as_str());
    let text = env.vouch(&["show", "bob@github"], "");
    assert!(text.contains(&bob), "{text}");

    env.vouch(&["update", "bob@github", "--label", "work"], "");
    assert_eq!(show(&env, &bob)["label"], "work");
    env.vouch(&["rotate", &short(&env, &bob)], "ghp_bobrotated\n");
    let answer = env.fill("protocol=https\nhost=github.com\nusername=bob\n\n");
    assert_eq!(get(&answer, "password"), Some("ghp_bobrotated"));
    env.vouch(&["remove", &short(&env, &bob)], "");
    assert!(!exists(&env, &bob), "bob was not removed");
    env.vouch(&["remove", "alice@corp.example@GITLAB"], "");
    assert!(!exists(&env, &mail), "the email account was not removed");
    assert!(exists(&env, &alice), "the wrong credential was removed");
}

#[test]
fn an_ambiguous_selector_exits_2_listing_the_candidates_and_changes_nothing() {
    let env = Env::new();
    let wide = env.add(&["github", "--username", "alice"], "ghp_alicewide");
    let scoped = env.add(
        &["github", "--username", "alice", "--repo", "acme"],
        "ghp_aliceacme",
    );
    let tea = env.add(&["codeberg", "--username", "alice"], "tea-alice");
    let before = env.store_bytes();
    for (args, candidates) in [
        (vec!["show", "alice@github"], vec![&wide, &scoped]),
        (vec!["remove", "alice"], vec![&wide, &scoped, &tea]),
        (
            vec!["update", "ALICE", "--label", "x"],
            vec![&wide, &scoped, &tea],
        ),
    ] {
        let err = assert_fails(&env.helper(&args, b""), 2);
        for id in candidates {
            assert!(
                err.contains(id.as_str()),
                "{args:?}: {id} not listed: {err}"
            );
        }
        assert!(err.contains("alice on github"), "{err}");
        assert!(!err.contains("ghp_") && !err.contains("tea-alice"), "{err}");
    }
    let err = assert_fails(&env.helper(&["rotate", "alice@github"], b"ghp_new\n"), 2);
    assert!(err.contains(&wide) && err.contains(&scoped), "{err}");
    assert_eq!(
        env.store_bytes(),
        before,
        "an ambiguous selector changed the store"
    );
    // Named precisely, each one works.
    assert_eq!(show(&env, "alice@codeberg")["id"], tea.as_str());
}

#[test]
fn a_too_short_prefix_is_refused_and_no_match_is_not_found() {
    let env = Env::new();
    let id = env.add(&["github", "--username", "alice"], "ghp_alicetoken");
    let err = assert_fails(&env.helper(&["show", &id[..3]], b""), 2);
    assert!(err.contains("too short") && err.contains('4'), "{err}");
    assert_fails(&env.helper(&["remove", &id[..2]], b""), 2);
    for missing in ["carol@github", "alice@gitlab", "nobody"] {
        assert_fails(&env.helper(&["show", missing], b""), 3);
        assert_fails(&env.helper(&["remove", missing], b""), 3);
    }
    let other = if id.starts_with("ffff") {
        "eeee"
    } else {
        "ffff"
    };
    assert_fails(&env.helper(&["remove", other], b""), 3);
    assert!(exists(&env, &id));
}

#[test]
fn verify_rotate_at_provider_and_remove_revoke_take_selectors() {
    let server = ProviderServer::start();
    let env = with_server(&server);
    let first = "glpat-selectorfirst00001";
    server.add_token("gitlab", first, "alice", &["api"], None);
    server.add_token("github", "ghp_selectorgh", "octo", &["repo"], None);
    let id = env.add(&["corp", "--email", "alice@corp.test"], first);
    let gh = env.add(&["gh", "--username", "octo"], "ghp_selectorgh");

    let out = env.helper(&["verify", "--json", "octo@gh", &short(&env, &id)], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let checked: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(checked, [gh.as_str(), id.as_str()]);

    let out = env.helper(&["rotate", "alice@corp.test@corp", "--at-provider"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!server.is_active(first), "the old token still lives");
    let out = env.helper(&["remove", &short(&env, &id), "--revoke"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!exists(&env, &id));
    assert!(server.active_tokens("gitlab").is_empty(), "not revoked");
    let err = assert_fails(&env.helper(&["verify", "nobody@gh"], b""), 3);
    assert!(err.contains("nobody@gh"), "{err}");
}
