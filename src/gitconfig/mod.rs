//! `configure` / `unconfigure`: put vouch first in git's credential helper chain, keeping the
//! user's other helpers, and take back exactly what was added.
//!
//! git reads helpers in config order (system, global, local). To be first from a later scope
//! while keeping earlier helpers, the list is reset with an empty value and the earlier helpers
//! are repeated after ours. What the scope held before is recorded, so `unconfigure` can restore
//! it exactly.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

mod http_path;

use http_path::set_http_paths;
pub use http_path::{Ensured, PathNeed, ensure_http_paths, path_needs, path_urls, sends_path};

/// Why git's config could not be read or changed. Never a config value: another helper's
/// command line may carry a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("running git: {0}")]
    RunGit(std::io::Error),
    /// `command`: git's arguments up to the key, never a value.
    #[error("git {command} failed: {stderr}")]
    Git { command: String, stderr: String },
    /// The record of what `configure` changed, or its directory.
    #[error("{doing} {}: {source}", path.display())]
    File {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Record {
        path: PathBuf,
        source: serde_json::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    System,
    Global,
    Local,
}

impl Scope {
    fn flag(self) -> &'static str {
        match self {
            Scope::System => "--system",
            Scope::Global => "--global",
            Scope::Local => "--local",
        }
    }
    fn name(self) -> &'static str {
        &self.flag()[2..]
    }
    fn order(name: &str) -> Option<u8> {
        match name {
            "system" => Some(0),
            "global" => Some(1),
            "local" => Some(2),
            _ => None,
        }
    }
}

/// What `configure` changed in one scope, so `unconfigure` can undo exactly that.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Record {
    scope: Scope,
    helpers_before: Vec<String>,
    helpers_written: Vec<String>,
    /// `credential.<url>.useHttpPath` keys this tool set (they were unset before).
    #[serde(default)]
    http_path_keys: Vec<String>,
    /// The config file configure created (none existed): removed again when left empty.
    #[serde(default)]
    created_file: Option<PathBuf>,
}

/// The file git writes for `scope`, where it can be known without asking git.
fn scope_file(scope: Scope) -> Option<PathBuf> {
    let env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    match scope {
        Scope::Global => env("GIT_CONFIG_GLOBAL").or_else(|| {
            let home = env("HOME")?.join(".gitconfig");
            let xdg = env("XDG_CONFIG_HOME")
                .or_else(|| env("HOME").map(|h| h.join(".config")))
                .map(|d| d.join("git/config"));
            Some(match xdg {
                Some(xdg) if !home.exists() && xdg.exists() => xdg,
                _ => home,
            })
        }),
        Scope::System => env("GIT_CONFIG_SYSTEM"),
        Scope::Local => None,
    }
}

/// The helper value for git: the absolute path, so git runs the binary directly instead of
/// going through `git credential-vouch` (one process less on every fetch).
pub fn helper_value(exe: &Path) -> String {
    let path = exe.to_string_lossy();
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        path.into_owned()
    } else {
        format!("!'{}'", path.replace('\'', r"'\''"))
    }
}

fn git(args: &[&str]) -> Result<std::process::Output, Error> {
    Command::new("git")
        .args(args)
        .output()
        .map_err(Error::RunGit)
}

