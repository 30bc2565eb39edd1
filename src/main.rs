use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let command = match vouch::cli::helper_action(&args) {
        Some(action) => action,
        None => match vouch::cli::parse(args) {
            Ok(command) => command,
            Err(code) => return ExitCode::from(code),
        },
    };
    match vouch::cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("git-credential-vouch: {}", e.one_line());
            ExitCode::from(e.exit_code())
        }
    }
}
