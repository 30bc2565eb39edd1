//! The forwarding recipes of docs/agent.md with real parts: `ssh -R` to a real sshd, and a
//! bubblewrap container with the socket bound in. In each, against a local `git http-backend`
//! that requires the token: a clone succeeds; no file in the box holds the token; store and
//! erase are refused without --allow-store; a host outside --allow gets nothing and the log
//! says why; another uid is refused; with the agent stopped, one stderr line and git's own
//! prompt behaviour.

use std::path::PathBuf;
use std::process::Output;

use super::harness::*;
use crate::common::*;
use crate::server::{Accept, GitServer};

const TOKEN: &str = "forwarded-token-8d41c3b2";

struct Recipe {
    env: Env,
    server: GitServer,
    agent: Agent,
}

/// The user's machine: a store with the git server's token (and one for a host the agent
/// will not answer), the git server, and the agent allowing only the git server's host.
fn recipe() -> Recipe {
    let env = Env::new();
    let server = GitServer::start(&env.path("srv"), vec![Accept::basic(Some("alice"), TOKEN)]);
    server.create_repo("acme/app.git");
    env.approve(&format!(
        "protocol=http\nhost={}\nusername=alice\npassword={TOKEN}\n",
        server.host()
    ));
    env.approve(&format!(
        "protocol=https\nhost=other.example\nusername=alice\npassword={TOKEN}\n"
    ));
    let agent = Agent::start(&env, &["--allow", &server.host()]);
    Recipe { env, server, agent }
}

impl Recipe {
    /// Every check, with `in_box` running a shell script in the box, `helper` the helper's
    /// path there and `box_dirs` the directories the box could write.
    fn check(mut self, helper: &str, box_dirs: &[PathBuf], in_box: &dyn Fn(&str) -> Output) {
        let git = format!("git -c credential.helper={helper}");
        let url = self.server.url("acme/app.git");
        let out = in_box(&format!(
            "{git} clone -q {url} app && git -C app log --format=%s"
        ));
        assert!(out.status.success(), "clone in the box: {}", stderr(&out));
        assert_eq!(stdout(&out), "seed\n");
        assert_eq!(stderr(&out), "");
        assert!(
            self.server.log().iter().any(|l| l.starts_with("alice ok")),
            "{:?}",
            self.server.log()
        );
        for dir in box_dirs {
            assert_eq!(files_holding(dir, "alice", TOKEN), Vec::<PathBuf>::new());
            assert!(!dir.join(".local/share/git-credential-vouch").exists());
            assert!(!dir.join(".config/git-credential-vouch").exists());
        }

        let before = self.env.store_bytes();
        let host = self.server.host();
        let out = in_box(&format!(
            "printf 'protocol=http\\nhost={host}\\nusername=alice\\npassword=changed-in-box\\n' | {git} credential approve && \
             printf 'protocol=http\\nhost={host}\\nusername=alice\\n' | {git} credential reject"
        ));
        assert_ok(&out, "approve and reject in the box");
        assert_eq!(
            self.env.store_bytes(),
            before,
            "the store was changed from the box"
        );
        let log = self.agent.log();
        for action in ["store", "erase"] {
            let refused = format!(
                "action={action} host={host} path=- refused: {action} from the forwarded side needs the agent to run with --allow-store"
            );
            assert!(log.contains(&refused), "{refused} in {log}");
        }

        let fill =
            format!("printf 'protocol=https\\nhost=other.example\\n' | {git} credential fill");
        let out = in_box(&fill);
        assert!(!out.status.success() && out.stdout.is_empty());
        assert!(
            stderr(&out).contains("terminal prompts disabled"),
            "{}",
            stderr(&out)
        );
        assert!(
            self.agent
                .log()
                .contains("host=other.example path=- refused: other.example is not in --allow"),
            "{}",
            self.agent.log()
        );

        if user_name() == "root" {
            let lines = self.agent.log().lines().count();
            let out = in_box(&format!(
                "cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ sh -c \"printf 'protocol=http\\nhost={host}\\n' | {git} credential fill\""
            ));
            assert!(!out.status.success() && out.stdout.is_empty());
            let err = stderr(&out);
            assert!(
                err.contains("git-credential-vouch: no agent answers at")
                    && err.contains("Permission denied"),
                "{err}"
            );
            assert_eq!(
                self.agent.log().lines().count(),
                lines,
                "nobody reached the agent"
            );
        }

        self.agent.stop();
        let out = in_box(&format!("{git} clone -q {url} app2"));
        one_line_then_git_prompts(&out);
    }
}

#[test]
fn over_ssh_remote_forwarding_a_clone_works_and_the_token_stays_home() {
    let r = recipe();
    let sshd = Sshd::start(&r.env.path("sshd"));
    let remote = r.env.path("remote");
    let (home, tmp) = (remote.join("home"), remote.join("tmp"));
    for d in [&home, &tmp] {
        std::fs::create_dir_all(d).unwrap();
    }
    let remote_socket = remote.join("agent.sock");
    let local_socket = r.agent.socket.clone();
    let env = Env::new();
    let in_box = |script: &str| {
        // What a remote ~/.profile would hold (docs/agent.md).
        let command = format!(
            "export HOME={} TMPDIR={} VOUCH_AGENT_SOCK={} GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 \
             PATH=/usr/local/bin:/usr/bin:/bin; cd \"$HOME\" && {script}",
            home.display(),
            tmp.display(),
            remote_socket.display()
        );
        let out = sshd.ssh(&env, (&remote_socket, &local_socket), &command);
        assert_ne!(
            out.status.code(),
            Some(255),
            "ssh failed: {}\n{}",
            stderr(&out),
            sshd.log()
        );
        out
    };
    // The remote socket is sshd's, 0600 (StreamLocalBindMask), there while the session lasts.
    assert_eq!(stdout(&in_box("stat -c %a \"$VOUCH_AGENT_SOCK\"")), "600\n");
    r.check(HELPER, &[home.clone(), tmp.clone()], &in_box);
}

#[test]
fn in_a_container_with_the_socket_bound_in_a_clone_works_and_the_token_stays_home() {
    let r = recipe();
    let container = Container::new(&r.env.path("box"), &r.agent.socket);
    let hidden: Vec<String> = ["data", "config", "home", "state"]
        .iter()
        .map(|d| r.env.path(d).display().to_string())
        .collect();
    let out = container.run(&format!(
        "for d in {}; do test -e \"$d\" && echo \"visible: $d\"; done; test -w {BOX_HELPER} && echo writable; true",
        hidden.join(" ")
    ));
    assert_ok(&out, "looking around the container");
    assert_eq!(
        stdout(&out),
        "",
        "the host's vouch dirs or a writable helper in the box"
    );
    let dirs = [container.home.clone(), container.tmp.clone()];
    r.check(BOX_HELPER, &dirs, &|script| container.run(script));
}
