//! Secrets in memory: zeroized on drop, never shown by `Debug`.

use zeroize::Zeroizing;

/// A password, token or refresh token.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// The plaintext; call only where it is written to git or encrypted.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value could break git's line protocol if written back.
    pub fn has_line_breaking_bytes(&self) -> bool {
        self.0.bytes().any(|b| matches!(b, b'\n' | b'\r' | 0))
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("ghp_supersecret".into());
        assert!(!format!("{s:?}").contains("supersecret"));
    }

    #[test]
    fn detects_protocol_breaking_bytes() {
        assert!(Secret::new("a\nb".into()).has_line_breaking_bytes());
        assert!(Secret::new("a\rb".into()).has_line_breaking_bytes());
        assert!(Secret::new("a\0b".into()).has_line_breaking_bytes());
        assert!(!Secret::new("plain token".into()).has_line_breaking_bytes());
    }
}
