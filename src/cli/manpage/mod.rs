//! The man page, one page for the whole program: every command with its usage, description,
//! options and example, generated from the same definitions the parser and the help use; then
//! what no definition holds (configuration keys, environment, files, exit status) and the
//! docs' section on which credential answers, converted from Markdown. It refers to no page
//! that does not exist.

mod markdown;
mod reference;

use markdown::{escape, inline, section, to_roff};
use reference::{CONFIG_KEYS, ENVIRONMENT, FILES};

const ACCOUNTS: &str = include_str!("../../../docs/accounts.md");
const COMMANDS: &str = include_str!("../../../docs/commands.md");

/// Roff for a help text: `code` in bold, escapes, and `-` as a real hyphen-minus (option names
/// must be typed as shown).
fn text(s: &str) -> String {
    inline(s).replace('-', "\\-")
}

fn usage(cmd: &clap::Command) -> String {
    let rendered = cmd.clone().render_usage().to_string();
    let usage = rendered.trim().trim_start_matches("Usage:").trim();
    // git runs it as `git credential-vouch`; both spellings work.
    usage.replacen("git-credential-vouch", "git credential-vouch", 1)
}

/// One option or argument: how it is written, and its description.
fn option(arg: &clap::Arg) -> (String, String) {
    let values = arg
        .get_value_names()
        .map(|v| {
            v.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let name = match (arg.get_long(), arg.get_short()) {
        (Some(long), Some(short)) => format!("-{short}, --{long}"),
        (Some(long), None) => format!("--{long}"),
        (None, Some(short)) => format!("-{short}"),
        (None, None) => format!(
            "<{}>",
            if values.is_empty() {
                arg.get_id().as_str().to_uppercase()
            } else {
                values.clone()
            }
        ),
    };
    let name = if arg.get_long().is_some() && !values.is_empty() && arg.get_action().takes_values()
    {
        format!("{name} {values}")
    } else {
        name
    };
    let mut help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !possible.is_empty() && arg.get_action().takes_values() {
        help += &format!(" One of: {}.", possible.join(", "));
    }
    (name, help)
}

/// A command (and the commands under it): usage, description, options, example.
fn command_section(cmd: &clap::Command, out: &mut String) {
    out.push_str(&format!(".TP\n.B \"{}\"\n", text(&usage(cmd))));
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    for (i, paragraph) in about.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str(".IP\n");
        }
        out.push_str(&text(paragraph.trim()));
        out.push('\n');
    }
    let options: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !matches!(a.get_id().as_str(), "help" | "version"))
        .map(option)
        .collect();
    if !options.is_empty() {
        out.push_str(".RS\n");
        for (name, help) in options {
            out.push_str(&format!(".TP\n.B \"{}\"\n{}\n", text(&name), text(&help)));
        }
        out.push_str(".RE\n");
    }
    if let Some(example) = cmd.get_after_help() {
        let example = example.to_string();
        if let Some(body) = example.strip_prefix("Example:\n") {
            out.push_str(".IP\nExample:\n.RS\n.nf\n");
            out.push_str(&escape(body.trim()));
            out.push_str("\n.fi\n.RE\n");
        }
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        command_section(sub, out);
    }
}

/// `(term, description)` pairs as a tagged list.
fn tagged(items: impl Iterator<Item = (String, String)>) -> String {
    items
        .map(|(term, what)| format!(".TP\n.B \"{}\"\n{}\n", text(&term), text(&what)))
        .collect()
}

pub fn render() -> Vec<u8> {
    let cmd = super::help::command();
    let version = env!("CARGO_PKG_VERSION");
    let mut out = format!(
        ".TH GIT\\-CREDENTIAL\\-VOUCH 1 \"\" \"git-credential-vouch {version}\" \"Git Manual\"\n"
    );
    out += ".SH NAME\ngit\\-credential\\-vouch \\- ";
    out += &text(&cmd.get_about().map(|a| a.to_string()).unwrap_or_default());
    out += "\n.SH SYNOPSIS\n.B git credential\\-vouch\n.I COMMAND\n[\\fIOPTIONS\\fR]\n";
    out += ".SH DESCRIPTION\n";
    out += &text(
        "git runs `git credential-vouch get`, `store` and `erase` on every HTTPS fetch and push (`credential.helper`, which `configure` sets) and talks to it on stdin and stdout. vouch maps each host to the provider instance that serves it, answers with the account and the username that provider requires, and keeps every secret encrypted. The commands below manage accounts, providers, tokens and the store.",
    );
    out += "\n.SH COMMANDS\n";
    for (title, names) in super::help::GROUPS {
        out += &format!(".SS \"{}\"\n", text(title));
        for name in *names {
            if let Some(sub) = cmd.find_subcommand(name) {
                command_section(sub, &mut out);
            }
        }
    }
    out += ".SH OPTIONS\n";
    out += &tagged(
        [
            ("--config FILE", "The config file for any command (default: $VOUCH_CONFIG, else config.toml in the XDG config dir)."),
            ("-h, --help", "Help for the program, or for a command after its name."),
            ("-V, --version", "The version."),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned())),
    );
    out += ".SH \"WHICH CREDENTIAL ANSWERS\"\n";
    if let Some(body) = section(ACCOUNTS, "Which credential answers") {
        out += &to_roff(body);
    }
    out += ".SH CONFIGURATION\n";
    out += &text(
        "config.toml holds provider instances ([[provider]] tables) and settings; an unknown key or a bad value is an error naming the key and the line.",
    );
    out.push('\n');
    for table in ["", "[[provider]]", "[openbao]"] {
        if !table.is_empty() {
            out += &format!(".SS \"{}\"\n", text(table));
        }
        out += &tagged(
            CONFIG_KEYS
                .iter()
                .filter(|(t, _, _)| *t == table)
                .map(|(_, key, what)| (key.to_string(), what.to_string())),
        );
    }
    out += ".SH ENVIRONMENT\n";
    out += &tagged(
        ENVIRONMENT
            .iter()
            .map(|(v, w)| (v.to_string(), w.to_string())),
    );
    out += ".SH FILES\n";
    out += &tagged(FILES.iter().map(|(p, w)| (p.to_string(), w.to_string())));
    out += ".SH \"EXIT STATUS\"\n";
    if let Some(body) = section(COMMANDS, "Exit codes") {
        out += &to_roff(body);
    }
    out += ".SH \"SEE ALSO\"\n\\fBgit\\-credential\\fR(1), \\fBgitcredentials\\fR(7); the docs/ directory of the source for the full reference.\n";
    out.into_bytes()
}

#[cfg(test)]
mod tests;
