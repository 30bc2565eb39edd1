//! Which stored credential answers a request, and why: instance lookup by host (and path
//! prefix), then URL username, most specific scope, and the default flag. Never an arbitrary
//! pick: two equal candidates mean no answer. Used by `get`, `store`, `erase` and `resolve`.
//!
//! - [`lookup`](mod@lookup): which instances serve the request's host, protocol and path;
//! - [`identity`]: which username a credential sends and which names identify it;
//! - [`choose`](mod@choose): why each candidate can answer or not, and the one that answers.

mod choose;
mod identity;
mod lookup;

use crate::credential::Credential;
use crate::provider::path::{owner_covers, owner_of, scope_depth};
use crate::provider::{Family, Instance, Kind, repo_path};

pub use choose::{Exclusion, HOW_TO_CHOOSE};
pub use identity::{account_filter, identifies_as, sent_username};
pub use lookup::{InstanceMatch, Lookup, lookup, primary};

/// What git asks about.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub protocol: &'a str,
    /// Lowercased, with `:port` when not the default.
    pub host: &'a str,
    pub path: Option<&'a str>,
    pub username: Option<&'a str>,
    pub capability_authtype: bool,
}

#[derive(Debug)]
pub struct Candidate<'s> {
    pub credential: &'s Credential,
    /// Higher is more specific: repository scope > path-prefix instance > host.
    pub outcome: Result<u32, Exclusion>,
    /// The remembered choice that covers the request, if any: the owner it was made for
    /// (`""`: every repository of the host).
    pub chosen: Option<&'s str>,
}

#[derive(Debug)]
pub enum Outcome<'s> {
    Answer {
        credential: &'s Credential,
        /// None for Bearer tokens.
        username: Option<String>,
        bearer: bool,
        why: String,
    },
    /// No credential of these instances can answer.
    Nothing(String),
    /// Several equal candidates: answering any would be a guess.
    Ambiguous(Vec<String>),
}

#[derive(Debug)]
pub struct Resolution<'s> {
    pub repository: Option<String>,
    /// Whose repository it is (see [`owner_of`]): what a pick among equals is remembered for.
    pub owner: Option<String>,
    pub candidates: Vec<Candidate<'s>>,
    pub outcome: Outcome<'s>,
    pub notes: Vec<String>,
}

/// Choose among `credentials` (any may be passed; those of other instances are ignored).
pub fn resolve<'s>(
    lookup: &Lookup<'_>,
    target: &Target<'_>,
    credentials: &'s [Credential],
    now: i64,
) -> Resolution<'s> {
    let mut notes = Vec::new();
    for instance in &lookup.undecided {
        notes.push(format!(
            "instance {} covers only paths below {}: git did not send the path; set credential.useHttpPath=true for this host",
            instance.name,
            instance.path_prefix.as_deref().unwrap_or("/")
        ));
    }
    let primary = lookup.matched.first().map(|m| m.instance);
    if let Some(instance) = primary.filter(|i| i.kind.needs_path() && target.path.is_none()) {
        notes.push(format!(
            "{} tells tenants apart by path: git did not send it; set credential.useHttpPath=true for this host",
            instance.kind.name()
        ));
    }
    let mine: Vec<(&Credential, &InstanceMatch<'_>)> = credentials
        .iter()
        .filter_map(|c| lookup.find(&c.provider).map(|m| (c, m)))
        .collect();

    let user_filter = account_filter(lookup, target, credentials);
    // The repository as each instance reads the path (a path prefix or virtual directory is
    // the instance's own); on Azure DevOps a URL user that names no account is the organization.
    let repository_on = |instance: &Instance| match target.path {
        Some(path) => Some(repo_path(instance, path)),
        None if instance.kind.family() == Family::Azure && user_filter.is_none() => {
            target.username.map(str::to_owned)
        }
        None => None,
    };
    let repository = primary.and_then(repository_on);

    let candidates: Vec<Candidate<'s>> = mine
        .iter()
        .map(|(c, m)| {
            let repository = repository_on(m.instance);
            Candidate {
                credential: c,
                outcome: choose::judge(c, m, target, user_filter, repository.as_deref(), now),
                chosen: remembered(c, repository.as_deref()),
            }
        })
        .collect();
    let outcome = choose::choose(&candidates, target);
    let owner = primary
        .zip(repository.as_deref())
        .and_then(|(i, r)| owner_of(i.kind, r))
        .map(str::to_owned);
    Resolution {
        repository,
        owner,
        candidates,
        outcome,
        notes,
    }
}

/// The most specific owner `c` was picked for that covers `repository`.
fn remembered<'s>(c: &'s Credential, repository: Option<&str>) -> Option<&'s str> {
    c.chosen_for
        .iter()
        .filter(|owner| owner_covers(owner, repository))
        .max_by_key(|owner| {
            if owner.is_empty() {
                0
            } else {
                scope_depth(owner)
            }
        })
        .map(String::as_str)
}

/// For each instance of `lookup`, the repositories a scope is compared with there: the path as
/// that instance reads it, or on Azure DevOps without a path the URL user (the organization,
/// when it names no account). A superset of what [`resolve`] compares with: `get` reads only
/// the store buckets of the scopes that can cover one of them.
pub fn scope_targets<'c>(lookup: &Lookup<'c>, target: &Target<'_>) -> Vec<(&'c str, String)> {
    lookup
        .matched
        .iter()
        .filter_map(|m| {
            let repository = match target.path {
                Some(path) => repo_path(m.instance, path),
                None if m.instance.kind.family() == Family::Azure => target.username?.to_owned(),
                None => return None,
            };
            Some((m.instance.name.as_str(), repository))
        })
        .collect()
}

/// Kinds where a credential learned from git is limited to the organization in the path.
pub fn learned_scope(kind: Kind, repository: Option<&str>) -> Option<String> {
    match kind.family() {
        Family::Azure => repository
            .and_then(|r| r.split('/').next())
            .map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
