//! Text shown to a person: control and bidirectional formatting characters escaped so a hostile
//! host or username cannot hide itself behind terminal escape sequences or reordered text.

/// git's own reading of `GIT_TERMINAL_PROMPT` (a boolean, default true): whether a helper
/// may ask the person at the terminal.
pub fn prompts_allowed() -> bool {
    std::env::var("GIT_TERMINAL_PROMPT").map_or(true, |v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        )
    })
}

/// The controlling terminal, for reading and writing, when prompts are allowed and there is
/// one: git's stdin and stdout are the helper protocol, so a person is reached only here.
pub fn person() -> Option<std::fs::File> {
    if !prompts_allowed() {
        return None;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// A closed pipe ends the command quietly, as it ends `cat` or `ls` (exit status 141 in a
/// shell). Rust ignores SIGPIPE, so a write to a closed pipe is an error that `println!` and
/// libraries writing to stdout turn into a panic. Only for the management commands: git's
/// helper actions and anything that serves sockets keep ignoring it (std writes to sockets with
/// MSG_NOSIGNAL, but a child's pipe would still kill a server).
pub fn closed_pipe_ends_quietly() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition touches no Rust state; nothing else in
    // this process installs a SIGPIPE handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A message (an error's) as one line with control characters escaped: how every failure is
/// shown, on stderr, in doctor's lines and in the agent's log.
pub fn one_line(message: &dyn std::fmt::Display) -> String {
    escape(&message.to_string().replace('\n', " "))
}

/// Bidirectional formatting characters: not controls, but they reorder what a terminal shows
/// (a name from a server could make `evil` read as `live`).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escape control characters (C0, DEL, C1) and bidirectional formatting characters as `\xNN` /
/// `\u{NNNN}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_bidi(c) {
            let n = c as u32;
            if n <= 0xff {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(escape("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(escape("tab\there"), "tab\\x09here");
        assert_eq!(escape("c1\u{9b}x"), "c1\\x9bx");
        assert_eq!(escape("plain.example.com"), "plain.example.com");
        assert_eq!(escape("app\u{202e}evil"), "app\\u{202e}evil");
        assert_eq!(escape("\u{2067}x\u{200f}"), "\\u{2067}x\\u{200f}");
        assert_eq!(escape("café – ok"), "café – ok");
    }
}
