//! A long-lived real Secret Service for tests that run many commands against one keyring:
//! `dbus-run-session` with gnome-keyring unlocked, its bus address handed to each command.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const PASSWORD: &str = "vouch-test-keyring-password";

pub struct Session {
    child: Child,
    pub address: String,
}

impl Session {
    /// Start the bus and the unlocked keyring under `env`'s HOME; panics when the tools are
    /// missing (tests/run.sh installs them).
    pub fn start(env: &Env) -> Session {
        let addr_file = env.path("run/bus-address");
        let script = format!(
            "printf %s '{PASSWORD}' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; \
             echo \"$DBUS_SESSION_BUS_ADDRESS\" > '{}.tmp' && mv '{0}.tmp' '{0}'; exec cat >/dev/null",
            addr_file.display()
        );
        let child = {
            use std::os::unix::process::CommandExt;
            env.command("dbus-run-session")
                .args(["--", "bash", "-c", &script])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("dbus-run-session (install dbus and gnome-keyring, see tests/run.sh)")
        };
        let address = wait_for(&addr_file, Duration::from_secs(20));
        Session { child, address }
    }

    /// A command of `env` talking to this session's bus.
    pub fn command(&self, env: &Env, program: &str) -> Command {
        let mut cmd = env.command(program);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
        cmd
    }
}

fn wait_for(file: &Path, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(file) {
            let text = text.trim().to_owned();
            if !text.is_empty() {
                return text;
            }
        }
        assert!(start.elapsed() < limit, "the session bus did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closing its stdin ends the shell; dbus-run-session then stops its dbus-daemon, and
        // gnome-keyring leaves with the bus.
        drop(self.child.stdin.take());
        for _ in 0..100 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
