//! Which helpers git asks, and in which order: for every URL (`credential.helper`), and for
//! the hosts the user has tokens on, where URL-scoped settings such as the
//! `credential.https://github.com.helper=""` that `gh auth setup-git` writes can reset the list
//! so that git never asks vouch there.

use std::path::Path;
use std::process::Command;

use super::{Check, Level, check};
use crate::gitconfig::helper_value;

/// Every helper setting in config order: (the URL it is scoped to, or None, and its value).
fn helper_settings() -> Result<Vec<(Option<String>, String)>, String> {
    let out = Command::new("git")
        .args([
            "config",
            "--null",
            "--get-regexp",
            r"^credential\..*helper$",
        ])
        .output()
        .map_err(|e| format!("running git config: {e}"))?;
    let mut settings = Vec::new();
    // With --null each entry is "key\nvalue\0".
    for entry in out.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let (key, value) = entry.split_once('\n').unwrap_or((&entry, ""));
        let scope = key
            .strip_prefix("credential.")
            .and_then(|k| k.strip_suffix(".helper"))
            .map(str::to_owned);
        if key.eq_ignore_ascii_case("credential.helper") {
            settings.push((None, value.to_owned()));
        } else if let Some(url) = scope.filter(|u| !u.is_empty()) {
            settings.push((Some(url), value.to_owned()));
        }
    }
    Ok(settings)
}

/// Whether a `credential.<pattern>` section applies to `url` (`https://host`), as git matches
/// it: the scheme if given, the host (a `*` stands for one label), the port if given.
fn applies(pattern: &str, url: &str) -> bool {
    let split = |u: &str| -> (Option<String>, String) {
        match u.split_once("://") {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest.to_owned()),
            None => (None, u.to_owned()),
        }
    };
    let (p_scheme, p_rest) = split(pattern);
    let (u_scheme, u_rest) = split(url);
    if p_scheme.is_some() && p_scheme != u_scheme {
        return false;
    }
    let host = |rest: &str| {
        let authority = rest.split('/').next().unwrap_or("");
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        authority.to_ascii_lowercase()
    };
    crate::provider::HostPattern::parse(&host(&p_rest)).is_some_and(|p| p.matches(&host(&u_rest)))
}

/// The helpers git asks for `url` (None: any URL without a more specific setting), in order,
/// honouring empty-value resets.
fn helpers_for(settings: &[(Option<String>, String)], url: Option<&str>) -> Vec<String> {
    let mut helpers = Vec::new();
    for (scope, value) in settings {
        let counts = match (scope, url) {
            (None, _) => true,
            (Some(pattern), Some(url)) => applies(pattern, url),
            (Some(_), None) => false,
        };
        if !counts {
            continue;
        }
        if value.is_empty() {
            helpers.clear();
        } else {
            helpers.push(value.clone());
        }
    }
    helpers
}

fn is_vouch(helper: &str, ours: &str) -> bool {
    helper == ours
        || helper == "vouch"
        || helper
            .trim_end_matches('\'')
            .ends_with("git-credential-vouch")
}

/// Where vouch stands in `helpers`, as a check; `place` names the URL ("" for every URL).
fn chain_check(helpers: &[String], ours: &str, place: &str) -> Check {
    let for_place = if place.is_empty() {
        String::new()
    } else {
        format!(" for {place}")
    };
    match helpers.iter().position(|h| is_vouch(h, ours)) {
        None if place.is_empty() => check(
            "git config",
            Level::Fail,
            "git does not use vouch (credential.helper): run `git credential-vouch configure`",
        ),
        None => check(
            "git config",
            Level::Fail,
            format!(
                "git never asks vouch{for_place}: a credential.{place}.helper setting resets the helpers there (`gh auth setup-git` writes one); remove it with `git config --global --remove-section credential.{place}` (see `git config --get-regexp helper`)"
            ),
        ),
        Some(0) => check(
            "git config",
            Level::Ok,
            format!("git asks vouch first{for_place} ({})", helpers[0]),
        ),
        Some(i) => check(
            "git config",
            Level::Warn,
            format!(
                "git asks {} before vouch{for_place}: they answer first",
                helpers[..i].join(", ")
            ),
        ),
    }
}

/// The chain for every URL, and for each of `hosts` whose chain differs from it.
pub fn helper_chain(exe: &Path, hosts: &[String]) -> Vec<Check> {
    let ours = helper_value(exe);
    let settings = match helper_settings() {
        Ok(s) => s,
        Err(e) => return vec![check("git config", Level::Fail, e)],
    };
    let general = helpers_for(&settings, None);
    let mut checks = vec![chain_check(&general, &ours, "")];
    for host in hosts {
        let url = format!("https://{host}");
        let here = helpers_for(&settings, Some(&url));
        if here != general {
            checks.push(chain_check(&here, &ours, &url));
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scoped_settings_reset_or_extend_the_chain_where_they_apply() {
        let s = |scope: Option<&str>, v: &str| (scope.map(str::to_owned), v.to_owned());
        let settings = [
            s(None, "/usr/bin/git-credential-vouch"),
            s(Some("https://github.com"), ""),
            s(Some("https://github.com"), "!gh auth git-credential"),
            s(Some("https://*.example.com"), "cache"),
        ];
        assert_eq!(
            helpers_for(&settings, None),
            ["/usr/bin/git-credential-vouch"]
        );
        assert_eq!(
            helpers_for(&settings, Some("https://github.com")),
            ["!gh auth git-credential"]
        );
        assert_eq!(
            helpers_for(&settings, Some("https://gitlab.com")),
            ["/usr/bin/git-credential-vouch"]
        );
        assert_eq!(
            helpers_for(&settings, Some("https://git.example.com")),
            ["/usr/bin/git-credential-vouch", "cache"]
        );
        assert!(!applies("http://github.com", "https://github.com"));
        assert!(applies("github.com", "https://github.com"));
    }
}
