//! Which stored credential answers a request, and why: instance lookup by host (and path
//! prefix), then URL username, most specific scope, and the default flag. Never an arbitrary
//! pick: two equal candidates mean no answer. Used by `get`, `store`, `erase` and `resolve`.

use crate::config::Config;
use crate::credential::{Credential, Origin};
use crate::provider::path::{scope_covers, scope_depth, strip_segments};
use crate::provider::{Family, Instance, Kind, TokenKind, UsernameRule, repo_path};

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
pub struct InstanceMatch<'c> {
    pub instance: &'c Instance,
    /// The host pattern that matched.
    pub pattern: String,
}

/// The instances serving a host.
#[derive(Debug, Default)]
pub struct Lookup<'c> {
    /// Applicable instances, most specific (those with a path prefix) first.
    pub matched: Vec<InstanceMatch<'c>>,
    /// Instances of this host whose path prefix cannot be checked: git sent no path.
    pub undecided: Vec<&'c Instance>,
}

impl Lookup<'_> {
    pub fn is_provider(&self) -> bool {
        !self.matched.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.matched.iter().map(|m| m.instance.name.as_str())
    }

    pub fn find(&self, name: &str) -> Option<&InstanceMatch<'_>> {
        self.matched.iter().find(|m| m.instance.name == name)
    }
}

/// Provider instances answer https (and http where `allow_http`); every other protocol, and
/// plain http to a provider's host, is generic storage: a token added for a provider never
/// travels in clear text because a remote URL said `http://`.
pub fn lookup<'c>(config: &'c Config, target: &Target<'_>) -> Lookup<'c> {
    let mut found = Lookup::default();
    if !matches!(target.protocol, "http" | "https") {
        return found;
    }
    for instance in config.serving(target.host) {
        if !instance.serves(target.protocol) {
            continue;
        }
        let Some(pattern) = instance.hosts.iter().find(|p| p.matches(target.host)) else {
            continue;
        };
        if let Some(prefix) = &instance.path_prefix {
            match target.path {
                None => {
                    found.undecided.push(instance);
                    continue;
                }
                Some(path)
                    if strip_segments(path.trim_matches('/'), prefix.trim_matches('/'))
                        .is_none() =>
                {
                    continue;
                }
                Some(_) => {}
            }
        }
        found.matched.push(InstanceMatch {
            instance,
            pattern: pattern.to_string(),
        });
    }
    found
        .matched
        .sort_by_key(|m| m.instance.path_prefix.is_none());
    found
}

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
        }
    }
}

#[derive(Debug)]
pub struct Candidate<'s> {
    pub credential: &'s Credential,
    /// Higher is more specific: repository scope > path-prefix instance > host.
    pub outcome: Result<u32, Exclusion>,
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
    pub candidates: Vec<Candidate<'s>>,
    pub outcome: Outcome<'s>,
    pub notes: Vec<String>,
}

/// The username a credential sends when git has none.
/// A credential git stored keeps the username it was stored with: that is what the server
/// accepted.
pub fn sent_username(c: &Credential) -> Option<String> {
    let rule = c
        .token_kind
        .map_or(UsernameRule::AsStored, TokenKind::username_rule);
    if c.origin == Origin::Git && rule != UsernameRule::Bearer && c.username.is_some() {
        return c.username.clone();
    }
    match rule {
        UsernameRule::Account | UsernameRule::Any => {
            c.username.clone().or_else(|| c.account.clone())
        }
        UsernameRule::Fixed(name) => Some(name.to_owned()),
        UsernameRule::TokensOwn | UsernameRule::Generated | UsernameRule::AsStored => {
            c.username.clone()
        }
        UsernameRule::Bearer => None,
    }
}

/// Whether `user` (from the URL or git's config) names this credential's account.
pub fn identifies_as(c: &Credential, user: &str) -> bool {
    [
        c.username.clone(),
        c.account.clone(),
        c.email.clone(),
        sent_username(c),
    ]
    .iter()
    .flatten()
    .any(|name| name.eq_ignore_ascii_case(user))
}

/// The URL username as a filter on accounts. Azure DevOps puts the organization in the URL
/// user: when it names none of the instance's accounts, it is the organization, not a filter.
pub fn account_filter<'t>(
    lookup: &Lookup<'_>,
    target: &Target<'t>,
    credentials: &[Credential],
) -> Option<&'t str> {
    let user = target.username?;
    let azure = lookup
        .matched
        .first()
        .is_some_and(|m| m.instance.kind.family() == Family::Azure);
    let names_an_account = credentials
        .iter()
        .any(|c| lookup.find(&c.provider).is_some() && identifies_as(c, user));
    if azure && !names_an_account {
        None
    } else {
        Some(user)
    }
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
        .map(|(c, m)| Candidate {
            credential: c,
            outcome: judge(
                c,
                m,
                target,
                user_filter,
                repository_on(m.instance).as_deref(),
                now,
            ),
        })
        .collect();
    let outcome = choose(&candidates, target);
    Resolution {
        repository,
        candidates,
        outcome,
        notes,
    }
}

