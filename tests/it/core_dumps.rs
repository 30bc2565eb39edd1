//! The helper holds keys and tokens: on Linux it can neither dump core nor be read by other
//! processes of the user.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Who owns `/proc/PID/status`, and the soft and hard "Max core file size" of `pid`.
fn observe(pid: u32) -> (u32, Vec<String>) {
    let owner = std::fs::metadata(format!("/proc/{pid}/status"))
        .unwrap()
        .uid();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max core file size"))
        .expect("a core limit line")
        .split_whitespace()
        .take(2)
        .map(str::to_owned)
        .collect();
    (owner, core)
}

/// Start `cmd` blocked on a held-open stdin. The kernel hands a non-dumpable process's
/// /proc/PID files to root, which shows only when the process runs as someone else: as root,
/// run it as nobody.
fn spawn_blocked(cmd: &mut Command) -> (Child, u32) {
    let me = std::fs::metadata("/proc/self").unwrap().uid();
    let uid = if me == 0 { 65534 } else { me };
    if me == 0 {
        cmd.uid(uid).gid(uid).current_dir("/");
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // A binary copied a moment ago can be "busy" (ETXTBSY) while another test's child, forked
    // before the copy's file was closed, still holds it open until its own exec: try again.
    for _ in 0..50 {
        match cmd.spawn() {
            Ok(child) => return (child, uid),
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("spawn: {e}"),
        }
    }
    panic!("spawn: the binary stayed busy (ETXTBSY)")
}

fn finish(mut child: Child) {
    drop(child.stdin.take());
    let _ = child.kill();
    child.wait().unwrap();
}

#[test]
fn a_running_helper_is_not_dumpable_and_may_not_dump_core() {
    let env = Env::new();
    // The method tells the difference: an ordinary process's status file is its own.
    // spawn returns after exec, so this is `cat` itself.
    let (control, uid) = spawn_blocked(&mut env.command("cat"));
    let (control_owner, _) = observe(control.id());
    finish(control);
    assert_eq!(
        control_owner, uid,
        "a dumpable process's /proc files are its user's"
    );

    // As nobody, the binary must be reachable: the checkout may sit in a private directory
    // (a CI clone under /root), so run a copy from a world-readable one.
    let shared = tempfile::tempdir().unwrap();
    let helper_copy = shared.path().join("git-credential-vouch");
    std::fs::copy(HELPER, &helper_copy).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(shared.path(), open.clone()).unwrap();
        std::fs::set_permissions(&helper_copy, open).unwrap();
    }
    let (helper, uid) = spawn_blocked(env.command(&helper_copy).arg("get"));
    let pid = helper.id();
    // main sets both before reading stdin; give it time to get there.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut owner, mut core) = observe(pid);
    while (owner != 0 || core != ["0", "0"]) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        (owner, core) = observe(pid);
    }
    let dir_owner = std::fs::metadata(format!("/proc/{pid}")).unwrap().uid();
    finish(helper);
    assert_eq!(dir_owner, uid, "not looking at the helper");
    assert_eq!(owner, 0, "the helper is dumpable (PR_SET_DUMPABLE not 0)");
    assert_eq!(core, ["0", "0"], "soft and hard RLIMIT_CORE must be 0");
}
