//! config.toml: provider instances beyond the built-in ones, and the erase policy.
//!
//! ```toml
//! on_reject = "keep"                  # or "delete"; default: see OnReject
//! [[provider]]
//! name = "corp-gitlab"
//! kind = "gitlab-self-managed"
//! hosts = ["git.corp.example", "*.git.corp.example", "git.corp.example:8443"]
//! path_prefix = "/team-a"             # optional, any kind
//! virtual_directory = "/tfs"          # azure-devops-server only
//! issuer_url = "https://..."          # optional, kept for OAuth flows
//! on_reject = "delete"                # optional, per instance
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::provider::{HostPattern, Instance, Kind, OnReject, builtin_instances};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("config {path}, line {line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("config {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Configured instances first, then the built-in ones.
    pub instances: Vec<Instance>,
    pub on_reject: Option<OnReject>,
    /// The file read, if any.
    pub source: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    on_reject: Option<OnReject>,
    #[serde(default)]
    provider: Vec<Spanned<RawProvider>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: Spanned<String>,
    kind: Spanned<String>,
    hosts: Spanned<Vec<Spanned<String>>>,
    path_prefix: Option<Spanned<String>>,
    virtual_directory: Option<Spanned<String>>,
    issuer_url: Option<String>,
    on_reject: Option<OnReject>,
}

impl Config {
    /// Built-in instances only.
    pub fn builtin() -> Config {
        Config {
            instances: builtin_instances(),
            on_reject: None,
            source: None,
        }
    }

    /// Read `path`. A missing file means the built-in defaults, unless `required`.
    pub fn load(path: &Path, required: bool) -> Result<Config, Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Config::builtin())
            }
            Err(source) => Err(Error::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, Error> {
        let invalid = |offset: usize, message: String| Error::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().trim().replace('\n', " ");
            // toml names the key for unknown fields, not for a value of the wrong type: take it
            // from the line, so every error names its key.
            match key_at(text, offset) {
                Some(key) if !message.contains(&format!("`{key}`")) => {
                    invalid(offset, format!("{key}: {message}"))
                }
                _ => invalid(offset, message),
            }
        })?;
        let builtins = builtin_instances();
        let mut instances: Vec<Instance> = Vec::new();
        for provider in raw.provider {
            let p = provider.into_inner();
            let name = p.name.get_ref().trim();
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(invalid(
                    p.name.span().start,
                    "name: must be non-empty, without spaces".into(),
                ));
            }
            if builtins.iter().any(|b| b.name == name) || instances.iter().any(|i| i.name == name) {
                return Err(invalid(
                    p.name.span().start,
                    format!(
                        "name: `{name}` is already taken (by a built-in or an earlier provider)"
                    ),
                ));
            }
            let kind = Kind::parse(p.kind.get_ref()).ok_or_else(|| {
                invalid(
                    p.kind.span().start,
                    format!(
                        "kind: unknown kind `{}` (known: {})",
                        p.kind.get_ref(),
                        Kind::ALL
                            .iter()
                            .map(|k| k.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            if p.hosts.get_ref().is_empty() {
                return Err(invalid(
                    p.hosts.span().start,
                    "hosts: needs at least one host".into(),
                ));
            }
            let mut hosts = Vec::new();
            for h in p.hosts.get_ref() {
                hosts.push(HostPattern::parse(h.get_ref()).ok_or_else(|| {
                    invalid(
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
                return Err(invalid(
                    vd.span().start,
                    "virtual_directory: only for kind azure-devops-server".into(),
                ));
            }
            let clean = |s: Option<Spanned<String>>| {
                s.map(|s| format!("/{}", s.into_inner().trim_matches('/')))
                    .filter(|s| s != "/")
            };
            instances.push(Instance {
                name: name.to_owned(),
                kind,
                hosts,
                path_prefix: clean(p.path_prefix),
                virtual_directory: clean(p.virtual_directory),
                issuer_url: p.issuer_url,
                on_reject: p.on_reject,
                builtin: false,
                per_host: false,
            });
        }
        instances.extend(builtins);
        Ok(Config {
            instances,
            on_reject: raw.on_reject,
            source: Some(path.to_path_buf()),
        })
    }

    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }
}

/// The key assigned on the line where `offset` falls (`key = value`), if there is one.
fn key_at(text: &str, offset: usize) -> Option<&str> {
    let line = text.lines().nth(line_of(text, offset) - 1)?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        Config::parse(text, Path::new("config.toml"))
    }

    fn error(text: &str) -> (usize, String) {
        match parse(text) {
            Err(Error::Invalid { line, message, .. }) => (line, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn reads_instances_and_keeps_builtins() {
        let c = parse(
            r#"
on_reject = "delete"
[[provider]]
name = "corp-gitlab"
kind = "gitLabEnterpriseEdition"
hosts = ["git.corp.example", "*.git.corp.example", "git.corp.example:8443"]
path_prefix = "team-a/"

[[provider]]
name = "ado"
kind = "azure-devops-server"
hosts = ["ado.corp"]
virtual_directory = "/tfs"
on_reject = "keep"
"#,
        )
        .unwrap();
        let corp = c.instance("corp-gitlab").unwrap();
        assert_eq!(corp.kind, Kind::GitLabSelfManaged);
        assert_eq!(corp.hosts.len(), 3);
        assert_eq!(corp.path_prefix.as_deref(), Some("/team-a"));
        assert_eq!(
            c.instance("ado").unwrap().virtual_directory.as_deref(),
            Some("/tfs")
        );
        assert_eq!(c.instance("ado").unwrap().on_reject, Some(OnReject::Keep));
        assert_eq!(c.on_reject, Some(OnReject::Delete));
        assert!(c.instance("github").is_some());
        assert_eq!(
            c.instances[0].name, "corp-gitlab",
            "configured instances come first"
        );
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let (line, msg) =
            error("[[provider]]\nname = \"x\"\nkind = \"gitlab\"\nhosts = [\"a\"]\nfoo = 1\n");
        assert_eq!(line, 5);
        assert!(msg.contains("foo"), "{msg}");
        let (line, msg) = error("[[provider]]\nname = \"x\"\nkind = \"gitlub\"\nhosts = [\"a\"]\n");
        assert_eq!(line, 3);
        assert!(msg.starts_with("kind:") && msg.contains("gitlub"), "{msg}");
        let (line, msg) = error(
            "[[provider]]\nname = \"x\"\nkind = \"gitea\"\nhosts = [\"ok.example\",\n  \"a*.example\"]\n",
        );
        assert_eq!(line, 5);
        assert!(msg.starts_with("hosts:"), "{msg}");
        let (line, msg) = error("on_reject = \"sometimes\"\n");
        assert_eq!(line, 1);
        assert!(
            msg.contains("sometimes") || msg.contains("variant"),
            "{msg}"
        );
        let (_, msg) =
            error("[[provider]]\nname = \"github\"\nkind = \"gitea\"\nhosts = [\"a\"]\n");
        assert!(msg.contains("already taken"), "{msg}");
        let (_, msg) = error(
            "[[provider]]\nname = \"x\"\nkind = \"gitea\"\nhosts = [\"a\"]\nvirtual_directory = \"/tfs\"\n",
        );
        assert!(msg.starts_with("virtual_directory"), "{msg}");
        let (line, msg) = error("[[provider]]\nname = \"x\"\nkind = \"gitea\"\n");
        assert!(msg.contains("hosts"), "{msg}");
        assert!(line >= 1);
    }

    #[test]
    fn missing_file_means_defaults_unless_required() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.toml");
        assert!(Config::load(&path, false).unwrap().source.is_none());
        assert!(matches!(Config::load(&path, true), Err(Error::Io { .. })));
    }
}
