//! The agent (issue 29): forwarded requests answered as locally, and many clients at once. The
//! policy at the agent is in `policy`; the input checks, an agent that is not there and the
//! socket's life in `checks`; the recipes with real sshd and bubblewrap in `forwarding`;
//! install.sh --agent in `install`; what works behind the agent exactly as locally (OAuth
//! refresh, the kernel key cache) in `behind`.

mod behind;
mod checks;
mod forwarding;
pub(crate) mod harness;
mod install;
mod policy;

use crate::common::*;
use harness::*;

const TOKEN: &str = "agent-token-5f2c9a1e77";
const QUERY: &str = "protocol=https\nhost=example.com\n";

fn uid() -> u32 {
    // SAFETY: getuid cannot fail and takes no arguments.
    unsafe { libc::getuid() }
}

/// Store alice's token for `host` and, with git sending paths, `path`.
fn approve_at(env: &Env, host: &str, path: Option<&str>) {
    let path = path.map(|p| format!("path={p}\n")).unwrap_or_default();
    let input = format!("protocol=https\nhost={host}\n{path}username=alice\npassword={TOKEN}\n");
    assert_ok(
        &env.git_credential(&["credential.useHttpPath=true"], "approve", &input),
        "approve",
    );
}

/// A store holding alice's token for example.com.
fn host_with_token() -> Env {
    let env = Env::new();
    env.approve(&format!(
        "protocol=https\nhost=example.com\nusername=alice\npassword={TOKEN}\n"
    ));
    env
}

#[test]
fn a_forwarded_get_answers_exactly_as_a_local_get_and_the_log_names_the_peer() {
    let host = host_with_token();
    let agent = Agent::start(&host, &[]);
    assert_eq!(
        agent.socket,
        host.path("run/git-credential-vouch/agent.sock")
    );
    assert_eq!(mode(&agent.socket), 0o600);
    assert_eq!(mode(agent.socket.parent().unwrap()), 0o700);
    let in_box = Env::new();
    for query in [
        QUERY,
        "capability[]=authtype\nprotocol=https\nhost=example.com\n",
    ] {
        let local = host.git_credential(&[], "fill", query);
        let forwarded = box_git(&in_box, &agent.socket, &[], "fill", query);
        assert_ok(&local, "local fill");
        assert_ok(&forwarded, "forwarded fill");
        assert_eq!(stdout(&forwarded), stdout(&local));
        assert!(stdout(&forwarded).contains(&format!("password={TOKEN}\n")));
    }
    let line = agent.wait_for_line(2);
    assert!(
        line.contains(&format!(
            " uid={} action=get host=example.com path=- answered username=alice",
            uid()
        )),
        "{line}"
    );
    let pid: i32 = line
        .split(" pid=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pid > 0, "{line}");
    assert!(!agent.log().contains(TOKEN));
    assert_eq!(mode(&agent.log), 0o600);
    // The box has no store, key or config, and nothing there holds the token.
    assert!(!in_box.path("data/git-credential-vouch").exists());
    assert!(!in_box.path("config/git-credential-vouch").exists());
    assert!(files_holding(in_box.root.path(), "alice", TOKEN).is_empty());
    assert!(agent.stderr().lines().count() == 1, "{}", agent.stderr());
}

#[test]
fn sixty_four_concurrent_clients_each_get_their_own_answer() {
    const N: usize = 64;
    let host = Env::new();
    let file = host.path("home/credentials");
    let lines: String = (0..N)
        .map(|i| format!("https://user{i}:tok-{i}-x@host{i}.example\n"))
        .collect();
    std::fs::write(&file, lines).unwrap();
    host.vouch(&["import", "--from", file.to_str().unwrap()], "");
    let agent = Agent::start(&host, &[]);
    let barrier = std::sync::Barrier::new(N);
    let in_box = Env::new();
    std::thread::scope(|s| {
        for i in 0..N {
            let (barrier, in_box, socket) = (&barrier, &in_box, &agent.socket);
            s.spawn(move || {
                let query = format!("protocol=https\nhost=host{i}.example\n");
                barrier.wait();
                let out = box_helper(in_box, socket, "get", &query);
                assert_ok(&out, "forwarded get");
                assert_eq!(
                    stdout(&out),
                    format!("username=user{i}\npassword=tok-{i}-x\n"),
                    "client {i}"
                );
            });
        }
    });
    agent.wait_for_line(N);
    let log = agent.log();
    for i in 0..N {
        let line = format!("host=host{i}.example path=- answered username=user{i}\n");
        assert_eq!(log.matches(&line).count(), 1, "{line} in {log}");
    }
}
