//! What the CLI shows: credential listings, `resolve` explanations, the provider catalogue.
//! Text output escapes control characters; JSON output is documented in the README and stable.

use serde_json::{Value, json};

use super::Context;
use crate::config::Config;
use crate::credential::{Credential, Origin, normalize_host, unix_now};
use crate::error::Error;
use crate::provider::{Kind, TokenKind};
use crate::resolve::{self, Outcome, Target};
use crate::term::escape;
use crate::time;

/// Tokens that expire within this many days are flagged.
const EXPIRING_DAYS: i64 = 14;

fn status(c: &Credential, now: i64) -> &'static str {
    match c.password_expiry_utc {
        Some(e) if e < now => "expired",
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
        "origin": match c.origin { Origin::Added => "add", Origin::Git => "git" },
        "created": c.created,
        "last_used": c.last_used,
        "rejected": c.rejected.as_ref().map(|r| json!({ "at": r.at, "url": r.url })),
    })
}

fn expiry_text(c: &Credential, now: i64) -> String {
    match (c.password_expiry_utc, status(c, now)) {
        (None, _) => "-".into(),
        (Some(e), "expired") => format!("{} (expired)", time::date(e)),
        (Some(e), _) if e - now <= EXPIRING_DAYS * time::DAY => {
            format!("{} (in {} days)", time::date(e), (e - now) / time::DAY)
        }
        (Some(e), _) => time::date(e),
    }
}

