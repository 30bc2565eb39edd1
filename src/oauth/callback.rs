//! The browser login's loopback listener (RFC 8252 7.3). Any local process can connect to it,
//! so nothing a connection does may decide the login but the redirect with the login's
//! `state`: each connection is served on its own thread and must send its request line within
//! a few seconds (one slow or silent connection holds up neither the real redirect nor the
//! deadline); a callback without the right `state` is answered 400 and ignored; the wait ends
//! at the deadline whatever any connection does.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

use super::Error;
use crate::secret::Secret;

/// How long a connection has to send its request.
const REQUEST_WAIT: Duration = Duration::from_secs(5);
/// How long writing the answer page may take.
const WRITE_WAIT: Duration = Duration::from_secs(2);
/// A request's head larger than this is not a browser's redirect.
const MAX_HEAD: usize = 16 * 1024;
/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 16;
/// How often the accept loop looks for new connections.
const POLL: Duration = Duration::from_millis(50);

/// A request to the listener, from its request line.
pub enum Request {
    /// Not the redirect (a favicon, a probe): answered 404.
    Other,
    /// A query on `/` that no authorization server sends: a parameter twice, or bytes that do
    /// not decode. Answered 400.
    Malformed,
    Callback(Callback),
}

/// The parameters of a redirect to `/`.
pub struct Callback {
    pub code: Option<Secret>,
    pub state: Option<Zeroizing<String>>,
    /// The provider's error code, reduced to the RFC's characters.
    pub error: Option<String>,
}

/// Parse a request line (`GET /?code=...&state=... HTTP/1.1`, without its line end).
pub fn parse_request_line(line: &[u8]) -> Request {
    let Ok(line) = std::str::from_utf8(line) else {
        return Request::Other;
    };
    let mut parts = line.split(' ');
    let (Some("GET"), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Request::Other;
    };
    let Some(query) = target
        .strip_prefix("/?")
        .filter(|_| version.starts_with("HTTP/1."))
    else {
        return Request::Other;
    };
    let mut callback = Callback {
        code: None,
        state: None,
        error: None,
    };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(value) = decode(value) else {
            return Request::Malformed;
        };
        let twice = match key {
            "code" => callback
                .code
                .replace(Secret::new(value.to_string()))
                .is_some(),
            "state" => callback
                .state
                .replace(Zeroizing::new(value.to_string()))
                .is_some(),
            "error" => {
                let code = value
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(64)
                    .collect();
                callback.error.replace(code).is_some()
            }
            _ => false,
        };
        if twice {
            return Request::Malformed;
        }
    }
    Request::Callback(callback)
}

/// A query value, `+` and percent escapes decoded; `None` when it is not UTF-8 then.
fn decode(value: &str) -> Option<Zeroizing<String>> {
    let spaced = Zeroizing::new(value.replace('+', " "));
    let bytes: Zeroizing<Vec<u8>> =
        Zeroizing::new(percent_encoding::percent_decode_str(&spaced).collect());
    std::str::from_utf8(&bytes)
        .ok()
        .map(|s| Zeroizing::new(s.to_owned()))
}

/// Accept connections until one brings a `code` or an `error` with `state`, or `deadline`.
pub fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    deadline: Instant,
) -> Result<Secret, Error> {
    let io = |what: &str| {
        let doing = what.to_owned();
        move |source| Error::Io { doing, source }
    };
    listener
        .set_nonblocking(true)
        .map_err(io("listening on 127.0.0.1"))?;
    let state = Arc::new(Zeroizing::new(state.to_owned()));
    let serving = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::BrowserTimeout);
        }
        match listener.accept() {
            Ok((stream, _)) => {
                serve(
                    stream,
                    &state,
                    &serving,
                    &tx,
                    deadline.min(now + REQUEST_WAIT),
                );
                // More may be waiting; a flood of them must not hide the redirect, though.
                if let Ok(outcome) = rx.try_recv() {
                    return outcome;
                }
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            // A connection that went away before it was accepted is no one's redirect.
            Err(e) if is_transient(&e) => {}
            Err(source) => return Err(io("accepting the browser's redirect")(source)),
        }
        match rx.recv_timeout(POLL.min(deadline - now)) {
            Ok(outcome) => return outcome,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => unreachable!("this loop holds a sender"),
        }
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | TimedOut
    )
}

