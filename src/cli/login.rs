//! `login INSTANCE [--device | --browser] [--username U]`: an OAuth login (see `oauth`); the
//! token is filed under the account the provider names, and its ID printed.

use clap::Args;

use super::Context;
use super::account_input::find_instance;
use crate::error::Error;
use crate::oauth::{self, Mode};

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// A provider instance name, or a host it serves (a *.ghe.com tenant by its host).
    pub instance: String,
    /// Use the device code (RFC 8628): for machines without a browser.
    #[arg(long, conflicts_with = "browser")]
    pub device: bool,
    /// Open a browser (authorization code with PKCE, loopback redirect).
    #[arg(long)]
    pub browser: bool,
    /// The account you mean to log in as: a login as anyone else is refused.
    #[arg(long)]
    pub username: Option<String>,
}

pub fn login(ctx: &Context, args: LoginArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    let (instance, host) = find_instance(&config, &args.instance)?;
    let mode = match (args.device, args.browser) {
        (true, _) => Mode::Device,
        (_, true) => Mode::Browser,
        _ => Mode::Auto,
    };
    let filed = oauth::login(
        &ctx.store,
        &config,
        instance,
        &host,
        mode,
        args.username.as_deref(),
        &mut std::io::stderr(),
    )?;
    println!("{}", filed.id);
    Ok(())
}
