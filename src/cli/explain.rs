//! `resolve URL`: which credential and username would answer, and why, without the secret.

use serde_json::{Value, json};

use super::Context;
use crate::credential::{normalize_host, unix_now};
use crate::error::Error;
use crate::provider::TokenKind;
use crate::resolve::{self, Outcome, Target};
use crate::term::escape;

/// The parts of a URL git would send, as git would send them.
struct Parsed {
    protocol: String,
    host: String,
    path: Option<String>,
    username: Option<String>,
    /// For display and for asking git's config: no password.
    url: String,
}

/// An SSH remote (`git@host:owner/repo.git`, `ssh://...`): git never asks a credential helper
/// for one, since SSH authenticates with keys.
fn is_ssh(url: &str) -> bool {
    url.starts_with("ssh://")
        || url.starts_with("git+ssh://")
        || (!url.contains("://")
            && url
                .split_once(':')
                .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/')))
}

fn parse_url(url: &str) -> Result<Parsed, Error> {
    if is_ssh(url) {
        return Err(Error::Usage(
            "url: an SSH URL: git authenticates SSH remotes with SSH keys and never asks a credential helper; tokens answer https remotes (like https://host/owner/repo.git)".into(),
        ));
    }
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
    // An OpenBao-backed instance answers what the cache holds (resolve makes no request).
    let backed = resolve::primary(&lookup)
        .map(|m| m.instance)
        .filter(|i| i.openbao_path.is_some());
    let entries = match backed {
        Some(instance) => {
            let (cached, note) = crate::openbao::status::cached(&ctx.store, &config, instance)?;
            notes.push(note);
            cached.into_iter().collect()
        }
        None => ctx.store.select(|_| true)?,
    };
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
                "mint": credential.is_app().then(|| {
                    let instance = lookup.find(&credential.provider).expect("resolved").instance;
                    let repository = path.as_deref();
                    super::explain_app::report(ctx, &config, instance, credential, &parsed.host, repository)
                }),
            })),
            None,
        ),
        Outcome::Ambiguous(ids) => (
            None,
            Some(format!(
                "credentials {} are equally specific, none is the default and none was picked here: answering either would be a guess; {}",
                ids.join(", "),
                resolve::HOW_TO_CHOOSE
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
                "picked_for": c.chosen,
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
        "owner": resolution.owner,
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
            let picked = match c["picked_for"].as_str() {
                Some("") => ", picked for this host".to_owned(),
                Some(owner) => format!(", picked for {}", escape(owner)),
                None => String::new(),
            };
            out += &format!(
                "  {} {} ({}, {}{}{picked}): {verdict}\n",
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
    if r["answer"]["mint"].is_object() {
        out += &super::explain_app::text(&r["answer"]["mint"]);
    }
    for note in r["notes"].as_array().into_iter().flatten() {
        out += &format!("note:       {}\n", s(note));
    }
    out
}
