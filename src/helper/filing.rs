//! `store`: what git approved, filed under its provider instance and account, or kept with the
//! semantics of git's own storage helpers on every other host.

use super::Error;
use crate::config::Config;
use crate::credential::{Credential, GENERIC, Origin, new_id, unix_now};
use crate::protocol::Request;
use crate::provider::TokenKind;
use crate::resolve::{self, Outcome};
use crate::secret::Secret;
use crate::store::{Create, Store};

/// `last_used` is refreshed at most this often, so that git's `store` after every successful
/// fetch does not rewrite the store each time.
const LAST_USED_RESOLUTION: i64 = 3600;

/// Store the credential git approved: on a provider host, filed under its instance and account;
/// elsewhere replacing the generic credentials it supersedes.
pub fn store(store: &Store, config: &Config, request: &Request) -> Result<(), Error> {
    let Some(new) = storable(request)? else {
        return Ok(());
    };
    crate::allowed::update(store, config, Create::Auto, |opened| {
        (
            file(&mut opened.entries, config, request, new, unix_now()),
            (),
        )
    })?;
    Ok(())
}

/// File `new` (from `request`) into `entries`. True when the entries changed.
pub fn file(
    entries: &mut Vec<Credential>,
    config: &Config,
    request: &Request,
    new: Credential,
    now: i64,
) -> bool {
    let target = request.target();
    let lookup = resolve::lookup(config, &target);
    if !lookup.is_provider() {
        return file_generic(entries, request, new, now);
    }
    // git sends `store` after every successful use, usually with what we just answered (a
    // Bearer token comes back as `credential`).
    let resolution = resolve::resolve(&lookup, &target, entries, now);
    let token = new.password.as_ref().or(new.credential.as_ref());
    let answered = match &resolution.outcome {
        // A token a GitHub App minted: the cache keeps it until it expires.
        Outcome::Answer { credential, .. } if credential.is_app() => return false,
        Outcome::Answer { credential, .. } if credential.password.as_ref() == token => {
            Some(credential.id.clone())
        }
        _ => None,
    };
    let repository = resolution.repository.clone();
    if let Some(id) = answered {
        let entry = entries
            .iter_mut()
            .find(|c| c.id == id)
            .expect("answered from these entries");
        return touch(entry, &new, now);
    }
    if new.is_pre_encoded() {
        return file_generic(entries, request, new, now);
    }
    let m = resolve::primary(&lookup).expect("a provider host");
    let host = if m.instance.per_host {
        request.host.clone()
    } else {
        String::new()
    };
    let scope = resolve::learned_scope(m.instance.kind, repository.as_deref());
    let user = request.username.clone().unwrap_or_default();
    let family = m.instance.kind.family();
    let token_kind = new
        .password
        .as_ref()
        .and_then(|p| TokenKind::detect(family, p.expose()));
    // What a person typed at git's prompt is filed as a token of the kind it shows (or the
    // family's usual kind): never a personal access token where the instance disables them.
    if !m.instance.pat
        && token_kind
            .or_else(|| TokenKind::fallback(family))
            .is_some_and(TokenKind::is_pat)
    {
        return false;
    }
    // The account this token replaces: named exactly by the username git used (never through a
    // fixed name like x-access-token, which many accounts share), and only if that is one.
    let same_account = |c: &Credential| {
        // A GitHub App's secret is its private key: no token git stores replaces it.
        !c.is_app()
            && c.provider == m.instance.name
            && c.host == host
            && c.scope == scope
            && [&c.username, &c.account, &c.email]
                .iter()
                .any(|n| n.as_deref() == Some(user.as_str()))
    };
    let mut same = entries.iter_mut().filter(|c| same_account(c));
    if let (Some(entry), None) = (same.next(), same.next()) {
        if entry.password == new.password && entry.password_expiry_utc == new.password_expiry_utc {
            return entry.rejected.take().is_some();
        }
        entry.password = new.password;
        entry.password_expiry_utc = new.password_expiry_utc;
        entry.oauth_refresh_token = new.oauth_refresh_token;
        entry.token_kind = token_kind.or(entry.token_kind);
        entry.rejected = None;
        entry.last_used = Some(now);
        return true;
    }
    entries.insert(
        0,
        Credential {
            id: new_id(),
            provider: m.instance.name.clone(),
            host,
            scope,
            username: Some(user.clone()),
            account: Some(user),
            token_kind: token_kind.or_else(|| TokenKind::fallback(family)),
            origin: Origin::Git,
            created: now,
            last_used: Some(now),
            ..new
        },
    );
    true
}

