use std::process::ExitCode;

fn main() -> ExitCode {
    // No core file holds the keys, no other process of the user reads them (as far as the
    // platform offers: see vouch::platform::process::harden).
    vouch::platform::process::harden();
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
