//! add, list, show, update, rotate, remove: accounts and their tokens. Secrets never come
//! from argv and never go to any output.

use std::io::{IsTerminal, Read};

use clap::Args;
use zeroize::Zeroizing;

use super::Context;
use super::report::{credential_json, credential_lines, list_table};
use crate::config::Config;
use crate::credential::{Credential, Origin, new_id, unix_now};
use crate::error::Error;
use crate::provider::{IdentityRule, Instance, Kind, TokenKind, UsernameRule};
use crate::resolve::{self, Target};
use crate::secret::Secret;
use crate::store::Create;
use crate::term::escape;

/// What describes an account's credential, for `add` and `update`.
#[derive(Args, Debug)]
pub struct AccountArgs {
    /// The account's username (or, for deploy tokens and CodeCommit, the username to send).
    #[arg(long)]
    pub username: Option<String>,
    /// The account's email (the identity on GitLab).
    #[arg(long)]
    pub email: Option<String>,
    /// Limit the token to one repository or group, e.g. `group/project`
    /// (`update --repo ""`: host-wide again).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<String>,
    /// The token's kind, when its prefix does not tell (see `providers`).
    #[arg(long, value_name = "KIND")]
    pub token_kind: Option<String>,
    /// When the token expires: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or Unix seconds
    /// (`update --expires never`: no expiry).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// A note for `list` (`update --label ""` removes it).
    #[arg(long)]
    pub label: Option<String>,
    /// Prefer this credential when others are equally specific.
    #[arg(long)]
    pub default: bool,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// A provider instance name (`github`, a name from config.toml) or a host it serves.
    pub provider: String,
    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    pub id: String,
    #[command(flatten)]
    pub account: AccountArgs,
    /// No longer prefer this credential.
    #[arg(long, conflicts_with = "default")]
    pub no_default: bool,
}

fn usage(field: &str, message: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{field}: {message}"))
}

/// The instance named by `provider`, and the host a credential is bound to ("" = every host).
fn find_instance<'c>(config: &'c Config, provider: &str) -> Result<(&'c Instance, String), Error> {
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

fn read_token(prompt: &str) -> Result<Secret, Error> {
    let io = |source| Error::Io {
        what: "reading the token".into(),
        source,
    };
    let mut text = Zeroizing::new(String::new());
    if std::io::stdin().is_terminal() {
        *text = gix_prompt::securely(prompt)
            .map_err(|e| Error::Runtime(format!("prompting for the token: {e}")))?;
    } else {
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(io)?;
    }
    let token = text.strip_suffix('\n').unwrap_or(&text);
    let token = token.strip_suffix('\r').unwrap_or(token);
    if token.is_empty() {
        return Err(usage("token", "empty (give it on stdin or at the prompt)"));
    }
    let secret = Secret::new(token.to_owned());
    if secret.has_line_breaking_bytes() {
        return Err(usage("token", "contains a line break or NUL"));
    }
    Ok(secret)
}

fn token_kind(kind: Kind, given: Option<&str>, token: &Secret) -> Result<TokenKind, Error> {
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

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.contains('@'),
        None => false,
    }
}

/// Check the identity fields against the kind's identity rule and the token's username rule.
/// Returns the account identity.
fn identity(
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

fn clean_scope(repo: &str) -> Result<Option<String>, Error> {
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

fn expiry(text: &str) -> Result<i64, Error> {
    crate::time::parse(text).map_err(|e| usage("expires", e))
}

/// Another credential of the same instance, host, account and scope.
fn duplicate<'e>(entries: &'e [Credential], c: &Credential) -> Option<&'e Credential> {
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
fn clear_other_defaults(entries: &mut [Credential], keep: &Credential) {
    for o in entries.iter_mut().filter(|o| {
        o.id != keep.id
            && o.provider == keep.provider
            && o.host == keep.host
            && o.scope == keep.scope
    }) {
        o.is_default = false;
    }
}

pub fn add(ctx: &Context, add: AddArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    let (instance, host) = find_instance(&config, &add.provider)?;
    let args = add.account;
    let scope = args.repo.as_deref().map(clean_scope).transpose()?.flatten();
    let expires = args.expires.as_deref().map(expiry).transpose()?;
    if let Some(label) = &args.label
        && label.chars().any(char::is_control)
    {
        return Err(usage("label", "must not contain control characters"));
    }
    let token = read_token(&format!("Token for {}: ", instance.name))?;
    let kind = token_kind(instance.kind, args.token_kind.as_deref(), &token)?;
    let account = identity(
        instance.kind,
        kind,
        args.username.as_deref(),
        args.email.as_deref(),
    )?;
    let new = Credential {
        id: new_id(),
        provider: instance.name.clone(),
        host,
        scope,
        username: args.username,
        account,
        email: args.email,
        token_kind: Some(kind),
        password: Some(token),
        password_expiry_utc: expires,
        is_default: args.default,
        label: args.label,
        origin: Origin::Added,
        created: unix_now(),
        ..Default::default()
    };
    let outcome = ctx.store.update(Create::Auto, |opened| {
        if let Some(existing) = duplicate(&opened.entries, &new) {
            return (false, Err(existing.id.clone()));
        }
        if new.is_default {
            clear_other_defaults(&mut opened.entries, &new);
        }
        opened.entries.insert(0, new.clone());
        (true, Ok(new.id.clone()))
    })?;
    match outcome.expect("created when missing") {
        Ok(id) => {
            println!("{id}");
            Ok(())
        }
        Err(existing) => Err(Error::Conflict(format!(
            "credential {existing} already holds a token for this account and scope: use `git credential-vouch rotate {existing}` for a new token or `update {existing}` to change it"
        ))),
    }
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!(
        "no credential with ID `{}` (see `git credential-vouch list`)",
        escape(id)
    ))
}