/// The credential git sent back was the one we answered: refresh its expiry if git learned a
/// new one, and `last_used` if it is older than [`LAST_USED_RESOLUTION`]; a rejection mark
/// ends, since git sends `store` only after the server accepted it. True if changed.
fn touch(entry: &mut Credential, sent: &Credential, now: i64) -> bool {
    let mut changed = entry.rejected.take().is_some();
    if sent.password_expiry_utc.is_some() && sent.password_expiry_utc != entry.password_expiry_utc {
        entry.password_expiry_utc = sent.password_expiry_utc;
        changed = true;
    }
    if entry
        .last_used
        .is_none_or(|t| now - t >= LAST_USED_RESOLUTION)
    {
        entry.last_used = Some(now);
        changed = true;
    }
    changed
}

fn file_generic(
    entries: &mut Vec<Credential>,
    request: &Request,
    new: Credential,
    now: i64,
) -> bool {
    let query = request.query();
    // Only credentials of the same shape are replaced: a Bearer token stored for a host
    // must not wipe its users' passwords.
    let superseded = |c: &Credential| {
        c.is_generic() && c.matches(&query) && c.is_pre_encoded() == new.is_pre_encoded()
    };
    let matching: Vec<&Credential> = entries.iter().filter(|c| superseded(c)).collect();
    // Storing moves a credential to the front (git answers the most recent first), which
    // changes nothing when it already comes first for its protocol and host.
    let first_for_host = entries
        .iter()
        .find(|c| c.is_generic() && c.protocol == new.protocol && c.host == new.host);
    if let [only] = matching.as_slice()
        && same_secrets(only, &new)
        && first_for_host.is_some_and(|c| c.id == only.id)
    {
        // Accepted again after a rejection that kept it: the mark ends, nothing else changes.
        let id = only.id.clone();
        return entries
            .iter_mut()
            .find(|c| c.id == id)
            .is_some_and(|c| c.rejected.take().is_some());
    }
    entries.retain(|c| !superseded(c));
    entries.insert(
        0,
        Credential {
            id: new_id(),
            created: now,
            ..new
        },
    );
    true
}

/// Equal as git would store them (ignoring our own bookkeeping).
fn same_secrets(a: &Credential, b: &Credential) -> bool {
    a.protocol == b.protocol
        && a.host == b.host
        && a.path == b.path
        && a.username == b.username
        && a.password == b.password
        && a.password_expiry_utc == b.password_expiry_utc
        && a.oauth_refresh_token == b.oauth_refresh_token
        && a.authtype == b.authtype
        && a.credential == b.credential
}

/// What `store` keeps of `request`, or `None` for what must not be stored (expired,
/// ephemeral, incomplete).
pub fn storable(request: &Request) -> Result<Option<Credential>, Error> {
    if request.ephemeral || request.password_expiry_utc.is_some_and(|e| e < unix_now()) {
        return Ok(None);
    }
    let secrets = [
        &request.password,
        &request.oauth_refresh_token,
        &request.credential,
    ];
    if secrets
        .iter()
        .any(|s| s.as_ref().is_some_and(Secret::has_line_breaking_bytes))
    {
        return Err(Error::LineBreak);
    }
    let base = Credential {
        provider: GENERIC.into(),
        protocol: request.protocol.clone(),
        host: request.host.clone(),
        path: request.path.clone(),
        username: request.username.clone(),
        password_expiry_utc: request.password_expiry_utc,
        origin: Origin::Git,
        ..Default::default()
    };
    Ok(match (&request.authtype, &request.credential) {
        (Some(authtype), Some(credential)) => Some(Credential {
            authtype: Some(authtype.clone()),
            credential: Some(credential.clone()),
            ..base
        }),
        // Like git's store helper: a password credential needs both fields, even if empty.
        _ if request.username.is_some() && request.password.is_some() => Some(Credential {
            password: request.password.clone(),
            oauth_refresh_token: request.oauth_refresh_token.clone(),
            ..base
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::app::{App, AppKey};
    use crate::secret::Secret;

    #[test]
    fn a_token_git_stores_under_an_apps_name_never_replaces_its_key() {
        let config = Config::builtin();
        let app = Credential {
            id: "app1".into(),
            provider: "github".into(),
            account: Some("bot".into()),
            token_kind: Some(TokenKind::GitHubApp),
            password: Some(Secret::new("-----BEGIN RSA PRIVATE KEY-----".into())),
            // Passed over by resolution (as no App can be through the CLI): the path where
            // the stored token looks for the account it replaces.
            password_expiry_utc: Some(1),
            app: Some(App {
                id: 7,
                permissions: Default::default(),
                key: AppKey::Stored,
            }),
            ..Default::default()
        };
        let request = crate::protocol::parse_request(
            b"protocol=https\nhost=github.com\nusername=bot\npassword=ghp_0123456789abcdefghijklmnopqrstuvwxyz\n\n",
        )
        .unwrap();
        let new = storable(&request).unwrap().unwrap();
        let mut entries = vec![app.clone()];
        file(&mut entries, &config, &request, new, 100);
        assert!(entries.contains(&app), "{entries:?}");
    }
}
