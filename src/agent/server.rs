//! Serving connections: a thread per connection (at most [`MAX_CONNECTIONS`] at once), each
//! reading one bounded request within the request timeout, checking it exactly as the helper
//! checks git's stdin, applying the policy and answering with the helper's own code.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::Shared;
use super::log::{Outcome, Record, answered_as};
use super::policy::Action;
use crate::protocol::{self, MAX_REQUEST};

/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 128;
/// The action line (`get`, `store`, `erase`) before git's request.
const MAX_ACTION: usize = 64;
/// How long the agent waits for a client to take its answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accept and serve until the listener fails for good.
pub fn serve(listener: &UnixListener, shared: &Shared<'_>) {
    let slots = Slots::default();
    std::thread::scope(|scope| {
        for conn in listener.incoming() {
            match conn {
                Ok(conn) => {
                    slots.take();
                    let slots = &slots;
                    let spawned = std::thread::Builder::new()
                        .name("vouch-agent-conn".into())
                        .spawn_scoped(scope, move || {
                            let _slot = Release(slots);
                            serve_one(conn, shared);
                        });
                    if let Err(e) = spawned {
                        slots.give();
                        super::say(&format!("no thread for a connection: {e}"));
                    }
                }
                Err(e) => {
                    super::say(&format!("accept failed: {e}"));
                    // Out of file descriptors: let the connections in flight finish.
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    });
}

/// A counting semaphore for connection threads.
#[derive(Default)]
struct Slots {
    busy: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn take(&self) {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while *busy >= MAX_CONNECTIONS {
            busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        *busy += 1;
    }

    fn give(&self) {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        *busy -= 1;
        self.freed.notify_one();
    }
}

struct Release<'a>(&'a Slots);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.give();
    }
}

fn serve_one(mut conn: UnixStream, shared: &Shared<'_>) {
    let mut record = Record::default();
    record.outcome = handle(&mut conn, shared, &mut record);
    if let Outcome::Failed(why) = &record.outcome {
        super::say(why);
    }
    shared.log.write(&record);
}

/// Serve one connection; what happened, for the log. `record` gets the peer and the request.
///
/// A request that was read and checked always gets a reply ending in a blank line: git's
/// answer, or nothing but the blank line when there is nothing to answer or the policy refuses
/// (git sends `store` after every use, so a refused `store` must stay quiet in the box). A
/// refused peer, an unreadable request or a failure gets no reply at all, which the client
/// reports.
fn handle(conn: &mut UnixStream, shared: &Shared<'_>, record: &mut Record) -> Outcome {
    let peer = match rustix::net::sockopt::socket_peercred(&*conn) {
        Ok(cred) => cred,
        Err(e) => return Outcome::Refused(format!("no peer credentials: {e}")),
    };
    let (pid, uid) = (peer.pid.as_raw_nonzero().get(), peer.uid.as_raw());
    (record.pid, record.uid) = (Some(pid), Some(uid));
    if let Err(why) = shared.policy.peer(uid) {
        return Outcome::Refused(why);
    }
    let input = match read_request(conn, shared.request_timeout) {
        Ok(input) => input,
        Err(why) => return Outcome::Refused(why),
    };
    let (word, rest) = match input.iter().position(|&b| b == b'\n') {
        Some(end) => (&input[..end], &input[end + 1..]),
        None => (&input[..], &input[input.len()..]),
    };
    let word = String::from_utf8_lossy(word.strip_suffix(b"\r").unwrap_or(word));
    record.action = Some(word.chars().take(MAX_ACTION).collect());
    let Some(action) = Action::parse(&word) else {
        return Outcome::Refused("not a helper action (get, store, erase)".into());
    };
    let request = match protocol::parse_request(rest) {
        Ok(request) => request,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    drop(input);
    record.host = Some(request.host.clone());
    record.path = request.path.clone();
    let path = request.path.as_deref();
    let allowed = shared
        .policy
        .request(&action, &request.host, path)
        .and_then(|()| match &shared.policy.confirm {
            Some(confirm) if action == Action::Get => {
                confirm.check(&request.host, path, &format!("pid {pid} (uid {uid})"))
            }
            _ => Ok(()),
        });
    if let Err(why) = allowed {
        return reply(conn, b"", Outcome::Refused(why));
    }
    let config = match (shared.config)() {
        Ok(config) => config,
        Err(e) => return Outcome::Failed(crate::term::one_line(&e)),
    };
    let store = shared.store;
    let done = match action {
        Action::Get => {
            let mut answer = Zeroizing::new(Vec::with_capacity(512));
            if let Err(e) = crate::helper::get(store, &config, &request, &mut *answer) {
                return Outcome::Failed(crate::term::one_line(&e));
            }
            let outcome = match answer.is_empty() {
                true => Outcome::Nothing,
                false => Outcome::Answered(answered_as(&answer)),
            };
            return reply(conn, &answer, outcome);
        }
        Action::Store => crate::helper::store(store, &config, &request),
        Action::Erase => crate::helper::erase(store, &config, &request),
    };
    match done {
        Ok(()) => reply(conn, b"", Outcome::Done),
        Err(e) => Outcome::Failed(crate::term::one_line(&e)),
    }
}

/// Send `answer` and the blank line that ends it; `outcome`, unless that failed.
fn reply(conn: &mut UnixStream, answer: &[u8], outcome: Outcome) -> Outcome {
    let _ = conn.set_write_timeout(Some(WRITE_TIMEOUT));
    let sent = conn
        .write_all(answer)
        .and_then(|()| conn.write_all(b"\n"))
        .and_then(|()| conn.flush());
    match sent {
        Ok(()) => outcome,
        Err(e) => Outcome::Failed(format!("the answer could not be sent: {e}")),
    }
}

/// The action line and git's request: up to EOF or the blank line that ends a request, at most
/// [`MAX_REQUEST`] bytes of request, within `timeout` for the whole of it. The buffer holds a
/// password in `store` and `erase` requests, so every copy of it is wiped.
fn read_request(conn: &mut UnixStream, timeout: Duration) -> Result<Zeroizing<Vec<u8>>, String> {
    let limit = MAX_REQUEST + MAX_ACTION;
    let deadline = Instant::now() + timeout;
    let mut buf = Zeroizing::new(Vec::with_capacity(1024));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(timeout));
        }
        conn.set_read_timeout(Some(left))
            .map_err(|e| format!("reading the request: {e}"))?;
        let n = match conn.read(&mut chunk[..]) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(timed_out(timeout));
            }
            Err(e) => return Err(format!("reading the request: {e}")),
        };
        if buf.len() + n > limit {
            return Err(format!("request larger than {MAX_REQUEST} bytes"));
        }
        let scan_from = buf.len().saturating_sub(2);
        append(&mut buf, &chunk[..n]);
        if ends_request(&buf, scan_from) {
            return Ok(buf);
        }
    }
}

