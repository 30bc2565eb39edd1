//! Token kinds: how each is recognised, and the username git must send with it.

use super::Family;

/// The username git must send with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameRule {
    /// The account's login or username (the server may ignore it).
    Account,
    /// Any non-empty value; the account identity (username or email) is sent.
    Any,
    /// A fixed name the provider demands.
    Fixed(&'static str),
    /// The token's own username, given with `--username` (GitLab deploy tokens).
    TokensOwn,
    /// The IAM-generated name, verbatim, given with `--username` (CodeCommit).
    Generated,
    /// No username: the token goes as `Authorization: Bearer`.
    Bearer,
    /// Whatever was stored (generic hosts).
    AsStored,
}

macro_rules! token_kinds {
    ($($variant:ident = $id:literal, $name:literal, $family:ident, $prefix:expr, $rule:expr;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TokenKind { $($variant),* }

        impl TokenKind {
            pub const ALL: &'static [TokenKind] = &[$(TokenKind::$variant),*];

            /// Unique across families; what the store keeps.
            pub fn id(self) -> &'static str {
                match self { $(TokenKind::$variant => $id),* }
            }

            /// The name `--token-kind` takes (unique within a family).
            pub fn name(self) -> &'static str {
                match self { $(TokenKind::$variant => $name),* }
            }

            pub fn family(self) -> Family {
                match self { $(TokenKind::$variant => Family::$family),* }
            }

            /// The prefix that identifies this kind of token, if it has one.
            pub fn prefix(self) -> Option<&'static str> {
                match self { $(TokenKind::$variant => $prefix),* }
            }

            pub fn username_rule(self) -> UsernameRule {
                match self { $(TokenKind::$variant => $rule),* }
            }
        }
    };
}

use UsernameRule::*;

token_kinds! {
    GitHubClassicPat = "github/classic-pat", "classic-pat", GitHub, Some("ghp_"), Account;
    GitHubFineGrainedPat = "github/fine-grained-pat", "fine-grained-pat", GitHub, Some("github_pat_"), Account;
    GitHubOAuth = "github/oauth", "oauth", GitHub, Some("gho_"), Fixed("oauth2");
    GitHubAppInstallation = "github/app-installation", "app-installation", GitHub, Some("ghs_"), Fixed("x-access-token");
    GitHubAppUser = "github/app-user", "app-user", GitHub, Some("ghu_"), Fixed("x-access-token");
    // Not a token: a GitHub App's private key, which mints installation tokens (`add --app-id`).
    GitHubApp = "github/app", "github-app", GitHub, None, Fixed("x-access-token");
    GitLabPersonal = "gitlab/access-token", "access-token", GitLab, Some("glpat-"), Any;
    GitLabOAuth2 = "gitlab/oauth2", "oauth2", GitLab, None, Fixed("oauth2");
    GitLabDeployToken = "gitlab/deploy-token", "deploy-token", GitLab, Some("gldt-"), TokensOwn;
    GitLabJobToken = "gitlab/job-token", "job-token", GitLab, Some("glcbt-"), Fixed("gitlab-ci-token");
    BitbucketApiToken = "bitbucket-cloud/api-token", "api-token", BitbucketCloud, Some("ATAT"), Account;
    BitbucketAppPassword = "bitbucket-cloud/app-password", "app-password", BitbucketCloud, Some("ATBB"), Account;
    BitbucketAccessToken = "bitbucket-cloud/access-token", "access-token", BitbucketCloud, Some("ATCT"), Fixed("x-token-auth");
    BitbucketOAuth = "bitbucket-cloud/oauth", "oauth", BitbucketCloud, None, Fixed("x-token-auth");
    BitbucketServerPersonal = "bitbucket-server/personal-token", "personal-token", BitbucketServer, None, Account;
    BitbucketServerProject = "bitbucket-server/project-token", "project-token", BitbucketServer, None, Bearer;
    BitbucketServerRepository = "bitbucket-server/repository-token", "repository-token", BitbucketServer, None, Bearer;
    AzurePat = "azure/pat", "pat", Azure, None, Any;
    CodeCommitGitCredentials = "aws-codecommit/git-credentials", "git-credentials", CodeCommit, None, Generated;
    GiteaAccessToken = "gitea/access-token", "access-token", Gitea, None, Account;
    GiteaOAuth = "gitea/oauth", "oauth", Gitea, None, Fixed("oauth2");
    SourcehutToken = "sourcehut/access-token", "access-token", Sourcehut, None, Account;
    HuggingFaceToken = "huggingface/user-token", "user-token", HuggingFace, Some("hf_"), Account;
    GerritHttpPassword = "gerrit/http-password", "http-password", Gerrit, None, Account;
    Password = "generic/password", "password", Generic, None, AsStored;
}

