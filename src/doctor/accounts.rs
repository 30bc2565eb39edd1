//! Checks about several accounts on one host: where two can tie so that git gets no answer
//! without a person to pick, and where git sends no path although a credential needs it.

use std::collections::BTreeMap;

use super::{Check, Level, check};
use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::gitconfig::{path_needs, sends_path};
use crate::term::escape;

/// Credentials that can tie: of one instance, host binding and scope, none the default, and
/// no pick for the whole host among them (picks for single owners leave the other owners tied).
pub fn tie_checks(config: &Config, entries: &[Credential]) -> Vec<Check> {
    let now = unix_now();
    let mut groups: BTreeMap<(&str, &str, Option<&str>), Vec<&Credential>> = BTreeMap::new();
    for c in entries.iter().filter(|c| {
        !c.is_generic()
            && !c.is_client_secret()
            && (c.password.is_some() || c.is_app())
            && !c.is_expired(now)
            && config.instance(&c.provider).is_some()
    }) {
        groups
            .entry((&c.provider, &c.host, c.scope.as_deref()))
            .or_default()
            .push(c);
    }
    let mut checks = Vec::new();
    for ((provider, host, scope), group) in groups {
        let decided = group
            .iter()
            .any(|c| c.is_default || c.chosen_for.iter().any(String::is_empty));
        if group.len() < 2 || decided {
            continue;
        }
        let names: Vec<String> = group
            .iter()
            .map(|c| format!("{} [{}]", escape(c.display_account()), c.id))
            .collect();
        let place = match (scope, host) {
            (Some(scope), _) => format!("repository scope {}", escape(scope)),
            (None, "") => "every host of the instance".to_owned(),
            (None, host) => escape(host),
        };
        let picked: Vec<&str> = group
            .iter()
            .flat_map(|c| c.chosen_for.iter().map(String::as_str))
            .collect();
        let picks = if picked.is_empty() {
            String::new()
        } else {
            format!(" (picked for {} only)", escape(&picked.join(", ")))
        };
        checks.push(check(
            "accounts",
            Level::Warn,
            format!(
                "{provider}: {} tie on {place}{picks} and none is the default: without a person to pick, git gets no answer; `git credential-vouch update ID --default` settles it",
                names.join(", ")
            ),
        ));
    }
    if checks.is_empty() {
        checks.push(check(
            "accounts",
            Level::Ok,
            "no two accounts tie without a default",
        ));
    }
    checks
}

/// Hosts where a credential needs the path (a repository scope, a pick for one owner, several
/// accounts) and git, as configured here, does not send it.
pub fn path_checks(config: &Config, entries: &[Credential]) -> Vec<Check> {
    let missing: Vec<String> = path_needs(config, entries)
        .into_iter()
        .filter(|n| !sends_path(&n.url))
        .map(|n| format!("{} ({})", n.url, n.why))
        .collect();
    if missing.is_empty() {
        return vec![check(
            "http-path",
            Level::Ok,
            "git sends the path wherever a credential needs it",
        )];
    }
    vec![check(
        "http-path",
        Level::Warn,
        format!(
            "git sends no path to {}: repository scopes and picks there cannot apply; run `git credential-vouch configure`",
            missing.join(", ")
        ),
    )]
}
