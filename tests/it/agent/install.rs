//! `install.sh --agent`: the agent as a systemd user socket unit (socket activation), with a
//! `systemctl` on PATH that records what it is asked (no user manager runs in a test) and
//! keeps the enabled state in a file, as tests/it/install_timer.rs does for --timer. That the
//! agent serves on the socket systemd passes is `socket_activation_serves_on_the_socket_systemd_passes`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::common::*;
use crate::lifecycle::install_command;

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

struct Setup {
    env: Env,
    prefix: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let env = Env::new();
        let prefix = env.path("my prefix");
        std::fs::create_dir_all(prefix.join("bin")).unwrap();
        std::fs::copy(HELPER, prefix.join("bin/git-credential-vouch")).unwrap();
        let shim = env.path("shims/systemctl");
        std::fs::create_dir_all(shim.parent().unwrap()).unwrap();
        std::fs::write(&shim, SYSTEMCTL).unwrap();
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
        Setup { env, prefix }
    }

    fn agent(&self, args: &[&str]) -> String {
        let mut all = vec!["--agent", "--prefix", self.prefix.to_str().unwrap()];
        all.extend_from_slice(args);
        let mut cmd = install_command(&self.env, &all);
        cmd.env(
            "PATH",
            format!("{}:/usr/bin:/bin", self.env.path("shims").display()),
        );
        let out = run(&mut cmd, b"");
        assert_ok(&out, "install.sh --agent");
        stdout(&out)
    }

    fn unit(&self, suffix: &str) -> PathBuf {
        self.env
            .path(&format!("config/systemd/user/{UNIT}.{suffix}"))
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.env.path("home/systemctl.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn install_agent_writes_a_socket_unit_enables_it_is_idempotent_and_uninstalls() {
    let s = Setup::new();
    let said = s.agent(&[]);
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
    assert!(s.agent(&[]).contains("nothing changed"));
    let again = s.calls()[before..].to_vec();
    assert!(
        again
            .iter()
            .all(|c| !c.contains("enable --now") && !c.contains("daemon-reload")),
        "a second run only looks: {again:?}"
    );

    let said = s.agent(&["--uninstall"]);
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
