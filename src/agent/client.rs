//! The client is the helper itself: with `VOUCH_AGENT_SOCK` set, git's `get`, `store` and
//! `erase` go to the agent at that socket, and no store, key or config is opened in the box.
//! The request is checked here exactly as locally (a bad one fails the same way, exit 2) and
//! again at the agent, which trusts nothing from the box. An agent that cannot be reached is
//! one stderr line and no answer, exit 0: git then asks the next helper or the person.

use std::path::Path;

use super::Error;
use super::policy::Action;

/// How long the client waits for the answer: the agent may be asking its person (`--confirm`,
/// a login on demand).
#[cfg(unix)]
const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// When `VOUCH_AGENT_SOCK` is set: forward git's `action` to the agent.
pub fn forwarded(action: &Action) -> Option<Result<(), Error>> {
    let socket = std::env::var_os(super::SOCKET_ENV).filter(|s| !s.is_empty())?;
    Some(forward(action.as_str(), Path::new(&socket)))
}

#[cfg(unix)]
fn forward(action: &str, socket: &Path) -> Result<(), Error> {
    use std::io::{Read, Write};
    use zeroize::Zeroizing;

    let input = crate::protocol::request::read_stdin().map_err(|source| Error::Stdio {
        what: "reading the request from stdin",
        source,
    })?;
    // The same checks, and the same failure, as a local helper.
    drop(crate::protocol::parse_request(&input)?);
    let path = crate::term::escape(&socket.to_string_lossy());
    let mut conn = match std::os::unix::net::UnixStream::connect(socket) {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("git-credential-vouch: no agent answers at {path} ({e}); nothing answered");
            return Ok(());
        }
    };
    let mut message = Zeroizing::new(Vec::with_capacity(action.len() + 1 + input.len()));
    message.extend_from_slice(action.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(&input);
    drop(input);
    // An agent that refuses this peer closes early; its silence is reported below.
    let _ = conn
        .write_all(&message)
        .and_then(|()| conn.shutdown(std::net::Shutdown::Write));
    drop(message);
    let _ = conn.set_read_timeout(Some(ANSWER_TIMEOUT));
    // Room for any answer git takes, so it is never copied by a reallocation.
    let mut reply = Zeroizing::new(Vec::with_capacity(8192));
    let read = conn
        .take(crate::protocol::MAX_REQUEST as u64)
        .read_to_end(&mut reply);
    // Every reply of an agent that served the request ends with a blank line; nothing at all
    // is a forwarded socket with no agent behind it (ssh accepts for it), a refused peer or a
    // failure at the agent.
    let answer = match read {
        Ok(_) => answer_in(&reply),
        Err(_) => None,
    };
    let Some(answer) = answer else {
        let why = read.err().map(|e| format!(" ({e})")).unwrap_or_default();
        eprintln!(
            "git-credential-vouch: the agent at {path} gave no answer{why}: it is not running behind that socket, refused this connection or failed (its log says which)"
        );
        return Ok(());
    };
    if action == "get" && !answer.is_empty() {
        let mut out = std::io::stdout().lock();
        out.write_all(answer)
            .and_then(|()| out.flush())
            .map_err(|source| Error::Stdio {
                what: "writing the answer to git",
                source,
            })?;
    }
    Ok(())
}

#[cfg(unix)]
/// git's answer in a whole reply (the answer's lines, then a blank line); `None` for a reply
/// that was cut short.
fn answer_in(reply: &[u8]) -> Option<&[u8]> {
    match reply {
        b"\n" => Some(b""),
        _ if reply.ends_with(b"\n\n") => Some(&reply[..reply.len() - 1]),
        _ => None,
    }
}

#[cfg(not(unix))]
fn forward(_: &str, _: &Path) -> Result<(), Error> {
    Err(Error::Usage(format!(
        "{} is set, but the agent's client needs Unix sockets",
        super::SOCKET_ENV
    )))
}

#[cfg(all(test, unix))] // answer_in is the Unix client's
mod tests {
    #[test]
    fn only_a_whole_reply_is_an_answer() {
        use super::answer_in;
        assert_eq!(answer_in(b"\n"), Some(&b""[..]));
        assert_eq!(
            answer_in(b"username=a\npassword=b\n\n"),
            Some(&b"username=a\npassword=b\n"[..])
        );
        assert_eq!(answer_in(b""), None);
        assert_eq!(answer_in(b"username=a\n"), None);
    }
}
