use gix_credentials::protocol::Context;

use super::Request;
use crate::credential::Credential;

/// Write `get`'s answer for `found` to `out`. Never writes protocol, host, path or url.
///
/// A pre-encoded (e.g. Bearer) credential is answered only when git offered
/// `capability[]=authtype`; the caller must not pass one otherwise.
pub fn write_answer(
    request: &Request,
    found: &Credential,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let gated = request.capability_authtype && found.is_pre_encoded();
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(256));
    if request.capability_authtype {
        buf.extend_from_slice(b"capability[]=authtype\n");
    }
    if gated {
        line(
            &mut buf,
            "authtype",
            found.authtype.as_deref().unwrap_or_default(),
        );
        line(
            &mut buf,
            "credential",
            found
                .credential
                .as_ref()
                .map(|c| c.expose())
                .unwrap_or_default(),
        );
    }
    // gix writes the fields it knows, validating each against line breaks once more.
    let mut fields = Context {
        username: found.username.clone(),
        password_expiry_utc: found.password_expiry_utc,
        ..Default::default()
    };
    if !gated {
        fields.password = found.password.as_ref().map(|p| p.expose().to_owned());
        fields.oauth_refresh_token = found
            .oauth_refresh_token
            .as_ref()
            .map(|t| t.expose().to_owned());
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