impl TokenKind {
    pub fn from_id(id: &str) -> Option<TokenKind> {
        TokenKind::ALL.iter().copied().find(|t| t.id() == id)
    }

    /// `--token-kind NAME` for a family.
    pub fn parse(family: Family, name: &str) -> Option<TokenKind> {
        TokenKind::ALL.iter().copied().find(|t| {
            t.family() == family && (t.name().eq_ignore_ascii_case(name) || t.id() == name)
        })
    }

    /// The kind a token's own shape reveals, within a family.
    pub fn detect(family: Family, token: &str) -> Option<TokenKind> {
        if family == Family::Azure && is_azure_pat(token) {
            return Some(TokenKind::AzurePat);
        }
        TokenKind::ALL
            .iter()
            .copied()
            .filter(|t| t.family() == family)
            .find(|t| t.prefix().is_some_and(|p| token.starts_with(p)))
    }

    /// A kind of another family whose prefix `token` carries, when `family` recognises none of
    /// its own: `glpat-...` given for GitHub is a GitLab token, pasted into the wrong command.
    /// Generic instances take any password.
    pub fn foreign(family: Family, token: &str) -> Option<TokenKind> {
        if family == Family::Generic || TokenKind::detect(family, token).is_some() {
            return None;
        }
        TokenKind::ALL
            .iter()
            .copied()
            .filter(|t| t.family() != family)
            .find(|t| t.prefix().is_some_and(|p| token.starts_with(p)))
    }

    /// The provider this kind's tokens come from, as people name it.
    pub fn provider_title(self) -> &'static str {
        match self.family() {
            Family::GitHub => "GitHub",
            Family::GitLab => "GitLab",
            Family::BitbucketCloud => "Bitbucket Cloud",
            Family::BitbucketServer => "Bitbucket Data Center",
            Family::Azure => "Azure DevOps",
            Family::CodeCommit => "AWS CodeCommit",
            Family::Gitea => "Gitea",
            Family::Sourcehut => "sourcehut",
            Family::HuggingFace => "Hugging Face",
            Family::Gerrit => "Gerrit",
            Family::Generic => "generic",
        }
    }

    /// The kind assumed when the token has no recognisable prefix and none was given.
    /// `None`: the family's tokens always carry a prefix, so guessing would be wrong.
    pub fn fallback(family: Family) -> Option<TokenKind> {
        Some(match family {
            Family::GitHub => return None,
            // Instances may change the glpat- prefix.
            Family::GitLab => TokenKind::GitLabPersonal,
            // An OAuth access token carries no prefix.
            Family::BitbucketCloud => TokenKind::BitbucketAccessToken,
            Family::BitbucketServer => TokenKind::BitbucketServerPersonal,
            Family::Azure => TokenKind::AzurePat,
            Family::CodeCommit => TokenKind::CodeCommitGitCredentials,
            Family::Gitea => TokenKind::GiteaAccessToken,
            Family::Sourcehut => TokenKind::SourcehutToken,
            Family::HuggingFace => TokenKind::HuggingFaceToken,
            Family::Gerrit => TokenKind::GerritHttpPassword,
            Family::Generic => TokenKind::Password,
        })
    }

    /// The kind `login` files its tokens under, for a family with an OAuth login.
    pub fn oauth(family: Family) -> Option<TokenKind> {
        match family {
            Family::GitHub => Some(TokenKind::GitHubOAuth),
            Family::GitLab => Some(TokenKind::GitLabOAuth2),
            Family::Gitea => Some(TokenKind::GiteaOAuth),
            Family::BitbucketCloud => Some(TokenKind::BitbucketOAuth),
            _ => None,
        }
    }

    /// A personal access token (or its equivalent: a password-like token a person makes on a
    /// web page), which an instance may disable with `pat = false`.
    pub fn is_pat(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            GitHubClassicPat
                | GitHubFineGrainedPat
                | GitLabPersonal
                | BitbucketApiToken
                | BitbucketAppPassword
                | BitbucketServerPersonal
                | AzurePat
                | GiteaAccessToken
                | SourcehutToken
                | HuggingFaceToken
        )
    }

    pub fn is_bearer(self) -> bool {
        self.username_rule() == UsernameRule::Bearer
    }

    /// Kinds whose username is fixed or the token's own need no account identity.
    pub fn needs_identity(self) -> bool {
        matches!(self.username_rule(), Account | Any | AsStored)
    }

    pub fn describe_username(self) -> String {
        match self.username_rule() {
            Account => "the account's username".into(),
            Any => "any non-empty: the account (username or email)".into(),
            Fixed(name) => name.into(),
            TokensOwn => "the token's own username (--username)".into(),
            Generated => "the IAM-generated username, verbatim (--username)".into(),
            Bearer => "none: Authorization: Bearer (needs git >= 2.46)".into(),
            AsStored => "as stored".into(),
        }
    }
}

