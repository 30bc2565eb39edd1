//! Feeling native in a shell: `completions` prints a completion script generated from the clap
//! definition (so new commands complete without edits here), the hidden `__complete` lists
//! credential IDs and instance names for those scripts (IDs only, never a secret), and the
//! hidden `man` prints the man page.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::commands::{Listing, ShellArg};
use super::{Cli, Context};
use crate::error::Error;

const BIN: &str = "git-credential-vouch";

/// git's bash completion calls `_git_credential_vouch` for `git credential-vouch ...` with
/// COMP_WORDS starting at `git`; this hands clap's function the words as if the binary had been
/// typed. Both forms then add IDs and instance names for the commands' first operand.
const BASH_EXTRA: &str = r#"
_git_credential_vouch_dynamic() {
    local i sub="" at=0 cur="${COMP_WORDS[COMP_CWORD]}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --config) i=$((i + 1)) ;;
            -*) ;;
            *) if [ -z "$sub" ]; then sub="${COMP_WORDS[i]}"; at=$i
               elif [ "$sub" = instance ] && [ "$at" -eq $((i - 1)) ]; then sub="instance ${COMP_WORDS[i]}"; at=$i
               fi ;;
        esac
    done
    [ "$at" -gt 0 ] && [ "$COMP_CWORD" -eq $((at + 1)) ] && [[ "$cur" != -* ]] || return 0
    local what=""
    case "$sub" in
        show|remove|rotate|update) what=ids ;;
        add|login|"instance update"|"instance remove") what=instances ;;
    esac
    [ -n "$what" ] || return 0
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$(git-credential-vouch __complete "$what" 2>/dev/null)" -- "$cur"))
}

_git_credential_vouch_bash() {
    _git__credential__vouch "$@"
    _git_credential_vouch_dynamic
}

_git_credential_vouch() {
    local COMP_WORDS=(git-credential-vouch "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    local cur="${COMP_WORDS[COMP_CWORD]}" prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD - 1]}"
    _git_credential_vouch_bash git-credential-vouch "$cur" "$prev"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _git_credential_vouch_bash -o nosort -o bashdefault -o default git-credential-vouch
else
    complete -F _git_credential_vouch_bash -o bashdefault -o default git-credential-vouch
fi
"#;

const FISH_EXTRA: &str = r#"
complete -c git-credential-vouch -n '__fish_seen_subcommand_from show remove rotate update' -f -a '(git-credential-vouch __complete ids 2>/dev/null)'
complete -c git-credential-vouch -n '__fish_seen_subcommand_from add login' -f -a '(git-credential-vouch __complete instances 2>/dev/null)'
"#;

/// zsh: clap writes `_default` as the action of every operand; the operands that name a
/// credential or an instance get these listing functions instead.
const ZSH_EXTRA: &str = r#"
(( $+functions[_git_credential_vouch_ids] )) ||
_git_credential_vouch_ids() {
    local -a ids; ids=(${(f)"$(git-credential-vouch __complete ids 2>/dev/null)"})
    _describe -t ids 'credential ID' ids
}
(( $+functions[_git_credential_vouch_instances] )) ||
_git_credential_vouch_instances() {
    local -a names; names=(${(f)"$(git-credential-vouch __complete instances 2>/dev/null)"})
    _describe -t instances 'instance' names
}
"#;

/// Give the zsh operands `id`, `provider` and `instance` the listing functions above.
fn zsh_dynamic(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + ZSH_EXTRA.len());
    for (i, line) in script.lines().enumerate() {
        // clap writes `':id:` for an operand without help, `':id -- HELP:` with it.
        let action = if line.starts_with("':id:") || line.starts_with("':id ") {
            Some("_git_credential_vouch_ids")
        } else if line.starts_with("':provider ") || line.starts_with("':instance ") {
            Some("_git_credential_vouch_instances")
        } else {
            None
        };
        match action.and_then(|a| Some((a, line.strip_suffix(":_default' \\")?))) {
            Some((a, head)) => out.push_str(&format!("{head}:{a}' \\")),
            None => out.push_str(line),
        }
        out.push('\n');
        // After `#compdef`, which must stay the first line.
        if i == 0 {
            out.push_str(ZSH_EXTRA);
        }
    }
    out
}

/// The script for `shell`.
pub fn script(shell: ShellArg) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cmd = Cli::command();
    let generator = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
    };
    clap_complete::generate(generator, &mut cmd, BIN, &mut out);
    match shell {
        ShellArg::Bash => out.extend_from_slice(BASH_EXTRA.as_bytes()),
        ShellArg::Fish => out.extend_from_slice(FISH_EXTRA.as_bytes()),
        ShellArg::Zsh => out = zsh_dynamic(&String::from_utf8_lossy(&out)).into_bytes(),
    }
    out
}

pub(super) fn completions(shell: ShellArg) -> Result<(), Error> {
    write_stdout(&script(shell))
}

pub(super) fn man() -> Result<(), Error> {
    write_stdout(&super::manpage::render())
}

/// One name per line; any failure (no store yet, a locked keyring) lists nothing, since a
/// completion must never print an error into the command line.
pub(super) fn listing(ctx: &Context, what: Listing) -> Result<(), Error> {
    let names: Vec<String> = match what {
        Listing::Ids => ctx
            .store
            .select(|_| true)
            .map(|entries| {
                entries
                    .into_iter()
                    .filter(|c| !c.is_client_secret())
                    .map(|c| c.id.clone())
                    .collect()
            })
            .unwrap_or_default(),
        Listing::Instances => ctx
            .config()
            .map(|c| c.instances.iter().map(|i| i.name.clone()).collect())
            .unwrap_or_default(),
    };
    let mut text = String::new();
    for name in names {
        // A name with a line break or a control character would break the shell's list.
        if !name.chars().any(char::is_control) {
            text.push_str(&name);
            text.push('\n');
        }
    }
    write_stdout(text.as_bytes())
}

fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| Error::Io {
            what: "writing to stdout".into(),
            source,
        })
}
