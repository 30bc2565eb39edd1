//! Why each candidate can answer or not, and the one that answers: the most specific, or the
//! default among equals, never a guess.

use super::identity::identifies_as;
use super::{Candidate, InstanceMatch, Outcome, Target, sent_username};
use crate::allowed::Disabled;
use crate::credential::Credential;
use crate::provider::TokenKind;
use crate::provider::path::{scope_covers, scope_depth};

/// How a person settles a tie, said wherever vouch cannot answer because of one.
pub const HOW_TO_CHOOSE: &str = "choose with a URL username (https://USER@HOST/...), `git credential-vouch update ID --default`, `update ID --repo OWNER/REPO`, or pick at the terminal when git asks (`git credential-vouch resolve URL` explains)";

/// Why a candidate cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    OtherHost,
    Username,
    ScopeNeedsPath,
    OtherRepository,
    BearerNeedsCapability,
    Expired,
    NoToken,
    /// A personal access token on an instance with `pat = false`.
    PatDisabled,
    /// A token from `login` on an instance that no longer has an OAuth client.
    OAuthDisabled,
    /// An expired token from `login` whose refresh failed.
    RefreshFailed,
}

impl Exclusion {
    pub fn describe(self) -> &'static str {
        match self {
            Exclusion::OtherHost => "bound to another host of the instance",
            Exclusion::Username => "the URL names another user",
            Exclusion::ScopeNeedsPath => {
                "limited to a repository, and git did not send the path (set credential.useHttpPath)"
            }
            Exclusion::OtherRepository => "limited to another repository",
            Exclusion::BearerNeedsCapability => {
                "a Bearer-only token, and this git did not offer capability[]=authtype (needs git >= 2.46)"
            }
            Exclusion::Expired => "expired",
            Exclusion::NoToken => "holds no token",
            Exclusion::PatDisabled => "a personal access token, and the instance has pat = false",
            Exclusion::OAuthDisabled => {
                "obtained with login, and the instance no longer has an oauth_client_id"
            }
            Exclusion::RefreshFailed => {
                "expired, and its refresh failed: run `git credential-vouch login`"
            }
        }
    }
}

pub(super) fn judge(
    c: &Credential,
    m: &InstanceMatch<'_>,
    target: &Target<'_>,
    user: Option<&str>,
    repository: Option<&str>,
    now: i64,
) -> Result<u32, Exclusion> {
    if !c.host.is_empty() && c.host != target.host {
        return Err(Exclusion::OtherHost);
    }
    if user.is_some_and(|u| !identifies_as(c, u)) {
        return Err(Exclusion::Username);
    }
    // An App whose key is in OpenBao holds no secret here: it mints.
    if c.password.is_none() && !c.is_app() {
        return Err(Exclusion::NoToken);
    }
    match crate::allowed::disabled(c, m.instance) {
        Some(Disabled::Pat) => return Err(Exclusion::PatDisabled),
        Some(Disabled::OAuth) => return Err(Exclusion::OAuthDisabled),
        None => {}
    }
    // An expired login token is refreshed before it is answered.
    if c.is_expired(now) && !c.can_refresh() {
        return Err(if c.is_login() && c.refresh_failed.is_some() {
            Exclusion::RefreshFailed
        } else {
            Exclusion::Expired
        });
    }
    if c.token_kind.is_some_and(TokenKind::is_bearer) && !target.capability_authtype {
        return Err(Exclusion::BearerNeedsCapability);
    }
    match (&c.scope, repository) {
        (Some(_), None) => Err(Exclusion::ScopeNeedsPath),
        (Some(scope), Some(repo)) if !scope_covers(scope, repo) => Err(Exclusion::OtherRepository),
        (Some(scope), Some(_)) => Ok(100 + scope_depth(scope) as u32),
        (None, _) if m.instance.path_prefix.is_some() => Ok(10),
        (None, _) => Ok(0),
    }
}

pub(super) fn choose<'s>(candidates: &[Candidate<'s>], target: &Target<'_>) -> Outcome<'s> {
    let eligible: Vec<(&Candidate<'s>, u32)> = candidates
        .iter()
        .filter_map(|c| c.outcome.ok().map(|rank| (c, rank)))
        .collect();
    let Some(best) = eligible.iter().map(|(_, r)| *r).max() else {
        return Outcome::Nothing(if candidates.is_empty() {
            "no credential is stored for this provider instance".into()
        } else {
            "every stored credential for this instance is excluded (see candidates)".into()
        });
    };
    let top: Vec<&Candidate<'s>> = eligible
        .iter()
        .filter(|(_, r)| *r == best)
        .map(|(c, _)| *c)
        .collect();
    let level = match best {
        100.. => "the most specific repository scope",
        10 => "the instance's path prefix",
        _ => "the host",
    };
    let (chosen, why) = if let [one] = top.as_slice() {
        let how = if target.username.is_some() {
            "the URL username, then "
        } else {
            ""
        };
        (one.credential, format!("chosen by {how}{level}"))
    } else if let Some((one, owner)) = picked(&top) {
        let owner = if owner.is_empty() {
            "every repository of this host".to_owned()
        } else {
            format!("`{owner}`")
        };
        (
            one,
            format!(
                "{} candidates at {level}; this one was picked for {owner} (`git credential-vouch forget` undoes it)",
                top.len()
            ),
        )
    } else {
        let defaults: Vec<&Candidate<'s>> = top
            .iter()
            .copied()
            .filter(|c| c.credential.is_default)
            .collect();
        match defaults.as_slice() {
            [one] => (
                one.credential,
                format!(
                    "{} candidates at {level}; this one is the default",
                    top.len()
                ),
            ),
            _ => {
                return Outcome::Ambiguous(top.iter().map(|c| c.credential.id.clone()).collect());
            }
        }
    };
    let bearer = chosen.token_kind.is_some_and(TokenKind::is_bearer);
    let username = if bearer {
        None
    } else {
        // A username git already has is the user's choice: never replaced.
        Some(
            target
                .username
                .map(str::to_owned)
                .or_else(|| sent_username(chosen))
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| placeholder(chosen)),
        )
    };
    Outcome::Answer {
        credential: chosen,
        username,
        bearer,
        why,
    }
}

/// Among equals, the one a person picked for the most specific owner covering the request:
/// a pick for an owner beats one for the whole host. `None` when no pick, or two, decide.
fn picked<'s>(top: &[&Candidate<'s>]) -> Option<(&'s Credential, &'s str)> {
    let depth = |owner: &str| {
        if owner.is_empty() {
            0
        } else {
            scope_depth(owner) + 1
        }
    };
    let best = top.iter().filter_map(|c| c.chosen).map(depth).max()?;
    let mut at_best = top.iter().filter_map(|c| {
        c.chosen
            .filter(|o| depth(o) == best)
            .map(|o| (c.credential, o))
    });
    match (at_best.next(), at_best.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// git needs a non-empty username; where the provider ignores it, a stable placeholder.
fn placeholder(c: &Credential) -> String {
    c.label
        .clone()
        .unwrap_or_else(|| "git-credential-vouch".into())
}
