//! The process itself: what each platform offers against core dumps of the keys it holds and
//! against other processes of the same user reading its memory, and who this process is.

/// Keep the data keys and tokens this process holds out of core files and away from the
/// user's other processes, as far as the platform offers. Every call only lowers privileges,
/// so it cannot fail in practice; if one did, the helper still works, which is better than
/// refusing to.
///
/// - Linux: non-dumpable (`PR_SET_DUMPABLE` 0, which also refuses ptrace and /proc/PID/mem to
///   the user's other unprivileged processes) and a core size limit of 0.
/// - macOS: a core size limit of 0 and `PT_DENY_ATTACH` (as OpenSSH's ssh-agent does): a
///   debugger can no longer attach, and a process started under one exits at once. Reading
///   another process's memory (task_for_pid) already takes a debugger's entitlement or an
///   administrator's consent there.
/// - Windows: nothing, a documented gap. Windows Error Reporting may keep a dump of a crashed
///   process (a minidump in its report queue; a full dump where LocalDumps is configured), and
///   any process of the same user may open this one and read its memory (denying that would
///   mean changing the process's security descriptor, which is not done).
pub fn harden() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{
            DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit,
        };
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = setrlimit(Resource::Core, none);
    }
    #[cfg(target_os = "macos")]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct it is given and nothing else; ptrace with
        // PT_DENY_ATTACH takes no address.
        unsafe {
            let _ = libc::setrlimit(libc::RLIMIT_CORE, &none);
            let _ = libc::ptrace(libc::PT_DENY_ATTACH, 0, std::ptr::null_mut(), 0);
        }
    }
}

/// The real user id of this process (Unix only: Windows has SIDs, see
/// [`super::fs::others_can_change`]).
#[cfg(unix)]
pub fn uid() -> u32 {
    // SAFETY: getuid takes nothing and cannot fail.
    unsafe { libc::getuid() }
}