fn timed_out(timeout: Duration) -> String {
    format!("the request did not arrive within {} s", timeout.as_secs())
}

/// Append without leaving an unwiped copy behind when the buffer grows.
fn append(buf: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    if buf.len() + bytes.len() > buf.capacity() {
        let mut bigger = Zeroizing::new(Vec::with_capacity((buf.len() + bytes.len()) * 2));
        bigger.extend_from_slice(buf);
        *buf = bigger;
    }
    buf.extend_from_slice(bytes);
}

/// Whether a blank line (LF LF, or LF CR LF) ends `buf`'s request; `from`: where new bytes may
/// complete one. The action line comes first, so a blank line can only follow it.
fn ends_request(buf: &[u8], from: usize) -> bool {
    let tail = &buf[from..];
    tail.windows(2).any(|w| w == b"\n\n") || tail.windows(3).any(|w| w == b"\n\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_line_ends_the_request() {
        assert!(ends_request(b"get\nprotocol=https\nhost=a\n\n", 0));
        assert!(ends_request(b"get\r\nhost=a\r\n\r\n", 0));
        assert!(!ends_request(b"get\nprotocol=https\nhost=a\n", 0));
        // Found when the second LF arrives in the next chunk.
        let buf = b"get\nhost=a\n\n";
        assert!(ends_request(buf, buf.len() - 1 - 2));
    }

    #[test]
    fn growing_keeps_every_byte() {
        let mut buf = Zeroizing::new(Vec::with_capacity(2));
        for chunk in [&b"ab"[..], b"cde", b"f"] {
            append(&mut buf, chunk);
        }
        assert_eq!(&buf[..], b"abcdef");
    }
}
