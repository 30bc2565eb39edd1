//! The provider catalogue: kinds of Git hosts, their built-in instances, token kinds and the
//! username each requires (facts from the providers spec). Resolution never touches the network.

pub mod app;
mod host;
pub mod path;
pub mod rules;
mod token;

pub use host::HostPattern;
pub use path::repo_path;
pub use token::{TokenKind, UsernameRule};

/// How a kind identifies the account a credential belongs to (`add --username/--email`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRule {
    UsernameOrEmail,
    Email,
    /// A username; an email is refused.
    UsernameNotEmail,
    Username,
}

impl IdentityRule {
    pub fn describe(self) -> &'static str {
        match self {
            IdentityRule::UsernameOrEmail => "username or email",
            IdentityRule::Email => "email",
            IdentityRule::UsernameNotEmail => "username (an email is refused)",
            IdentityRule::Username => "username",
        }
    }
}

/// Kinds that share token kinds and username rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    GitHub,
    GitLab,
    BitbucketCloud,
    BitbucketServer,
    Azure,
    CodeCommit,
    Gitea,
    Sourcehut,
    HuggingFace,
    Gerrit,
    Generic,
}

macro_rules! kinds {
    ($($variant:ident = $name:literal, $family:ident, $identity:ident, [$($alias:literal),*];)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            pub fn family(self) -> Family {
                match self { $(Kind::$variant => Family::$family),* }
            }

            pub fn identity(self) -> IdentityRule {
                match self { $(Kind::$variant => IdentityRule::$identity),* }
            }

            /// Other tools' names for the kind, accepted case-insensitively.
            pub fn aliases(self) -> &'static [&'static str] {
                match self { $(Kind::$variant => &[$($alias),*]),* }
            }
        }
    };
}

kinds! {
    GitHub = "github", GitHub, UsernameOrEmail, ["gitHub"];
    GitHubEnterprise = "github-enterprise", GitHub, UsernameOrEmail, ["gitHubEnterprise"];
    GitLab = "gitlab", GitLab, Email, ["gitLab"];
    GitLabSelfManaged = "gitlab-self-managed", GitLab, Email, ["gitLabEnterpriseEdition"];
    BitbucketCloud = "bitbucket-cloud", BitbucketCloud, UsernameNotEmail, ["bitbucketCloud", "BitBucket"];
    BitbucketServer = "bitbucket-server", BitbucketServer, UsernameNotEmail, ["bitbucketServer", "bitbucket-data-center"];
    AzureDevOps = "azure-devops", Azure, UsernameOrEmail, ["azureDevOpsServices"];
    AzureDevOpsServer = "azure-devops-server", Azure, UsernameOrEmail, ["azureDevOpsServer"];
    AwsCodeCommit = "aws-codecommit", CodeCommit, UsernameNotEmail, ["awsCodeCommit"];
    Gitea = "gitea", Gitea, Username, [];
    Forgejo = "forgejo", Gitea, Username, [];
    Codeberg = "codeberg", Gitea, Username, [];
    Sourcehut = "sourcehut", Sourcehut, Username, [];
    HuggingFace = "huggingface", HuggingFace, Username, [];
    Gerrit = "gerrit", Gerrit, Username, [];
    Generic = "generic", Generic, Username, [];
}

impl Kind {
    /// Case-insensitive, by name or alias ("GitHub", "gitLabEnterpriseEdition", ...).
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| {
            k.name().eq_ignore_ascii_case(text)
                || k.aliases().iter().any(|a| a.eq_ignore_ascii_case(text))
        })
    }

    /// Hosts whose paths name the tenant: git must send the path (credential.useHttpPath).
    pub fn needs_path(self) -> bool {
        matches!(
            self,
            Kind::AzureDevOps | Kind::AzureDevOpsServer | Kind::AwsCodeCommit
        )
    }

    pub fn token_kinds(self) -> Vec<TokenKind> {
        TokenKind::ALL
            .iter()
            .copied()
            .filter(|t| t.family() == self.family())
            .collect()
    }

    /// Kinds whose providers offer an OAuth login that `login` knows.
    pub fn has_oauth_login(self) -> bool {
        matches!(
            self.family(),
            Family::GitHub | Family::GitLab | Family::Gitea | Family::BitbucketCloud
        )
    }

    pub fn path_shape(self) -> &'static str {
        match self {
            Kind::GitHub | Kind::GitHubEnterprise => "/{owner}/{repo}[.git]",
            Kind::GitLab | Kind::GitLabSelfManaged => "/{group}[/{subgroup}...]/{project}[.git]",
            Kind::BitbucketCloud => "/{workspace}/{repo}.git",
            Kind::BitbucketServer => "[/{context}]/scm/{PROJECT}/{repo}.git",
            Kind::AzureDevOps => "/{org}/{project}/_git/{repo}",
            Kind::AzureDevOpsServer => "/{virtual_dir}/{collection}/{project}/_git/{repo}",
            Kind::AwsCodeCommit => "/v1/repos/{repo}",
            Kind::Gitea | Kind::Forgejo | Kind::Codeberg => "/{owner}/{repo}.git",
            Kind::Sourcehut => "/~{user}/{repo}",
            Kind::HuggingFace => "/{ns}/{repo}, /datasets/..., /spaces/...",
            Kind::Gerrit => "/{project} or /a/{project}",
            Kind::Generic => "any",
        }
    }
}

