//! `verify`: ask each token's provider whether it is valid, and record what it says: the
//! provider's expiry replaces a typed or missing one, and a token the provider refuses before
//! its expiry is marked revoked (GitLab answers 401 alike for expired and revoked tokens).

use crate::config::Config;
use crate::credential::{Credential, Rejection, unix_now};
use crate::http::Client;
use crate::progress::Progress;
use crate::provider_api::{self, Verdict};
use crate::store::{Create, Store};

use super::{Error, target, token};

mod app;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    Revoked,
    Expired,
    Unreachable,
    Unsupported,
}

/// What was learned about one credential's token.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub provider: String,
    pub status: Status,
    /// Unix seconds: the provider's word when it gave one, else what was stored.
    pub expires_at: Option<i64>,
    /// Whether the provider stated the expiry (GitLab access tokens, GitHub).
    pub expiry_stated: bool,
    pub scopes: Option<Vec<String>>,
    pub account: Option<String>,
    /// The API host asked, when one was.
    pub host: Option<String>,
    /// Why the provider could not be asked (unreachable, unsupported).
    pub reason: Option<String>,
    /// A GitHub App's installations: `account (installation ID)`.
    pub installations: Option<Vec<String>>,
}

/// Ask `c`'s provider about its token (never changes anything). A GitHub App is asked by
/// [`app::check`], which may need the store (an OpenBao transit key).
pub fn check(config: &Config, client: &Client, c: &Credential, now: i64) -> Outcome {
    let mut out = Outcome {
        id: c.id.clone(),
        provider: c.provider.clone(),
        status: Status::Unsupported,
        expires_at: c.password_expiry_utc,
        expiry_stated: false,
        scopes: None,
        account: None,
        host: None,
        reason: None,
        installations: None,
    };
    let target = match target(config, c) {
        Ok(t) => t,
        Err(e) => {
            out.reason = Some(e.to_string());
            return out;
        }
    };
    out.host = Some(target.api.host());
    let Some(token) = token(c) else {
        out.reason = Some(format!("{}: holds no token", c.id));
        return out;
    };
    match target.api.verify(client, token) {
        Ok(Verdict::Valid(info)) => {
            if info.expiry_unreadable {
                eprintln!(
                    "git-credential-vouch: warning: {} answered an expiry for {} that vouch cannot read; the expiry known before is kept",
                    target.api.host(),
                    c.id
                );
            }
            out.status = Status::Valid;
            out.expiry_stated = info.expiry_stated;
            if info.expiry_stated {
                out.expires_at = info.expires_at;
            }
            out.scopes = info.scopes;
            out.account = info.account;
        }
        // Refused before its (known) expiry: revoked. Unknown expiry counts as not expired.
        Ok(Verdict::Rejected) if c.is_expired(now) => out.status = Status::Expired,
        Ok(Verdict::Rejected) => out.status = Status::Revoked,
        Err(provider_api::Error::Unsupported(why)) => out.reason = Some(why),
        Err(e) => {
            out.status = Status::Unreachable;
            out.reason = Some(e.to_string());
        }
    }
    out
}

/// Check every credential in `chosen`, with a progress bar for many, and record the results.
pub fn verify(
    store: &Store,
    config: &Config,
    chosen: &[Credential],
    record_results: bool,
) -> Result<Vec<Outcome>, Error> {
    let client = Client::new();
    let now = unix_now();
    // A token an earlier rotation could not write is filed first, and then checked itself
    // (not the dead one it replaced).
    let mut refiled = Vec::new();
    if record_results {
        let held = super::rescue::lock(store.paths())?;
        let lines = super::rescue::file_waiting(store, config, &held)?;
        for line in &lines {
            eprintln!("git-credential-vouch: {line}");
        }
        if !lines.is_empty() {
            let now_stored = super::credentials(store)?;
            refiled = chosen
                .iter()
                .map(|c| {
                    now_stored
                        .iter()
                        .find(|n| n.id == c.id)
                        .unwrap_or(c)
                        .clone()
                })
                .collect();
        }
    }
    let chosen = if refiled.is_empty() {
        chosen
    } else {
        &refiled[..]
    };
    let progress = if chosen.len() > 3 {
        Progress::new("verifying", chosen.len() as u64)
    } else {
        Progress::hidden()
    };
    let mut outcomes = Vec::with_capacity(chosen.len());
    for c in chosen {
        outcomes.push(if c.is_app() {
            app::check(store, config, c)
        } else {
            check(config, &client, c, now)
        });
        progress.inc(1);
    }
    progress.finish();
    if record_results {
        record(store, config, &outcomes, now)?;
    }
    Ok(outcomes)
}

