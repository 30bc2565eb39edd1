//! The instances that serve a request: by host pattern, protocol and path prefix.

use super::Target;
use crate::config::Config;
use crate::provider::Instance;
use crate::provider::path::strip_segments;

#[derive(Debug)]
pub struct InstanceMatch<'c> {
    pub instance: &'c Instance,
    /// The host pattern that matched.
    pub pattern: String,
}

/// The instances serving a host.
#[derive(Debug, Default)]
pub struct Lookup<'c> {
    /// Applicable instances, most specific (those with a path prefix) first.
    pub matched: Vec<InstanceMatch<'c>>,
    /// Instances of this host whose path prefix cannot be checked: git sent no path.
    pub undecided: Vec<&'c Instance>,
}

impl Lookup<'_> {
    pub fn is_provider(&self) -> bool {
        !self.matched.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.matched.iter().map(|m| m.instance.name.as_str())
    }

    pub fn find(&self, name: &str) -> Option<&InstanceMatch<'_>> {
        self.matched.iter().find(|m| m.instance.name == name)
    }
}

/// Provider instances answer https (and http where `allow_http`); every other protocol, and
/// plain http to a provider's host, is generic storage: a token added for a provider never
/// travels in clear text because a remote URL said `http://`.
pub fn lookup<'c>(config: &'c Config, target: &Target<'_>) -> Lookup<'c> {
    let mut found = Lookup::default();
    if !matches!(target.protocol, "http" | "https") {
        return found;
    }
    for instance in config.serving(target.host) {
        if !instance.serves(target.protocol) {
            continue;
        }
        let Some(pattern) = instance.hosts.iter().find(|p| p.matches(target.host)) else {
            continue;
        };
        if let Some(prefix) = &instance.path_prefix {
            match target.path {
                None => {
                    found.undecided.push(instance);
                    continue;
                }
                Some(path)
                    if strip_segments(path.trim_matches('/'), prefix.trim_matches('/'))
                        .is_none() =>
                {
                    continue;
                }
                Some(_) => {}
            }
        }
        found.matched.push(InstanceMatch {
            instance,
            pattern: pattern.to_string(),
        });
    }
    found
        .matched
        .sort_by_key(|m| m.instance.path_prefix.is_none());
    found
}

/// The instance a request belongs to, for filing a credential git sends: the most specific.
pub fn primary<'l, 'c>(lookup: &'l Lookup<'c>) -> Option<&'l InstanceMatch<'c>> {
    lookup.matched.first()
}
