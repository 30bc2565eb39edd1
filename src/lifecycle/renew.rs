//! `renew`: rotate every token that can rotate itself and expires within a window, asking
//! for a new expiry a lifetime ahead, and name the tokens that need a person. Meant for a
//! daily timer: a token renewed once is not due again until its new expiry nears.
//!
//! A rotatable token whose expiry is unknown is verified first (the provider states it), so
//! that it is renewed only when due; other tokens of unknown expiry are left alone.

use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::http::Client;
use crate::progress::Progress;
use crate::store::Store;
use crate::time::DAY;

use super::verify::{self, Status};
use super::{Error, rotate};

/// GitLab accepts an expiry at most this far ahead.
pub const MAX_LIFETIME: i64 = 365 * DAY;

/// What happened to one credential.
#[derive(Debug)]
pub enum Step {
    /// Rotated (or, in a dry run, would be); the new expiry asked for or given.
    Renewed { id: String, expires_at: Option<i64> },
    /// Due, but vouch cannot renew it: why, for the person.
    NeedsPerson { id: String, why: String },
    /// The rotation failed (provider down, refused, answer lost).
    Failed { id: String, error: Error },
}

pub struct Settings {
    pub within: i64,
    pub lifetime: i64,
    pub dry_run: bool,
}

pub fn renew(store: &Store, config: &Config, settings: &Settings) -> Result<Vec<Step>, Error> {
    let client = Client::new();
    let now = unix_now();
    let all = super::credentials(store)?;
    // OAuth logins refresh themselves; only tokens a person added are renewed here.
    let candidates: Vec<Credential> = all.into_iter().filter(|c| !c.is_login()).collect();
    let progress = if candidates.len() > 3 {
        Progress::new("renewing", candidates.len() as u64)
    } else {
        Progress::hidden()
    };
    let new_expiry = crate::time::date(now + settings.lifetime);
    let mut steps = Vec::new();
    for c in &candidates {
        progress.inc(1);
        let rotatable = rotate::rotatable(config, c).is_ok();
        let mut expiry = c.password_expiry_utc;
        if expiry.is_none() && rotatable {
            let o = verify::check(config, &client, c, now);
            if o.status == Status::Valid {
                expiry = o.expires_at;
            }
            // Recorded before any rotation below, which sets the new expiry itself.
            if !settings.dry_run {
                verify::record(store, config, std::slice::from_ref(&o), now)?;
            }
        }
        let Some(expiry) = expiry else { continue };
        if expiry - now > settings.within {
            continue;
        }
        let id = c.id.clone();
        if c.rejected
            .as_ref()
            .is_some_and(|r| r.revoked_by().is_some())
        {
            steps.push(Step::NeedsPerson {
                id,
                why: "revoked at the provider: create a new token and `rotate` it in".into(),
            });
        } else if expiry < now {
            steps.push(Step::NeedsPerson {
                id,
                why: "already expired, so it cannot rotate itself: create a new token and `rotate` it in".into(),
            });
        } else if !rotatable {
            steps.push(Step::NeedsPerson {
                id,
                why: format!(
                    "expires {}; its kind cannot rotate itself: create a new token and `rotate` it in",
                    crate::time::date(expiry)
                ),
            });
        } else if settings.dry_run {
            steps.push(Step::Renewed {
                id,
                expires_at: crate::time::parse(&new_expiry).ok(),
            });
        } else {
            match rotate::at_provider(store, config, &client, &c.id, &new_expiry) {
                Ok(done) => steps.push(Step::Renewed {
                    id,
                    expires_at: done.expires_at,
                }),
                Err(error) => steps.push(Step::Failed { id, error }),
            }
        }
    }
    progress.finish();
    Ok(steps)
}
