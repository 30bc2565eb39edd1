//! Feeling native: completions through git's own bash completion, the man page through `man`,
//! progress and colour at a terminal only.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

const GIT_BASH_COMPLETION: &str = "/usr/share/bash-completion/completions/git";

/// PATH with the built helper first, as the completion scripts call it by name.
fn path_with_helper() -> String {
    let dir = Path::new(HELPER).parent().unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Words offered by bash for `line` (its last word is completed), with git's completion and
/// `script` (vouch's bash completion) sourced; `function` is what bash would call.
fn bash_offers(env: &Env, script: &Path, function: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source {GIT_BASH_COMPLETION}
source '{}'
COMP_WORDS=({})
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
{function} "${{COMP_WORDS[0]}}" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        script.display(),
        quoted.join(" ")
    );
    let out = run(
        env.command("bash")
            .env("PATH", path_with_helper())
            .args(["-c", &program]),
        b"",
    );
    assert_ok(&out, "bash completion");
    stdout(&out).lines().map(str::to_owned).collect()
}

/// The bash script parses, and completes both `git credential-vouch` (through git's own
/// completion) and `git-credential-vouch`; IDs and instance names come from store and config.
pub fn check_bash_completion(env: &Env, script: &Path) {
    let syntax = run(env.command("bash").arg("-n").arg(script), b"");
    assert_ok(&syntax, "bash -n on the completion script");
    let git_form = bash_offers(
        env,
        script,
        "__git_wrap__git_main",
        &["git", "credential-vouch", "ad"],
    );
    assert_eq!(git_form, ["add"], "git credential-vouch ad<TAB>");
    let own = bash_offers(
        env,
        script,
        "_git_credential_vouch_bash",
        &["git-credential-vouch", "conf"],
    );
    assert_eq!(own, ["configure"], "git-credential-vouch conf<TAB>");
    let instances = bash_offers(
        env,
        script,
        "__git_wrap__git_main",
        &["git", "credential-vouch", "login", "git"],
    );
    assert!(
        instances.contains(&"github".to_owned()) && instances.contains(&"gitlab".to_owned()),
        "{instances:?}"
    );
}

#[test]
fn completion_through_gits_bash_completion_offers_commands_ids_and_instances() {
    let env = Env::new();
    let script = env.path("vouch.bash");
    let out = env.helper(&["completions", "bash"], b"");
    assert_ok(&out, "completions bash");
    std::fs::write(&script, &out.stdout).unwrap();
    check_bash_completion(&env, &script);

    let id = env.add(&["github", "--username", "alice"], "ghp_completionsecret");
    let ids = bash_offers(
        &env,
        &script,
        "__git_wrap__git_main",
        &["git", "credential-vouch", "show", ""],
    );
    assert_eq!(ids, vec![id.clone()], "IDs at show <TAB>");
    let own = bash_offers(
        &env,
        &script,
        "_git_credential_vouch_bash",
        &["git-credential-vouch", "remove", &id[..4]],
    );
    assert_eq!(own, vec![id.clone()]);
    let listed = env.vouch(&["__complete", "ids"], "");
    assert!(!listed.contains("ghp_completionsecret"));

    for shell in ["zsh", "fish"] {
        let out = env.helper(&["completions", shell], b"");
        assert_ok(&out, shell);
        assert!(
            stdout(&out).contains("git-credential-vouch") && stdout(&out).contains("rotate"),
            "{shell} script"
        );
    }
    let fish = stdout(&env.helper(&["completions", "fish"], b""));
    assert!(fish.contains("__complete ids"), "fish completes IDs");
}

