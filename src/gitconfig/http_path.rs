//! `credential.<url>.useHttpPath`: git sends a helper the repository path only where it is set,
//! and vouch needs the path wherever a credential depends on it: kinds that tell tenants apart
//! by path, path-prefix instances, GitHub Apps, repository scopes, picks per owner, several
//! accounts on one host. `configure` sets it, `add`/`update` set it where vouch is configured,
//! `unconfigure` takes back what was set, `doctor` checks it.

use std::collections::HashMap;

use super::{Error, Record, Scope, get_all, git, git_ok, read_record, record_path, write_record};
use crate::config::Config;
use crate::credential::Credential;
use crate::provider::Instance;

/// A URL git must send the path for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathNeed {
    /// `https://host` (a host pattern of the instance, `*` included: git matches it too).
    pub url: String,
    pub why: &'static str,
}

fn urls_of<'i>(instance: &'i Instance, hosts: Vec<&'i str>) -> impl Iterator<Item = String> + 'i {
    let schemes: &[&str] = if instance.allow_http {
        &["https", "http"]
    } else {
        &["https"]
    };
    hosts
        .into_iter()
        .flat_map(move |h| schemes.iter().map(move |s| format!("{s}://{h}")))
}

fn instance_hosts(instance: &Instance) -> Vec<&str> {
    instance.hosts.iter().map(|h| h.as_str()).collect()
}

/// The URLs of hosts whose instances always need the path: kinds that tell tenants apart by
/// path (Azure DevOps, CodeCommit) and instances limited to a path prefix.
pub fn path_urls(config: &Config) -> Vec<String> {
    let mut urls: Vec<String> = config
        .instances
        .iter()
        .filter(|i| i.kind.needs_path() || i.path_prefix.is_some())
        .flat_map(|i| urls_of(i, instance_hosts(i)))
        .collect();
    urls.dedup();
    urls
}

/// The URLs the credentials in `entries` need the path for, with the reason: the hosts of
/// repository-scoped credentials, of picks made for one owner, and of two or more accounts that
/// could tie. (What every instance of a kind needs is [`path_urls`].)
pub fn path_needs(config: &Config, entries: &[Credential]) -> Vec<PathNeed> {
    let mut needs: Vec<PathNeed> = Vec::new();
    let providers = || {
        entries
            .iter()
            .filter(|c| !c.is_generic() && !c.is_client_secret())
    };
    let mut unscoped: HashMap<(&str, &str), usize> = HashMap::new();
    for c in providers().filter(|c| c.scope.is_none()) {
        *unscoped.entry((&c.provider, &c.host)).or_default() += 1;
    }
    for c in providers() {
        let Some(instance) = config.instance(&c.provider) else {
            continue;
        };
        let why = if c.is_app() {
            "a GitHub App there mints a token per repository"
        } else if c.scope.is_some() {
            "a credential there is limited to a repository"
        } else if c.chosen_for.iter().any(|o| !o.is_empty()) {
            "an account there was picked for one owner"
        } else if unscoped[&(c.provider.as_str(), c.host.as_str())] > 1 {
            "several accounts there: vouch tells them apart per owner"
        } else {
            continue;
        };
        let hosts = if c.host.is_empty() {
            instance_hosts(instance)
        } else {
            vec![c.host.as_str()]
        };
        for url in urls_of(instance, hosts) {
            if !needs.iter().any(|n| n.url == url) {
                needs.push(PathNeed { url, why });
            }
        }
    }
    needs
}

/// Whether git, as configured here, sends the path for `url`.
pub fn sends_path(url: &str) -> bool {
    git(&[
        "config",
        "--type=bool",
        "--get-urlmatch",
        "credential.useHttpPath",
        url,
    ])
    .is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"true"))
}

fn http_path_key(url: &str) -> String {
    format!("credential.{url}.useHttpPath")
}

/// Set useHttpPath for `urls` where the scope has no value yet. Returns the keys set.
pub(super) fn set_http_paths(scope: Scope, urls: &[String]) -> Result<Vec<String>, Error> {
    let mut set = Vec::new();
    for url in urls {
        let key = http_path_key(url);
        if get_all(scope, &key)?.is_empty() {
            git_ok(&["config", scope.flag(), &key, "true"])?;
            set.push(key);
        }
    }
    Ok(set)
}

/// What [`ensure_http_paths`] did.
#[derive(Debug, Default)]
pub struct Ensured {
    /// Lines saying which keys were set, in which scope, and why.
    pub set: Vec<String>,
    /// URLs that still get no path: vouch is not configured in any scope (run `configure`).
    pub unconfigured: Vec<PathNeed>,
}

/// Make git send the path for each of `needs` it does not send it for yet, in the scope where
/// `configure` put vouch (recorded in `state_dir`), so that `unconfigure` takes it back.
pub fn ensure_http_paths(
    state_dir: &std::path::Path,
    needs: &[PathNeed],
) -> Result<Ensured, Error> {
    let missing: Vec<&PathNeed> = needs.iter().filter(|n| !sends_path(&n.url)).collect();
    let mut done = Ensured::default();
    if missing.is_empty() {
        return Ok(done);
    }
    // Where vouch was configured: the user's own config first (a local record may belong to
    // another repository than the one we are in).
    let configured = [Scope::Global, Scope::System, Scope::Local]
        .into_iter()
        .find_map(|scope| {
            let path = record_path(state_dir, scope);
            read_record(&path).ok().flatten().map(|r| (scope, path, r))
        });
    let Some((scope, path, record)) = configured else {
        done.unconfigured = missing.into_iter().cloned().collect();
        return Ok(done);
    };
    let urls: Vec<String> = missing.iter().map(|n| n.url.clone()).collect();
    let keys = set_http_paths(scope, &urls)?;
    for need in &missing {
        if keys.contains(&http_path_key(&need.url)) {
            done.set.push(format!(
                "set {} = true ({} config): {}",
                http_path_key(&need.url),
                scope.name(),
                need.why
            ));
        }
    }
    let mut http_path_keys = record.http_path_keys;
    http_path_keys.extend(keys);
    write_record(
        &path,
        &Record {
            http_path_keys,
            ..record
        },
    )?;
    Ok(done)
}