/// Write what the providers said into the store: stated expiries, revocations, and the end of
/// any rejection or revocation mark when the token is valid after all.
pub fn record(store: &Store, config: &Config, outcomes: &[Outcome], now: i64) -> Result<(), Error> {
    let worth = |o: &&Outcome| matches!(o.status, Status::Valid | Status::Revoked);
    if !outcomes.iter().any(|o| worth(&o)) {
        return Ok(());
    }
    store.update(Create::Never, |opened| {
        let mut changed = crate::allowed::purge(&mut opened.entries, config, None).any();
        for o in outcomes.iter().filter(worth) {
            let Some(c) = opened.entries.iter_mut().find(|c| c.id == o.id) else {
                continue;
            };
            let before = (c.password_expiry_utc, c.rejected.clone());
            apply(c, o, now);
            changed |= before != (c.password_expiry_utc, c.rejected.clone());
        }
        (changed, ())
    })?;
    Ok(())
}

fn apply(c: &mut Credential, o: &Outcome, now: i64) {
    match o.status {
        Status::Valid => {
            if o.expiry_stated {
                c.password_expiry_utc = o.expires_at;
            }
            // The provider accepts it: whatever git reported, or an earlier verify found, is
            // over (a mark that never healed would keep a working token "rejected" for good).
            c.rejected = None;
        }
        Status::Revoked => {
            let host = o.host.clone().unwrap_or_default();
            c.rejected = Some(Rejection::revoked(now, &host));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Status, expires_at: Option<i64>, stated: bool) -> Outcome {
        Outcome {
            id: "a".into(),
            provider: "gitlab".into(),
            status,
            expires_at,
            expiry_stated: stated,
            scopes: None,
            account: None,
            host: Some("gitlab.com".into()),
            reason: None,
            installations: None,
        }
    }

    #[test]
    fn the_providers_expiry_replaces_a_typed_one_and_revocation_is_marked() {
        let mut c = Credential {
            password_expiry_utc: Some(5),
            ..Default::default()
        };
        apply(&mut c, &outcome(Status::Valid, Some(99), true), 1);
        assert_eq!(c.password_expiry_utc, Some(99));
        // A provider that does not state expiries leaves the stored one.
        apply(&mut c, &outcome(Status::Valid, None, false), 1);
        assert_eq!(c.password_expiry_utc, Some(99));
        // GitLab's `expires_at: null`: never expires.
        apply(&mut c, &outcome(Status::Valid, None, true), 1);
        assert_eq!(c.password_expiry_utc, None);
        apply(&mut c, &outcome(Status::Revoked, None, false), 7);
        let r = c.rejected.clone().unwrap();
        assert_eq!((r.at, r.revoked_by()), (7, Some("gitlab.com")));
        apply(&mut c, &outcome(Status::Valid, None, false), 8);
        assert!(c.rejected.is_none());
        c.rejected = Some(Rejection {
            at: 9,
            url: "https://gitlab.com/g/p.git".into(),
        });
        apply(&mut c, &outcome(Status::Valid, None, false), 10);
        assert!(c.rejected.is_none(), "git's rejection heals too");
    }
}
