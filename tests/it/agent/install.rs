//! `install.sh --agent`: the agent as a systemd user socket unit (socket activation), with a
//! `systemctl` on PATH that records what it is asked (no user manager runs in a test) and
//! keeps the enabled state in a file, as tests/it/install_timer.rs does for --timer. That the
//! agent serves on the socket systemd passes is `socket_activation_serves_on_the_socket_systemd_passes`.

use crate::common::*;
use crate::install_timer::Setup;

const UNIT: &str = "git-credential-vouch-agent";

const SYSTEMCTL: &str = r#"#!/bin/sh
echo "$*" >>"$HOME/systemctl.log"
[ "$1" = "--user" ] || exit 1
shift
state="$HOME/agent-enabled"
case "$1" in
  show-environment|daemon-reload|try-restart|stop) exit 0 ;;
  is-enabled|is-active) [ -f "$state" ] ;;
  enable) touch "$state" ;;
  disable) rm -f "$state" ;;
  *) exit 1 ;;
esac
"#;

fn setup() -> Setup {
    Setup::new(UNIT, SYSTEMCTL)
}

fn agent(s: &Setup, args: &[&str]) -> String {
    let out = s.install("--agent", args);
    assert_ok(&out, "install.sh --agent");
    stdout(&out)
}

#[test]
fn install_agent_writes_a_socket_unit_enables_it_is_idempotent_and_uninstalls() {
    let s = setup();
    let said = agent(&s, &[]);
    assert!(said.contains(&format!("enabled {UNIT}.socket")), "{said}");
    let socket = std::fs::read_to_string(s.unit("socket")).expect("socket unit written");
    for line in [
        "ListenStream=%t/git-credential-vouch/agent.sock\n",
        "SocketMode=0600\n",
        "DirectoryMode=0700\n",
        "WantedBy=sockets.target",
    ] {
        assert!(socket.contains(line), "{line} in {socket}");
    }
    let service = std::fs::read_to_string(s.unit("service")).expect("service unit written");
    let binary = s.prefix.join("bin/git-credential-vouch");
    assert!(
        service.contains(&format!("ExecStart=\"{}\" agent", binary.display())),
        "ExecStart quotes the path with its space: {service}"
    );
    assert!(
        service.contains(&format!("Requires={UNIT}.socket")),
        "{service}"
    );
    assert_eq!(mode(&s.unit("socket")), 0o644);
    let calls = s.calls();
    assert!(
        calls.contains(&"--user daemon-reload".to_owned()),
        "{calls:?}"
    );
    assert!(
        calls.contains(&format!("--user enable --now {UNIT}.socket")),
        "{calls:?}"
    );

    let before = s.calls().len();
    assert!(agent(&s, &[]).contains("nothing changed"));
    let again = s.calls()[before..].to_vec();
    assert!(
        again
            .iter()
            .all(|c| !c.contains("enable --now") && !c.contains("daemon-reload")),
        "a second run only looks: {again:?}"
    );

    let said = agent(&s, &["--uninstall"]);
    assert!(said.contains("removed"), "{said}");
    assert!(!s.unit("socket").exists() && !s.unit("service").exists());
    let calls = s.calls();
    assert!(
        calls.contains(&format!("--user disable --now {UNIT}.socket")),
        "{calls:?}"
    );
    assert!(!s.env.path("home/agent-enabled").exists());
    assert!(binary.exists(), "--agent --uninstall leaves the binary");
}
