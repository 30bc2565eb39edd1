//! `erase`: git reports a credential rejected; the erase policy decides what that does.

use super::Error;
use crate::config::Config;
use crate::credential::{Credential, Origin, Rejection, unix_now};
use crate::protocol::Request;
use crate::provider::OnReject;
use crate::resolve::{self, identifies_as};
use crate::store::{Create, Store};

/// git reports a credential rejected. Each credential concerned is deleted or kept and marked
/// rejected, per `on_reject` (instance, then global); by default what git stored is deleted
/// (git's own semantics) and tokens added with `add` are kept, since a 401/403 on one
/// repository says little about the token's other uses.
pub fn erase(store: &Store, config: &Config, request: &Request) -> Result<(), Error> {
    let target = request.target();
    let lookup = resolve::lookup(config, &target);
    let query = request.query();
    let failed = request.password.as_ref().or(request.credential.as_ref());
    crate::allowed::update(store, config, Create::Never, |opened| {
        let now = unix_now();
        let mut changed = false;
        // The same reading of the URL user as `get` (on Azure DevOps it may be the organization).
        let user = resolve::account_filter(&lookup, &target, &opened.entries);
        let concerned = |c: &Credential| {
            if c.is_generic() {
                let same_secret = request
                    .password
                    .as_ref()
                    .is_none_or(|p| c.password.as_ref() == Some(p))
                    && request
                        .credential
                        .as_ref()
                        .is_none_or(|p| c.credential.as_ref() == Some(p));
                c.matches(&query) && same_secret
            } else {
                // A GitHub App is never what git rejected: a token it minted is (below).
                !c.is_app()
                    && lookup.find(&c.provider).is_some()
                    && (c.host.is_empty() || c.host == request.host)
                    && user.is_none_or(|u| identifies_as(c, u))
                    && failed.is_none_or(|f| c.password.as_ref() == Some(f))
            }
        };
        let policy = |c: &Credential| {
            lookup
                .find(&c.provider)
                .and_then(|m| m.instance.on_reject)
                .or(config.on_reject)
                .unwrap_or(match c.origin {
                    Origin::Added => OnReject::Keep,
                    Origin::Git => OnReject::Delete,
                })
        };
        opened.entries.retain_mut(|c| {
            if !concerned(c) {
                return true;
            }
            changed = true;
            match policy(c) {
                OnReject::Delete => false,
                OnReject::Keep => {
                    c.rejected = Some(Rejection {
                        at: now,
                        url: request.url(),
                    });
                    true
                }
            }
        });
        (changed, ())
    })?;
    // A minted token git rejected (revoked, or its App lost access): the next `get` mints anew.
    if let Some(token) = request.password.as_ref().filter(|_| lookup.is_provider()) {
        crate::github_app::forget(store, token).map_err(Error::GitHubApp)?;
    }
    Ok(())
}
