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

/// Write `get`'s answer to `out`. Never writes protocol, host, path or url.
pub fn write_answer(
    request: &Request,
    answer: &Answer<'_>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
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
    written?;
    out.write_all(&buf)?;
    out.flush()
}

fn line(buf: &mut Vec<u8>, key: &str, value: &str) {
    buf.extend_from_slice(key.as_bytes());
    buf.push(b'=');
    buf.extend_from_slice(value.as_bytes());
    buf.push(b'\n');
}
