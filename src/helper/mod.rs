//! The three actions git asks of a credential helper.
//!
//! Hosts of a provider instance are answered by [`resolve`]: the account and username that
//! provider requires. Every other host keeps the semantics of git's own storage helpers (first
//! match wins, store replaces, erase removes all matches), and so do credentials git stored for
//! a provider host before it was configured as one.

mod candidates;
mod erase;
mod filing;
mod minting;
mod pick;

use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::oauth::refresh;
use crate::protocol::{Answer, Request, write_answer};
use crate::resolve::{self, Outcome};
use crate::store::Store;

pub use erase::erase;
pub use filing::{file, storable, store};

/// Why git's action failed. A request that could not be answered for a reason git need not
/// know (a refresh, an OpenBao outage) is a line on stderr and no answer, not an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error(transparent)]
    OAuth(#[from] crate::oauth::Error),
    #[error(transparent)]
    OpenBao(#[from] crate::openbao::Error),
    /// The minted tokens' cache (GitHub and OpenBao failures at `get` are a line on stderr).
    #[error(transparent)]
    GitHubApp(crate::github_app::Error),
    /// `store` of a secret that would break the store's line format or git's protocol.
    #[error("refusing to store a secret containing a line break or NUL")]
    LineBreak,
    #[error("writing the answer to git: {0}")]
    Answer(std::io::Error),
}

/// Answer with the credential that matches, or nothing.
pub fn get(
    store: &Store,
    config: &Config,
    request: &Request,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    let target = request.target();
    let lookup = resolve::lookup(config, &target);
    if let Some(instance) = resolve::primary(&lookup)
        .map(|m| m.instance)
        .filter(|i| i.openbao_path.is_some())
    {
        return get_openbao(config, store, request, &lookup, instance, out);
    }
    let query = request.query();
    let (selected, data_key) = candidates::read(store, &lookup, &target, &query)?;
    let now = unix_now();
    if lookup.is_provider() {
        let resolution = resolve::resolve(&lookup, &target, &selected, now);
        let with_pick;
        let outcome = match resolution.outcome {
            Outcome::Ambiguous(ids) => {
                let owner = resolution.owner.unwrap_or_default();
                let Some(picked) = settle_tie(store, config, request, &owner, &ids, &selected)
                else {
                    return Ok(());
                };
                with_pick = picked;
                // Resolved again with the pick, as the next fetch will be.
                resolve::resolve(&lookup, &target, &with_pick, now).outcome
            }
            other => other,
        };
        match outcome {
            Outcome::Answer { credential, .. } if credential.is_app() => {
                // The whole path, not the instance's reading of it (a path prefix is an owner).
                let path = request.path.as_deref();
                let at = crate::github_app::AppAt {
                    instance: lookup
                        .find(&credential.provider)
                        .expect("resolved")
                        .instance,
                    credential,
                    host: &request.host,
                };
                let key = data_key.as_ref();
                return minting::answer(store, config, request, &at, path, key, out);
            }
            Outcome::Answer {
                credential,
                username,
                bearer,
                ..
            } => {
                return answer_provider(
                    store,
                    config,
                    request,
                    &lookup,
                    credential,
                    username.as_deref(),
                    bearer,
                    out,
                );
            }
            Outcome::Ambiguous(_) => return Ok(()),
            Outcome::Nothing(_) => {
                let failed = resolution
                    .candidates
                    .iter()
                    .any(|c| c.outcome == Err(resolve::Exclusion::RefreshFailed));
                if let Some(fresh) =
                    crate::oauth::on_demand(store, config, &lookup, &target, failed)?
                {
                    let username = target
                        .username
                        .map(str::to_owned)
                        .or_else(|| resolve::sent_username(&fresh));
                    return answer(request, &fresh, username.as_deref(), false, out);
                }
            }
        }
    }
    let found = selected.iter().filter(|c| c.is_generic()).find(|c| {
        !c.is_expired(now)
            && if c.is_pre_encoded() {
                request.capability_authtype
            } else {
                c.password.is_some()
            }
    });
    match found {
        Some(credential) => write(request, &Answer::stored(credential), out),
        None => Ok(()),
    }
}

/// Answer the provider credential resolution chose, refreshing a login token first when due.
#[allow(clippy::too_many_arguments)]
fn answer_provider(
    store: &Store,
    config: &Config,
    request: &Request,
    lookup: &resolve::Lookup<'_>,
    credential: &Credential,
    username: Option<&str>,
    bearer: bool,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    if !refresh::due(credential, unix_now()) {
        return answer(request, credential, username, bearer, out);
    }
    let instance = lookup
        .find(&credential.provider)
        .expect("resolved")
        .instance;
    match refresh::refresh(store, config, instance, &credential.id)? {
        Some(fresh) => answer(request, &fresh, username, bearer, out),
        None => Ok(()),
    }
}

/// Equal candidates `ids`: a person at the terminal picks one, remembered for `owner`, and the
/// candidates come back with that pick made; without a pick, stderr says why nothing answers.
fn settle_tie(
    store: &Store,
    config: &Config,
    request: &Request,
    owner: &str,
    ids: &[String],
    selected: &[Credential],
) -> Option<Vec<Credential>> {
    let mut tied: Vec<&Credential> = ids
        .iter()
        .filter_map(|id| selected.iter().find(|c| &c.id == id))
        .collect();
    // A person reads them by name; the store's order says nothing to them.
    tied.sort_by(|a, b| (a.display_account(), &a.id).cmp(&(b.display_account(), &b.id)));
    let url = request.url();
    let Some(n) = pick::ask(&url, owner, &tied) else {
        pick::say_why_nothing(&url, &tied);
        return None;
    };
    let id = tied[n].id.clone();
    // A pick that cannot be written still answers this once.
    if let Err(e) = pick::remember(store, config, &id, owner) {
        eprintln!(
            "git-credential-vouch: the pick was not remembered: {}",
            crate::term::one_line(&e)
        );
    }
    let mut with_pick = selected.to_vec();
    pick::assign(&mut with_pick, &id, owner);
    Some(with_pick)
}

/// An instance backed by OpenBao answers its secret (cached), by the rules of an added token.
fn get_openbao(
    config: &Config,
    store: &Store,
    request: &Request,
    lookup: &resolve::Lookup<'_>,
    instance: &crate::provider::Instance,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    let now = unix_now();
    let Some(credential) = crate::openbao::credential(store, config, instance, now)? else {
        return Ok(());
    };
    let target = request.target();
    let found = [credential];
    if let Outcome::Answer {
        credential,
        username,
        bearer,
        ..
    } = resolve::resolve(lookup, &target, &found, now).outcome
    {
        return answer(request, credential, username.as_deref(), bearer, out);
    }
    Ok(())
}

/// Answer a provider credential with the username resolution chose. A login token's refresh
/// token stays here: vouch refreshes it, and git would hand it to the helpers after vouch.
fn answer(
    request: &Request,
    credential: &Credential,
    username: Option<&str>,
    bearer: bool,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    let token = credential.password.as_ref();
    let answer = match token {
        Some(token) if bearer => Answer {
            pre_encoded: Some(("Bearer", token)),
            password_expiry_utc: credential.password_expiry_utc,
            ..Default::default()
        },
        _ => Answer {
            username,
            password: token,
            password_expiry_utc: credential.password_expiry_utc,
            oauth_refresh_token: credential
                .oauth_refresh_token
                .as_ref()
                .filter(|_| !credential.is_login()),
            pre_encoded: None,
        },
    };
    write(request, &answer, out)
}

pub(super) fn write(
    request: &Request,
    answer: &Answer<'_>,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    write_answer(request, answer, out).map_err(Error::Answer)
}
