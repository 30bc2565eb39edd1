//! The README's quick start, run as written. Its commands are taken from README.md (the
//! `console` block between `<!-- quickstart:begin -->` and `<!-- quickstart:end -->`: lines
//! starting with `$ ` are commands, the lines under one are its output), run one after another
//! by one bash in a fresh HOME, and each command's output must match the lines the README shows.
//!
//! github.com cannot be reached from a test, so a local `git http-backend` behind an auth front
//! (tests/it/server.rs) stands in for it, accepting only `alice` with the token in
//! `GITHUB_TOKEN`, and these substitutions, and no others, are made:
//!
//! - in the commands: `install/install.sh` becomes the absolute path of this repository's
//!   install/install.sh (the commands run in the temp HOME, not in a checkout; install.sh finds
//!   its sources from its own path); `https://github.com/` becomes `http://127.0.0.1:PORT/`;
//!   `add github ` becomes `add local-github `, an instance in config.toml (written before the
//!   first command) of kind github on `127.0.0.1:PORT` with `allow_http = true`;
//! - in the expected output: `/home/you` becomes the temp HOME, `https://github.com/` becomes
//!   `http://127.0.0.1:PORT/`, and the README's example ID `1a2b3c4d5e6f` becomes the ID `add`
//!   printed.
//!
//! The environment is the one of a newcomer's first shell: a fresh HOME with no `XDG_*_HOME`
//! set (so the files land in ~/.config and ~/.local), no D-Bus session (so `init` picks the key
//! file), `GITHUB_TOKEN` set, and for install.sh the toolchain dirs and the cached release build
//! (target/install-test) of lifecycle.rs's `install_command`.
//!
//! Matching: stdout and stderr together, line by line, in order and whole; a line `...` stands
//! for any number of lines, and `...` inside a line for any text. The time from the first command
//! to the finished clone is printed (`cargo test --locked --test it quickstart -- --nocapture`).

use std::path::Path;
use std::time::Instant;

use crate::common::*;
use crate::server::{Accept, GitServer};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const TOKEN: &str = "ghp_1234567890abcdefghijklmnopqrstuvwxyz";
const EXAMPLE_ID: &str = "1a2b3c4d5e6f";
const INSTANCE: &str = "local-github";

/// One `$ ` line of the quick start and the output the README shows under it.
struct Step {
    command: String,
    expected: Vec<String>,
}

/// The quick start's steps, from the README's marked `console` block.
fn quick_start(readme: &str) -> Vec<Step> {
    let begin = readme
        .find("<!-- quickstart:begin -->")
        .expect("README.md has no <!-- quickstart:begin --> marker");
    let end = readme[begin..]
        .find("<!-- quickstart:end -->")
        .expect("README.md has no <!-- quickstart:end --> marker")
        + begin;
    let block = &readme[begin..end];
    let fence = block
        .find("```console\n")
        .expect("the quick start is a ```console block");
    let body = &block[fence + "```console\n".len()..];
    let body = &body[..body.find("```").expect("the console block is closed")];
    let mut steps: Vec<Step> = Vec::new();
    for line in body.lines() {
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step {
                command: command.to_owned(),
                expected: Vec::new(),
            });
        } else {
            steps
                .last_mut()
                .expect("the quick start starts with a command")
                .expected
                .push(line.to_owned());
        }
    }
    steps
}

/// `text` with `from` replaced by `to`, which must occur (else the README changed under the test).
fn substitute(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the quick start no longer contains {from:?}: update tests/it/quickstart.rs's substitutions"
    );
    text.replace(from, to)
}

/// One line against a pattern in which `...` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("...").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &line[first.len()..];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Every line against the patterns, in order and whole; a pattern line `...` takes any number
/// of lines.
fn lines_match(patterns: &[String], lines: &[&str]) -> bool {
    match patterns.split_first() {
        None => lines.is_empty(),
        Some((p, rest)) if p == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((p, rest)) => lines
            .split_first()
            .is_some_and(|(line, more)| line_matches(p, line) && lines_match(rest, more)),
    }
}

#[test]
fn matching_rules() {
    let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&p(&["a", "...", "c"]), &["a", "b", "b", "c"]));
    assert!(lines_match(&p(&["a", "...", "c"]), &["a", "c"]));
    assert!(!lines_match(&p(&["a", "c"]), &["a", "b", "c"]));
    assert!(!lines_match(&p(&["a"]), &["a", "b"]));
    assert!(line_matches("key source ...", "key source file (x)"));
    assert!(line_matches("Cloning into 'x'...", "Cloning into 'x'..."));
    assert!(line_matches("a ... c ... e", "a b c d e"));
    assert!(!line_matches("a ... c", "a b d"));
    assert!(!line_matches("ab...ba", "aba"));
}

