//! Items 3 and 8 at a real terminal (tmux): what no provider can say is asked before the token,
//! the account the provider names is said, a missing email is asked, and add, update, rotate
//! and remove say their success on stderr; in a pipe stderr stays silent.

use super::{seed, show, with_server};
use crate::common::*;
use crate::provider_harness::ProviderServer;

/// Wait until the screen shows `text` (tmux drops the blanks that end a line).
fn shows(term: &Terminal<'_>, text: &str) {
    let text = text.trim_end();
    assert!(
        term.wait(&|| term.screen().contains(text)),
        "{text:?} not shown: {}",
        term.screen()
    );
}

/// `add ARGS` at the terminal, its stdout into a file; then `touch done`.
fn add_script(env: &Env, args: &str) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let out_file = env.path("id.txt");
    let done = env.path("done");
    let script = format!(
        "{HELPER} add {args} > '{}'; touch '{}'; sleep 30",
        out_file.display(),
        done.display()
    );
    (script, out_file, done)
}

fn finished(term: &Terminal<'_>, done: &std::path::Path, out_file: &std::path::Path) -> String {
    assert!(
        term.wait(&|| done.exists()),
        "add did not finish: {}",
        term.screen()
    );
    let id = std::fs::read_to_string(out_file).unwrap();
    assert!(
        id.len() == 13 && id[..12].bytes().all(|b| b.is_ascii_hexdigit()),
        "stdout is not the ID alone: {id:?}"
    );
    id.trim_end().to_owned()
}

#[test]
fn what_no_provider_can_say_is_asked_before_the_token() {
    let env = Env::new();
    let (script, out_file, done) = add_script(&env, "aws-codecommit");
    let term = Terminal::start(&env, &script);
    shows(&term, "IAM-generated username for aws-codecommit: ");
    assert!(
        !term.screen().contains("Token for"),
        "token first: {}",
        term.screen()
    );
    term.send_keys(&["alice-at-123456789012", "Enter"]);
    shows(&term, "Token for aws-codecommit: ");
    term.send_keys(&["codecommit-password", "Enter"]);
    let id = finished(&term, &done, &out_file);
    shows(
        &term,
        &format!("added alice-at-123456789012 on aws-codecommit, ID {id}"),
    );
    assert!(!term.screen().contains("codecommit-password"), "echoed");
    drop(term);
    let answer = env
        .fill("protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/r\n\n");
    assert_eq!(get(&answer, "username"), Some("alice-at-123456789012"));
}

#[test]
fn the_provider_names_the_account_and_a_missing_email_is_asked_after_the_token() {
    let server = ProviderServer::start();
    let env = with_server(&server);
    server.add_token("github", "ghp_typedatterminal", "octo", &["repo"], None);
    let (script, out_file, done) = add_script(&env, "gh");
    let term = Terminal::start(&env, &script);
    shows(&term, "Token for gh: ");
    term.send_keys(&["ghp_typedatterminal", "Enter"]);
    let id = finished(&term, &done, &out_file);
    shows(&term, "gh says the token belongs to octo");
    shows(&term, &format!("added octo on gh, ID {id}"));
    drop(term);

    let env = with_server(&server);
    seed(
        &server,
        "gitlab",
        "glpat-noreaduserscope",
        "bob",
        "bob@corp.test",
        &["read_repository"],
    );
    let (script, out_file, done) = add_script(&env, "corp");
    let term = Terminal::start(&env, &script);
    shows(&term, "Token for corp: ");
    term.send_keys(&["glpat-noreaduserscope", "Enter"]);
    shows(&term, "the token may lack the read_user scope");
    shows(&term, "Email for corp: ");
    term.send_keys(&["bob@corp.test", "Enter"]);
    let id = finished(&term, &done, &out_file);
    shows(&term, &format!("added bob@corp.test on corp, ID {id}"));
    drop(term);
    let c = show(&env, &id);
    assert_eq!(
        (c["account"].as_str(), c["username"].as_str()),
        (Some("bob@corp.test"), Some("bob"))
    );
}

#[test]
fn add_update_rotate_and_remove_say_success_at_a_terminal_and_nothing_in_a_pipe() {
    let env = Env::new();
    let done = env.path("done");
    let ids = env.path("ids.txt");
    let script = format!(
        "printf 'ghp_first\\n' | {HELPER} add github --username alice > '{ids}'; \
         {HELPER} update alice@github --label work; \
         printf 'ghp_second\\n' | {HELPER} rotate alice@github; \
         {HELPER} remove alice@github; touch '{done}'; sleep 30",
        ids = ids.display(),
        done = done.display()
    );
    let term = Terminal::start(&env, &script);
    assert!(
        term.wait(&|| done.exists()),
        "did not finish: {}",
        term.screen()
    );
    let id = std::fs::read_to_string(&ids).unwrap().trim_end().to_owned();
    assert_eq!(id.len(), 12, "stdout is not the ID alone: {id:?}");
    let screen = term.screen();
    drop(term);
    for line in ["added", "updated", "rotated", "removed"] {
        let want = format!("{line} alice on github, ID {id}");
        assert!(
            screen.lines().any(|l| l.trim_end() == want),
            "{want:?} not in {screen}"
        );
    }
    assert!(!screen.contains("ghp_"), "a token was shown: {screen}");

    // In a pipe: stdout the bare ID for add, nothing else anywhere.
    let id = env.add(&["github", "--username", "alice"], "ghp_third");
    for (args, stdin) in [
        (vec!["update", "alice@github", "--label", "home"], ""),
        (vec!["rotate", "alice@github"], "ghp_fourth\n"),
        (vec!["remove", id.as_str()], ""),
    ] {
        let out = env.helper(&args, stdin.as_bytes());
        assert_ok(&out, &format!("{args:?}"));
        assert_eq!(stdout(&out), "", "{args:?} printed on stdout");
    }
}
