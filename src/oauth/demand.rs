//! Login on demand: `get` that finds nothing for an instance with an OAuth client logs in when
//! a person is there to do it (a browser can be opened, or a terminal shows the device code),
//! and answers the new token. Never when `GIT_TERMINAL_PROMPT` is off, nor without a browser
//! and a terminal: then nothing is answered, at once.
//!
//! Parallel gets (a `git fetch` of several remotes, a tool running many gits) log in once: the
//! first takes the login lock, the others wait for it and answer its token from the store. A
//! get that waited and still finds nothing does not open another login (the person has just
//! seen one); the next git command will.

use std::io::Write;
use std::time::Duration;

use super::{Error, Mode, browser, lock, login};
use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::resolve::{self, Lookup, Outcome, Target};
use crate::store::Store;
use crate::term::prompts_allowed;

/// Beside the store's lock in the data dir.
const LOCK: &str = "oauth-login.lock";
/// Beyond the wait for the person: the token request and `/user`, each bounded by the HTTP
/// client's timeout.
const AFTER_LOGIN: Duration = Duration::from_secs(70);

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
    let data_dir = &store.paths().data_dir;
    let mut taken = lock::take(data_dir, LOCK, Duration::ZERO)?;
    if taken.timed_out() {
        say(&format!(
            "waiting for the login to {} in another process",
            instance.name
        ));
        taken = lock::take(data_dir, LOCK, browser::login_wait() + AFTER_LOGIN)?;
    }
    if taken.timed_out() {
        say(&format!(
            "the login to {} in another process is taking too long; try again after it",
            instance.name
        ));
        return Ok(None);
    }
    // Whoever held the lock may have filed a token, even one that finished just before.
    if let Some(found) = filed(store, lookup, target)? {
        return Ok(Some(found));
    }
    if taken.waited() {
        say(&format!(
            "the login to {} in another process filed no token for this",
            instance.name
        ));
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
            eprintln!("git-credential-vouch: {}", crate::term::one_line(&e));
            Ok(None)
        }
    }
}

/// The credential `get` answers `target` with from the store as it is now, if one.
fn filed(
    store: &Store,
    lookup: &Lookup<'_>,
    target: &Target<'_>,
) -> Result<Option<Credential>, Error> {
    let names: Vec<&[u8]> = lookup.names().map(str::as_bytes).collect();
    let stored = store.select(|view| names.contains(&view.provider()))?;
    Ok(
        match resolve::resolve(lookup, target, &stored, unix_now()).outcome {
            Outcome::Answer { credential, .. } => Some(credential.clone()),
            _ => None,
        },
    )
}

fn say(line: &str) {
    eprintln!("git-credential-vouch: {line}");
}
