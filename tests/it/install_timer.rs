//! `install.sh --timer`: the daily `renew` timer as systemd user units, with a `systemctl` on
//! PATH that records what it is asked (no user manager runs in a test) and keeps the enabled
//! state in a file, so idempotence is checked against what install.sh reads back.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::lifecycle::install_command;

const UNIT: &str = "git-credential-vouch-renew";

/// A fake `systemctl --user` that logs each call to HOME/systemctl.log.
const SYSTEMCTL: &str = r#"#!/bin/sh
echo "$*" >>"$HOME/systemctl.log"
[ "$1" = "--user" ] || exit 1
shift
state="$HOME/timer-enabled"
case "$1" in
  show-environment|daemon-reload) exit 0 ;;
  is-enabled|is-active) [ -f "$state" ] ;;
  enable) touch "$state" ;;
  disable) rm -f "$state" ;;
  *) exit 1 ;;
esac
"#;

/// systemctl where no user manager runs: every call fails, as `--user` does without a bus.
const NO_MANAGER: &str = "#!/bin/sh\necho \"$*\" >>\"$HOME/systemctl.log\"\nexit 1\n";

pub(crate) fn write_shim(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// install.sh's systemd work in a test: a prefix with a space in its name and the helper
/// installed in it (as install.sh left it), a shims dir for a fake `systemctl`, and `unit`,
/// the units' name. The agent's install test shares it.
pub(crate) struct Setup {
    pub env: Env,
    pub prefix: PathBuf,
    pub shims: PathBuf,
    unit: &'static str,
}

impl Setup {
    pub(crate) fn new(unit: &'static str, systemctl: &str) -> Setup {
        let env = Env::new();
        let prefix = env.path("my prefix");
        std::fs::create_dir_all(prefix.join("bin")).unwrap();
        std::fs::copy(HELPER, prefix.join("bin/git-credential-vouch")).unwrap();
        let shims = env.path("shims");
        std::fs::create_dir_all(&shims).unwrap();
        write_shim(&shims.join("systemctl"), systemctl);
        Setup {
            env,
            prefix,
            shims,
            unit,
        }
    }

    /// `install.sh FLAG --prefix PREFIX ARGS` with only the shims before the system's PATH.
    pub(crate) fn install(&self, flag: &str, args: &[&str]) -> std::process::Output {
        let mut all = vec![flag, "--prefix", self.prefix.to_str().unwrap()];
        all.extend_from_slice(args);
        let mut cmd = install_command(&self.env, &all);
        cmd.env("PATH", format!("{}:/usr/bin:/bin", self.shims.display()));
        run(&mut cmd, b"")
    }

    pub(crate) fn unit(&self, suffix: &str) -> PathBuf {
        self.env
            .path(&format!("config/systemd/user/{}.{suffix}", self.unit))
    }

    /// What the fake systemctl was asked, one call a line.
    pub(crate) fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.env.path("home/systemctl.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn timer(&self, args: &[&str], with_systemctl: bool) -> std::process::Output {
        // Without a user manager, systemctl answers nothing (as on a server without systemd
        // or outside a login session).
        let shim = if with_systemctl {
            SYSTEMCTL
        } else {
            NO_MANAGER
        };
        write_shim(&self.shims.join("systemctl"), shim);
        let out = self.install("--timer", args);
        assert_ok(&out, "install.sh --timer");
        out
    }
}

fn setup() -> Setup {
    Setup::new(UNIT, SYSTEMCTL)
}

#[test]
fn timer_installs_enables_is_idempotent_and_uninstalls() {
    let s = setup();
    let out = s.timer(&[], true);
    let service = std::fs::read_to_string(s.unit("service")).expect("service unit written");
    let binary = s.prefix.join("bin/git-credential-vouch");
    assert!(
        service.contains(&format!("ExecStart=\"{}\" renew\n", binary.display())),
        "ExecStart quotes the path with its space: {service}"
    );
    assert!(service.contains("Type=oneshot"), "{service}");
    let timer = std::fs::read_to_string(s.unit("timer")).expect("timer unit written");
    for line in [
        "OnCalendar=daily",
        "Persistent=true",
        "WantedBy=timers.target",
    ] {
        assert!(timer.contains(line), "{line} in {timer}");
    }
    assert_eq!(mode(&s.unit("timer")) & 0o777, 0o644);
    assert!(stdout(&out).contains("enabled"), "{}", stdout(&out));
    let calls = s.calls();
    assert!(
        calls.contains(&"--user daemon-reload".to_owned()),
        "{calls:?}"
    );
    assert!(
        calls.contains(&format!("--user enable --now {UNIT}.timer")),
        "{calls:?}"
    );
    assert!(s.env.path("home/timer-enabled").exists());

    // A second run changes nothing: no unit rewritten, no reload, no enable.
    let before = std::fs::metadata(s.unit("service"))
        .unwrap()
        .modified()
        .unwrap();
    let calls_before = s.calls().len();
    let out = s.timer(&[], true);
    assert!(stdout(&out).contains("nothing changed"), "{}", stdout(&out));
    let again = s.calls()[calls_before..].to_vec();
    assert!(
        again
            .iter()
            .all(|c| !c.contains("enable --now") && !c.contains("daemon-reload")),
        "second run only looks: {again:?}"
    );
    assert_eq!(
        std::fs::metadata(s.unit("service"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );

    // --uninstall disables the timer, removes both units and reloads.
    let out = s.timer(&["--uninstall"], true);
    assert!(!s.unit("timer").exists() && !s.unit("service").exists());
    assert!(stdout(&out).contains("removed"), "{}", stdout(&out));
    let calls = s.calls();
    assert!(
        calls.contains(&format!("--user disable --now {UNIT}.timer")),
        "{calls:?}"
    );
    assert!(!s.env.path("home/timer-enabled").exists());
    // Nothing of the timer is left: no stray temp files beside the units.
    let left: Vec<_> = std::fs::read_dir(s.env.path("config/systemd/user"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    // The binary itself stays: --timer --uninstall removes only the timer.
    assert!(binary.exists());
}

#[test]
fn without_systemd_the_units_are_written_and_a_cron_line_is_shown() {
    let s = setup();
    let out = s.timer(&[], false);
    assert!(s.unit("service").exists() && s.unit("timer").exists());
    let said = stdout(&out);
    assert!(said.contains("no systemd user manager answers"), "{said}");
    assert!(
        said.contains("0 9 * * * ") && said.contains("my\\ prefix/bin/git-credential-vouch renew"),
        "a cron line with the shell-quoted path: {said}"
    );
    // It only asked whether a user manager answers; it enabled nothing.
    assert_eq!(s.calls(), ["--user show-environment"]);
}

#[test]
fn timer_refuses_without_an_installed_binary() {
    let s = setup();
    std::fs::remove_file(s.prefix.join("bin/git-credential-vouch")).unwrap();
    let out = s.install("--timer", &[]);
    let err = assert_fails(&out, 1);
    assert!(err.contains("install it first"), "{err}");
    assert!(!s.unit("timer").exists());
}
