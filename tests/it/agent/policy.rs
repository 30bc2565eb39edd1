//! The policy at the agent: store and erase only with --allow-store, --allow patterns, other
//! uids (the socket's mode, then the peer's credentials), --confirm at the agent's terminal.

use super::*;

#[test]
fn store_and_erase_from_the_box_need_allow_store() {
    let host = host_with_token();
    let before = host.store_bytes();
    let mut agent = Agent::start(&host, &[]);
    let in_box = Env::new();
    let changed = "protocol=https\nhost=example.com\nusername=alice\npassword=overwritten\n";
    let erased = format!("protocol=https\nhost=example.com\nusername=alice\npassword={TOKEN}\n");
    assert_ok(
        &box_git(&in_box, &agent.socket, &[], "approve", changed),
        "approve",
    );
    assert_ok(
        &box_git(&in_box, &agent.socket, &[], "reject", &erased),
        "reject",
    );
    assert_eq!(
        host.store_bytes(),
        before,
        "the store was changed from the box"
    );
    for (n, action) in [(1, "store"), (2, "erase")] {
        let line = agent.wait_for_line(n);
        assert!(
            line.contains(&format!("action={action} host=example.com path=- refused: {action} from the forwarded side needs the agent to run with --allow-store")),
            "{line}"
        );
    }
    assert!(!agent.log().contains("overwritten"));
    agent.stop();

    let agent = Agent::start(&host, &["--allow-store"]);
    let new = "protocol=https\nhost=new.example\nusername=bob\npassword=pw-from-box\n";
    assert_ok(
        &box_git(&in_box, &agent.socket, &[], "approve", new),
        "approve",
    );
    let stored = host.fill("protocol=https\nhost=new.example\n");
    assert_eq!(get(&stored, "password"), Some("pw-from-box"));
    assert_ok(
        &box_git(&in_box, &agent.socket, &[], "reject", &erased),
        "reject",
    );
    assert_eq!(host.fill(QUERY), None, "erased from the box");
    // Lines 1 and 2 are the first agent's.
    assert!(
        agent
            .wait_for_line(4)
            .ends_with("action=erase host=example.com path=- done")
    );
}

#[test]
fn allow_patterns_limit_hosts_and_owners_and_the_log_says_why() {
    let host = Env::new();
    for (h, path) in [
        ("a.example", Some("acme/app.git")),
        ("a.example", Some("ACME/other.git")),
        ("a.example", Some("other/app.git")),
        ("b.example", None),
        ("git.corp.example", None),
    ] {
        approve_at(&host, h, path);
    }
    let agent = Agent::start(
        &host,
        &["--allow", "a.example/acme", "--allow", "*.corp.example"],
    );
    let in_box = Env::new();
    let with_path = ["credential.useHttpPath=true"];
    let fill = |config: &[&str], query: &str| {
        let out = box_git(&in_box, &agent.socket, config, "fill", query);
        out.status.success().then(|| stdout(&out))
    };
    let answered = |config: &[&str], url: &str| fill(config, &format!("url={url}\n"));
    assert!(
        answered(&with_path, "https://a.example/acme/app.git").is_some(),
        "{}",
        agent.log()
    );
    assert!(answered(&with_path, "https://a.example/ACME/other.git").is_some());
    assert!(answered(&[], "https://git.corp.example/x/y.git").is_some());
    let log_says = |why: &str| agent.log().contains(&format!("refused: {why}"));
    for (config, url, why) in [
        (
            &with_path[..],
            "https://a.example/other/app.git",
            "a.example/other is not in --allow",
        ),
        (
            &[][..],
            "https://a.example/acme/app.git",
            "a.example is allowed for some owners only, and git sent no path (set credential.https://a.example.useHttpPath true in the box)",
        ),
        (
            &[][..],
            "https://b.example/acme/app.git",
            "b.example is not in --allow",
        ),
    ] {
        assert_eq!(answered(config, url), None, "{url}");
        assert!(log_says(why), "{why}: {}", agent.log());
    }
    let log = agent.log();
    assert_eq!(
        log.lines().filter(|l| l.contains(" answered ")).count(),
        3,
        "{log}"
    );
}

