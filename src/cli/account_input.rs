//! What a person gives for an account, checked before anything is stored: the instance they
//! named, the token (stdin or a no-echo prompt, never argv), its kind, the identity the
//! provider requires, the scope and the expiry.

use crate::config::Config;
use crate::credential::Credential;
use crate::error::Error;
use crate::provider::{Instance, TokenKind};
use crate::resolve::{self, Target};
use crate::term::escape;

// The rules a token and its identity follow, wherever they come from (`add`, `update`, OpenBao).
pub(super) use crate::provider::rules::{
    identity, identity_field, refuse_foreign, split_identity, token_kind,
};

pub(super) fn usage(field: &str, message: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{field}: {message}"))
}

/// The instance named by `provider`, and the host a credential is bound to ("" = every host).
pub(super) fn find_instance<'c>(
    config: &'c Config,
    provider: &str,
) -> Result<(&'c Instance, String), Error> {
    let named = config
        .named(provider)
        .map_err(|why| usage("provider", escape(&why)))?;
    if let Some(instance) = named {
        if instance.per_host {
            return Err(usage(
                "provider",
                format!(
                    "{} serves one tenant per host: name the host (one of {})",
                    instance.name,
                    instance
                        .hosts
                        .iter()
                        .map(|h| h.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        return Ok((instance, String::new()));
    }
    let host = crate::credential::normalize_host(provider);
    let target = Target {
        protocol: "https",
        host: &host,
        path: None,
        username: None,
        capability_authtype: true,
    };
    let lookup = resolve::lookup(config, &target);
    if let Some(m) = resolve::primary(&lookup) {
        let bound = if m.instance.per_host {
            host.clone()
        } else {
            String::new()
        };
        return Ok((m.instance, bound));
    }
    let hint = did_you_mean(config, provider)
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    Err(usage(
        "provider",
        format!(
            "no provider instance or known host named `{}` ({hint}see `git credential-vouch providers`)",
            escape(provider)
        ),
    ))
}

/// The instance name closest to a mistyped one, when it is close enough to be the one meant.
fn did_you_mean<'c>(config: &'c Config, typed: &str) -> Option<&'c str> {
    let typed = typed.to_ascii_lowercase();
    config
        .instances
        .iter()
        .map(|i| {
            (
                strsim::damerau_levenshtein(&typed, &i.name.to_ascii_lowercase()),
                &i.name,
            )
        })
        .filter(|(d, name)| *d > 0 && *d <= 2.max(name.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name.as_str())
}

pub(super) fn clean_scope(repo: &str) -> Result<Option<String>, Error> {
    let scope = repo.trim().trim_matches('/');
    let scope = scope.strip_suffix(".git").unwrap_or(scope);
    if scope.is_empty() {
        return Ok(None);
    }
    if scope.chars().any(char::is_control) || scope.split('/').any(str::is_empty) {
        return Err(usage(
            "repo",
            format!(
                "`{}` is not a repository path like group/project",
                escape(repo)
            ),
        ));
    }
    Ok(Some(scope.to_owned()))
}

/// `--expires`: `None` for `never`.
pub(super) fn expiry(text: &str) -> Result<Option<i64>, Error> {
    crate::time::parse_expiry(text, crate::credential::unix_now()).map_err(|e| usage("expires", e))
}

/// Another credential of the same instance, host, account and scope.
pub(super) fn duplicate<'e>(entries: &'e [Credential], c: &Credential) -> Option<&'e Credential> {
    let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    };
    entries.iter().find(|o| {
        o.id != c.id
            && o.provider == c.provider
            && o.host == c.host
            && o.token_kind.is_some_and(TokenKind::is_bearer)
                == c.token_kind.is_some_and(TokenKind::is_bearer)
            && same(&o.account, &c.account)
            && same(&o.username, &c.username)
            && same(&o.scope, &c.scope)
    })
}

/// Only one default among credentials that could tie.
pub(super) fn clear_other_defaults(entries: &mut [Credential], keep: &Credential) {
    for o in entries.iter_mut().filter(|o| {
        o.id != keep.id
            && o.provider == keep.provider
            && o.host == keep.host
            && o.scope == keep.scope
    }) {
        o.is_default = false;
    }
}

/// The configured instance of provider credential `c`.
pub(super) fn instance_of<'c>(config: &'c Config, c: &Credential) -> Result<&'c Instance, Error> {
    config.instance(&c.provider).ok_or_else(|| {
        usage(
            "id",
            format!(
                "its provider instance `{}` is no longer configured",
                c.provider
            ),
        )
    })
}

/// File `new` first in the store (created when missing), the only default among its equals:
/// its ID, or `Err` with the ID of the credential that holds the same account and scope.
pub(super) fn file_new(
    store: &crate::store::Store,
    config: &Config,
    new: &Credential,
) -> Result<Result<String, String>, Error> {
    let outcome = crate::allowed::update(store, config, crate::store::Create::Auto, |opened| {
        if let Some(existing) = duplicate(&opened.entries, new) {
            return (false, Err(existing.id.clone()));
        }
        if new.is_default {
            clear_other_defaults(&mut opened.entries, new);
        }
        opened.entries.insert(0, new.clone());
        (true, Ok(new.id.clone()))
    })?;
    Ok(outcome.expect("created when missing"))
}

#[cfg(test)]
mod tests;