fn judge(
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
    if c.password.is_none() {
        return Err(Exclusion::NoToken);
    }
    if c.is_expired(now) {
        return Err(Exclusion::Expired);
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

fn choose<'s>(candidates: &[Candidate<'s>], target: &Target<'_>) -> Outcome<'s> {
    let eligible: Vec<(&'s Credential, u32)> = candidates
        .iter()
        .filter_map(|c| c.outcome.ok().map(|rank| (c.credential, rank)))
        .collect();
    let Some(best) = eligible.iter().map(|(_, r)| *r).max() else {
        return Outcome::Nothing(if candidates.is_empty() {
            "no credential is stored for this provider instance".into()
        } else {
            "every stored credential for this instance is excluded (see candidates)".into()
        });
    };
    let top: Vec<&'s Credential> = eligible
        .iter()
        .filter(|(_, r)| *r == best)
        .map(|(c, _)| *c)
        .collect();
    let level = match best {
        100.. => "the most specific repository scope",
        10 => "the instance's path prefix",
        _ => "the host",
    };
    let (chosen, why) = if top.len() == 1 {
        let how = if target.username.is_some() {
            "the URL username, then "
        } else {
            ""
        };
        (top[0], format!("chosen by {how}{level}"))
    } else {
        let defaults: Vec<&&Credential> = top.iter().filter(|c| c.is_default).collect();
        match defaults.as_slice() {
            [one] => (
                **one,
                format!(
                    "{} candidates at {level}; this one is the default",
                    top.len()
                ),
            ),
            _ => return Outcome::Ambiguous(top.iter().map(|c| c.id.clone()).collect()),
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

/// git needs a non-empty username; where the provider ignores it, a stable placeholder.
fn placeholder(c: &Credential) -> String {
    c.label
        .clone()
        .unwrap_or_else(|| "git-credential-vouch".into())
}

/// The instance a request belongs to, for filing a credential git sends: the most specific.
pub fn primary<'l, 'c>(lookup: &'l Lookup<'c>) -> Option<&'l InstanceMatch<'c>> {
    lookup.matched.first()
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
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn cred(
        id: &str,
        provider: &str,
        kind: TokenKind,
        account: Option<&str>,
        username: Option<&str>,
    ) -> Credential {
        Credential {
            id: id.into(),
            provider: provider.into(),
            token_kind: Some(kind),
            account: account.map(Into::into),
            username: username.map(Into::into),
            password: Some(Secret::new(format!("token-{id}"))),
            origin: Origin::Added,
            ..Default::default()
        }
    }

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
            (GitHubOAuth, Some("alice"), Some("alice"), Some("alice")),
            (GitHubAppInstallation, None, None, Some("x-access-token")),
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

    fn config(extra: &str) -> Config {
        Config::parse(extra, std::path::Path::new("test.toml")).unwrap()
    }

    fn target<'a>(host: &'a str, path: Option<&'a str>, user: Option<&'a str>) -> Target<'a> {
        Target {
            protocol: "https",
            host,
            path,
            username: user,
            capability_authtype: true,
        }
    }

    fn chosen(
        config: &Config,
        t: &Target<'_>,
        creds: &[Credential],
    ) -> Option<(String, Option<String>)> {
        let lookup = lookup(config, t);
        match resolve(&lookup, t, creds, 1000).outcome {
            Outcome::Answer {
                credential,
                username,
                ..
            } => Some((credential.id.clone(), username)),
            _ => None,
        }
    }

    #[test]
    fn url_username_then_scope_then_default() {
        let c = config("");
        let alice = cred(
            "alice",
            "github",
            TokenKind::GitHubClassicPat,
            Some("alice"),
            Some("alice"),
        );
        let bob = cred(
            "bob",
            "github",
            TokenKind::GitHubClassicPat,
            Some("bob"),
            Some("bob"),
        );
        let mut scoped = cred(
            "scoped",
            "github",
            TokenKind::GitHubFineGrainedPat,
            Some("alice"),
            Some("alice"),
        );
        scoped.scope = Some("o/r".into());
        let all = [alice.clone(), bob.clone(), scoped.clone()];
        // Two host-wide accounts and no URL user: no guess.
        assert_eq!(
            chosen(&c, &target("github.com", None, None), &all[..2]),
            None
        );
        assert_eq!(
            chosen(&c, &target("github.com", None, Some("bob")), &all)
                .unwrap()
                .0,
            "bob"
        );
        // The repository scope beats host-wide for the same user.
        assert_eq!(
            chosen(
                &c,
                &target("github.com", Some("o/r.git"), Some("alice")),
                &all
            )
            .unwrap()
            .0,
            "scoped"
        );
        assert_eq!(
            chosen(
                &c,
                &target("github.com", Some("o/other"), Some("alice")),
                &all
            )
            .unwrap()
            .0,
            "alice"
        );
        // A default breaks a tie.
        let mut bob_default = bob.clone();
        bob_default.is_default = true;
        assert_eq!(
            chosen(&c, &target("github.com", None, None), &[alice, bob_default])
                .unwrap()
                .0,
            "bob"
        );
    }

    #[test]
    fn the_url_username_is_never_replaced() {
        let c = config("");
        let inst = cred("i", "github", TokenKind::GitHubAppInstallation, None, None);
        assert_eq!(
            chosen(
                &c,
                &target("github.com", None, None),
                std::slice::from_ref(&inst)
            )
            .unwrap()
            .1
            .as_deref(),
            Some("x-access-token")
        );
        assert_eq!(
            chosen(
                &c,
                &target("github.com", None, Some("x-access-token")),
                &[inst]
            )
            .unwrap()
            .1
            .as_deref(),
            Some("x-access-token")
        );
    }

    #[test]
    fn bearer_tokens_need_the_capability() {
        let c = config(
            "[[provider]]\nname = \"bb\"\nkind = \"bitbucket-server\"\nhosts = [\"bb.corp:7990\"]\n",
        );
        let project = cred("p", "bb", TokenKind::BitbucketServerProject, None, None);
        let t = target("bb.corp:7990", None, None);
        let lookup = lookup(&c, &t);
        assert!(matches!(
            resolve(&lookup, &t, std::slice::from_ref(&project), 0).outcome,
            Outcome::Answer {
                bearer: true,
                username: None,
                ..
            }
        ));
        let old_git = Target {
            capability_authtype: false,
            ..t
        };
        let r = resolve(&lookup, &old_git, std::slice::from_ref(&project), 0);
        assert!(matches!(r.outcome, Outcome::Nothing(_)));
        assert_eq!(
            r.candidates[0].outcome,
            Err(Exclusion::BearerNeedsCapability)
        );
    }

    #[test]
    fn azure_takes_the_organization_from_the_url_user() {
        let c = config("");
        let mut org_a = cred(
            "a",
            "azure-devops",
            TokenKind::AzurePat,
            Some("me@corp.example"),
            None,
        );
        org_a.scope = Some("org-a".into());
        let mut org_b = cred(
            "b",
            "azure-devops",
            TokenKind::AzurePat,
            Some("me@corp.example"),
            None,
        );
        org_b.scope = Some("org-b".into());
        let all = [org_a, org_b];
        // With the path (useHttpPath), or with only the URL user naming the organization.
        assert_eq!(
            chosen(
                &c,
                &target("dev.azure.com", Some("org-b/p/_git/r"), Some("org-b")),
                &all
            )
            .unwrap(),
            ("b".into(), Some("org-b".into()))
        );
        assert_eq!(
            chosen(&c, &target("dev.azure.com", None, Some("org-a")), &all)
                .unwrap()
                .0,
            "a"
        );
        let lookup = lookup(&c, &target("dev.azure.com", None, None));
        let r = resolve(&lookup, &target("dev.azure.com", None, None), &all, 0);
        assert!(
            r.notes.iter().any(|n| n.contains("useHttpPath")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn a_path_prefix_instance_beats_the_host_and_needs_the_path() {
        let c = config(
            "[[provider]]\nname = \"team-a\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"]\npath_prefix = \"/team-a\"\n\
             [[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"]\n",
        );
        let team = cred(
            "team",
            "team-a",
            TokenKind::GitLabPersonal,
            Some("a@corp.example"),
            None,
        );
        let host = cred(
            "host",
            "corp",
            TokenKind::GitLabPersonal,
            Some("a@corp.example"),
            None,
        );
        let all = [team, host];
        assert_eq!(
            chosen(&c, &target("git.corp", Some("team-a/g/p.git"), None), &all)
                .unwrap()
                .0,
            "team"
        );
        assert_eq!(
            chosen(&c, &target("git.corp", Some("team-b/g/p.git"), None), &all)
                .unwrap()
                .0,
            "host"
        );
        let t = target("git.corp", None, None);
        let lookup = lookup(&c, &t);
        assert_eq!(lookup.undecided.len(), 1);
        let r = resolve(&lookup, &t, &all, 0);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("team-a") && n.contains("useHttpPath"))
        );
    }

    #[test]
    fn wildcard_instances_bind_credentials_to_their_host() {
        let c = config("");
        let mut acme = cred(
            "acme",
            "ghe.com",
            TokenKind::GitHubClassicPat,
            Some("alice"),
            Some("alice"),
        );
        acme.host = "acme.ghe.com".into();
        assert_eq!(
            chosen(
                &c,
                &target("acme.ghe.com", None, None),
                std::slice::from_ref(&acme)
            )
            .unwrap()
            .0,
            "acme"
        );
        assert_eq!(
            chosen(&c, &target("other.ghe.com", None, None), &[acme]),
            None
        );
    }

    #[test]
    fn expired_tokens_do_not_answer() {
        let c = config("");
        let mut old = cred(
            "old",
            "github",
            TokenKind::GitHubClassicPat,
            Some("alice"),
            Some("alice"),
        );
        old.password_expiry_utc = Some(999);
        assert_eq!(chosen(&c, &target("github.com", None, None), &[old]), None);
    }

    #[test]
    fn non_http_protocols_are_generic() {
        let c = config("");
        let t = Target {
            protocol: "cert",
            ..target("github.com", None, None)
        };
        assert!(!lookup(&c, &t).is_provider());
    }
}
