//! The device authorization grant (RFC 8628): show where to go and the user code, poll the
//! token endpoint at `interval`, 5 s slower after each `slow_down`, until the person approves,
//! denies (`access_denied`) or the code expires (`expired_token`, or `expires_in` passes).
//! The device code is a secret: it is never shown.

use std::io::Write;
use std::time::{Duration, Instant};

use super::answer::device_answer;
use super::{Error, OAuthClient, Tokens, failed, refused};
use crate::http::Client;

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 3.5: each `slow_down` adds 5 s; more than a minute between polls helps no one.
const MAX_INTERVAL: u64 = 60;

pub fn run(
    http: &Client,
    device_endpoint: &str,
    token_endpoint: &str,
    client: &OAuthClient,
    instance: &str,
    notice: &mut dyn Write,
) -> Result<Tokens, Error> {
    let mut form = vec![
        ("client_id", client.id.as_str()),
        ("scope", client.scopes.as_str()),
    ];
    if let Some(secret) = &client.secret {
        form.push(("client_secret", secret.expose()));
    }
    let body = http
        .post_form_raw(device_endpoint, &form)?
        .map_err(|e| failed("the device authorization", instance, e))?;
    let auth = device_answer(&body)
        .map_err(|why| refused(device_endpoint, "device authorization", why))?;
    let _ = writeln!(
        notice,
        "To log in to {instance}, open {} and enter the code {}",
        crate::term::escape(&auth.verification_uri),
        crate::term::escape(&auth.user_code)
    );
    let _ = notice.flush();
    // Both bounded by device_answer: no overflow.
    let deadline = Instant::now() + Duration::from_secs(auth.expires_in);
    let mut interval = auth.interval;
    loop {
        std::thread::sleep(Duration::from_secs(interval));
        if Instant::now() >= deadline {
            return Err(Error::CodeExpired {
                instance: instance.to_owned(),
            });
        }
        match client.token_request(
            http,
            token_endpoint,
            &[
                ("grant_type", GRANT),
                ("device_code", auth.device_code.expose()),
            ],
        )? {
            Ok(tokens) => return Ok(tokens),
            Err(e) => match e.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => interval = (interval + 5).min(MAX_INTERVAL),
                "expired_token" => {
                    return Err(Error::CodeExpired {
                        instance: instance.to_owned(),
                    });
                }
                "access_denied" => {
                    return Err(Error::AccessDenied {
                        instance: instance.to_owned(),
                    });
                }
                _ => return Err(failed("the device login", instance, e)),
            },
        }
    }
}
