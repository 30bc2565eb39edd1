//! `remove ID --revoke`: kill the token at the provider first, then remove it locally. If the
//! provider refuses or cannot be asked, the entry stays (unless forced), so the user never
//! loses the only handle on a token that still works somewhere.

use crate::config::Config;
use crate::credential::Credential;
use crate::http::Client;
use crate::oauth::{Endpoints, OAuthClient};
use crate::provider::{Family, TokenKind};
use crate::provider_api::{github, gitlab};
use crate::store::{Create, Store};

use super::{Error, Target, target, token};

/// How a removal went.
#[derive(Debug)]
pub enum Removed {
    /// Revoked at the provider (its host), then removed.
    Revoked(String),
    /// Removed locally with `--force` although the provider was not told; why.
    Forced(String),
}

/// Revoke credential `id` at its provider, then remove it; with `force`, remove it locally
/// even when the revocation failed.
pub fn remove(
    store: &Store,
    config: &Config,
    client: &Client,
    id: &str,
    force: bool,
) -> Result<Removed, Error> {
    let c = super::credentials(store)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::NotFound(crate::term::escape(id)))?;
    let outcome = target(config, &c).and_then(|t| revoke(store, client, &c, &t));
    let removed = match outcome {
        Ok(host) => Removed::Revoked(host),
        Err(e) if force => Removed::Forced(e.to_string()),
        Err(e) => return Err(e),
    };
    let gone = store.update(Create::Never, |opened| {
        crate::allowed::purge(&mut opened.entries, config, None);
        let before = opened.entries.len();
        opened.entries.retain(|c| c.id != id);
        (true, opened.entries.len() != before)
    })?;
    if gone != Some(true) {
        return Err(Error::NotFound(crate::term::escape(id)));
    }
    Ok(removed)
}

/// Revoke `c`'s token; the host that did it.
fn revoke(store: &Store, client: &Client, c: &Credential, t: &Target<'_>) -> Result<String, Error> {
    let token = token(c).ok_or_else(|| super::no_token(c))?;
    let family = t.instance.kind.family();
    if c.is_login() {
        let app =
            OAuthClient::of(t.instance, store).map_err(|e| Error::Unsupported(e.to_string()))?;
        match family {
            Family::GitLab => {
                let endpoints = Endpoints::of(t.instance, &t.host)
                    .map_err(|e| Error::Unsupported(e.to_string()))?;
                let url = endpoints
                    .revoke()
                    .expect("GitLab has a revocation endpoint");
                gitlab::revoke_oauth(client, &url, &app.id, app.secret.as_ref(), token.secret)?;
                return Ok(crate::url::host_of(&url));
            }
            Family::GitHub => {
                let secret = app.secret.as_ref().ok_or_else(|| {
                    Error::Unsupported(format!(
                        "{}: GitHub revokes an OAuth app's token only with the app's client secret, and instance {} has none stored",
                        c.id, t.instance.name
                    ))
                })?;
                github::revoke_oauth(&t.api, client, &app.id, secret, token.secret)?;
                return Ok(t.api.host());
            }
            _ => {}
        }
    } else if family == Family::GitLab && c.token_kind == Some(TokenKind::GitLabPersonal) {
        gitlab::revoke_self(&t.api, client, token)?;
        return Ok(t.api.host());
    }
    Err(Error::Unsupported(format!(
        "{}: vouch cannot revoke this {} token at the provider (GitLab access tokens and GitLab or GitHub OAuth logins only): revoke it in the provider's web UI, then `git credential-vouch remove {}`",
        c.id,
        t.instance.kind.name(),
        c.id
    )))
}
