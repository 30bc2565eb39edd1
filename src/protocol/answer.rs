use gix_credentials::protocol::Context;

use super::Request;
use crate::credential::Credential;
use crate::secret::Secret;

/// What `get` tells git.
#[derive(Debug, Default)]
pub struct Answer<'a> {
    pub username: Option<&'a str>,
    pub password: Option<&'a Secret>,
    pub password_expiry_utc: Option<i64>,
    pub oauth_refresh_token: Option<&'a Secret>,
    /// `authtype` and `credential`: written only to a git that offered the capability.
    pub pre_encoded: Option<(&'a str, &'a Secret)>,
}

impl<'a> Answer<'a> {
    /// A stored credential answered as git stored it.
    pub fn stored(c: &'a Credential) -> Answer<'a> {
        match (&c.authtype, &c.credential) {
            (Some(authtype), Some(credential)) => Answer {
                pre_encoded: Some((authtype, credential)),
                password_expiry_utc: c.password_expiry_utc,
                ..Default::default()
            },
            _ => Answer {
                username: c.username.as_deref(),
                password: c.password.as_ref(),
                password_expiry_utc: c.password_expiry_utc,
                oauth_refresh_token: c.oauth_refresh_token.as_ref(),
                pre_encoded: None,
            },
        }
    }
}

/// Write `get`'s answer to `out`. Never writes protocol, host, path or url. A value that would
/// break git's line protocol (a store written before such values were refused) is an error
/// that names the field and never carries the value.
pub fn write_answer(
    request: &Request,
    answer: &Answer<'_>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let (authtype, credential) = answer.pre_encoded.unzip();
    for (field, value) in [
        ("username", answer.username),
        ("password", answer.password.map(Secret::expose)),
        (
            "oauth_refresh_token",
            answer.oauth_refresh_token.map(Secret::expose),
        ),
        ("authtype", authtype),
        ("credential", credential.map(Secret::expose)),
    ] {
        if value.is_some_and(|v| v.contains(['\n', '\r', '\0'])) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the stored {field} holds a line break or NUL"),
            ));
        }
    }
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(256));
    if request.capability_authtype {
        buf.extend_from_slice(b"capability[]=authtype\n");
    }
    let gated = answer.pre_encoded.filter(|_| request.capability_authtype);
    if let Some((authtype, credential)) = gated {
        line(&mut buf, "authtype", authtype);
        line(&mut buf, "credential", credential.expose());
    }
    // gix writes the fields it knows, validating each against line breaks once more.
    let mut fields = Context {
        username: answer.username.map(str::to_owned),
        password_expiry_utc: answer.password_expiry_utc,
        ..Default::default()
    };
    if gated.is_none() {
        fields.password = answer.password.map(|p| p.expose().to_owned());
        fields.oauth_refresh_token = answer.oauth_refresh_token.map(|t| t.expose().to_owned());
    }
    let written = fields.write_to(&mut *buf);
    // Wipe gix's plain copies of the secrets before anything else can fail.
    use zeroize::Zeroize;
    fields.password.zeroize();
    fields.oauth_refresh_token.zeroize();
    // gix's error quotes the value: never pass it on.
    written.map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a field git cannot read (value not shown)",
        )
    })?;
    out.write_all(&buf)?;
    out.flush()
}

fn line(buf: &mut Vec<u8>, key: &str, value: &str) {
    buf.extend_from_slice(key.as_bytes());
    buf.push(b'=');
    buf.extend_from_slice(value.as_bytes());
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_breaks_lines_is_named_never_shown() {
        let request = crate::protocol::parse_request(b"protocol=https\nhost=h\n\n").unwrap();
        let token = Secret::new("ghp_SECRET\nX".into());
        for answer in [
            Answer {
                password: Some(&token),
                ..Default::default()
            },
            Answer {
                oauth_refresh_token: Some(&token),
                ..Default::default()
            },
            Answer {
                pre_encoded: Some(("Bearer", &token)),
                ..Default::default()
            },
        ] {
            let mut out = Vec::new();
            let e = write_answer(&request, &answer, &mut out).unwrap_err();
            assert!(!e.to_string().contains("SECRET"), "{e}");
            assert!(out.is_empty());
        }
    }
}
