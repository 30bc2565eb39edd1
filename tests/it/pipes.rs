//! A closed pipe ends every command that prints quietly (exit 0 or SIGPIPE, as `cat` would),
//! never with a panic and a backtrace (issue 27, item 4).

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use crate::common::*;

/// Run the helper with its stdout a pipe nobody reads any more.
fn into_closed_pipe(env: &Env, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = env
        .command(HELPER)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_printing_command_ends_quietly_at_a_closed_pipe() {
    let env = Env::new();
    env.vouch(&["init", "--key", "file"], "");
    let id = env.add(
        &["github", "--username", "alice"],
        "ghp_pipepipepipepipepipepipe01",
    );
    for i in 0..200 {
        env.approve(&format!(
            "protocol=https\nhost=h{i}.example\nusername=u\npassword=p{i}\n"
        ));
    }
    let commands: &[&[&str]] = &[
        &["list"],
        &["list", "--json"],
        &["show", &id],
        &["show", &id, "--json"],
        &["providers"],
        &["providers", "--json"],
        &["resolve", "https://github.com/o/r.git"],
        &["resolve", "https://github.com/o/r.git", "--json"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["completions", "fish"],
        &["man"],
        &["doctor"],
        &["doctor", "--json"],
        &["instance", "list"],
        &["instance", "list", "--json"],
        &["status"],
        &["init"],
        &["forget", "--all"],
        &["--help"],
        &["list", "--help"],
        &["--version"],
    ];
    for args in commands {
        let out = into_closed_pipe(&env, args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(
            out.status.code().is_some_and(|c| c <= 1) || out.status.signal() == Some(13),
            "{args:?}: {:?} {err}",
            out.status
        );
        assert!(
            out.status.code() != Some(1) || args[0] == "doctor",
            "{args:?} failed: {err}"
        );
    }
}
