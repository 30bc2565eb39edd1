//! `[[provider]]` tables: each checked on its own and against the others, with hash maps so
//! that a file of many thousand instances loads in linear time.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::provider::{HostPattern, Instance, Kind, OnReject, builtin_instances};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProvider {
    name: Spanned<String>,
    kind: Option<Spanned<String>>,
    hosts: Option<Spanned<Vec<Spanned<String>>>>,
    path_prefix: Option<Spanned<String>>,
    virtual_directory: Option<Spanned<String>>,
    issuer_url: Option<Spanned<String>>,
    api_url: Option<Spanned<String>>,
    oauth_client_id: Option<Spanned<String>>,
    scopes: Option<Spanned<Vec<String>>>,
    pat: Option<bool>,
    on_reject: Option<OnReject>,
    allow_http: Option<bool>,
    openbao_path: Option<Spanned<String>>,
}

/// An error at a byte offset of the file.
type Invalid = (usize, String);

/// Configured instances first, then the built-in ones, amended by tables of their own name.
pub(super) fn build(raw: Vec<Spanned<RawProvider>>) -> Result<Vec<Instance>, Invalid> {
    let mut builtins = builtin_instances();
    let builtin_at: HashMap<String, usize> = builtins
        .iter()
        .enumerate()
        .map(|(i, b)| (b.name.to_ascii_lowercase(), i))
        .collect();
    let mut configured: Vec<Instance> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    // (host pattern, path prefix) -> the instance that has it.
    let mut places: HashMap<(String, Option<String>), String> = HashMap::new();
    for table in raw {
        let table_start = table.span().start;
        let p = table.into_inner();
        let name = p.name.get_ref().trim().to_owned();
        let at_name = p.name.span().start;
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err((at_name, "name: must be non-empty, without spaces".into()));
        }
        let key = name.to_ascii_lowercase();
        if let Some(first) = names.insert(key.clone(), name.clone()) {
            return Err((
                at_name,
                format!("name: `{name}` is already taken by an earlier provider `{first}`"),
            ));
        }
        if let Some(&i) = builtin_at.get(&key) {
            amend(&mut builtins[i], p)?;
            continue;
        }
        let instance = new_instance(name, p, table_start)?;
        if instance.path_prefix.is_none() {
            claims_no_builtin_host(&instance, &builtins, table_start)?;
        }
        for pattern in &instance.hosts {
            let place = (pattern.as_str().to_owned(), instance.path_prefix.clone());
            if let Some(other) = places.insert(place, instance.name.clone()) {
                return Err((
                    table_start,
                    format!(
                        "hosts: `{pattern}`{} is served by both `{other}` and `{}`; give one a different path_prefix or host",
                        instance
                            .path_prefix
                            .as_deref()
                            .map_or(String::new(), |p| format!(" with path_prefix {p}")),
                        instance.name
                    ),
                ));
            }
        }
        configured.push(instance);
    }
    configured.extend(builtins);
    Ok(configured)
}

/// A table with a built-in's name changes that instance's settings; its hosts and paths are
/// fixed, so that `github` always means github.com.
fn amend(builtin: &mut Instance, p: RawProvider) -> Result<(), Invalid> {
    if let Some(kind) = &p.kind
        && Kind::parse(kind.get_ref()) != Some(builtin.kind)
    {
        return Err((
            kind.span().start,
            format!(
                "kind: built-in instance `{}` is of kind {}",
                builtin.name,
                builtin.kind.name()
            ),
        ));
    }
    let fixed = [
        ("hosts", p.hosts.as_ref().map(|h| h.span().start)),
        (
            "path_prefix",
            p.path_prefix.as_ref().map(|s| s.span().start),
        ),
        (
            "virtual_directory",
            p.virtual_directory.as_ref().map(|s| s.span().start),
        ),
    ];
    if let Some((field, Some(at))) = fixed.into_iter().find(|(_, at)| at.is_some()) {
        return Err((
            at,
            format!(
                "{field}: built-in instance `{}` keeps its own; give this provider another name",
                builtin.name
            ),
        ));
    }
    settings(builtin, p)
}

