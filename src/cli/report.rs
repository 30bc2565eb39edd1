//! What the CLI shows of stored credentials: `list`, `show` and their JSON (documented in the
//! README and stable). Text output escapes control characters; secrets are never shown.

use serde_json::{Value, json};

use crate::colour::{Colour, paint};
use crate::config::Config;
use crate::credential::{Credential, Origin, Rejection};
use crate::provider::{Kind, TokenKind};
use crate::term::escape;
use crate::time;

/// Tokens that expire within this many days are flagged.
const EXPIRING_DAYS: i64 = 14;

fn status(c: &Credential, now: i64) -> &'static str {
    match c.password_expiry_utc {
        Some(e) if e < now => "expired",
        _ if c
            .rejected
            .as_ref()
            .is_some_and(|r| r.revoked_by().is_some()) =>
        {
            "revoked"
        }
        _ if c.rejected.is_some() => "rejected",
        Some(e) if e - now <= EXPIRING_DAYS * time::DAY => "expiring",
        _ => "ok",
    }
}

fn kind_of(c: &Credential, config: &Config) -> Option<Kind> {
    if c.is_generic() {
        Some(Kind::Generic)
    } else {
        config.instance(&c.provider).map(|i| i.kind)
    }
}

fn host_text(c: &Credential, config: &Config) -> String {
    if !c.host.is_empty() {
        return c.host.clone();
    }
    match config.instance(&c.provider) {
        Some(i) => i
            .hosts
            .iter()
            .map(|h| h.as_str())
            .collect::<Vec<_>>()
            .join(","),
        None => "?".into(),
    }
}

/// Where a remembered pick applies, as a person names it: `github.com/acme`, or the host alone
/// for a pick made where git sends no path.
pub fn pick_place(c: &Credential, config: &Config, owner: &str) -> String {
    let host = if c.host.is_empty() {
        config
            .instance(&c.provider)
            .and_then(|i| i.hosts.first())
            .map_or_else(|| c.provider.clone(), |h| h.as_str().to_owned())
    } else {
        c.host.clone()
    };
    let place = if owner.is_empty() {
        host
    } else {
        format!("{host}/{owner}")
    };
    escape(&place)
}

