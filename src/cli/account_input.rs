//! What a person gives for an account, checked before anything is stored: the instance they
//! named, the token (stdin or a no-echo prompt, never argv), its kind, the identity the
//! provider requires, the scope and the expiry.

use std::io::{IsTerminal, Read};

use zeroize::Zeroizing;

use crate::config::Config;
use crate::credential::Credential;
use crate::error::Error;
use crate::provider::{IdentityRule, Instance, Kind, TokenKind, UsernameRule};
use crate::resolve::{self, Target};
use crate::secret::Secret;
use crate::term::escape;

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
    Err(usage(
        "provider",
        format!(
            "no provider instance or known host named `{}` (see `git credential-vouch providers`)",
            escape(provider)
        ),
    ))
}

pub(super) fn read_token(prompt: &str) -> Result<Secret, Error> {
    read_secret("token", prompt)
}

/// A secret from stdin, or from a no-echo prompt on a terminal; never from argv. `field` names
/// it in errors.
pub(super) fn read_secret(field: &str, prompt: &str) -> Result<Secret, Error> {
    let io = |source| Error::Io {
        what: format!("reading the {field}"),
        source,
    };
    let mut text = Zeroizing::new(String::new());
    if std::io::stdin().is_terminal() {
        *text = gix_prompt::securely(prompt)
            .map_err(|e| Error::Runtime(format!("prompting for the {field}: {e}")))?;
    } else {
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(io)?;
    }
    let value = text.strip_suffix('\n').unwrap_or(&text);
    let value = value.strip_suffix('\r').unwrap_or(value);
    if value.is_empty() {
        return Err(usage(field, "empty (give it on stdin or at the prompt)"));
    }
    let secret = Secret::new(value.to_owned());
    if secret.has_line_breaking_bytes() {
        return Err(usage(field, "contains a line break or NUL"));
    }
    Ok(secret)
}

pub(crate) fn token_kind(
    kind: Kind,
    given: Option<&str>,
    token: &Secret,
) -> Result<TokenKind, Error> {
    let family = kind.family();
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

pub(super) fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.contains('@'),
        None => false,
    }
}

/// Check the identity fields against the kind's identity rule and the token's username rule.
/// Returns the account identity.
pub(crate) fn identity(
    kind: Kind,
    token: TokenKind,
    username: Option<&str>,
    email: Option<&str>,
) -> Result<Option<String>, Error> {
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
        let field = if rule == IdentityRule::Email {
            "email"
        } else {
            "username"
        };
        return Err(usage(field, format!("required: {named}")));
    }
    Ok(account.or_else(|| username.map(str::to_owned)))
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

pub(super) fn expiry(text: &str) -> Result<i64, Error> {
    crate::time::parse(text).map_err(|e| usage("expires", e))
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
mod tests {
    use super::*;

    fn check(
        kind: Kind,
        token: TokenKind,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Result<Option<String>, String> {
        identity(kind, token, username, email).map_err(|e| e.to_string())
    }

    #[test]
    fn identity_rules_accept_and_refuse() {
        use Kind::*;
        use TokenKind::*;
        // Accepted.
        assert_eq!(
            check(GitHub, GitHubClassicPat, Some("alice"), None)
                .unwrap()
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            check(GitHub, GitHubClassicPat, None, Some("a@x.io"))
                .unwrap()
                .as_deref(),
            Some("a@x.io")
        );
        assert_eq!(
            check(GitLab, GitLabPersonal, Some("alice"), Some("a@x.io"))
                .unwrap()
                .as_deref(),
            Some("a@x.io")
        );
        assert!(
            check(GitLab, GitLabJobToken, None, None).is_ok(),
            "fixed username needs no identity"
        );
        assert!(check(BitbucketCloud, BitbucketApiToken, Some("alice"), None).is_ok());
        assert!(check(BitbucketCloud, BitbucketAccessToken, None, None).is_ok());
        assert!(check(BitbucketServer, BitbucketServerProject, None, None).is_ok());
        assert!(
            check(
                AwsCodeCommit,
                CodeCommitGitCredentials,
                Some("alice-at-123456789012"),
                None
            )
            .is_ok()
        );
        assert!(check(AzureDevOps, AzurePat, None, Some("a@corp.com")).is_ok());
        assert!(check(Gitea, GiteaAccessToken, Some("alice"), None).is_ok());
        // Refused, naming the rule.
        let e = check(GitLab, GitLabPersonal, Some("alice"), None).unwrap_err();
        assert!(
            e.starts_with("email:") && e.contains("identified by email"),
            "{e}"
        );
        let e = check(BitbucketCloud, BitbucketApiToken, Some("alice@x.io"), None).unwrap_err();
        assert!(
            e.starts_with("username:") && e.contains("an email is refused"),
            "{e}"
        );
        let e = check(
            BitbucketCloud,
            BitbucketApiToken,
            Some("alice"),
            Some("alice@x.io"),
        )
        .unwrap_err();
        assert!(e.starts_with("email:"), "{e}");
        let e = check(AwsCodeCommit, CodeCommitGitCredentials, None, None).unwrap_err();
        assert!(
            e.starts_with("username:") && e.contains("IAM-generated"),
            "{e}"
        );
        let e = check(
            AwsCodeCommit,
            CodeCommitGitCredentials,
            Some("a@b.com"),
            None,
        )
        .unwrap_err();
        assert!(e.starts_with("username:"), "{e}");
        let e = check(GitLab, GitLabDeployToken, None, Some("a@x.io")).unwrap_err();
        assert!(
            e.starts_with("username:") && e.contains("deploy-token"),
            "{e}"
        );
        let e = check(GitHub, GitHubClassicPat, None, None).unwrap_err();
        assert!(e.starts_with("username:"), "{e}");
        let e = check(GitHub, GitHubClassicPat, None, Some("not-an-email")).unwrap_err();
        assert!(e.starts_with("email:"), "{e}");
        let e = check(Gitea, GiteaAccessToken, Some("a@b.org"), None).unwrap_err();
        assert!(e.starts_with("username:"), "{e}");
    }

    #[test]
    fn scopes_are_cleaned() {
        assert_eq!(
            clean_scope("/group/project.git/").unwrap().as_deref(),
            Some("group/project")
        );
        assert_eq!(clean_scope("").unwrap(), None);
        assert!(clean_scope("a//b").is_err());
    }
}