/// The settings any instance may have, built-in or configured.
fn settings(instance: &mut Instance, p: RawProvider) -> Result<(), Invalid> {
    for (field, value, slot) in [
        ("issuer_url", p.issuer_url, &mut instance.issuer_url),
        ("api_url", p.api_url, &mut instance.api_url),
    ] {
        if let Some(url) = value {
            *slot = Some(
                crate::url::check_url(field, url.get_ref()).map_err(|e| (url.span().start, e))?,
            );
        }
    }
    if let Some(id) = p.oauth_client_id {
        let at = id.span().start;
        let id = id.into_inner();
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err((
                at,
                "oauth_client_id: must be non-empty, without spaces".into(),
            ));
        }
        if !instance.kind.has_oauth_login() {
            return Err((
                at,
                format!(
                    "oauth_client_id: kind {} has no OAuth login (github, gitlab, gitea, forgejo, codeberg and bitbucket-cloud do)",
                    instance.kind.name()
                ),
            ));
        }
        instance.oauth_client_id = Some(id);
    }
    if let Some(scopes) = p.scopes {
        let at = scopes.span().start;
        let scopes = scopes.into_inner();
        if scopes
            .iter()
            .any(|s| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err((
                at,
                "scopes: each scope must be non-empty, without spaces".into(),
            ));
        }
        instance.scopes = Some(scopes);
    }
    if let Some(pat) = p.pat {
        instance.pat = pat;
    }
    if p.on_reject.is_some() {
        instance.on_reject = p.on_reject;
    }
    if let Some(allow) = p.allow_http {
        instance.allow_http = allow;
    }
    if let Some(path) = p.openbao_path {
        let at = path.span().start;
        instance.openbao_path =
            Some(super::openbao::check_path(path.get_ref()).map_err(|e| (at, e))?);
    }
    Ok(())
}

fn new_instance(name: String, mut p: RawProvider, table_start: usize) -> Result<Instance, Invalid> {
    let kind_text = p
        .kind
        .take()
        .ok_or((table_start, format!("kind: missing for provider `{name}`")))?;
    let kind = Kind::parse(kind_text.get_ref()).ok_or_else(|| {
        (
            kind_text.span().start,
            format!(
                "kind: unknown kind `{}` (known: {})",
                kind_text.get_ref(),
                Kind::ALL
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let hosts = p
        .hosts
        .take()
        .filter(|h| !h.get_ref().is_empty())
        .ok_or((table_start, "hosts: needs at least one host".to_owned()))?;
    let mut patterns = Vec::new();
    for h in hosts.into_inner() {
        patterns.push(HostPattern::parse(h.get_ref()).ok_or_else(|| {
            (
                h.span().start,
                format!(
                    "hosts: `{}` is not a host pattern (host[:port], `*` only as a whole label)",
                    h.get_ref()
                ),
            )
        })?);
    }
    if let Some(vd) = &p.virtual_directory
        && kind != Kind::AzureDevOpsServer
    {
        return Err((
            vd.span().start,
            "virtual_directory: only for kind azure-devops-server".into(),
        ));
    }
    let mut instance = Instance {
        path_prefix: url_path("path_prefix", p.path_prefix.take())?,
        virtual_directory: url_path("virtual_directory", p.virtual_directory.take())?,
        ..Instance::new(name, kind, patterns)
    };
    settings(&mut instance, p)?;
    Ok(instance)
}

/// `/a/b` from `a/b/`; `None` for the root. Segments that a URL would reinterpret (`.`, `..`,
/// empty) and characters that end a path or mean one elsewhere (`?`, `#`, `\`) are refused:
/// the prefix must mean the same to git, the server and us.
fn url_path(field: &str, value: Option<Spanned<String>>) -> Result<Option<String>, Invalid> {
    let Some(value) = value else {
        return Ok(None);
    };
    let at = value.span().start;
    let trimmed = value.get_ref().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(None);
    }
    if let Some(c) = trimmed
        .chars()
        .find(|c| matches!(c, '?' | '#' | '\\') || c.is_control() || c.is_whitespace())
    {
        return Err((at, format!("{field}: `{c}` is not allowed in a path")));
    }
    if trimmed.split('/').any(|s| matches!(s, "" | "." | "..")) {
        return Err((
            at,
            format!("{field}: empty, `.` and `..` segments are not allowed"),
        ));
    }
    Ok(Some(format!("/{trimmed}")))
}

/// A host of a built-in instance belongs to it: a second instance for the whole host would
/// make every token there ambiguous. A path prefix makes a narrower instance, which is fine.
fn claims_no_builtin_host(
    instance: &Instance,
    builtins: &[Instance],
    at: usize,
) -> Result<(), Invalid> {
    for pattern in &instance.hosts {
        for builtin in builtins {
            if let Some(theirs) = builtin.hosts.iter().find(|b| b.overlaps(pattern)) {
                return Err((
                    at,
                    format!(
                        "hosts: `{pattern}` of `{}` overlaps `{theirs}` of built-in instance `{}`; name the provider `{}` to amend the built-in, or add a path_prefix",
                        instance.name, builtin.name, builtin.name
                    ),
                ));
            }
        }
    }
    Ok(())
}
