//! What a person gives for an account, checked before anything is stored: the instance they
//! named, the token (stdin or a no-echo prompt, never argv), its kind, the identity the
//! provider requires, the scope and the expiry.

use crate::config::Config;
use crate::credential::Credential;
use crate::error::Error;
use crate::provider::{IdentityRule, Instance, Kind, TokenKind, UsernameRule};
use crate::provider_api::owner::looks_like_email;
use crate::resolve::{self, Target};
use crate::secret::Secret;
use crate::term::escape;

// Where `instances` and `openbao` have always found it.
pub(super) use super::input::read_secret;

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

/// A token pasted into the wrong command: its prefix belongs to another provider.
pub(super) fn refuse_foreign(kind: Kind, token: &Secret) -> Result<(), Error> {
    match TokenKind::foreign(kind.family(), token.expose()) {
        Some(other) => Err(usage(
            "token",
            format!(
                "looks like a {} token ({}), not a {} token",
                other.provider_title(),
                other.prefix().unwrap_or_default(),
                kind.name()
            ),
        )),
        None => Ok(()),
    }
}

pub(crate) fn token_kind(
    kind: Kind,
    given: Option<&str>,
    token: &Secret,
) -> Result<TokenKind, Error> {
    let family = kind.family();
    refuse_foreign(kind, token)?;
    let detected = TokenKind::detect(family, token.expose());
    let names = || {
        kind.token_kinds()
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match given {
        Some(name) => {
            let chosen = TokenKind::parse(family, name)
                .ok_or_else(|| usage("token-kind", format!("`{}` is not a {} token kind (one of: {})", escape(name), kind.name(), names())))?;
            match detected {
                Some(d) if d != chosen => Err(usage(
                    "token-kind",
                    format!("the token's prefix says {}, not {}", d.name(), chosen.name()),
                )),
                _ => Ok(chosen),
            }
        }
        None => detected.or_else(|| TokenKind::fallback(family)).ok_or_else(|| {
            usage(
                "token-kind",
                format!("cannot tell the kind from the token's prefix; give --token-kind (one of: {})", names()),
            )
        }),
    }
}

/// An account's identity fields as checked and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Who {
    pub username: Option<String>,
    pub email: Option<String>,
    /// The account identity: username or email, per the kind.
    pub account: Option<String>,
}

/// The field that holds a `kind` account's identity when none is given.
pub(super) fn identity_field(kind: Kind) -> &'static str {
    if kind.identity() == IdentityRule::Email {
        "email"
    } else {
        "username"
    }
}

/// `username` holds the username or the email, as the kind's identity needs (one field, as in
/// other tools' models): where the identity is an email (GitLab), an email given as the
/// username is that email. Returns (username, email).
pub(super) fn split_identity<'a>(
    kind: Kind,
    token: TokenKind,
    username: Option<&'a str>,
    email: Option<&'a str>,
) -> (Option<&'a str>, Option<&'a str>) {
    match (username, email) {
        (Some(u), None)
            if kind.identity() == IdentityRule::Email
                && token.needs_identity()
                && looks_like_email(u) =>
        {
            (None, Some(u))
        }
        given => given,
    }
}

/// Check the identity fields against the kind's identity rule and the token's username rule
/// (after [`split_identity`]).
pub(crate) fn identity(
    kind: Kind,
    token: TokenKind,
    username: Option<&str>,
    email: Option<&str>,
) -> Result<Who, Error> {
    let (username, email) = split_identity(kind, token, username, email);
    for (field, value) in [("username", username), ("email", email)] {
        if let Some(v) = value
            && (v.is_empty() || v.chars().any(char::is_control))
        {
            return Err(usage(
                field,
                "must be non-empty, without control characters",
            ));
        }
    }
    if let Some(e) = email
        && !looks_like_email(e)
    {
        return Err(usage(
            "email",
            format!("`{}` is not an email address", escape(e)),
        ));
    }
    let rule = kind.identity();
    let named = format!(
        "{} accounts are identified by {}",
        kind.name(),
        rule.describe()
    );
    if matches!(
        token.username_rule(),
        UsernameRule::TokensOwn | UsernameRule::Generated
    ) && username.is_none()
    {
        return Err(usage(
            "username",
            format!(
                "required for {} tokens: {}",
                token.name(),
                token.describe_username()
            ),
        ));
    }
    let refuse_email = matches!(
        rule,
        IdentityRule::UsernameNotEmail | IdentityRule::Username
    );
    if refuse_email {
        if let Some(u) = username.filter(|u| u.contains('@')) {
            return Err(usage(
                "username",
                format!("`{}` looks like an email; {named}", escape(u)),
            ));
        }
        if email.is_some() && rule == IdentityRule::UsernameNotEmail {
            return Err(usage(
                "email",
                format!("{named} (the email is for REST calls only)"),
            ));
        }
    }
    let account = match rule {
        IdentityRule::Email => email.map(str::to_owned),
        _ => username.or(email).map(str::to_owned),
    };
    if account.is_none() && token.needs_identity() {
        let field = identity_field(kind);
        return Err(usage(field, format!("required (--{field}): {named}")));
    }
    Ok(Who {
        account: account.or_else(|| username.map(str::to_owned)),
        username: username.map(str::to_owned),
        email: email.map(str::to_owned),
    })
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

#[cfg(test)]
mod tests;
