//! The identity rules and scope cleaning, without the binary.

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