/// `man -l` renders the page: every command with its options and example, configuration,
/// environment, files and exit status, with no warning and no Markdown.
pub fn check_man_page(env: &Env, page: &Path) {
    let out = run(
        env.command("man")
            .env("MANWIDTH", "100")
            .args(["-P", "cat", "-l"])
            .arg(page),
        b"",
    );
    assert_ok(&out, "man -l");
    let text = stdout(&out);
    for wanted in [
        "NAME",
        "git-credential-vouch",
        "SYNOPSIS",
        "completions",
        "--username USERNAME",
        "Example:",
        "WHICH CREDENTIAL ANSWERS",
        "CONFIGURATION",
        "ENVIRONMENT",
        "VOUCH_CONFIG",
        "EXIT STATUS",
        "FILES",
        "store.vouch",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from man output");
    }
    assert!(
        !stderr(&out).contains("warning"),
        "groff warns: {}",
        stderr(&out)
    );
    // No page that does not exist is referred to, and no Markdown is left.
    assert!(
        !text.contains("-add(1)") && !text.contains("**") && !text.contains('`'),
        "{text}"
    );
    // groff's strictest warnings, on the roff itself.
    let strict = run(
        env.command("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(page),
        b"",
    );
    assert!(
        strict.status.success() && strict.stderr.is_empty(),
        "groff -ww: {}",
        stderr(&strict)
    );
}

#[test]
fn the_man_page_renders_with_man() {
    let env = Env::new();
    let page = env.path("git-credential-vouch.1");
    let out = env.helper(&["man"], b"");
    assert_ok(&out, "man");
    std::fs::write(&page, &out.stdout).unwrap();
    check_man_page(&env, &page);
}

#[test]
fn version_names_the_program() {
    let env = Env::new();
    let out = env.helper(&["--version"], b"");
    assert_ok(&out, "--version");
    assert_eq!(
        stdout(&out),
        format!("git-credential-vouch {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// A git-credentials file of `n` lines, one host each.
fn credentials_file(env: &Env, n: usize) -> PathBuf {
    let file = env.path("many-credentials");
    let text: String = (0..n)
        .map(|i| format!("https://user{i}:pw{i}@host{i}.example\n"))
        .collect();
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn import_shows_progress_at_a_terminal_only() {
    let env = Env::new();
    let file = credentials_file(&env, 150);
    let out = env.helper(&["import", "--from", file.to_str().unwrap()], b"");
    assert_ok(&out, "import in a pipe");
    assert_eq!(stderr(&out), "", "nothing on stderr in a pipe");
    assert!(stdout(&out).contains("150 entries"), "{}", stdout(&out));

    let env = Env::new();
    let file = credentials_file(&env, 150);
    let done = env.path("done");
    let script = format!(
        "{HELPER} import --from '{}' >/dev/null; touch '{}'; sleep 30",
        file.display(),
        done.display()
    );
    let term = Terminal::start(&env, &script);
    assert!(term.wait(&|| done.exists()), "{}", term.screen());
    let screen = term.screen();
    assert!(
        screen.contains("importing") && screen.contains("150/150"),
        "no progress bar: {screen}"
    );
}

/// The screen with its escape sequences (tmux `capture-pane -e`).
fn screen_with_escapes(env: &Env) -> String {
    let out: Output = run(
        env.command("tmux")
            .env("TERM", "xterm")
            .arg("-S")
            .arg(env.path("tmux.sock"))
            .args(["capture-pane", "-e", "-p"]),
        b"",
    );
    stdout(&out)
}

/// `list` at a terminal, coloured or not; the screen with escapes.
fn list_at_terminal(env: &Env, no_color: bool) -> String {
    let done = env.path("listed");
    let _ = std::fs::remove_file(&done);
    let script = format!(
        "{}{HELPER} list; {HELPER} doctor; touch '{}'; sleep 30",
        if no_color { "export NO_COLOR=1; " } else { "" },
        done.display()
    );
    let term = Terminal::start(env, &script);
    assert!(term.wait(&|| done.exists()), "{}", term.screen());
    screen_with_escapes(env)
}

#[test]
fn list_and_doctor_use_colour_at_a_terminal_unless_no_color() {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_colourtoken");
    let piped = env.helper(&["list"], b"");
    assert!(!stdout(&piped).contains('\x1b'), "no escapes in a pipe");
    let doctor = env.helper(&["doctor"], b"");
    assert!(!stdout(&doctor).contains('\x1b'), "no escapes in a pipe");
    let json = env.vouch(&["list", "--json"], "");
    assert!(!json.contains('\x1b'));

    let coloured = list_at_terminal(&env, false);
    assert!(
        coloured.contains("\x1b[32mok"),
        "list/doctor at a terminal are coloured: {coloured:?}"
    );
    let plain = list_at_terminal(&env, true);
    assert!(plain.contains("alice") && plain.contains("ok"), "{plain}");
    assert!(!plain.contains("\x1b[32m"), "NO_COLOR: {plain:?}");
}

/// Every file under `dir` (none must be left after uninstall).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// zsh, at a real terminal: the script parses and `show <TAB>` completes the stored ID.
#[test]
fn zsh_completes_credential_ids() {
    let env = Env::new();
    let id = env.add(&["github", "--username", "alice"], "ghp_zshtoken");
    let dir = env.path("zfunc");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("_git-credential-vouch");
    let out = env.helper(&["completions", "zsh"], b"");
    assert_ok(&out, "completions zsh");
    std::fs::write(&script, &out.stdout).unwrap();
    assert_ok(
        &run(env.command("zsh").arg("-n").arg(&script), b""),
        "zsh -n",
    );
    let term = Terminal::start(&env, &format!("env PATH='{}' zsh -f", path_with_helper()));
    term.send_keys(&[
        &format!(
            "fpath=('{}' $fpath); autoload -Uz compinit; compinit -u; echo ready",
            dir.display()
        ),
        "Enter",
    ]);
    assert!(
        term.wait(&|| term.screen().contains("\nready")),
        "{}",
        term.screen()
    );
    term.send_keys(&["git-credential-vouch show ", "Tab"]);
    let line = format!("git-credential-vouch show {id}");
    assert!(
        term.wait(&|| term.screen().contains(&line)),
        "{}",
        term.screen()
    );
    assert!(!term.screen().contains("ghp_zshtoken"));
}
