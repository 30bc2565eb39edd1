//! Requests checked at the agent as the helper checks stdin, an agent that is not there, and
//! the socket's life: a live agent is never replaced, a stale socket is, systemd's socket is
//! used when it passes one.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use super::*;

/// Send `bytes` on a raw connection; what came back.
fn raw(socket: &std::path::Path, bytes: &[u8]) -> Vec<u8> {
    let mut conn = UnixStream::connect(socket).unwrap();
    let _ = conn.write_all(bytes);
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let mut back = vec![];
    let _ = conn.read_to_end(&mut back);
    back
}

#[test]
fn requests_are_checked_at_the_agent_as_the_helper_checks_stdin() {
    let host = host_with_token();
    let agent = Agent::start(&host, &["--request-timeout", "1"]);
    let cases: [(&[u8], &str); 5] = [
        (
            b"get\nprotocol=https\nhost=exa\rmple.com\n\n",
            "refused: rejected credential request: line 2: carriage return inside the line",
        ),
        (
            b"get\nurl=https://example.com/\n\n",
            "refused: rejected credential request: line 1: 'url' is not accepted from git",
        ),
        (
            b"get\nhost=example.com\n\n",
            "refused: rejected credential request: missing 'protocol'",
        ),
        (
            b"capability\nprotocol=https\nhost=example.com\n\n",
            "action=capability host=- path=- refused: not a helper action",
        ),
        (
            b"get\nprotocol=https\nhost=example.com\nwwwauth[]=x\0y\n\n",
            "refused: rejected credential request: line 3: NUL byte",
        ),
    ];
    for (n, (bytes, why)) in cases.iter().enumerate() {
        assert_eq!(raw(&agent.socket, bytes), b"", "{why}");
        let line = agent.wait_for_line(n + 1);
        assert!(line.contains(why), "{line}");
    }
    let mut huge = b"get\nprotocol=https\nhost=example.com\nwwwauth[]=".to_vec();
    huge.resize(2 << 20, b'x');
    assert_eq!(raw(&agent.socket, &huge), b"");
    assert!(
        agent
            .wait_for_line(6)
            .contains("refused: request larger than 1048576 bytes")
    );
    // A client that never finishes its request is cut off after --request-timeout.
    let mut slow = UnixStream::connect(&agent.socket).unwrap();
    slow.write_all(b"get\nprotocol=https\n").unwrap();
    let start = Instant::now();
    let mut back = vec![];
    slow.read_to_end(&mut back).unwrap();
    assert!(back.is_empty() && start.elapsed() < Duration::from_secs(5));
    assert!(
        agent
            .wait_for_line(7)
            .contains("refused: the request did not arrive within 1 s")
    );
    // The client checks first, and fails exactly as the local helper does, sending nothing.
    let bad = "protocol=https\nhost=exa\rmple.com\n";
    let local = host.helper(&["get"], bad.as_bytes());
    let forwarded = box_helper(&Env::new(), &agent.socket, "get", bad);
    assert_eq!(assert_fails(&forwarded, 2), assert_fails(&local, 2));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(agent.log().lines().count(), 7);
    // The agent answered all along.
    assert!(stdout(&box_helper(&Env::new(), &agent.socket, "get", QUERY)).contains(TOKEN));
}

#[test]
fn without_an_agent_the_helper_says_so_once_and_git_goes_on_without_it() {
    let host = host_with_token();
    let in_box = Env::new();
    let missing = in_box.path("run/none.sock");
    let out = box_helper(&in_box, &missing, "get", QUERY);
    assert!(out.status.success() && out.stdout.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "git-credential-vouch: no agent answers at {}",
            missing.display()
        )),
        "{err}"
    );
    // An agent that was stopped leaves its socket: the same, from the connection refused.
    let mut agent = Agent::start(&host, &[]);
    assert!(stdout(&box_helper(&in_box, &agent.socket, "get", QUERY)).contains(TOKEN));
    agent.stop();
    let out = box_git(&in_box, &agent.socket, &[], "fill", QUERY);
    let ours = one_line_then_git_prompts(&out);
    assert!(ours.contains("Connection refused"), "{ours}");
    // git asks the next helper.
    let file = in_box.path("home/plain-credentials");
    std::fs::write(&file, "https://carol:next-helper-pw@example.com\n").unwrap();
    let next = format!("credential.helper=store --file={}", file.display());
    let out = box_git(&in_box, &agent.socket, &[&next], "fill", QUERY);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("password=next-helper-pw"));
}

#[test]
fn a_live_agent_is_never_replaced_and_a_stale_socket_is() {
    let host = host_with_token();
    let mut first = Agent::start(&host, &[]);
    let second = host.helper(&["agent"], b"");
    let err = assert_fails(&second, 1);
    assert!(err.contains("an agent already listens at"), "{err}");
    let file = host.path("home/not-a-socket");
    std::fs::write(&file, "keep me").unwrap();
    let out = host.helper(&["agent", "--socket", file.to_str().unwrap()], b"");
    assert!(assert_fails(&out, 1).contains("is not a socket"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    first.stop();
    let again = Agent::start(&host, &[]);
    assert!(stdout(&box_helper(&Env::new(), &again.socket, "get", QUERY)).contains(TOKEN));
}

#[test]
fn socket_activation_serves_on_the_socket_systemd_passes() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let host = host_with_token();
    let path = host.path("run/activated.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let fd = listener.as_raw_fd();
    let mut cmd = host.command("sh");
    cmd.args(["-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" agent", HELPER]);
    // SAFETY: dup2 and fcntl are async-signal-safe; fd is open in the parent and so in the child.
    unsafe {
        cmd.pre_exec(move || {
            let ok = if fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0) == 0
            } else {
                libc::dup2(fd, 3) == 3
            };
            if ok {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let agent = Agent::spawn(&host, cmd);
    drop(listener);
    assert_eq!(agent.socket, path);
    assert!(stdout(&box_helper(&Env::new(), &path, "get", QUERY)).contains(TOKEN));
}
