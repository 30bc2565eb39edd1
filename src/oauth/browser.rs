//! Authorization code with PKCE (RFC 7636, S256) and `state`, redirected to a loopback port
//! this process listens on (RFC 8252 7.3: `http://127.0.0.1:<port>/`). The browser is `$BROWSER`
//! or `xdg-open`; the URL is printed too. The verifier never leaves this process.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::callback::wait_for_code;
use super::{Endpoints, Error, OAuthClient, Tokens, failed};
use crate::http::Client;

/// How long to wait for the browser to come back, unless `VOUCH_LOGIN_TIMEOUT` (seconds) says.
const WAIT: Duration = Duration::from_secs(300);
/// The longest `VOUCH_LOGIN_TIMEOUT` taken: any more could not be added to a clock.
const MAX_WAIT: u64 = 24 * 3600;

/// Whether a browser can be opened: `$BROWSER`, or a desktop session with `xdg-open`.
pub fn available() -> bool {
    if std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty()) {
        return true;
    }
    if cfg!(target_os = "macos") || cfg!(windows) {
        return true;
    }
    let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    desktop && on_path("xdg-open")
}

/// How long a browser login waits for the redirect: `VOUCH_LOGIN_TIMEOUT` seconds (at most a
/// day), else 5 minutes.
pub fn login_wait() -> Duration {
    std::env::var("VOUCH_LOGIN_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(WAIT, |s| Duration::from_secs(s.min(MAX_WAIT)))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_token() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    SystemRandom::new()
        .fill(&mut bytes[..])
        .expect("the OS random number generator failed");
    Zeroizing::new(base64url(&bytes[..]))
}

pub fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    base64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn run(
    http: &Client,
    endpoints: &Endpoints,
    client: &OAuthClient,
    instance: &str,
    notice: &mut dyn Write,
) -> Result<Tokens, Error> {
    let io = |what: &str| {
        let doing = what.to_owned();
        move |source| Error::Io { doing, source }
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(io("listening on 127.0.0.1"))?;
    let port = listener
        .local_addr()
        .map_err(io("listening on 127.0.0.1"))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/");
    let verifier = random_token();
    let state = random_token();
    let url = format!(
        "{}?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&code_challenge={}&code_challenge_method=S256",
        endpoints.authorize,
        encode(&client.id),
        encode(&redirect),
        encode(&client.scopes),
        state.as_str(),
        challenge(&verifier),
    );
    let _ = writeln!(
        notice,
        "To log in to {instance}, open this page in a browser (opening it now):\n{url}"
    );
    let mut browser = open(&url);
    let code = wait_for_code(&listener, &state, Instant::now() + login_wait());
    if let Some(child) = browser.as_mut() {
        // A browser launcher that is still running is left alone; one that ended is reaped.
        let _ = child.try_wait();
    }
    let code = code?;
    client
        .token_request(
            http,
            &endpoints.token,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", &redirect),
                ("code_verifier", &verifier),
            ],
        )?
        .map_err(|e| failed("the token request", instance, e))
}

fn open(url: &str) -> Option<std::process::Child> {
    let program = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| {
            if cfg!(target_os = "macos") {
                "open".into()
            } else {
                "xdg-open".into()
            }
        });
    Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(random_token().len(), 43);
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
    }
}