/// A provider instance: a kind served at some hosts. Built in, or from config.toml.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub name: String,
    pub kind: Kind,
    pub hosts: Vec<HostPattern>,
    /// Only paths below this prefix belong to the instance (any kind).
    pub path_prefix: Option<String>,
    /// azure-devops-server's virtual directory, e.g. "/tfs".
    pub virtual_directory: Option<String>,
    /// Where the OAuth endpoints live, when not on the git host.
    pub issuer_url: Option<String>,
    /// The provider's REST API, when not where the kind puts it on the host.
    pub api_url: Option<String>,
    /// The OAuth app people log in with (`login`); its secret, for a confidential client, is
    /// kept encrypted in the store, never here.
    pub oauth_client_id: Option<String>,
    /// The scopes `login` asks for; `None`: the kind's defaults.
    pub scopes: Option<Vec<String>>,
    /// Personal access tokens may be added and are answered (config.toml `pat`, default true).
    pub pat: bool,
    pub on_reject: Option<OnReject>,
    /// Tokens are answered over plain `http` too (config.toml `allow_http`): for loopback test
    /// servers and closed intranets only. Otherwise `https` only, so one mistyped or hostile
    /// `http://` remote never sends a token in clear text.
    pub allow_http: bool,
    pub builtin: bool,
    /// Each host is a separate tenant (`*.ghe.com`): credentials are bound to one host.
    /// Otherwise the hosts are names of one service and credentials cover all of them.
    pub per_host: bool,
    /// A KV v2 secret in OpenBao that holds this instance's token (config.toml
    /// `openbao_path = "secret/git/corp"`: mount `secret`, path `git/corp`).
    pub openbao_path: Option<String>,
}

impl Instance {
    /// The host a credential at `host` is served at: `host` itself, or for a credential bound to
    /// no host (an instance-wide token), the instance's first exact host; `None` when it has
    /// only wildcard hosts.
    pub fn host_for(&self, host: &str) -> Option<String> {
        if !host.is_empty() {
            return Some(host.to_owned());
        }
        self.hosts
            .iter()
            .find(|h| h.is_exact())
            .map(|h| h.as_str().to_owned())
    }

    /// A configured instance with default settings.
    pub fn new(name: String, kind: Kind, hosts: Vec<HostPattern>) -> Instance {
        Instance {
            name,
            kind,
            hosts,
            path_prefix: None,
            virtual_directory: None,
            issuer_url: None,
            api_url: None,
            oauth_client_id: None,
            scopes: None,
            pat: true,
            on_reject: None,
            allow_http: false,
            builtin: false,
            per_host: false,
            openbao_path: None,
        }
    }

    /// Whether this instance answers for `protocol`: `https`, and `http` only when allowed.
    pub fn serves(&self, protocol: &str) -> bool {
        protocol == "https" || (protocol == "http" && self.allow_http)
    }
}

/// What `erase` does to a credential git reports as rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnReject {
    Delete,
    Keep,
}

/// The instances every user has without configuring anything.
pub fn builtin_instances() -> Vec<Instance> {
    let make = |name: &str, kind: Kind, hosts: &[&str]| Instance {
        builtin: true,
        ..Instance::new(
            name.to_owned(),
            kind,
            hosts
                .iter()
                .map(|h| HostPattern::parse(h).expect("valid built-in pattern"))
                .collect(),
        )
    };
    vec![
        make("github", Kind::GitHub, &["github.com", "gist.github.com"]),
        Instance {
            per_host: true,
            ..make("ghe.com", Kind::GitHubEnterprise, &["*.ghe.com"])
        },
        make("gitlab", Kind::GitLab, &["gitlab.com"]),
        make("bitbucket", Kind::BitbucketCloud, &["bitbucket.org"]),
        make(
            "azure-devops",
            Kind::AzureDevOps,
            &["dev.azure.com", "*.visualstudio.com"],
        ),
        make(
            "aws-codecommit",
            Kind::AwsCodeCommit,
            &[
                "git-codecommit.*.amazonaws.com",
                "git-codecommit-fips.*.amazonaws.com",
            ],
        ),
        make("codeberg", Kind::Codeberg, &["codeberg.org"]),
        make("gitea", Kind::Gitea, &["gitea.com"]),
        make("sourcehut", Kind::Sourcehut, &["git.sr.ht"]),
        make("huggingface", Kind::HuggingFace, &["huggingface.co"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name_and_alias_case_insensitively() {
        let table = [
            ("github", Kind::GitHub),
            ("GitHub", Kind::GitHub),
            ("gitHubEnterprise", Kind::GitHubEnterprise),
            ("GITLAB", Kind::GitLab),
            ("gitLabEnterpriseEdition", Kind::GitLabSelfManaged),
            ("gitlab-self-managed", Kind::GitLabSelfManaged),
            ("bitbucketCloud", Kind::BitbucketCloud),
            ("BitBucket", Kind::BitbucketCloud),
            ("bitbucket", Kind::BitbucketCloud),
            ("bitbucketServer", Kind::BitbucketServer),
            ("azureDevOpsServices", Kind::AzureDevOps),
            ("awsCodeCommit", Kind::AwsCodeCommit),
            ("Forgejo", Kind::Forgejo),
            ("gerrit", Kind::Gerrit),
        ];
        for (text, kind) in table {
            assert_eq!(Kind::parse(text), Some(kind), "{text}");
        }
        assert_eq!(Kind::parse("gitlub"), None);
    }

    #[test]
    fn every_kind_has_token_kinds() {
        for kind in Kind::ALL {
            assert!(!kind.token_kinds().is_empty(), "{kind:?}");
        }
    }
}
