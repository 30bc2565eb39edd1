use std::process::ExitCode;

fn main() -> ExitCode {
    forbid_core_dumps();
    let args: Vec<_> = std::env::args_os().collect();
    let (config, command) = match vouch::cli::helper_action(&args) {
        Some(action) => (None, action),
        None => match vouch::cli::parse(args) {
            Ok(cli) => (cli.config, cli.command),
            Err(code) => return ExitCode::from(code),
        },
    };
    match vouch::cli::run(config, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("git-credential-vouch: {}", e.one_line());
            ExitCode::from(e.exit_code())
        }
    }
}

/// The process holds data keys and tokens: a crash must not write them to a core file, and
/// other processes of the user must not read its memory (non-dumpable also refuses ptrace and
/// /proc/PID/mem to them). Both calls only lower privileges, so they cannot fail in practice;
/// if one did, the helper still works, which is better than refusing to.
fn forbid_core_dumps() {
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
}
