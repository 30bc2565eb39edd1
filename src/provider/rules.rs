//! The rules a token and the identity filed with it follow, wherever they come from (`add`,
//! `update`, a secret in OpenBao): a token's kind from its prefix or as given, and the username
//! or email the provider identifies its accounts by.

use super::{IdentityRule, Kind, TokenKind, UsernameRule};
use crate::secret::Secret;
use crate::term::escape;

/// A value that breaks a rule: the field it was given as (`token`, `token-kind`, `username`,
/// `email`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl std::fmt::Display) -> Invalid {
    Invalid {
        field,
        message: message.to_string(),
    }
}

/// `local@domain.tld`: one `@`, something before it, a dot after it.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.contains('@'),
        None => false,
    }
}

/// A token pasted into the wrong command: its prefix belongs to another provider.
pub fn refuse_foreign(kind: Kind, token: &Secret) -> Result<(), Invalid> {
    match TokenKind::foreign(kind.family(), token.expose()) {
        Some(other) => Err(invalid(
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

pub fn token_kind(kind: Kind, given: Option<&str>, token: &Secret) -> Result<TokenKind, Invalid> {
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
                .ok_or_else(|| invalid("token-kind", format!("`{}` is not a {} token kind (one of: {})", escape(name), kind.name(), names())))?;
            if chosen == TokenKind::GitHubApp {
                return Err(invalid(
                    "token-kind",
                    "a GitHub App is added with --app-id and its private key, not as a token",
                ));
            }
            match detected {
                Some(d) if d != chosen => Err(invalid(
                    "token-kind",
                    format!("the token's prefix says {}, not {}", d.name(), chosen.name()),
                )),
                _ => Ok(chosen),
            }
        }
        None => detected.or_else(|| TokenKind::fallback(family)).ok_or_else(|| {
            invalid(
                "token-kind",
                format!("cannot tell the kind from the token's prefix; give --token-kind (one of: {})", names()),
            )
        }),
    }
}

/// An account's identity fields as checked and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub username: Option<String>,
    pub email: Option<String>,
    /// The account identity: username or email, per the kind.
    pub account: Option<String>,
}

/// The field that holds a `kind` account's identity when none is given.
pub fn identity_field(kind: Kind) -> &'static str {
    if kind.identity() == IdentityRule::Email {
        "email"
    } else {
        "username"
    }
}

/// `username` holds the username or the email, as the kind's identity needs (one field, as in
/// other tools' models): where the identity is an email (GitLab), an email given as the
/// username is that email. Returns (username, email).
pub fn split_identity<'a>(
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
pub fn identity(
    kind: Kind,
    token: TokenKind,
    username: Option<&str>,
    email: Option<&str>,
) -> Result<Who, Invalid> {
    let (username, email) = split_identity(kind, token, username, email);
    for (field, value) in [("username", username), ("email", email)] {
        if let Some(v) = value
            && (v.is_empty() || v.chars().any(char::is_control))
        {
            return Err(invalid(
                field,
                "must be non-empty, without control characters",
            ));
        }
    }
    if let Some(e) = email
        && !looks_like_email(e)
    {
        return Err(invalid(
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
        return Err(invalid(
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
            return Err(invalid(
                "username",
                format!("`{}` looks like an email; {named}", escape(u)),
            ));
        }
        if email.is_some() && rule == IdentityRule::UsernameNotEmail {
            return Err(invalid(
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
        return Err(invalid(field, format!("required (--{field}): {named}")));
    }
    Ok(Who {
        account: account.or_else(|| username.map(str::to_owned)),
        username: username.map(str::to_owned),
        email: email.map(str::to_owned),
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
        identity(kind, token, username, email)
            .map(|who| who.account)
            .map_err(|e| e.to_string())
    }

    /// Identities refused: kind, token kind, username and email ("": not given), the field named
    /// and what the message says.
    #[rustfmt::skip]
    const REFUSED: [(Kind, TokenKind, &str, &str, &str, &str); 9] = [
        (Kind::GitLab, TokenKind::GitLabPersonal, "alice", "", "email", "identified by email"),
        (Kind::BitbucketCloud, TokenKind::BitbucketApiToken, "a@x.io", "", "username", "email is refused"),
        (Kind::BitbucketCloud, TokenKind::BitbucketApiToken, "alice", "a@x.io", "email", ""),
        (Kind::AwsCodeCommit, TokenKind::CodeCommitGitCredentials, "", "", "username", "IAM-generated"),
        (Kind::AwsCodeCommit, TokenKind::CodeCommitGitCredentials, "a@b.com", "", "username", ""),
        (Kind::GitLab, TokenKind::GitLabDeployToken, "", "a@x.io", "username", "deploy-token"),
        (Kind::GitHub, TokenKind::GitHubClassicPat, "", "", "username", ""),
        (Kind::GitHub, TokenKind::GitHubClassicPat, "", "not-an-email", "email", ""),
        (Kind::Gitea, TokenKind::GiteaAccessToken, "a@b.org", "", "username", ""),
    ];

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
        // An email where the identity is one is taken as the email, whichever field held it.
        let who = identity(GitLab, GitLabPersonal, Some("a@x.io"), None).unwrap();
        assert_eq!(
            (who.username, who.email.as_deref(), who.account.as_deref()),
            (None, Some("a@x.io"), Some("a@x.io"))
        );
        // A deploy token's own username stays its username.
        let who = identity(GitLab, GitLabDeployToken, Some("a@x.io"), None).unwrap();
        assert_eq!(who.username.as_deref(), Some("a@x.io"));
        // Refused, naming the field and the rule.
        let given = |v: &'static str| Some(v).filter(|v| !v.is_empty());
        for (kind, token, username, email, field, says) in REFUSED {
            let e = identity(kind, token, given(username), given(email)).unwrap_err();
            assert!(e.field == field && e.message.contains(says), "{e}");
        }
    }
}
