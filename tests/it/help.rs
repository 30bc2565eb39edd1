//! Help that teaches and errors in one style (issue 27, item 2): grouped commands, an example
//! in every command's help, no hidden command listed, "did you mean" for commands and instance
//! names, the SSH hint.

use crate::common::*;

#[test]
fn the_top_level_help_groups_the_commands_and_hides_the_hidden_ones() {
    let env = Env::new();
    let help = env.vouch(&["--help"], "");
    let mut at = 0;
    for group in [
        "Everyday:",
        "Accounts:",
        "Providers and login:",
        "Token lifecycle:",
        "Setup and the key:",
        "git's helper actions",
    ] {
        let found = help[at..]
            .find(group)
            .unwrap_or_else(|| panic!("{group} missing or out of order: {help}"));
        at += found;
    }
    for hidden in ["__complete", "\n  man ", "\n  help ", "Commands:", "More:"] {
        assert!(!help.contains(hidden), "{hidden:?} listed: {help}");
    }
    assert_eq!(help.matches("--config").count(), 1, "{help}");
    assert!(
        help.contains("man git-credential-vouch") && !help.contains("README"),
        "{help}"
    );
    // Every command's help ends with an example (`add`: a token and a GitHub App) and repeats
    // no --config.
    for command in ["add", "list", "resolve", "forget", "verify", "configure"] {
        let text = env.vouch(&[command, "--help"], "");
        let heading = if command == "add" {
            "Examples:\n  "
        } else {
            "Example:\n  "
        };
        let example = text
            .split(heading)
            .nth(1)
            .unwrap_or_else(|| panic!("{command}: {text}"));
        assert!(
            example.contains("git credential-vouch"),
            "{command}: {text}"
        );
        assert!(!text.contains("--config"), "{command}: {text}");
    }
}

#[test]
fn typos_get_a_did_you_mean_in_one_line() {
    let env = Env::new();
    let cases: &[(&[&str], &str)] = &[
        (&["lsit", "--json"], "(did you mean `list`?)"),
        (
            &["add", "github", "--usrname", "x"],
            "unexpected argument '--usrname'",
        ),
        (
            &["list", "--bogus"],
            "see `git credential-vouch list --help`",
        ),
    ];
    for (args, wanted) in cases {
        let out = env.helper(args, b"");
        let err = assert_fails(&out, 2);
        assert!(
            err.starts_with("git-credential-vouch: ") && err.contains(wanted),
            "{args:?}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    let out = env.helper(&["add", "gihtub", "--username", "a"], b"ghp_x\n");
    let err = assert_fails(&out, 2);
    assert!(err.contains("did you mean `github`?"), "{err}");
}

#[test]
fn an_ssh_url_is_told_that_ssh_uses_keys() {
    let env = Env::new();
    for url in ["git@github.com:o/r.git", "ssh://git@github.com/o/r.git"] {
        let out = env.helper(&["resolve", url], b"");
        let err = assert_fails(&out, 2);
        assert!(
            err.contains("SSH keys") && err.contains("https://"),
            "{url}: {err}"
        );
    }
}
