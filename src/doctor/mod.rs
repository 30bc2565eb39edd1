//! `doctor`: one line per check, ok / warn / fail, about everything that makes git get a
//! credential from vouch or not.

mod accounts;
mod helpers;
mod store;

use helpers::helper_chain;
use store::{key_cache_check, leftover_check, store_checks};

use std::path::Path;
use std::process::Command;

use crate::config::Config;
use crate::credential::{Credential, unix_now};
use crate::store::Store;
use crate::time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, serde::Serialize)]
pub struct Check {
    pub check: &'static str,
    pub level: Level,
    pub message: String,
}

fn check(check: &'static str, level: Level, message: impl Into<String>) -> Check {
    Check {
        check,
        level,
        message: message.into(),
    }
}

pub fn run(store: &Store, config: Result<Config, String>, exe: &Path) -> Vec<Check> {
    let mut checks = vec![git_version()];
    match &config {
        Ok(c) => {
            let n = c.instances.iter().filter(|i| !i.builtin).count();
            let source = c.source.as_ref().map_or(
                "no config file: built-in providers only".to_owned(),
                |p| {
                    format!(
                        "{} parses ({n} configured instance{})",
                        p.display(),
                        if n == 1 { "" } else { "s" }
                    )
                },
            );
            checks.push(check("config", Level::Ok, source));
            checks.extend(plain_http_checks(c));
            checks.extend(openbao_checks(store, c));
        }
        Err(e) => checks.push(check("config", Level::Fail, e.clone())),
    }
    let entries = store_checks(store, &mut checks);
    // git's helper chain, in general and for the hosts the user has tokens on (after the git
    // version, before everything about the store).
    let hosts = token_hosts(config.as_ref().ok(), entries.as_deref().unwrap_or_default());
    for (i, chain) in helper_chain(exe, &hosts).into_iter().enumerate() {
        checks.insert(1 + i, chain);
    }
    checks.push(leftover_check(store));
    if crate::lifecycle::rescue::waiting(store.paths()) {
        checks.push(check(
            "rescue",
            Level::Warn,
            format!(
                "a token a provider rotated waits in {} (the store could not be written then): `git credential-vouch verify` files it",
                crate::lifecycle::rescue::path(store.paths()).display()
            ),
        ));
    }
    checks.push(key_cache_check());
    if let Some(entries) = entries {
        checks.extend(token_checks(&entries));
        if let Ok(config) = &config {
            checks.extend(accounts::tie_checks(config, &entries));
            checks.extend(accounts::path_checks(config, &entries));
        }
    }
    checks.push(plaintext_check());
    checks
}

/// `doctor --online`: what `verify` says about each token whose provider can be asked
/// (read only: nothing is recorded). Revoked and expired tokens fail; an unreachable
/// provider warns.
/// OpenBao's findings in doctor's terms.
fn openbao_checks(store: &Store, config: &Config) -> impl Iterator<Item = Check> {
    use crate::openbao::status::{State, findings};
    findings(store, config).into_iter().map(|f| Check {
        check: f.what,
        level: match f.state {
            State::Fine => Level::Ok,
            State::Doubtful => Level::Warn,
            State::Broken => Level::Fail,
        },
        message: f.message,
    })
}

pub fn online_checks(store: &Store, config: &Config) -> Vec<Check> {
    use crate::lifecycle::{self, verify::Status};
    let chosen: Vec<Credential> = match lifecycle::credentials(store) {
        Ok(all) => all
            .into_iter()
            .filter(|c| lifecycle::target(config, c).is_ok())
            .collect(),
        Err(e) => return vec![check("online", Level::Fail, e.to_string())],
    };
    let outcomes = match lifecycle::verify::verify(store, config, &chosen, false) {
        Ok(o) => o,
        Err(e) => return vec![check("online", Level::Fail, e.to_string())],
    };
    if outcomes.is_empty() {
        return vec![check("online", Level::Ok, "no tokens a provider can check")];
    }
    outcomes
        .iter()
        .map(|o| {
            let at = o.host.as_deref().unwrap_or("?");
            match o.status {
                Status::Valid => check("online", Level::Ok, format!("{}: valid at {at}", o.id)),
                Status::Revoked | Status::Expired => check(
                    "online",
                    Level::Fail,
                    format!("{}: {at} says the token is revoked or expired", o.id),
                ),
                Status::Unreachable | Status::Unsupported => check(
                    "online",
                    Level::Warn,
                    format!("{}: {}", o.id, o.reason.as_deref().unwrap_or("not checked")),
                ),
            }
        })
        .collect()
}

