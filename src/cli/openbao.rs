//! `openbao login --approle --role-id ID` (secret ID from stdin or a no-echo prompt) and
//! `openbao status`: the OpenBao side of instances with `openbao_path`.

use clap::Subcommand;

use super::Context;
use super::input::read_secret;
use crate::credential::unix_now;
use crate::error::Error;

#[derive(Subcommand, Debug)]
pub enum OpenBaoCommand {
    /// Keep an AppRole for logging in to OpenBao (the secret ID is read from stdin or a
    /// no-echo prompt, checked by logging in, and stored encrypted).
    Login {
        /// Log in with AppRole (the only method set up here; tokens come from BAO_TOKEN, JWT
        /// from [openbao] jwt_role/jwt_file).
        #[arg(long, required = true)]
        approle: bool,
        /// The AppRole's role ID (not secret; the secret ID is read from stdin or a prompt).
        #[arg(long, value_name = "ID")]
        role_id: String,
    },
    /// Each OpenBao-backed instance: its path, and what is cached (no request is made).
    Status {
        /// Print JSON (versioned, documented in docs/json.md) instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, command: OpenBaoCommand) -> Result<(), Error> {
    let config = ctx.config()?;
    match command {
        OpenBaoCommand::Login { role_id, .. } => {
            if role_id.is_empty() || role_id.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(Error::Usage(
                    "role-id: must be non-empty, without spaces".into(),
                ));
            }
            let secret_id = read_secret("secret ID", "AppRole secret ID: ")?;
            crate::openbao::source::save_approle(
                &ctx.store,
                &config,
                role_id,
                &secret_id,
                unix_now(),
            )?;
            println!("logged in to OpenBao with AppRole; the secret ID is kept encrypted");
            Ok(())
        }
        OpenBaoCommand::Status { json } => {
            let backed = crate::openbao::status::backed(&ctx.store, &config)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "version": 1, "instances": backed })
                );
            } else {
                for b in &backed {
                    println!("{}", b.line(unix_now()));
                }
            }
            Ok(())
        }
    }
}
