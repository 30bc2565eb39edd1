//! Help that teaches: the top-level help lists the commands in groups (generated from the
//! command definitions, so it cannot fall behind them), each command's help ends with an
//! example, hidden commands are never listed, and every parse error is one line in vouch's own
//! style with a "did you mean" where one fits.

use std::ffi::OsString;
use std::io::IsTerminal;

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::commands::Cli;
use crate::error::exit;
use crate::term::escape;

/// The groups of the top-level help, in order. A visible command missing here is listed under
/// "More" (and a test fails).
pub const GROUPS: &[(&str, &[&str])] = &[
    ("Everyday", &["add", "list", "show", "resolve", "doctor"]),
    (
        "Accounts",
        &["update", "rotate", "remove", "forget", "import"],
    ),
    (
        "Providers and login",
        &["providers", "instance", "login", "openbao"],
    ),
    ("Token lifecycle", &["verify", "renew"]),
    (
        "Setup and the key",
        &[
            "init",
            "configure",
            "unconfigure",
            "rekey",
            "unlock",
            "lock",
            "status",
            "passwd",
            "purge",
            "completions",
        ],
    ),
    ("Containers and SSH hosts", &["agent"]),
    (
        "git's helper actions (git runs these)",
        &["get", "store", "erase"],
    ),
];

/// One example per command (two for `add`: a token, a GitHub App), shown at the end of its help.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "add",
        "printf '%s\\n' \"$TOKEN\" | git credential-vouch add github --username alice\n\
         git credential-vouch add github --app-id 123456 --private-key-stdin < my-bot.pem",
    ),
    ("list", "git credential-vouch list --json"),
    ("show", "git credential-vouch show alice@github"),
    (
        "resolve",
        "git credential-vouch resolve https://github.com/acme/app.git",
    ),
    ("doctor", "git credential-vouch doctor --online"),
    (
        "update",
        "git credential-vouch update 1a2b --repo acme --expires 30d",
    ),
    (
        "rotate",
        "printf '%s\\n' \"$NEW_TOKEN\" | git credential-vouch rotate alice@github",
    ),
    ("remove", "git credential-vouch remove 1a2b --revoke"),
    ("forget", "git credential-vouch forget github.com/acme"),
    ("import", "git credential-vouch import --remove-source"),
    ("providers", "git credential-vouch providers --json"),
    (
        "instance",
        "git credential-vouch instance add corp --kind gitlab-self-managed --host git.corp.example",
    ),
    ("login", "git credential-vouch login gitlab --device"),
    ("openbao", "git credential-vouch openbao status"),
    ("verify", "git credential-vouch verify --json"),
    (
        "renew",
        "git credential-vouch renew --within 7d --lifetime 30d --dry-run",
    ),
    ("init", "git credential-vouch init --key file"),
    ("configure", "git credential-vouch configure --global"),
    ("unconfigure", "git credential-vouch unconfigure"),
    ("rekey", "git credential-vouch rekey --key passphrase"),
    ("unlock", "git credential-vouch unlock --for 8h"),
    ("lock", "git credential-vouch lock"),
    ("status", "git credential-vouch status"),
    ("passwd", "git credential-vouch passwd"),
    ("purge", "git credential-vouch purge --yes"),
    (
        "completions",
        "git credential-vouch completions bash > ~/.local/share/bash-completion/completions/git-credential-vouch",
    ),
    (
        "agent",
        "git credential-vouch agent --allow github.com/acme --confirm",
    ),
    (
        "get",
        "printf 'protocol=https\\nhost=github.com\\n\\n' | git credential-vouch get",
    ),
    (
        "store",
        "git credential approve   # git sends store to every helper, vouch too",
    ),
    (
        "erase",
        "git credential reject    # git sends erase to every helper, vouch too",
    ),
];

/// The visible commands of `cmd`, as (name, one-line about).
fn visible(cmd: &clap::Command) -> Vec<(String, String)> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let about = s.get_about().map(ToString::to_string).unwrap_or_default();
            (s.get_name().to_owned(), about)
        })
        .collect()
}

/// The grouped command list of the top-level help.
fn grouped(cmd: &clap::Command) -> String {
    let commands = visible(cmd);
    let width = commands.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let line = |name: &str| {
        commands
            .iter()
            .find(|(n, _)| n == name)
            .map(|(n, about)| format!("  {n:<width$}  {about}\n"))
            .unwrap_or_default()
    };
    let mut out = String::new();
    for (title, names) in GROUPS {
        out += &format!("{title}:\n");
        for name in *names {
            out += &line(name);
        }
        out.push('\n');
    }
    let more: Vec<&(String, String)> = commands
        .iter()
        .filter(|(n, _)| !GROUPS.iter().any(|(_, g)| g.contains(&n.as_str())))
        .collect();
    if !more.is_empty() {
        out += "More:\n";
        for (name, _) in more {
            out += &line(name);
        }
        out.push('\n');
    }
    out
}