/// New-format Azure DevOps PATs: 84 characters with "AZDO" at offsets 76..80; legacy: 52.
fn is_azure_pat(token: &str) -> bool {
    (token.len() == 84 && token.get(76..80) == Some("AZDO")) || token.len() == 52
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_names_unique_within_a_family() {
        for (i, a) in TokenKind::ALL.iter().enumerate() {
            for b in &TokenKind::ALL[i + 1..] {
                assert_ne!(a.id(), b.id());
                assert!(
                    a.family() != b.family() || a.name() != b.name(),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn prefixes_are_detected() {
        let table = [
            (Family::GitHub, "ghp_abc", Some(TokenKind::GitHubClassicPat)),
            (
                Family::GitHub,
                "github_pat_11AB",
                Some(TokenKind::GitHubFineGrainedPat),
            ),
            (Family::GitHub, "gho_x", Some(TokenKind::GitHubOAuth)),
            (
                Family::GitHub,
                "ghs_x",
                Some(TokenKind::GitHubAppInstallation),
            ),
            (Family::GitHub, "ghu_x", Some(TokenKind::GitHubAppUser)),
            (Family::GitHub, "no-prefix", None),
            (Family::GitLab, "glpat-x", Some(TokenKind::GitLabPersonal)),
            (Family::GitLab, "gldt-x", Some(TokenKind::GitLabDeployToken)),
            (Family::GitLab, "glcbt-x", Some(TokenKind::GitLabJobToken)),
            (
                Family::BitbucketCloud,
                "ATATx",
                Some(TokenKind::BitbucketApiToken),
            ),
            (
                Family::BitbucketCloud,
                "ATBBx",
                Some(TokenKind::BitbucketAppPassword),
            ),
            (
                Family::BitbucketCloud,
                "ATCTx",
                Some(TokenKind::BitbucketAccessToken),
            ),
            (
                Family::HuggingFace,
                "hf_x",
                Some(TokenKind::HuggingFaceToken),
            ),
            // A GitHub prefix means nothing on GitLab.
            (Family::GitLab, "ghp_x", None),
        ];
        for (family, token, expected) in table {
            assert_eq!(
                TokenKind::detect(family, token),
                expected,
                "{family:?} {token}"
            );
        }
        let new_azure = format!("{}AZDO{}", "a".repeat(76), "b".repeat(4));
        assert_eq!(
            TokenKind::detect(Family::Azure, &new_azure),
            Some(TokenKind::AzurePat)
        );
        assert_eq!(
            TokenKind::detect(Family::Azure, &"c".repeat(52)),
            Some(TokenKind::AzurePat)
        );
        assert_eq!(TokenKind::detect(Family::Azure, "short"), None);
    }

    #[test]
    fn another_familys_prefix_is_named() {
        let foreign = |family, token| TokenKind::foreign(family, token);
        assert_eq!(
            foreign(Family::GitHub, "glpat-x"),
            Some(TokenKind::GitLabPersonal)
        );
        assert_eq!(
            foreign(Family::GitLab, "ghp_x"),
            Some(TokenKind::GitHubClassicPat)
        );
        assert_eq!(
            foreign(Family::Gitea, "hf_x").map(TokenKind::provider_title),
            Some("Hugging Face")
        );
        assert_eq!(foreign(Family::GitHub, "ghp_x"), None, "its own");
        assert_eq!(foreign(Family::GitLab, "no-prefix"), None);
        assert_eq!(foreign(Family::Generic, "glpat-x"), None, "any password");
        // An Azure PAT is recognised by its shape first, whatever it starts with.
        let azure = format!("ATAT{}AZDO{}", "a".repeat(72), "b".repeat(4));
        assert_eq!(foreign(Family::Azure, &azure), None);
    }
}
