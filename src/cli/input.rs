//! What a person types or pastes: secrets from stdin or a no-echo prompt (never argv), plain
//! answers such as a username at the terminal, and the lines said only to a person.
//!
//! Secrets are taken as people paste them: blanks around are dropped (a trailing space, a tab,
//! CRLF from a Windows clipboard), blanks inside are refused (no token has one, so it is a
//! paste gone wrong), and more than 64 KiB is refused rather than cut.

use std::io::{IsTerminal, Read};

use zeroize::Zeroizing;

use super::account_input::usage;
use crate::error::Error;
use crate::secret::Secret;

/// Far more than any token; a bound on what is read and held.
pub(super) const MAX_SECRET: usize = 64 * 1024;

/// What is dropped around a pasted secret.
const BLANKS: [char; 4] = [' ', '\t', '\r', '\n'];

/// A person answers prompts: stdin is the terminal (as for the token prompt). A token piped
/// in from a script is not a person, even when a terminal is around.
pub(super) fn person_present() -> bool {
    std::io::stdin().is_terminal()
}

/// One line for the person at the terminal (stderr is one); nothing in a pipe, where scripts
/// read stdout and expect stderr silent on success.
pub(super) fn say(line: impl std::fmt::Display) {
    if std::io::stderr().is_terminal() {
        eprintln!("{line}");
    }
}

pub(super) fn read_token(prompt: &str) -> Result<Secret, Error> {
    read_secret("token", prompt)
}

/// A secret from stdin, or from a no-echo prompt on a terminal; never from argv. `field` names
/// it in errors, which never show the value.
pub(super) fn read_secret(field: &str, prompt: &str) -> Result<Secret, Error> {
    let raw = if person_present() {
        let typed = gix_prompt::securely(prompt)
            .map_err(|e| Error::Runtime(format!("prompting for the {field}: {e}")))?;
        Zeroizing::new(typed.into_bytes())
    } else {
        let mut bytes = Zeroizing::new(Vec::new());
        // One byte more than allowed tells "too long" from "exactly the limit".
        std::io::stdin()
            .lock()
            .take(MAX_SECRET as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Io {
                what: format!("reading the {field}"),
                source,
            })?;
        bytes
    };
    pasted(field, &raw)
}

/// A secret as pasted, checked: see the module comment.
pub(super) fn pasted(field: &str, raw: &[u8]) -> Result<Secret, Error> {
    if raw.len() > MAX_SECRET {
        return Err(usage(
            field,
            "more than 64 KiB: refused rather than cut (nothing was stored)",
        ));
    }
    let text = std::str::from_utf8(raw).map_err(|_| usage(field, "not UTF-8 text"))?;
    let value = text.trim_matches(BLANKS);
    if value.is_empty() {
        return Err(usage(field, "empty (give it on stdin or at the prompt)"));
    }
    let secret = Secret::new(value.to_owned());
    if secret.has_line_breaking_bytes() {
        return Err(usage(field, "contains a line break or NUL"));
    }
    if value.contains([' ', '\t']) {
        return Err(usage(
            field,
            "contains a blank (space or tab) inside: a token has none, so this looks like a paste gone wrong",
        ));
    }
    Ok(secret)
}

/// A plain answer typed at the terminal (echoed: a username is not a secret), trimmed.
/// `field` names it in errors.
pub(super) fn ask(field: &str, prompt: &str) -> Result<String, Error> {
    let typed = gix_prompt::openly(prompt)
        .map_err(|e| Error::Runtime(format!("prompting for the {field}: {e}")))?;
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(usage(field, "empty (nothing was stored)"));
    }
    Ok(typed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(raw: &str) -> Result<String, String> {
        pasted("token", raw.as_bytes())
            .map(|s| s.expose().to_owned())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn blanks_around_are_dropped_and_inside_refused() {
        for raw in [
            "ghp_x",
            "ghp_x\n",
            "ghp_x \n",
            "ghp_x\t",
            "ghp_x\r\n",
            "  ghp_x  \r\n\n",
        ] {
            assert_eq!(taken(raw).unwrap(), "ghp_x", "{raw:?}");
        }
        for (raw, says) in [
            ("ghp_ x", "blank"),
            ("ghp_\tx", "blank"),
            ("ghp_x\nsecond", "line break"),
            ("ghp_x\0", "line break"),
            (" \r\n", "empty"),
        ] {
            let e = taken(raw).unwrap_err();
            assert!(e.starts_with("token: ") && e.contains(says), "{raw:?}: {e}");
            assert!(!e.contains("ghp_"), "the value was shown: {e}");
        }
    }

    #[test]
    fn more_than_64_kib_is_refused_not_cut() {
        let most = "a".repeat(MAX_SECRET);
        assert_eq!(taken(&most).unwrap().len(), MAX_SECRET);
        let e = taken(&format!("{most}a")).unwrap_err();
        assert!(e.contains("64 KiB"), "{e}");
        assert!(pasted("token", &[0xff, 0xfe]).is_err());
    }
}