#[test]
fn the_readme_quick_start_clones_with_the_token_vouch_stored() {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let steps = quick_start(&readme);
    let commands: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    let add = commands
        .iter()
        .position(|c| c.contains("git credential-vouch add github --username alice"))
        .unwrap_or_else(|| panic!("no `add github --username alice` in {commands:?}"));
    let resolve = commands
        .iter()
        .position(|c| c.contains("git credential-vouch resolve https://github.com/"))
        .unwrap_or_else(|| panic!("no `resolve` in {commands:?}"));
    let clone = commands.len() - 1;
    assert!(
        commands[clone].contains("git clone https://github.com/"),
        "the quick start ends in a git clone: {commands:?}"
    );
    assert!(
        commands[0].starts_with("install/install.sh"),
        "{commands:?}"
    );
    assert!(add < resolve && resolve < clone, "{commands:?}");
    // The repository the README clones, served by the local git http-backend.
    let repo_path = commands[clone]
        .split_whitespace()
        .find_map(|w| w.strip_prefix("https://github.com/"))
        .unwrap()
        .to_owned();

    let env = Env::new();
    let home = env.path("home");
    let server = GitServer::start(&env.path("srv"), vec![Accept::basic(Some("alice"), TOKEN)]);
    server.create_repo(&repo_path);
    let base = server.url("");

    // config.toml where a newcomer's vouch reads it: ~/.config/git-credential-vouch/.
    let config_dir = home.join(".config/git-credential-vouch");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[[provider]]\nname = \"{INSTANCE}\"\nkind = \"github\"\nhosts = [\"{}\"]\nallow_http = true\n",
            server.host()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(
        config_dir.join("config.toml"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();

    // One bash runs every command in turn; a marker line before each splits the output.
    let installer = Path::new(REPO).join("install/install.sh");
    let mut script = String::from("exec 2>&1\nset -eo pipefail\n");
    let marker = |i: usize| format!("@@quickstart step {i}@@");
    let whole: String = commands.join("\n");
    let whole = substitute(&whole, "install/install.sh", installer.to_str().unwrap());
    let whole = substitute(&whole, "https://github.com/", &base);
    let whole = substitute(&whole, " add github ", &format!(" add {INSTANCE} "));
    for (i, command) in whole.lines().enumerate() {
        script.push_str(&format!("printf '\\n%s\\n' '{}'\n{command}\n", marker(i)));
    }
    script.push_str(&format!("printf '\\n%s\\n' '{}'\n", marker(commands.len())));

    let install = crate::lifecycle::install_command(&env, &[]);
    let mut cmd = std::process::Command::new("bash");
    cmd.env_clear();
    for (key, value) in install.get_envs() {
        if let Some(value) = value
            && key != "XDG_CONFIG_HOME"
            && key != "XDG_DATA_HOME"
        {
            cmd.env(key, value);
        }
    }
    cmd.env("GITHUB_TOKEN", TOKEN)
        .current_dir(&home)
        .args(["-c", &script]);
    let started = Instant::now();
    let out = run(&mut cmd, b"");
    let took = started.elapsed();
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "the quick start failed ({:?}):\n{text}",
        out.status.code()
    );
    println!(
        "quick start: {:.2} s from a fresh HOME to a finished clone ({} commands)",
        took.as_secs_f64(),
        commands.len()
    );

    // Each command's output, between its marker and the next.
    let mut outputs = Vec::new();
    for i in 0..commands.len() {
        let from = text.find(&marker(i)).unwrap() + marker(i).len() + 1;
        let to = text.find(&marker(i + 1)).unwrap();
        outputs.push(text[from..to].trim_end_matches('\n').to_owned());
    }
    let id = outputs[add].trim().to_owned();
    assert!(
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "add printed {:?}, not an ID",
        outputs[add]
    );
    assert_eq!(
        steps[add].expected,
        [EXAMPLE_ID],
        "the README shows add printing the example ID"
    );
    for (i, step) in steps.iter().enumerate() {
        let expected: Vec<String> = step
            .expected
            .iter()
            .map(|l| {
                l.replace("/home/you", home.to_str().unwrap())
                    .replace("https://github.com/", &base)
                    .replace(EXAMPLE_ID, &id)
            })
            .collect();
        let lines: Vec<&str> = if outputs[i].is_empty() {
            vec![]
        } else {
            outputs[i].lines().collect()
        };
        assert!(
            lines_match(&expected, &lines),
            "`{}`: the README shows\n{}\nbut it printed\n{}",
            step.command,
            expected.join("\n"),
            outputs[i]
        );
    }

    // The clone is real, and it used the token vouch stored.
    let clone_dir = home.join(
        repo_path
            .trim_end_matches(".git")
            .rsplit('/')
            .next()
            .unwrap(),
    );
    assert_eq!(
        std::fs::read_to_string(clone_dir.join("README")).unwrap(),
        "seed\n"
    );
    let log = server.log();
    assert!(
        log.iter().any(|l| l.starts_with("alice ok")),
        "the server never accepted alice's token: {log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("rejected")),
        "a credential was rejected: {log:?}"
    );
}
