//! Colour for people at a terminal: plain ANSI SGR codes (no crate, nothing at start-up), used
//! only when stdout is a terminal and `NO_COLOR` is unset or empty (https://no-color.org).
//! Pipes, files and JSON output never get an escape sequence.

use std::io::IsTerminal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Red,
    Green,
    Yellow,
}

/// Whether stdout should be coloured.
pub fn for_stdout() -> bool {
    wanted(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

fn wanted(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// `text` in `colour` when `on`, else `text` unchanged. `text` must already be escaped.
pub fn paint(on: bool, colour: Colour, text: &str) -> String {
    if !on {
        return text.to_owned();
    }
    let code = match colour {
        Colour::Red => "31",
        Colour::Green => "32",
        Colour::Yellow => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_pipes_turn_it_off() {
        assert!(wanted(true, None));
        assert!(wanted(true, Some("".as_ref())));
        assert!(!wanted(true, Some("1".as_ref())));
        assert!(!wanted(false, None));
        assert_eq!(paint(false, Colour::Red, "FAIL"), "FAIL");
        assert_eq!(paint(true, Colour::Red, "FAIL"), "\x1b[31mFAIL\x1b[0m");
    }
}