fn load(ctx: &Context) -> Result<Vec<Credential>, Error> {
    Ok(ctx.store.select(|_| true)?)
}

pub fn list(ctx: &Context, json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let entries = load(ctx)?;
    let now = unix_now();
    if json {
        let items: Vec<_> = entries
            .iter()
            .map(|c| credential_json(c, &config, now))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "version": 1, "credentials": items })
        );
    } else {
        print!("{}", list_table(&entries, &config, now));
    }
    Ok(())
}

pub fn show(ctx: &Context, id: &str, json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let entries = load(ctx)?;
    let c = entries
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found(id))?;
    let now = unix_now();
    if json {
        println!("{}", credential_json(c, &config, now));
    } else {
        print!("{}", credential_lines(c, &config, now));
    }
    Ok(())
}

/// Edit one credential under the store lock; `change` may refuse with an error.
fn edit(
    ctx: &Context,
    id: &str,
    change: impl FnOnce(&mut Credential, &[Credential]) -> Result<(), Error>,
) -> Result<(), Error> {
    let outcome = ctx.store.update(Create::Never, |opened| {
        let Some(index) = opened.entries.iter().position(|c| c.id == id) else {
            return (false, Err(not_found(id)));
        };
        let mut edited = opened.entries[index].clone();
        if let Err(e) = change(&mut edited, &opened.entries) {
            return (false, Err(e));
        }
        if edited.is_default {
            clear_other_defaults(&mut opened.entries, &edited);
        }
        opened.entries[index] = edited;
        (true, Ok(()))
    })?;
    outcome.unwrap_or_else(|| Err(not_found(id)))
}

pub fn update(ctx: &Context, update: UpdateArgs) -> Result<(), Error> {
    let config = ctx.config()?;
    let (id, no_default, args) = (update.id, update.no_default, update.account);
    let scope = args.repo.as_deref().map(clean_scope).transpose()?;
    let expires = match args.expires.as_deref() {
        Some("never") => Some(None),
        Some(text) => Some(Some(expiry(text)?)),
        None => None,
    };
    edit(ctx, &id, |c, all| {
        if c.is_generic() {
            if args.username.is_some()
                || args.email.is_some()
                || args.repo.is_some()
                || args.token_kind.is_some()
            {
                return Err(usage(
                    "id",
                    "a credential git stored for a generic host has no account, scope or token kind to change",
                ));
            }
        } else {
            let instance = config.instance(&c.provider).ok_or_else(|| {
                usage(
                    "id",
                    format!(
                        "its provider instance `{}` is no longer configured",
                        c.provider
                    ),
                )
            })?;
            let token = c.password.clone().unwrap_or_default();
            let kind = match &args.token_kind {
                Some(k) => token_kind(instance.kind, Some(k), &token)?,
                None => c.token_kind.unwrap_or(TokenKind::Password),
            };
            let username = args.username.clone().or(c.username.clone());
            let email = args.email.clone().or(c.email.clone());
            c.account = identity(instance.kind, kind, username.as_deref(), email.as_deref())?;
            c.username = username;
            c.email = email;
            c.token_kind = Some(kind);
            if let Some(scope) = &scope {
                c.scope = scope.clone();
            }
        }
        if let Some(expires) = expires {
            c.password_expiry_utc = expires;
        }
        if args.default {
            c.is_default = true;
        }
        if no_default {
            c.is_default = false;
        }
        if let Some(label) = &args.label {
            c.label = (!label.is_empty()).then(|| label.clone());
        }
        match duplicate(all, c) {
            Some(other) => Err(Error::Conflict(format!(
                "credential {} already holds a token for that account and scope",
                other.id
            ))),
            None => Ok(()),
        }
    })
}

pub fn rotate(ctx: &Context, id: &str, expires: Option<&str>) -> Result<(), Error> {
    let config = ctx.config()?;
    let expires = expires.map(expiry).transpose()?;
    // Check the ID before asking for a secret.
    if !load(ctx)?.iter().any(|c| c.id == id) {
        return Err(not_found(id));
    }
    let token = read_token(&format!("New token for {id}: "))?;
    edit(ctx, id, |c, _| {
        if let Some(instance) = config.instance(&c.provider).filter(|_| !c.is_generic())
            && let Some(detected) = TokenKind::detect(instance.kind.family(), token.expose())
        {
            c.token_kind = Some(detected);
        }
        if c.is_pre_encoded() {
            c.credential = Some(token);
        } else {
            c.password = Some(token);
        }
        c.password_expiry_utc = expires;
        c.rejected = None;
        Ok(())
    })
}

pub fn remove(ctx: &Context, id: &str) -> Result<(), Error> {
    let removed = ctx.store.update(Create::Never, |opened| {
        let before = opened.entries.len();
        opened.entries.retain(|c| c.id != id);
        let removed = opened.entries.len() != before;
        (removed, removed)
    })?;
    if removed == Some(true) {
        Ok(())
    } else {
        Err(not_found(id))
    }
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