pub fn list_table(entries: &[Credential], config: &Config, now: i64) -> String {
    if entries.is_empty() {
        return "no credentials stored\n".into();
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
    let rows: Vec<[String; 9]> = entries
        .iter()
        .map(|c| {
            let mut flags = vec![status(c, now).to_owned()];
            if c.is_default {
                flags.push("default".into());
            }
            if let Some(r) = &c.rejected {
                flags.push(format!("rejected {} at {}", time::date(r.at), r.url));
            }
            [
                c.id.clone(),
                c.provider.clone(),
                host_text(c, config),
                c.display_account().to_owned(),
                c.scope
                    .clone()
                    .or_else(|| c.path.clone())
                    .unwrap_or_else(|| "-".into()),
                c.token_kind.map_or("-", TokenKind::name).to_owned(),
                expiry_text(c, now),
                c.last_used.map_or("-".into(), time::date),
                flags.join(", "),
            ]
            .map(|cell| escape(&cell))
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(text.join("  ").trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
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
    ];
    lines.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    lines.push(("expires", expiry_text(c, now)));
    lines.push(("status", status(c, now).to_owned()));
    lines.push(("default", c.is_default.to_string()));
    lines.push((
        "origin",
        match c.origin {
            Origin::Added => "added with `add`",
            Origin::Git => "stored by git",
        }
        .to_owned(),
    ));
    lines.push(("created", time::datetime(c.created)));
    lines.push(("last used", c.last_used.map_or("-".into(), time::datetime)));
    if let Some(r) = &c.rejected {
        lines.push(("rejected", format!("{} at {}", time::datetime(r.at), r.url)));
    }
    lines
        .iter()
        .map(|(k, v)| format!("{k:<15} {}\n", escape(v)))
        .collect()
}

/// The parts of a URL git would send, as git would send them.
struct Parsed {
    protocol: String,
    host: String,
    path: Option<String>,
    username: Option<String>,
    /// For display and for asking git's config: no password.
    url: String,
}

fn parse_url(url: &str) -> Result<Parsed, Error> {
    // Never echo the text: a mistyped URL may carry a token anywhere in it.
    let bad = || {
        Error::Usage(
            "url: not an http(s) URL git could fetch (like https://host/owner/repo.git)".into(),
        )
    };
    let mut ctx = gix_credentials::protocol::Context::from_url(url, Default::default());
    ctx.destructure_url_in_place(true).map_err(|_| bad())?;
    use zeroize::Zeroize;
    ctx.password.zeroize();
    let protocol = ctx
        .protocol
        .take()
        .filter(|p| p == "http" || p == "https")
        .ok_or_else(bad)?;
    let host = normalize_host(&ctx.host.take().ok_or_else(bad)?);
    let path = ctx
        .path
        .take()
        .map(|p| p.to_string())
        .filter(|p| !p.is_empty());
    let username = ctx.username.take();
    let user = username
        .as_deref()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let shown = format!(
        "{protocol}://{user}{host}/{}",
        path.as_deref().unwrap_or("")
    );
    Ok(Parsed {
        protocol,
        host,
        path,
        username,
        url: shown,
    })
}

/// `git config --get-urlmatch KEY URL`, or None.
fn git_urlmatch(key: &str, url: &str, as_bool: bool) -> Option<String> {
    let mut cmd = std::process::Command::new("git");
    cmd.arg("config");
    if as_bool {
        cmd.arg("--type=bool");
    }
    let out = cmd.args(["--get-urlmatch", key, url]).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn git_offers_authtype() -> bool {
    let Ok(out) = std::process::Command::new("git").arg("--version").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v = text
        .split_whitespace()
        .nth(2)
        .unwrap_or("0")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (v.next().unwrap_or(0), v.next().unwrap_or(0)) >= (2, 46)
}

pub fn resolve(ctx: &Context, url: &str, as_json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let parsed = parse_url(url)?;
    let mut notes = Vec::new();
    // What git itself would send: the path only with credential.useHttpPath, a configured
    // credential.username when the URL has none.
    let use_path = !matches!(parsed.protocol.as_str(), "http" | "https")
        || git_urlmatch("credential.useHttpPath", &parsed.url, true).as_deref() == Some("true");
    let path = if use_path { parsed.path.clone() } else { None };
    if parsed.path.is_some() && !use_path {
        notes.push("git sends no path for this URL (credential.useHttpPath is not set): repository scopes cannot apply".to_owned());
    }
    let username = parsed
        .username
        .clone()
        .or_else(|| git_urlmatch("credential.username", &parsed.url, false));
    let capability = git_offers_authtype();
    let target = Target {
        protocol: &parsed.protocol,
        host: &parsed.host,
        path: path.as_deref(),
        username: username.as_deref(),
        capability_authtype: capability,
    };
    let lookup = resolve::lookup(&config, &target);
    let entries = ctx.store.select(|_| true)?;
    let resolution = resolve::resolve(&lookup, &target, &entries, unix_now());
    notes.extend(resolution.notes.iter().cloned());

    let query = crate::credential::Query::new(
        &parsed.protocol,
        &parsed.host,
        path.as_deref(),
        username.as_deref(),
    );
    let generic = entries
        .iter()
        .find(|c| c.is_generic() && c.matches(&query) && c.password.is_some() | c.is_pre_encoded());
    let instance = resolve::primary(&lookup);

    let (answer, reason): (Option<Value>, Option<String>) = match &resolution.outcome {
        Outcome::Answer {
            credential,
            username,
            bearer,
            why,
        } => (
            Some(json!({
                "id": credential.id,
                "account": credential.display_account(),
                "scope": credential.scope,
                "token_kind": credential.token_kind.map(TokenKind::name),
                "username": username,
                "authtype": bearer.then_some("Bearer"),
                "why": why,
            })),
            None,
        ),
        Outcome::Ambiguous(ids) => (
            None,
            Some(format!(
                "credentials {} are equally specific and none is the default: answering either would be a guess (use a URL username, `--repo`, or `update ID --default`)",
                ids.join(", ")
            )),
        ),
        Outcome::Nothing(why) => match generic {
            Some(c) => (
                Some(json!({
                    "id": c.id,
                    "account": c.display_account(),
                    "scope": null,
                    "token_kind": null,
                    "username": c.username,
                    "authtype": c.authtype,
                    "why": "a credential git stored for exactly this protocol, host and user",
                })),
                None,
            ),
            None if instance.is_none() => (
                None,
                Some(format!(
                    "{} is not a provider host and git stored no credential for it",
                    parsed.host
                )),
            ),
            None => (None, Some(why.clone())),
        },
    };
    let candidates: Vec<Value> = resolution
        .candidates
        .iter()
        .map(|c| {
            json!({
                "id": c.credential.id,
                "account": c.credential.display_account(),
                "scope": c.credential.scope,
                "token_kind": c.credential.token_kind.map(TokenKind::name),
                "default": c.credential.is_default,
                "eligible": c.outcome.is_ok(),
                "excluded": c.outcome.err().map(|e| e.describe()),
            })
        })
        .collect();
    let report = json!({
        "version": 1,
        "url": parsed.url,
        "protocol": parsed.protocol,
        "host": parsed.host,
        "path": path,
        "username": username,
        "instance": instance.map(|m| json!({
            "name": m.instance.name,
            "kind": m.instance.kind.name(),
            "builtin": m.instance.builtin,
            "pattern": m.pattern,
        })),
        "repository": resolution.repository,
        "answer": answer,
        "reason": reason,
        "candidates": candidates,
        "notes": notes,
    });
    if as_json {
        println!("{report}");
    } else {
        print!("{}", resolve_text(&report));
    }
    Ok(())
}

fn resolve_text(r: &Value) -> String {
    let s = |v: &Value| v.as_str().map(escape).unwrap_or_else(|| "-".into());
    let mut out = format!("url:        {}\n", s(&r["url"]));
    out += &match r["instance"].as_object() {
        Some(i) => format!(
            "instance:   {} (kind {}, {}, host pattern {})\n",
            s(&i["name"]),
            s(&i["kind"]),
            if i["builtin"] == true {
                "built in"
            } else {
                "configured"
            },
            s(&i["pattern"])
        ),
        None => "instance:   none (generic host: git's own matching rules)\n".into(),
    };
    if !r["repository"].is_null() {
        out += &format!("repository: {}\n", s(&r["repository"]));
    }
    if let Some(candidates) = r["candidates"].as_array().filter(|c| !c.is_empty()) {
        out += "candidates:\n";
        for c in candidates {
            let scope = if c["scope"].is_null() {
                "host-wide".into()
            } else {
                format!("repo {}", s(&c["scope"]))
            };
            let verdict = match c["excluded"].as_str() {
                Some(why) => format!("excluded: {why}"),
                None => "eligible".into(),
            };
            out += &format!(
                "  {} {} ({}, {}{}): {verdict}\n",
                s(&c["id"]),
                s(&c["account"]),
                s(&c["token_kind"]),
                scope,
                if c["default"] == true {
                    ", default"
                } else {
                    ""
                }
            );
        }
    }
    out += &match r["answer"].as_object() {
        Some(a) => {
            let who = match a["authtype"].as_str() {
                Some(t) => format!("authtype {t} (no username)"),
                None => format!("username {}", s(&a["username"])),
            };
            format!(
                "answer:     credential {} ({}), {who}; {}\n",
                s(&a["id"]),
                s(&a["account"]),
                s(&a["why"])
            )
        }
        None => format!("answer:     nothing, because {}\n", s(&r["reason"])),
    };
    for note in r["notes"].as_array().into_iter().flatten() {
        out += &format!("note:       {}\n", s(note));
    }
    out
}

pub fn providers(ctx: &Context, as_json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|&k| {
            let builtin_hosts: Vec<&str> = config
                .instances
                .iter()
                .filter(|i| i.builtin && i.kind == k)
                .flat_map(|i| i.hosts.iter().map(|h| h.as_str()))
                .collect();
            json!({
                "kind": k.name(),
                "aliases": k.aliases(),
                "builtin_hosts": builtin_hosts,
                "identity": k.identity().describe(),
                "needs_path": k.needs_path(),
                "path_shape": k.path_shape(),
                "token_kinds": k.token_kinds().iter().map(|t| json!({
                    "name": t.name(),
                    "id": t.id(),
                    "prefix": t.prefix(),
                    "username": t.describe_username(),
                    "bearer": t.is_bearer(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let instances: Vec<Value> = config
        .instances
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "kind": i.kind.name(),
                "hosts": i.hosts.iter().map(|h| h.as_str()).collect::<Vec<_>>(),
                "builtin": i.builtin,
                "path_prefix": i.path_prefix,
                "virtual_directory": i.virtual_directory,
            })
        })
        .collect();
    if as_json {
        println!(
            "{}",
            json!({ "version": 1, "kinds": kinds, "instances": instances })
        );
        return Ok(());
    }
    let mut out = String::new();
    for k in &kinds {
        let aliases = strings(&k["aliases"]);
        out += &format!(
            "{}{}\n",
            k["kind"].as_str().unwrap_or(""),
            if aliases.is_empty() {
                String::new()
            } else {
                format!(" (also: {})", aliases.join(", "))
            }
        );
        let hosts = strings(&k["builtin_hosts"]);
        out += &format!(
            "  built-in hosts: {}\n",
            if hosts.is_empty() {
                "none (configure an instance)".into()
            } else {
                hosts.join(", ")
            }
        );
        out += &format!(
            "  identity:       {}\n",
            k["identity"].as_str().unwrap_or("")
        );
        out += &format!(
            "  path:           {}{}\n",
            k["path_shape"].as_str().unwrap_or(""),
            if k["needs_path"] == true {
                " (needs credential.useHttpPath)"
            } else {
                ""
            }
        );
        out += "  token kinds:\n";
        for t in k["token_kinds"].as_array().into_iter().flatten() {
            out += &format!(
                "    {:<18} prefix {:<12} username: {}\n",
                t["name"].as_str().unwrap_or(""),
                t["prefix"].as_str().unwrap_or("-"),
                t["username"].as_str().unwrap_or("")
            );
        }
    }
    let configured: Vec<&Value> = instances.iter().filter(|i| i["builtin"] == false).collect();
    if !configured.is_empty() {
        out += "configured instances:\n";
        for i in configured {
            let hosts = strings(&i["hosts"]);
            out += &format!(
                "  {} ({}): {}\n",
                escape(i["name"].as_str().unwrap_or("")),
                i["kind"].as_str().unwrap_or(""),
                escape(&hosts.join(", "))
            );
        }
    }
    print!("{out}");
    Ok(())
}

/// The strings of a JSON array (empty for anything else).
fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}