/// The parser with the grouped help, the examples, and `--config` (hidden as an option, since
/// clap would repeat it in every command's help) described once at the top level.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |sub| {
            match EXAMPLES.iter().find(|(n, _)| *n == name) {
                Some((_, example)) if example.contains('\n') => {
                    sub.after_help(format!("Examples:\n  {}\n", example.replace('\n', "\n  ")))
                }
                Some((_, example)) => sub.after_help(format!("Example:\n  {example}\n")),
                None => sub,
            }
        });
    }
    let config = cmd
        .get_arguments()
        .find(|a| a.get_id() == "config")
        .and_then(|a| a.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    let groups = format!(
        "{}\nEvery command takes:\n  --config FILE  {config}",
        grouped(&cmd)
    );
    cmd.before_help(groups)
        .disable_help_subcommand(true)
        .help_template(
            "{about-with-newline}\n{usage-heading} {usage}\n\n{before-help}\n\nOptions:\n{options}\n\n{after-help}\n",
        )
}

/// The word clap suggests for a mistyped command or value, if any.
fn suggestion(e: &clap::Error) -> Option<String> {
    [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .find_map(|kind| match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => v.first().cloned(),
        _ => None,
    })
}

/// A clap error as one line in vouch's style: what was wrong, a "did you mean", and where help is.
fn one_line(e: &clap::Error, command: Option<&str>) -> String {
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("").trim();
    let what = match e.get(ContextKind::InvalidSubcommand) {
        Some(word) => format!("unknown command `{}`", escape(&word.to_string())),
        None => first.strip_prefix("error: ").unwrap_or(first).to_owned(),
    };
    let mut line = format!("git-credential-vouch: {what}");
    if let Some(s) = suggestion(e) {
        line += &format!(" (did you mean `{}`?)", escape(&s));
    }
    let help = match command {
        Some(c) => format!("git credential-vouch {c} --help"),
        None => "git credential-vouch --help".to_owned(),
    };
    line + &format!("; see `{help}`")
}

pub fn parse(args: Vec<OsString>) -> Result<Cli, u8> {
    use clap::FromArgMatches;
    // git calls a helper with one action word and nothing else.
    let from_git = args.len() == 2 && !std::io::stdin().is_terminal();
    // The command named, for pointing at its help.
    let named = args
        .get(1)
        .and_then(|a| a.to_str())
        .filter(|a| !a.starts_with('-'))
        .map(str::to_owned);
    let parsed = command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => Ok(cli),
        // git may grow new actions (e.g. `capability`): a helper must ignore them silently.
        Err(e) if e.kind() == ErrorKind::InvalidSubcommand && from_git => Err(exit::OK),
        // A person's typo (`verfy --json`) must not pass for a future git action.
        Err(e) if e.kind() == ErrorKind::InvalidSubcommand => {
            eprintln!("{}", one_line(&e, None));
            Err(exit::USAGE)
        }
        Err(e) if e.use_stderr() => {
            let known = named.filter(|n| visible(&command()).iter().any(|(c, _)| c == n));
            eprintln!("{}", one_line(&e, known.as_deref()));
            Err(exit::USAGE)
        }
        // --help and --version.
        Err(e) => {
            let _ = e.print();
            Err(exit::OK)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_command_is_in_one_group_and_has_an_example() {
        let cmd = command();
        for (name, about) in visible(&cmd) {
            let groups = GROUPS
                .iter()
                .filter(|(_, g)| g.contains(&name.as_str()))
                .count();
            assert_eq!(groups, 1, "{name} is in {groups} groups");
            assert!(
                EXAMPLES.iter().any(|(n, _)| *n == name),
                "{name} has no example"
            );
            assert!(!about.is_empty(), "{name} has no description");
        }
        let help = cmd.clone().render_help().to_string();
        assert!(
            !help.contains("__complete") && !help.contains("  man "),
            "{help}"
        );
        assert!(!help.contains("More:"), "{help}");
    }

    #[test]
    fn every_flag_and_argument_is_described() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd
                .get_arguments()
                .filter(|a| !a.is_hide_set() || a.get_id() == "config")
            {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path}: {id}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(), "git-credential-vouch", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:#?}");
    }
}
