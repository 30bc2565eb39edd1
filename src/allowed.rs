//! Which tokens an instance allows: personal access tokens unless `pat = false`, OAuth logins
//! while it has an `oauth_client_id`. A token of a disabled kind is never answered (see
//! `resolve`), and every write to the store purges such tokens, so a hand edit of config.toml
//! takes effect at once and is carried out at the next write.

use crate::config::Config;
use crate::credential::Credential;
use crate::provider::{Instance, TokenKind};
use crate::store::{self, Create, Opened, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disabled {
    /// A personal access token on an instance with `pat = false`.
    Pat,
    /// A token from `login` on an instance without an OAuth client.
    OAuth,
}

/// Why `instance` no longer allows `c`, if it does not.
pub fn disabled(c: &Credential, instance: &Instance) -> Option<Disabled> {
    if c.is_login() {
        return instance
            .oauth_client_id
            .is_none()
            .then_some(Disabled::OAuth);
    }
    (!instance.pat && c.token_kind.is_some_and(TokenKind::is_pat)).then_some(Disabled::Pat)
}

/// What a purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub pats: usize,
    pub oauth: usize,
    /// Client secrets of instances that no longer have an OAuth client.
    pub secrets: usize,
}

impl Purged {
    pub fn any(&self) -> bool {
        self.pats + self.oauth + self.secrets > 0
    }
}

/// Remove what `config` disallows; `only` limits it to one instance.
pub fn purge(entries: &mut Vec<Credential>, config: &Config, only: Option<&str>) -> Purged {
    let mut purged = Purged::default();
    entries.retain(|c| {
        if let Some(owner) = c.client_secret_of() {
            if only.is_some_and(|name| !owner.eq_ignore_ascii_case(name)) {
                return true;
            }
            let keep = config
                .instance(owner)
                .is_some_and(|i| i.oauth_client_id.is_some());
            purged.secrets += usize::from(!keep);
            return keep;
        }
        if c.is_generic() || only.is_some_and(|name| !c.provider.eq_ignore_ascii_case(name)) {
            return true;
        }
        match config.instance(&c.provider).and_then(|i| disabled(c, i)) {
            Some(Disabled::Pat) => purged.pats += 1,
            Some(Disabled::OAuth) => purged.oauth += 1,
            None => return true,
        }
        false
    });
    purged
}

/// `Store::update` that first purges what the config disallows: every write carries out a hand
/// edit of config.toml.
pub fn update<T>(
    store: &Store,
    config: &Config,
    create: Create,
    change: impl FnOnce(&mut Opened) -> (bool, T),
) -> Result<Option<T>, store::Error> {
    store.update(create, |opened| {
        let purged = purge(&mut opened.entries, config, None).any();
        let (changed, out) = change(opened);
        (changed || purged, out)
    })
}
