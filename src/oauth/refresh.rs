//! Refresh on `get`: a login token that has expired, or will within a tenth of its lifetime (at
//! most 60 s), is refreshed before it is answered. Providers invalidate a refresh token once it
//! is used, so exactly one process refreshes: it holds the refresh lock (not the store's: the
//! request may take its whole timeout, and every git on the machine needs the store meanwhile),
//! re-reads the entry, asks only if it is still due, and files the answer under the store lock
//! if the entry still holds the refresh token it used. Processes that waited find it fresh.
//!
//! Only a refusal of the grant (`invalid_grant`, or GitHub's `bad_refresh_token`: the refresh
//! token is dead) marks the token, and then only `login` helps. Anything else (no answer, a
//! server error, another OAuth error, an answer that was refused) is a bad moment: its time is
//! kept, and a later `get` tries again after a backoff.

use std::time::Duration;

use super::lock;
use super::{Endpoints, Error, OAuthClient, Tokens};
use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::http::Client;
use crate::provider::Instance;
use crate::store::{Create, Store};

/// The most a token is refreshed ahead of its expiry.
const MAX_AHEAD: i64 = 60;
/// Beside the store's lock in the data dir.
const LOCK: &str = "oauth-refresh.lock";
/// How long a `get` waits for another process's refresh: that request's timeout, and some.
const LOCK_WAIT: Duration = Duration::from_secs(40);
/// The backoff after a passing failure: a tenth of the token's lifetime, within these bounds.
const MIN_BACKOFF: i64 = 5;
const MAX_BACKOFF: i64 = 60;
/// OAuth errors that say the refresh token is dead, not that the moment is bad.
const DEAD_GRANT: [&str; 2] = ["invalid_grant", "bad_refresh_token"];

/// Whether `c` must be refreshed before it is answered at `now`.
pub fn due(c: &Credential, now: i64) -> bool {
    let (Some(expiry), Some(obtained)) = (c.password_expiry_utc, c.obtained) else {
        return false;
    };
    // Stored numbers may be anything an older build wrote: no overflow either way.
    let ahead = (expiry.saturating_sub(obtained).max(0) / 10).min(MAX_AHEAD);
    c.can_refresh() && now >= expiry.saturating_sub(ahead)
}

/// Seconds to wait after a passing failure before the next try.
fn backoff(c: &Credential) -> i64 {
    let lifetime = match (c.password_expiry_utc, c.obtained) {
        (Some(expiry), Some(obtained)) => expiry.saturating_sub(obtained),
        _ => 0,
    };
    (lifetime / 10).clamp(MIN_BACKOFF, MAX_BACKOFF)
}

/// When a passing failure of this token's refresh lets the next try happen, if one does.
fn retry_at(c: &Credential) -> Option<i64> {
    // A failure from before the current token was issued says nothing about it.
    let failed = c
        .refresh_retry
        .filter(|at| c.obtained.is_none_or(|o| *at >= o))?;
    Some(failed.saturating_add(backoff(c)))
}

/// How a refresh went.
enum Outcome {
    Fresh(Tokens),
    /// The grant was refused: log in again.
    Dead(String),
    /// No usable answer this time: try again later.
    Passing(String),
}