#[test]
fn another_uid_is_refused_by_the_socket_mode_and_by_its_peer_credentials() {
    if uid() != 0 {
        eprintln!("skipped: running a client as another uid needs root (setpriv)");
        return;
    }
    let host = host_with_token();
    // A directory every user can enter, unlike the test's temp dirs.
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        shared.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let as_nobody = |socket: &std::path::Path| {
        let mut cmd = host.command("setpriv");
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            HELPER,
            "get",
        ])
        .env("VOUCH_AGENT_SOCK", socket)
        .env("HOME", "/");
        run(&mut cmd, QUERY.as_bytes())
    };
    let sock = |name: &str| shared.path().join(name).display().to_string();
    // The agent's own uid only: the socket's mode keeps others out.
    let agent = Agent::start(&host, &["--socket", &sock("own.sock")]);
    let out = as_nobody(&agent.socket);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(
        stderr(&out).contains("Permission denied"),
        "{}",
        stderr(&out)
    );
    // Another uid allowed: the socket is open to all, and the peer's uid is the gate.
    let agent = Agent::start(
        &host,
        &["--socket", &sock("other.sock"), "--allow-uid", "12345"],
    );
    assert_eq!(mode(&agent.socket), 0o666);
    let out = as_nobody(&agent.socket);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(stderr(&out).contains("gave no answer"), "{}", stderr(&out));
    let line = agent.wait_for_line(1);
    assert!(
        line.contains("uid=65534 action=- host=- path=- refused: uid 65534 is not allowed"),
        "{line}"
    );
    let agent = Agent::start(
        &host,
        &["--socket", &sock("nobody.sock"), "--allow-uid", "65534"],
    );
    let out = as_nobody(&agent.socket);
    assert_ok(&out, "get as an allowed uid");
    assert!(stdout(&out).contains(TOKEN));
    // Line 1 is the second agent's.
    assert!(
        agent
            .wait_for_line(2)
            .contains("uid=65534 action=get host=example.com path=- answered username=alice")
    );
}

#[test]
fn confirm_asks_at_the_agents_terminal_once_per_host_and_owner() {
    let host = Env::new();
    for owner in ["acme", "other"] {
        approve_at(&host, "a.example", Some(&format!("{owner}/app.git")));
    }
    let socket = host.path("run/git-credential-vouch/agent.sock");
    let term = Terminal::start(&host, &format!("{HELPER} agent --confirm; sleep 30"));
    assert!(term.wait(&|| socket.exists()), "{}", term.screen());
    let in_box = Env::new();
    let ask = |owner: &str| {
        let query = format!("protocol=https\nhost=a.example\npath={owner}/app.git\n");
        box_helper(&in_box, &socket, "get", &query)
    };
    let questions = || term.screen().matches("answer a.example/").count();
    std::thread::scope(|s| {
        let first = s.spawn(|| ask("acme"));
        assert!(term.wait(&|| questions() == 1), "{}", term.screen());
        assert!(
            term.screen().contains("answer a.example/acme for pid "),
            "{}",
            term.screen()
        );
        term.send_keys(&["y", "Enter"]);
        let out = first.join().unwrap();
        assert!(stdout(&out).contains(TOKEN), "{out:?}\n{}", term.screen());
    });
    // Asked once per host/owner: the same owner is answered at once.
    assert!(stdout(&ask("acme")).contains(TOKEN));
    assert_eq!(questions(), 1, "{}", term.screen());
    std::thread::scope(|s| {
        let other = s.spawn(|| ask("other"));
        assert!(term.wait(&|| questions() == 2), "{}", term.screen());
        term.send_keys(&["n", "Enter"]);
        let out = other.join().unwrap();
        assert_ok(&out, "a refused get");
        assert!(out.stdout.is_empty());
    });
    let log =
        std::fs::read_to_string(host.path("home/.local/state/git-credential-vouch/agent.log"))
            .unwrap();
    assert!(
        log.contains("path=other/app.git refused: not confirmed at the agent's terminal"),
        "{log}"
    );
    assert_eq!(log.matches(" answered username=alice").count(), 2, "{log}");
}
