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
//! allow_http = true                   # optional: answer plain http too (loopback, intranet)
//!
//! [[provider]]                        # a built-in's own name amends that instance
//! name = "github"
//! on_reject = "keep"
//! ```
//!
//! The file decides which host gets which token, so it is trusted only when nobody else can
//! write it (as ssh treats its config).

mod edit;
mod instances;
pub mod openbao;
mod trust;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use edit::ConfigFile;

use crate::provider::{Instance, Kind, OnReject, builtin_instances};

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
    #[error("config {path} is {why}: refusing to trust it (fix: chmod go-w {path}, owned by you)")]
    Untrusted { path: PathBuf, why: &'static str },
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Configured instances first, then the built-in ones (amended where configured).
    pub instances: Vec<Instance>,
    pub on_reject: Option<OnReject>,
    /// `key_cache`: how long an unwrapped keyring key stays in the kernel keyring; 0 = "off".
    pub key_cache_seconds: u64,
    /// The file read, if any.
    pub source: Option<PathBuf>,
    /// The `[openbao]` table, when there is one.
    pub openbao: Option<openbao::Settings>,
    index: Index,
}

/// Positions in `instances`, so that neither loading nor a lookup compares every pair.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Lowercased name.
    by_name: HashMap<String, usize>,
    /// Exact host patterns (as git sends the host), each with its instances.
    by_host: HashMap<String, Vec<usize>>,
    /// Instances with at least one wildcard pattern.
    wildcard: Vec<usize>,
}

impl Index {
    fn build(instances: &[Instance]) -> Index {
        let mut index = Index::default();
        for (i, instance) in instances.iter().enumerate() {
            index.by_name.insert(instance.name.to_ascii_lowercase(), i);
            for pattern in &instance.hosts {
                if pattern.is_exact() {
                    let at = index
                        .by_host
                        .entry(pattern.as_str().to_owned())
                        .or_default();
                    if at.last() != Some(&i) {
                        at.push(i);
                    }
                } else if index.wildcard.last() != Some(&i) {
                    index.wildcard.push(i);
                }
            }
        }
        index
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    on_reject: Option<OnReject>,
    key_cache: Option<Spanned<String>>,
    #[serde(default)]
    provider: Vec<Spanned<instances::RawProvider>>,
    openbao: Option<Spanned<openbao::RawSettings>>,
}

impl Config {
    fn new(instances: Vec<Instance>, on_reject: Option<OnReject>, source: Option<PathBuf>) -> Self {
        Config {
            index: Index::build(&instances),
            instances,
            on_reject,
            key_cache_seconds: crate::keysource::DEFAULT_CACHE_SECONDS,
            source,
            openbao: None,
        }
    }

    /// Built-in instances only.
    pub fn builtin() -> Config {
        Config::new(builtin_instances(), None, None)
    }

    /// Read `path`. A missing file means the built-in defaults, unless `required`. A file that
    /// others can write is refused.
    pub fn load(path: &Path, required: bool) -> Result<Config, Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                trust::check(path)?;
                Config::parse(&text, path)
            }
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
        let instances =
            instances::build(raw.provider).map_err(|(offset, message)| invalid(offset, message))?;
        let mut config = Config::new(instances, raw.on_reject, Some(path.to_path_buf()));
        if let Some(cache) = raw.key_cache {
            config.key_cache_seconds = match cache.get_ref().as_str() {
                "off" => 0,
                text => crate::time::parse_duration(text)
                    .map_err(|e| {
                        invalid(cache.span().start, format!("key_cache: {e} (or \"off\")"))
                    })?
                    .as_secs(),
            };
        }
        if let Some(table) = raw.openbao {
            let at = table.span().start;
            config.openbao = Some(table.into_inner().check().map_err(|e| invalid(at, e))?);
        }
        Ok(config)
    }

    /// The instance with this name, in any case.
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        let i = self.index.by_name.get(&name.to_ascii_lowercase())?;
        Some(&self.instances[*i])
    }

    /// The instance a person means by `text`: its name (any case), or a kind or alias when
    /// exactly one instance is of that kind. `Err` says why not, listing the choices.
    pub fn named(&self, text: &str) -> Result<Option<&Instance>, String> {
        if let Some(instance) = self.instance(text) {
            return Ok(Some(instance));
        }
        let Some(kind) = Kind::parse(text) else {
            return Ok(None);
        };
        let of_kind: Vec<&Instance> = self.instances.iter().filter(|i| i.kind == kind).collect();
        match of_kind.as_slice() {
            [one] => Ok(Some(one)),
            [] => Err(format!(
                "`{text}` is a kind with no instance: add a [[provider]] of kind {} to config.toml",
                kind.name()
            )),
            several => Err(format!(
                "several instances are of kind {}: name one of {}",
                kind.name(),
                several
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The instances with a host pattern that may match `host`, in config order.
    pub fn serving(&self, host: &str) -> impl Iterator<Item = &Instance> {
        let mut at: Vec<usize> = self.index.by_host.get(host).cloned().unwrap_or_default();
        at.extend(&self.index.wildcard);
        at.sort_unstable();
        at.dedup();
        at.into_iter().map(|i| &self.instances[i])
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
mod tests;
