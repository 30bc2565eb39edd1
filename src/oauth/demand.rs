//! Login on demand: `get` that finds nothing for an instance with an OAuth client logs in when
//! a person is there to do it (a browser can be opened, or a terminal shows the device code),
//! and answers the new token. Never when `GIT_TERMINAL_PROMPT` is off, nor without a browser
//! and a terminal: then nothing is answered, at once.

use std::io::Write;

use super::{Mode, browser, login};
use crate::config::Config;
use crate::credential::Credential;
use crate::error::Error;
use crate::resolve::{Lookup, Target};
use crate::store::Store;
use crate::term::prompts_allowed;

/// Log in for `target` if its instance has an OAuth client and a person is present. `failed`:
/// the instance's token could not be refreshed (said once on stderr either way).
pub fn on_demand(
    store: &Store,
    config: &Config,
    lookup: &Lookup<'_>,
    target: &Target<'_>,
    failed: bool,
) -> Result<Option<Credential>, Error> {
    let Some(m) = lookup.matched.first() else {
        return Ok(None);
    };
    let instance = m.instance;
    let configured = instance.oauth_client_id.is_some() && instance.kind.has_oauth_login();
    let tty = (configured && prompts_allowed())
        .then(|| {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/tty")
                .ok()
        })
        .flatten();
    let present = configured && prompts_allowed() && (browser::available() || tty.is_some());
    if !present {
        if failed {
            eprintln!(
                "git-credential-vouch: the OAuth token for {0} expired and could not be refreshed: run `git credential-vouch login {0}`",
                instance.name
            );
        }
        return Ok(None);
    }
    let mut notice: Box<dyn Write> = match tty {
        Some(tty) if !browser::available() => Box::new(tty),
        _ => Box::new(std::io::stderr()),
    };
    let host = if instance.per_host { target.host } else { "" };
    match login(
        store,
        config,
        instance,
        host,
        Mode::Auto,
        target.username,
        &mut *notice,
    ) {
        Ok(filed) => Ok(Some(filed)),
        Err(e) => {
            eprintln!("git-credential-vouch: {}", e.one_line());
            Ok(None)
        }
    }
}
