//! Output that behaves (issue 27, item 4): tables that fit the terminal, labels shown, plurals
//! right, every JSON time in both forms, and first-run hints.

use crate::common::*;

#[test]
fn list_fits_columns_and_shows_labels_and_short_hosts() {
    let env = Env::new();
    env.add(
        &[
            "github",
            "--username",
            "alice",
            "--label",
            "work laptop",
            "--expires",
            "1d",
        ],
        "ghp_outputoutputoutputoutput01",
    );
    env.add(
        &[
            "gitlab",
            "--email",
            "averyveryverylongname@corp.example",
            "--repo",
            "some/deeply/nested/group/project",
        ],
        "glpat-outputoutputoutput01",
    );
    let wide = env.vouch(&["list"], "");
    assert!(wide.contains("alice (work laptop)"), "{wide}");
    assert!(
        wide.contains("github.com +1") && !wide.contains("gist.github.com"),
        "{wide}"
    );
    assert!(
        wide.contains("(in 1 day)") || wide.contains("(today)"),
        "{wide}"
    );
    let mut cmd = env.command(HELPER);
    cmd.arg("list").env("COLUMNS", "110");
    let narrow = stdout(&run(&mut cmd, b""));
    assert!(narrow.lines().all(|l| l.chars().count() <= 110), "{narrow}");
    assert!(narrow.contains('…'), "{narrow}");
    // IDs are never cut.
    for c in env.list_json()["credentials"].as_array().unwrap() {
        assert!(narrow.contains(c["id"].as_str().unwrap()), "{narrow}");
    }
}

#[test]
fn every_json_time_comes_as_seconds_and_rfc_3339() {
    let env = Env::new();
    env.add(
        &["github", "--username", "alice", "--expires", "2030-01-02"],
        "ghp_outputoutputoutputoutput02",
    );
    let c = env.list_json()["credentials"][0].clone();
    assert_eq!(c["expires_at"], "2030-01-02T00:00:00Z");
    let created = c["created"].as_i64().unwrap();
    let created_at = c["created_at"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.starts_with("20"),
        "{c}"
    );
    assert!(created > 0);
    assert!(
        c.get("last_used_at").is_some() && c.get("refresh_failed_at").is_some(),
        "{c}"
    );
}

#[test]
fn a_first_run_says_what_was_chosen_and_what_comes_next() {
    let env = Env::new();
    let empty = env.vouch(&["list"], "");
    assert!(
        empty.contains("git credential-vouch add PROVIDER"),
        "{empty}"
    );
    let init = env.vouch(&["init"], "");
    assert!(
        init.contains("key source") && init.contains("no --key was given"),
        "{init}"
    );
    assert!(
        init.contains("next:") && init.contains("configure"),
        "{init}"
    );
    let again = env.vouch(&["init"], "");
    assert!(
        again.contains("already initialized") && !again.contains("next:"),
        "{again}"
    );
    let configured = env.vouch(&["configure"], "");
    assert!(
        !configured.contains("dev.azure.com") && !configured.contains("value(s)"),
        "{configured}"
    );
    env.write_config(
        "[[provider]]\nname = \"corp\"\nkind = \"gitea\"\nhosts = [\"git.corp.example\"]\n",
    );
    let doctor = stdout(&env.helper(&["doctor"], b""));
    assert!(doctor.contains("(1 configured instance)"), "{doctor}");
    assert!(
        doctor.contains("no tokens expiring within 14 days"),
        "{doctor}"
    );
}

#[test]
fn a_new_passphrase_is_asked_again_on_a_mismatch_and_the_new_store_starts_unlocked() {
    let _ = own_session_keyring();
    let env = Env::new();
    let done = env.path("done");
    let script = format!(
        "{HELPER} init --key passphrase; {HELPER} status; touch '{}'; sleep 30",
        done.display()
    );
    let term = Terminal::start(&env, &script);
    let ask = |wanted: &str, count: usize| {
        assert!(
            term.wait(&|| term.screen().matches(wanted).count() >= count),
            "no {wanted:?}: {}",
            term.screen()
        );
    };
    ask("passphrase", 1);
    term.send_keys(&["first-try", "Enter"]);
    ask("Repeat the passphrase", 1);
    term.send_keys(&["other", "Enter"]);
    ask("differ; type it again", 1);
    // Asked again from the start: the passphrase, then its repetition.
    term.send_keys(&["correct horse", "Enter"]);
    ask("Repeat the passphrase", 2);
    term.send_keys(&["correct horse", "Enter"]);
    assert!(term.wait(&|| done.exists()), "{}", term.screen());
    let screen = term.screen();
    drop(term);
    assert!(screen.contains("unlocked for 15m"), "{screen}");
    assert!(screen.contains("state: unlocked"), "{screen}");
    assert!(
        !screen.contains("correct horse"),
        "the passphrase was echoed: {screen}"
    );
}
