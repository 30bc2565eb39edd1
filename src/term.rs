//! Text shown to a person: control characters escaped so a hostile host or username cannot
//! hide itself behind terminal escape sequences.

/// Escape control characters (C0, DEL, C1) as `\xNN` / `\u{NNNN}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
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
    }
}