/// Serve `stream` on a thread of its own, if fewer than [`MAX_CONNECTIONS`] are being served.
fn serve(
    stream: TcpStream,
    state: &Arc<Zeroizing<String>>,
    serving: &Arc<AtomicUsize>,
    tx: &Sender<Result<Secret, Error>>,
    until: Instant,
) {
    if serving.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
        serving.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let (state, count, tx) = (Arc::clone(state), Arc::clone(serving), tx.clone());
    let spawned = std::thread::Builder::new()
        .name("login-callback".into())
        .spawn(move || {
            if let Some(outcome) = handle(stream, &state, until) {
                // The login may have ended meanwhile: then no one listens.
                let _ = tx.send(outcome);
            }
            count.fetch_sub(1, Ordering::SeqCst);
        });
    if spawned.is_err() {
        serving.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Read one request by `until` and answer it; what it decides, if anything.
fn handle(stream: TcpStream, state: &str, until: Instant) -> Option<Result<Secret, Error>> {
    let head = read_head(&stream, until)?;
    let line_end = head.iter().position(|b| *b == b'\n')?;
    let line = head[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&head[..line_end]);
    let (status, page, outcome) = judge(parse_request_line(line), state);
    let body = format!("<!doctype html><title>git-credential-vouch</title><p>{page}</p>\n");
    let _ = stream.set_write_timeout(Some(WRITE_WAIT));
    let _ = write!(
        &stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = (&stream).flush();
    outcome
}

/// The request's head (up to the blank line), or as much as came by `until` if that holds the
/// request line. `None` for a connection that sent no whole request line in time.
fn read_head(mut stream: &TcpStream, until: Instant) -> Option<Zeroizing<Vec<u8>>> {
    stream.set_nonblocking(false).ok()?;
    // Sized once: the head may hold the code, and a grown buffer would leave copies behind.
    let mut head = Zeroizing::new(Vec::with_capacity(MAX_HEAD));
    let mut chunk = Zeroizing::new([0u8; 2048]);
    while head.len() < MAX_HEAD && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let Some(left) = until.checked_duration_since(Instant::now()) else {
            break;
        };
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut chunk[..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = MAX_HEAD - head.len();
                head.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
    chunk.zeroize();
    head.contains(&b'\n').then_some(head)
}

/// The status, the page and the outcome (if the request decides the login) of a request.
fn judge(
    request: Request,
    state: &str,
) -> (&'static str, &'static str, Option<Result<Secret, Error>>) {
    const REFUSED: &str = "400 Bad Request";
    let callback = match request {
        Request::Other => return ("404 Not Found", "Not found.", None),
        Request::Malformed => return (REFUSED, "Not a login redirect.", None),
        Request::Callback(c) => c,
    };
    // Compared in constant time: the state guards against forged redirects.
    let state_ok = callback.state.as_deref().is_some_and(|s| {
        s.len() == state.len()
            && s.bytes()
                .zip(state.bytes())
                .fold(0u8, |d, (a, b)| d | (a ^ b))
                == 0
    });
    if !state_ok {
        return (
            REFUSED,
            "Not this login's redirect: the state does not match.",
            None,
        );
    }
    match (callback.code, callback.error) {
        (_, Some(e)) => (REFUSED, "Login refused.", Some(Err(Error::Denied(e)))),
        (Some(code), None) => (
            "200 OK",
            "Logged in: you can close this window.",
            Some(Ok(code)),
        ),
        (None, None) => (REFUSED, "The redirect holds no code.", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callback(line: &str) -> Callback {
        match parse_request_line(line.as_bytes()) {
            Request::Callback(c) => c,
            _ => panic!("{line}"),
        }
    }

    #[test]
    fn request_lines() {
        let c = callback("GET /?code=a%2Bb+c&state=s&scope=x HTTP/1.1");
        assert_eq!(c.code.unwrap().expose(), "a+b c");
        assert_eq!(c.state.as_deref().map(|s| s.as_str()), Some("s"));
        let c = callback("GET /?error=access_denied%1b[2J&state=s HTTP/1.1");
        assert_eq!(c.error.as_deref(), Some("access_denied2J"));
        let kind = |line: &[u8]| match parse_request_line(line) {
            Request::Other => "other",
            Request::Malformed => "malformed",
            Request::Callback(_) => "callback",
        };
        for (line, want) in [
            (&b"GET /favicon.ico HTTP/1.1"[..], "other"),
            (b"POST /?code=a&state=s HTTP/1.1", "other"),
            (b"GET /?code=a HTTP/1.1 x", "other"),
            (b"GET /?code=a", "other"),
            (b"GET /?code=a SMTP/1.0", "other"),
            (b"", "other"),
            (b"GET /?code=a&code=b&state=s HTTP/1.1", "malformed"),
            (b"GET /?code=a&state=s&state=s HTTP/1.1", "malformed"),
            (b"GET /?code=%ff&state=s HTTP/1.1", "malformed"),
            (b"GET /?\xff HTTP/1.1", "other"),
        ] {
            assert_eq!(kind(line), want, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn only_the_right_state_decides() {
        let decided = |line: &str| judge(parse_request_line(line.as_bytes()), "s3cret").2;
        assert!(decided("GET /?error=access_denied HTTP/1.1").is_none());
        assert!(decided("GET /?code=x&state=wrong HTTP/1.1").is_none());
        assert!(decided("GET /?code=x&state=s3cre HTTP/1.1").is_none());
        assert!(decided("GET /?state=s3cret HTTP/1.1").is_none());
        assert!(matches!(
            decided("GET /?code=x&state=s3cret HTTP/1.1"),
            Some(Ok(_))
        ));
        assert!(matches!(
            decided("GET /?error=access_denied&state=s3cret HTTP/1.1"),
            Some(Err(_))
        ));
    }
}