fn git_ok(args: &[&str]) -> Result<String, Error> {
    let out = git(args)?;
    if !out.status.success() {
        return Err(Error::Git {
            // Not the values: another helper's command line may carry a secret.
            command: args.iter().take(4).copied().collect::<Vec<_>>().join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Values of a multi-valued key in one scope (`git config --get-all` exits 1 when unset).
fn get_all(scope: Scope, key: &str) -> Result<Vec<String>, Error> {
    let out = git(&["config", scope.flag(), "--null", "--get-all", key])?;
    match out.status.code() {
        Some(0) => Ok(split_null(&out.stdout)),
        Some(1) => Ok(Vec::new()),
        _ => Err(Error::Git {
            command: format!("config {} --get-all {key}", scope.flag()),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }),
    }
}

/// `git config --null` ends every value with NUL; an empty value (a helper-list reset) is kept.
fn split_null(bytes: &[u8]) -> Vec<String> {
    let Some(body) = bytes.strip_suffix(b"\0") else {
        return Vec::new();
    };
    body.split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Helpers git would use from scopes read before `scope`, in order, honouring empty resets.
fn earlier_helpers(scope: Scope) -> Result<Vec<String>, Error> {
    let out = git(&[
        "config",
        "--show-scope",
        "--null",
        "--get-all",
        "credential.helper",
    ])?;
    if out.status.code() == Some(1) {
        return Ok(Vec::new());
    }
    let mine = Scope::order(scope.name()).expect("known scope");
    let mut helpers = Vec::new();
    // With --show-scope --null each value comes as "scope\0value\0".
    for pair in split_null(&out.stdout).chunks(2) {
        let [origin, value] = pair else { continue };
        if Scope::order(origin).is_some_and(|o| o < mine) {
            let value = value.to_owned();
            if value.is_empty() {
                helpers.clear();
            } else {
                helpers.push(value);
            }
        }
    }
    Ok(helpers)
}

fn set_all(scope: Scope, key: &str, values: &[String]) -> Result<(), Error> {
    if !get_all(scope, key)?.is_empty() {
        git_ok(&["config", scope.flag(), "--unset-all", key])?;
    }
    for v in values {
        git_ok(&["config", scope.flag(), "--add", key, v])?;
    }
    Ok(())
}

fn record_path(state_dir: &Path, scope: Scope) -> PathBuf {
    state_dir.join(format!("configured-{}.json", scope.name()))
}

/// Make vouch the first helper git asks, and make git send the path to the hosts that need
/// it. Returns lines describing what was done.
pub fn configure(
    scope: Scope,
    exe: &Path,
    state_dir: &Path,
    urls: &[String],
) -> Result<Vec<String>, Error> {
    let ours = helper_value(exe);
    let before = get_all(scope, "credential.helper")?;
    let earlier = earlier_helpers(scope)?;
    let path = record_path(state_dir, scope);
    let old_record = read_record(&path)?;
    let created_file = match &old_record {
        Some(r) => r.created_file.clone(),
        None => scope_file(scope).filter(|f| !f.exists()),
    };
    // Still as our last configure left it: start again from the user's own list.
    let user_list = match &old_record {
        Some(r) if r.helpers_written == before => r.helpers_before.clone(),
        _ => before.clone(),
    };
    let others = user_list
        .iter()
        .filter(|h| **h != ours && !h.is_empty())
        .cloned();
    let written: Vec<String> = if earlier.is_empty() {
        std::iter::once(ours.clone()).chain(others).collect()
    } else {
        [String::new(), ours.clone()]
            .into_iter()
            .chain(earlier.iter().filter(|h| **h != ours).cloned())
            .chain(others)
            .collect()
    };
    let new_keys = set_http_paths(scope, urls)?;
    let mut lines: Vec<String> = new_keys
        .iter()
        .map(|k| format!("set {k} = true ({} config)", scope.name()))
        .collect();
    if written == before && new_keys.is_empty() {
        return Ok(vec![format!(
            "git ({} config) already uses {ours} first: nothing changed",
            scope.name()
        )]);
    }
    if written != before {
        set_all(scope, "credential.helper", &written)?;
        lines.insert(
            0,
            format!(
                "git ({} config) now asks {ours} first{}",
                scope.name(),
                // The reset (an empty value) is no helper.
                match written
                    .iter()
                    .filter(|h| !h.is_empty() && **h != ours)
                    .count()
                {
                    0 => String::new(),
                    1 => ", and the one helper it had after it".to_owned(),
                    n => format!(", and the {n} helpers it had after it"),
                }
            ),
        );
    }
    crate::paths::ensure_private_dir(state_dir).map_err(|source| Error::File {
        doing: "creating",
        path: state_dir.to_owned(),
        source,
    })?;
    let mut http_path_keys = old_record.map(|r| r.http_path_keys).unwrap_or_default();
    http_path_keys.extend(new_keys);
    let record = Record {
        scope,
        helpers_before: user_list,
        helpers_written: written.clone(),
        http_path_keys,
        created_file,
    };
    write_record(&path, &record)?;
    Ok(lines)
}

fn write_record(path: &Path, record: &Record) -> Result<(), Error> {
    std::fs::write(
        path,
        serde_json::to_vec_pretty(record).expect("serializable"),
    )
    .map_err(|source| Error::File {
        doing: "writing",
        path: path.to_owned(),
        source,
    })
}

fn read_record(path: &Path) -> Result<Option<Record>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| Error::Record {
                path: path.to_owned(),
                source,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::File {
            doing: "reading",
            path: path.to_owned(),
            source,
        }),
    }
}

/// Undo `configure` in `scope`.
pub fn unconfigure(
    scope: Scope,
    exe: &Path,
    state_dir: &Path,
    _urls: &[String],
) -> Result<Vec<String>, Error> {
    let ours = helper_value(exe);
    let path = record_path(state_dir, scope);
    let current = get_all(scope, "credential.helper")?;
    let record = read_record(&path)?;
    let restored: Vec<String> = match &record {
        // Untouched since configure: put back exactly what was there.
        Some(r) if r.helpers_written == current => r.helpers_before.clone(),
        // Changed since: only take out our own entry.
        _ => current.iter().filter(|h| **h != ours).cloned().collect(),
    };
    let mut lines = Vec::new();
    if restored != current {
        set_all(scope, "credential.helper", &restored)?;
        lines.push(format!("removed {ours} from git's {} config", scope.name()));
    } else {
        lines.push(format!(
            "git's {} config does not use {ours}: nothing changed",
            scope.name()
        ));
    }
    for key in record.iter().flat_map(|r| &r.http_path_keys) {
        // Only what is still as configure left it.
        if get_all(scope, key)? == ["true"] {
            git_ok(&["config", scope.flag(), "--unset", key])?;
            lines.push(format!("unset {key}"));
        }
    }
    if let Some(file) = record.as_ref().and_then(|r| r.created_file.as_ref()) {
        // git leaves an empty file behind; it was not there before configure.
        if std::fs::read_to_string(file).is_ok_and(|t| t.trim().is_empty())
            && std::fs::remove_file(file).is_ok()
        {
            lines.push(format!(
                "removed {} (configure had created it)",
                file.display()
            ));
        }
    }
    if record.is_some() {
        let _ = std::fs::remove_file(&path);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_value_is_quoted_only_when_needed() {
        assert_eq!(
            helper_value(Path::new("/usr/bin/git-credential-vouch")),
            "/usr/bin/git-credential-vouch"
        );
        assert_eq!(
            helper_value(Path::new("/opt/my tools/vouch")),
            "!'/opt/my tools/vouch'"
        );
        assert_eq!(helper_value(Path::new("/o'k/v")), r"!'/o'\''k/v'");
    }
}