/// `allow_http` sends tokens in clear text: fine on loopback, worth a word anywhere else.
fn plain_http_checks(config: &Config) -> impl Iterator<Item = Check> + '_ {
    config.instances.iter().filter(|i| i.allow_http).map(|i| {
        let exposed: Vec<&str> = i
            .hosts
            .iter()
            .filter(|h| !h.is_loopback())
            .map(|h| h.as_str())
            .collect();
        if exposed.is_empty() {
            check(
                "plain-http",
                Level::Ok,
                format!("{}: allow_http on loopback hosts only", i.name),
            )
        } else {
            check(
                "plain-http",
                Level::Warn,
                format!(
                    "{}: allow_http sends tokens unencrypted to {}; keep it for loopback or a closed network",
                    i.name,
                    exposed.join(", ")
                ),
            )
        }
    })
}

fn git_version() -> Check {
    let Ok(out) = Command::new("git").arg("--version").output() else {
        return check("git", Level::Fail, "git is not on PATH");
    };
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let version = text.split_whitespace().nth(2).unwrap_or("?").to_owned();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) >= (2, 46) {
        check(
            "git",
            Level::Ok,
            format!("git {version} offers capability[]=authtype (Bearer tokens work)"),
        )
    } else {
        check(
            "git",
            Level::Warn,
            format!(
                "git {version} has no capability[]=authtype: Bearer-only tokens cannot be answered (needs git >= 2.46)"
            ),
        )
    }
}

/// The https hosts the stored credentials are for: a bound host, else the exact hosts of the
/// credential's instance; git's own entries' hosts.
fn token_hosts(config: Option<&Config>, entries: &[Credential]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for c in entries.iter().filter(|c| !c.is_client_secret()) {
        let found: Vec<String> = if !c.host.is_empty() {
            vec![c.host.clone()]
        } else if c.is_generic() {
            Vec::new()
        } else {
            config
                .and_then(|cfg| cfg.instance(&c.provider))
                .map(|i| {
                    i.hosts
                        .iter()
                        .filter(|h| h.is_exact())
                        .map(|h| h.as_str().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        for host in found {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
    }
    hosts
}

fn token_checks(entries: &[Credential]) -> Vec<Check> {
    let now = unix_now();
    let name = |c: &Credential| format!("{} ({} {})", c.id, c.provider, c.display_account());
    let expired: Vec<String> = entries
        .iter()
        .filter(|c| c.is_expired(now))
        .map(name)
        .collect();
    let soon: Vec<String> = entries
        .iter()
        .filter(|c| {
            c.password_expiry_utc
                .is_some_and(|e| e >= now && e - now <= 14 * time::DAY)
        })
        .map(|c| {
            format!(
                "{} on {}",
                name(c),
                time::date(c.password_expiry_utc.unwrap_or(0))
            )
        })
        .collect();
    let rejected: Vec<String> = entries
        .iter()
        .filter_map(|c| {
            c.rejected
                .as_ref()
                .map(|r| format!("{} at {} ({})", name(c), time::date(r.at), r.url))
        })
        .collect();
    let mut checks = Vec::new();
    let mut one = |label: &'static str, items: Vec<String>, what: &str| {
        if items.is_empty() {
            checks.push(check(label, Level::Ok, format!("no tokens {what}")));
        } else {
            checks.push(check(
                label,
                Level::Warn,
                format!("{what}: {}", items.join(", ")),
            ));
        }
    };
    one("expired", expired, "expired");
    one("expiring", soon, "expiring within 14 days");
    one("rejected", rejected, "rejected");
    checks
}

fn plaintext_check() -> Check {
    let found: Vec<String> = crate::import::default_sources()
        .into_iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(&file).ok()?;
            let n = text
                .lines()
                .filter(|l| l.contains("://") && l.contains('@'))
                .count();
            (n > 0).then(|| format!("{n} in {}", file.display()))
        })
        .collect();
    if found.is_empty() {
        check(
            "plaintext",
            Level::Ok,
            "no plaintext credentials in git's store files",
        )
    } else {
        check(
            "plaintext",
            Level::Warn,
            format!(
                "plaintext credentials: {}; run `git credential-vouch import --remove-source`",
                found.join(", ")
            ),
        )
    }
}