/// Refresh the credential `id` of `instance` if it is still due. Returns the credential to
/// answer: the refreshed one, or the old one while it has not expired; `None` when there is
/// nothing to answer. Every failure is one line on stderr.
pub fn refresh(
    store: &Store,
    config: &Config,
    instance: &Instance,
    id: &str,
) -> Result<Option<Credential>, Error> {
    let client = OAuthClient::of(instance, store)?;
    let name = &instance.name;
    let taken = lock::take(&store.paths().data_dir, LOCK, LOCK_WAIT)?;
    let Some(current) = read(store, instance, id)? else {
        return Ok(None);
    };
    let now = unix_now();
    let usable = |c: Credential| (!c.is_expired(now)).then_some(c);
    if !due(&current, now) {
        // Another process refreshed it while this one waited.
        return Ok(Some(current));
    }
    if taken.timed_out() {
        say(&format!(
            "another process is still refreshing the OAuth token for {name}"
        ));
        return Ok(usable(current));
    }
    if let Some(at) = retry_at(&current).filter(|at| now < *at) {
        if current.is_expired(now) {
            say(&format!(
                "the OAuth token for {name} expired and refreshing it failed {} s ago; it is tried again in {} s",
                now.saturating_sub(current.refresh_retry.unwrap_or(now)),
                at.saturating_sub(now)
            ));
        }
        return Ok(usable(current));
    }
    let used = current
        .oauth_refresh_token
        .clone()
        .expect("due: can_refresh");
    let outcome = match Endpoints::of(
        instance,
        &instance.host_for(&current.host).unwrap_or_default(),
    ) {
        Err(e) => Outcome::Passing(crate::term::one_line(&e)),
        Ok(endpoints) => match client.token_request(
            &Client::new(),
            &endpoints.token,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", used.expose()),
            ],
        ) {
            Ok(Ok(tokens)) => Outcome::Fresh(tokens),
            Ok(Err(e)) if DEAD_GRANT.contains(&e.error.as_str()) => Outcome::Dead(e.to_string()),
            Ok(Err(e)) => Outcome::Passing(e.to_string()),
            Err(e) => Outcome::Passing(crate::term::one_line(&e)),
        },
    };
    let said = match &outcome {
        Outcome::Fresh(_) => None,
        Outcome::Dead(why) => Some(format!(
            "refreshing the OAuth token for {name} failed ({why}): run `git credential-vouch login {name}`"
        )),
        Outcome::Passing(why) => Some(format!(
            "refreshing the OAuth token for {name} failed ({why}); it is tried again in {} s",
            backoff(&current)
        )),
    };
    let now = unix_now();
    let filed = crate::allowed::update(store, config, Create::Never, |opened| {
        let Some(entry) = opened.entries.iter_mut().find(|c| c.id == id) else {
            return (false, None);
        };
        if entry.oauth_refresh_token.as_ref() != Some(&used) {
            // A login replaced the token meanwhile: it stands, whatever this refresh got.
            return (false, Some(entry.clone()));
        }
        match outcome {
            Outcome::Fresh(tokens) => tokens.apply(entry),
            Outcome::Dead(_) => entry.refresh_failed = Some(now),
            Outcome::Passing(_) => entry.refresh_retry = Some(now),
        }
        (true, Some(entry.clone()))
    })?
    .flatten();
    drop(taken);
    if let Some(line) = said {
        say(&line);
    }
    Ok(filed.and_then(usable))
}

/// The entry `id` of `instance` as stored now (read without the store's lock: the store is
/// only ever replaced whole).
fn read(store: &Store, instance: &Instance, id: &str) -> Result<Option<Credential>, Error> {
    let name = instance.name.as_bytes();
    Ok(store
        .select(|view| view.provider() == name)?
        .into_iter()
        .find(|c| c.id == id))
}

fn say(line: &str) {
    eprintln!("git-credential-vouch: {}", crate::term::escape(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login_token(obtained: i64, expiry: i64) -> Credential {
        Credential {
            obtained: Some(obtained),
            password_expiry_utc: Some(expiry),
            oauth_refresh_token: Some(crate::secret::Secret::new("r".into())),
            ..Default::default()
        }
    }

    #[test]
    fn due_and_backoff_never_overflow() {
        let c = login_token(1000, 8200);
        assert!(!due(&c, 8139) && due(&c, 8140));
        assert_eq!(backoff(&c), 60);
        for (obtained, expiry) in [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, i64::MIN)] {
            let c = login_token(obtained, expiry);
            let _ = due(&c, 0);
            assert!((MIN_BACKOFF..=MAX_BACKOFF).contains(&backoff(&c)));
        }
    }

    #[test]
    fn a_passing_failure_defers_the_next_try_for_the_current_token_only() {
        let mut c = login_token(1000, 1003);
        assert_eq!(retry_at(&c), None);
        c.refresh_retry = Some(1004);
        assert_eq!(retry_at(&c), Some(1004 + MIN_BACKOFF));
        // A login since then issued a new token.
        c.obtained = Some(1010);
        assert_eq!(retry_at(&c), None);
    }
}
