//! Every kind and token kind sends the username its provider requires.

use super::*;

#[test]
fn every_kind_and_token_kind_sends_the_required_username() {
    use TokenKind::*;
    type Row = (
        TokenKind,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let table: &[Row] = &[
        // (token kind, account, --username, username sent)
        (
            GitHubClassicPat,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (
            GitHubFineGrainedPat,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (GitHubOAuth, Some("alice"), Some("alice"), Some("oauth2")),
        (GitHubAppInstallation, None, None, Some("x-access-token")),
        // The username of the tokens an App mints.
        (GitHubApp, Some("my-bot"), None, Some("x-access-token")),
        (
            GitHubAppUser,
            Some("alice"),
            Some("alice"),
            Some("x-access-token"),
        ),
        (
            GitLabPersonal,
            Some("alice@corp.example"),
            None,
            Some("alice@corp.example"),
        ),
        (
            GitLabOAuth2,
            Some("alice@corp.example"),
            None,
            Some("oauth2"),
        ),
        (
            GitLabDeployToken,
            None,
            Some("gitlab+deploy-token-12"),
            Some("gitlab+deploy-token-12"),
        ),
        (GitLabJobToken, None, None, Some("gitlab-ci-token")),
        (
            BitbucketApiToken,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (
            BitbucketAppPassword,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (BitbucketAccessToken, None, None, Some("x-token-auth")),
        (
            BitbucketServerPersonal,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (BitbucketServerProject, None, None, None),
        (BitbucketServerRepository, None, None, None),
        (
            AzurePat,
            Some("alice@corp.example"),
            None,
            Some("alice@corp.example"),
        ),
        (
            CodeCommitGitCredentials,
            Some("alice-at-123456789012"),
            Some("alice-at-123456789012"),
            Some("alice-at-123456789012"),
        ),
        (
            GiteaAccessToken,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (GiteaOAuth, Some("alice"), Some("alice"), Some("oauth2")),
        (
            BitbucketOAuth,
            Some("alice"),
            Some("alice"),
            Some("x-token-auth"),
        ),
        (SourcehutToken, Some("alice"), Some("alice"), Some("alice")),
        (
            HuggingFaceToken,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (
            GerritHttpPassword,
            Some("alice"),
            Some("alice"),
            Some("alice"),
        ),
        (Password, None, Some("whoever"), Some("whoever")),
    ];
    for kind in Kind::ALL {
        for token_kind in kind.token_kinds() {
            let row = table.iter().find(|r| r.0 == token_kind);
            let (_, account, username, sent) =
                row.unwrap_or_else(|| panic!("{kind:?} {token_kind:?} missing from the table"));
            let c = cred("x", "p", token_kind, *account, *username);
            assert_eq!(
                sent_username(&c).as_deref(),
                *sent,
                "{kind:?} {token_kind:?}"
            );
            assert_eq!(token_kind.is_bearer(), sent.is_none());
        }
    }
}
