//! OAuth error responses (RFC 6749 5.2): only the code and a bounded, escaped description are
//! ever shown, since the rest of an error body may echo what was sent.

/// An OAuth error response (RFC 6749 5.2), reduced to what may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: String,
    pub description: Option<String>,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)?;
        if let Some(d) = &self.description {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

impl OAuthError {
    /// Only a code of the RFC's character set and a bounded, escaped description are kept:
    /// the rest of an error body may echo what was sent.
    pub(super) fn from_body(body: &[u8]) -> Option<OAuthError> {
        #[derive(serde::Deserialize)]
        struct Raw {
            error: String,
            error_description: Option<String>,
        }
        let raw: Raw = serde_json::from_slice(body).ok()?;
        let error: String = raw
            .error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(64)
            .collect();
        let description = raw
            .error_description
            .map(|d| crate::term::escape(&d.chars().take(200).collect::<String>()));
        (!error.is_empty()).then_some(OAuthError { error, description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_errors_keep_code_and_description_only() {
        let e = OAuthError::from_body(
            br#"{"error":"invalid_grant\u001b","error_description":"bad\u001b[31m","refresh_token":"r"}"#,
        )
        .unwrap();
        assert_eq!(e.error, "invalid_grant");
        assert_eq!(e.description.as_deref(), Some("bad\\x1b[31m"));
        assert!(OAuthError::from_body(b"<html>").is_none());
    }
}
