//! GitLab (gitlab.com and self-managed): access tokens inspect, rotate and delete themselves
//! through `personal_access_tokens/self` (15.5+, rotation 16.10+); OAuth tokens are checked
//! with `/user` and revoked at `/oauth/revoke` (RFC 7009).

use serde::Deserialize;

use super::{
    Api, Error, Rotated, Token, TokenInfo, Verdict, bearer, call, clean, failure, read,
    stated_expiry,
};
use crate::http::{Body, Client, Method};
use crate::provider::TokenKind;
use crate::secret::Secret;

/// `personal_access_tokens/self` and the rotation's answer (which adds `token`).
#[derive(Deserialize)]
struct SelfToken {
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    revoked: Option<bool>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

impl SelfToken {
    fn info(&self, account: Option<String>) -> TokenInfo {
        TokenInfo {
            scopes: self
                .scopes
                .as_ref()
                .map(|s| s.iter().map(|x| clean(x)).collect()),
            account,
            ..stated_expiry(self.expires_at.as_deref())
        }
    }
}

#[derive(Deserialize)]
struct User {
    username: String,
}

pub fn verify(api: &Api, client: &Client, token: Token<'_>) -> Result<Verdict, Error> {
    let auth = bearer(token.secret);
    match token.kind {
        Some(TokenKind::GitLabPersonal) | None => {}
        Some(TokenKind::GitLabOAuth2) => {
            return Ok(match user(api, client, &auth)? {
                Some(account) => Verdict::Valid(TokenInfo {
                    account: Some(account),
                    ..TokenInfo::default()
                }),
                None => Verdict::Rejected,
            });
        }
        Some(_) => {
            return Err(Error::Unsupported(format!(
                "{}: GitLab deploy and job tokens cannot be checked through the API",
                api.host()
            )));
        }
    }
    let Some(answer) = read(
        api,
        client,
        "/personal_access_tokens/self",
        &auth,
        &[],
        "cannot read the token",
    )?
    else {
        return Ok(Verdict::Rejected);
    };
    let Some(found) = self_answer(&answer.body) else {
        return Err(Error::Unexpected {
            host: api.host(),
            status: answer.status,
        });
    };
    let Some(mut info) = found else {
        return Ok(Verdict::Rejected);
    };
    // The account is a nicety: a token without `read_user` may not read it.
    info.account = user(api, client, &auth).ok().flatten();
    Ok(Verdict::Valid(info))
}

/// A `personal_access_tokens/self` answer: `None` when it is not one, `Some(None)` for a token
/// GitLab says is inactive or revoked, else what it says of the token. Pure, for fuzzing.
pub fn self_answer(body: &[u8]) -> Option<Option<TokenInfo>> {
    let found: SelfToken = serde_json::from_slice(body).ok()?;
    if found.active == Some(false) || found.revoked == Some(true) {
        return Some(None);
    }
    Some(Some(found.info(None)))
}

/// A rotation's 2xx answer: the new token (a short line of visible characters) and what GitLab
/// says of it; `None` when the answer holds no usable token. Pure, for fuzzing.
pub fn rotation_answer(body: &[u8]) -> Option<Rotated> {
    let mut rotated: SelfToken = serde_json::from_slice(body).ok()?;
    let new = rotated
        .token
        .take()
        .filter(|t| !t.is_empty() && t.len() <= 1024 && !t.bytes().any(|b| b.is_ascii_control()))?;
    Some(Rotated {
        token: Secret::new(new),
        info: rotated.info(None),
    })
}

/// The username `/user` names, `None` on 401.
fn user(api: &Api, client: &Client, auth: &str) -> Result<Option<String>, Error> {
    let Some(answer) = read(api, client, "/user", auth, &[], "cannot read the user")? else {
        return Ok(None);
    };
    let user: User = answer.json().ok_or_else(|| Error::Unexpected {
        host: api.host(),
        status: answer.status,
    })?;
    Ok(Some(clean(&user.username)))
}

/// `POST personal_access_tokens/self/rotate`, `expires` as `YYYY-MM-DD` (GitLab's default
/// is one week). The old token is revoked the moment GitLab acts.
pub fn rotate(
    api: &Api,
    client: &Client,
    token: Token<'_>,
    expires: Option<&str>,
) -> Result<Rotated, Error> {
    let auth = bearer(token.secret);
    let body = expires.map(|date| serde_json::json!({ "expires_at": date }).to_string());
    let answer = call(
        client,
        Method::Post,
        &api.url("/personal_access_tokens/self/rotate"),
        &auth,
        body.as_deref()
            .map_or(Body::Empty, |b| Body::Json(b.as_bytes())),
        &[],
    )?;
    if !answer.is_success() {
        let why = match answer.status {
            403 => "the token needs the `api` or `self_rotate` scope to rotate itself",
            400 => "the new expiry date was refused (GitLab allows at most 365 days ahead)",
            _ => "the rotation was refused",
        };
        return Err(failure(api, &answer, why));
    }
    // GitLab has rotated (and so revoked the old token) once it answers 2xx, whatever the body.
    let unusable = || Error::UnusableAnswer {
        host: api.host(),
        status: answer.status,
    };
    rotation_answer(&answer.body).ok_or_else(unusable)
}

/// `DELETE personal_access_tokens/self`: the token revokes itself.
pub fn revoke_self(api: &Api, client: &Client, token: Token<'_>) -> Result<(), Error> {
    let answer = call(
        client,
        Method::Delete,
        &api.url("/personal_access_tokens/self"),
        &bearer(token.secret),
        Body::Empty,
        &[],
    )?;
    if answer.is_success() {
        Ok(())
    } else {
        Err(failure(api, &answer, "the revocation was refused"))
    }
}

/// RFC 7009 revocation of an OAuth token at `revoke_url` (`{issuer}/oauth/revoke`).
pub fn revoke_oauth(
    client: &Client,
    revoke_url: &str,
    client_id: &str,
    client_secret: Option<&Secret>,
    token: &Secret,
) -> Result<(), Error> {
    let mut form = vec![("client_id", client_id), ("token", token.expose())];
    if let Some(secret) = client_secret {
        form.push(("client_secret", secret.expose()));
    }
    let answer = client.send(Method::Post, revoke_url, &[], Body::Form(&form), &[])?;
    if answer.is_success() {
        return Ok(());
    }
    let host = crate::url::host_of(revoke_url);
    Err(match answer.status {
        400 | 401 | 403 => Error::Refused {
            host,
            status: answer.status,
            why: "the OAuth client was refused (check its ID and secret)".into(),
        },
        status => Error::Unexpected { host, status },
    })
}