fn picks_text(c: &Credential, config: &Config) -> Option<String> {
    (!c.chosen_for.is_empty()).then(|| {
        c.chosen_for
            .iter()
            .map(|o| pick_place(c, config, o))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

pub fn credential_json(c: &Credential, config: &Config, now: i64) -> Value {
    json!({
        "id": c.id,
        "provider": c.provider,
        "kind": kind_of(c, config).map(Kind::name),
        "protocol": (!c.protocol.is_empty()).then_some(&c.protocol),
        "host": (!c.host.is_empty()).then_some(&c.host),
        "path": c.path,
        "account": (!c.display_account().is_empty()).then(|| c.display_account()),
        "email": c.email,
        "username": c.username,
        "scope": c.scope,
        "token_kind": c.token_kind.map(TokenKind::name),
        "bearer": c.is_pre_encoded() || c.token_kind.is_some_and(TokenKind::is_bearer),
        "expires": c.password_expiry_utc,
        "expires_at": c.password_expiry_utc.map(time::datetime),
        "status": status(c, now),
        "default": c.is_default,
        "label": c.label,
        "origin": origin(c),
        "created": c.created,
        "created_at": time::datetime(c.created),
        "last_used": c.last_used,
        "last_used_at": c.last_used.map(time::datetime),
        "rejected": c.rejected.as_ref().map(|r| json!({ "at": r.at, "at_time": time::datetime(r.at), "url": r.url })),
        "refresh_failed": c.refresh_failed,
        "refresh_failed_at": c.refresh_failed.map(time::datetime),
        "refresh_retry": c.refresh_retry,
        "refresh_retry_at": c.refresh_retry.map(time::datetime),
        "picked_for": c.chosen_for.iter().map(|o| pick_place(c, config, o)).collect::<Vec<_>>(),
        "app": c.app.as_ref().map(|a| json!({
            "id": a.id,
            "key": a.key.describe(),
            "permissions": a.levels(),
        })),
    })
}

/// A rejection git reported, or a revocation `verify` learned from the provider.
fn rejection_text(r: &Rejection, when: String) -> String {
    match r.revoked_by() {
        Some(host) => format!("revoked: {host} said so on {when}"),
        None => format!("rejected {when} at {}", r.url),
    }
}

fn origin(c: &Credential) -> &'static str {
    match c.origin {
        _ if c.is_login() => "login",
        Origin::Added => "add",
        Origin::Git => "git",
    }
}

fn expiry_text(c: &Credential, now: i64) -> String {
    match (c.password_expiry_utc, status(c, now)) {
        (None, _) => "-".into(),
        (Some(e), "expired") => format!("{} (expired)", time::date(e)),
        (Some(e), _) if e - now <= EXPIRING_DAYS * time::DAY => {
            let when = match (e - now) / time::DAY {
                0 => "today".to_owned(),
                1 => "in 1 day".to_owned(),
                n => format!("in {n} days"),
            };
            format!("{} ({when})", time::date(e))
        }
        (Some(e), _) => time::date(e),
    }
}

/// The STATUS column's colour at a terminal.
fn status_colour(c: &Credential, now: i64) -> Colour {
    match status(c, now) {
        "ok" => Colour::Green,
        "expiring" => Colour::Yellow,
        _ => Colour::Red,
    }
}

/// With `colour`, the STATUS column (the last, so no padding follows) is coloured.
pub fn list_table(entries: &[Credential], config: &Config, now: i64, colour: bool) -> String {
    if entries.is_empty() {
        return "no credentials stored yet: add one with `git credential-vouch add PROVIDER` (`git credential-vouch providers` lists them)\n".into();
    }
    let header = [
        "ID",
        "PROVIDER",
        "HOST",
        "ACCOUNT",
        "SCOPE",
        "TOKEN KIND",
        "EXPIRES",
        "LAST USED",
        "STATUS",
    ];
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|c| {
            // Each fact once: a rejection's own text starts with "rejected" or "revoked".
            let state = status(c, now);
            let mut flags = Vec::new();
            if c.rejected.is_none() || !matches!(state, "rejected" | "revoked") {
                flags.push(state.to_owned());
            }
            if let Some(r) = &c.rejected {
                flags.push(rejection_text(r, time::date(r.at)));
            }
            if c.is_default {
                flags.push("default".into());
            }
            if let Some(picks) = picks_text(c, config) {
                flags.push(format!("picked for {picks}"));
            }
            if c.refresh_failed.is_some() {
                flags.push("refresh failed: log in again".into());
            } else if c.refresh_retry.is_some() {
                flags.push("refresh failing: retried".into());
            }
            let account = match (&c.app, &c.label) {
                (Some(app), Some(label)) => {
                    format!("{} (app {}, {label})", c.display_account(), app.id)
                }
                (Some(app), None) => format!("{} (app {})", c.display_account(), app.id),
                (None, Some(label)) => format!("{} ({label})", c.display_account()),
                (None, None) => c.display_account().to_owned(),
            };
            [
                c.id.clone(),
                c.provider.clone(),
                short_host_text(c, config),
                account,
                c.scope
                    .clone()
                    .or_else(|| c.path.clone())
                    .unwrap_or_else(|| "-".into()),
                c.token_kind.map_or("-", TokenKind::name).to_owned(),
                expiry_text(c, now),
                c.last_used.map_or("-".into(), time::date),
                flags.join(", "),
            ]
            .iter()
            .map(|cell| escape(cell))
            .collect()
        })
        .collect();
    // HOST, ACCOUNT, SCOPE and STATUS may be cut to fit the terminal; IDs and dates never.
    crate::cli::table::render(
        &header,
        &rows,
        &[2, 3, 4, 8],
        crate::cli::table::width(),
        |i, cell| paint(colour, status_colour(&entries[i], now), cell),
    )
}

/// The HOST column: the credential's host, or its instance's first host and how many more.
fn short_host_text(c: &Credential, config: &Config) -> String {
    if !c.host.is_empty() {
        return c.host.clone();
    }
    match config.instance(&c.provider).map(|i| i.hosts.as_slice()) {
        Some([first]) => first.as_str().to_owned(),
        Some([first, rest @ ..]) => format!("{} +{}", first.as_str(), rest.len()),
        _ => "?".into(),
    }
}

pub fn credential_lines(c: &Credential, config: &Config, now: i64) -> String {
    let mut lines = vec![
        ("id", c.id.clone()),
        ("provider", c.provider.clone()),
        (
            "kind",
            kind_of(c, config)
                .map_or("? (instance not configured)", Kind::name)
                .to_owned(),
        ),
        ("host", host_text(c, config)),
    ];
    let optional = [
        (
            "protocol",
            (!c.protocol.is_empty()).then(|| c.protocol.clone()),
        ),
        ("path", c.path.clone()),
        (
            "account",
            (!c.display_account().is_empty()).then(|| c.display_account().to_owned()),
        ),
        ("email", c.email.clone()),
        ("username", c.username.clone()),
        ("scope", c.scope.clone()),
        ("token kind", c.token_kind.map(|t| t.name().to_owned())),
        (
            "sends username",
            c.token_kind.map(TokenKind::describe_username),
        ),
        ("label", c.label.clone()),
        ("app id", c.app.as_ref().map(|a| a.id.to_string())),
        ("private key", c.app.as_ref().map(|a| a.key.describe())),
        (
            "permissions",
            c.app.as_ref().map(|a| match a.permissions_text() {
                text if text.is_empty() => "the installation's".to_owned(),
                text => text,
            }),
        ),
    ];
    lines.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    lines.push(("expires", expiry_text(c, now)));
    lines.push(("status", status(c, now).to_owned()));
    lines.push(("default", c.is_default.to_string()));
    if let Some(picks) = picks_text(c, config) {
        lines.push(("picked for", picks));
    }
    lines.push((
        "origin",
        match origin(c) {
            "login" => "obtained with `login`",
            "add" => "added with `add`",
            _ => "stored by git",
        }
        .to_owned(),
    ));
    if let Some(at) = c.refresh_retry.filter(|_| c.refresh_failed.is_none()) {
        lines.push((
            "refresh failing",
            format!(
                "{}: a passing failure (server error, timeout); get tries again",
                time::datetime(at)
            ),
        ));
    }
    if let Some(at) = c.refresh_failed {
        lines.push((
            "refresh failed",
            format!(
                "{}: run `git credential-vouch login {}`",
                time::datetime(at),
                c.provider
            ),
        ));
    }
    lines.push(("created", time::datetime(c.created)));
    lines.push(("last used", c.last_used.map_or("-".into(), time::datetime)));
    if let Some(r) = &c.rejected {
        let key = if r.revoked_by().is_some() {
            "revoked"
        } else {
            "rejected"
        };
        lines.push((key, rejection_text(r, time::datetime(r.at))));
    }
    lines
        .iter()
        .map(|(k, v)| format!("{k:<15} {}\n", escape(v)))
        .collect()
}
