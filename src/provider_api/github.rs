//! GitHub and GitHub Enterprise: `/user` answers who the token is, and two headers say what
//! it may do (`X-OAuth-Scopes`, classic and OAuth tokens) and until when
//! (`github-authentication-token-expiration`, absent for tokens that never expire). OAuth app
//! tokens are revoked by the app itself (`DELETE /applications/{client_id}/token`).

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{
    Api, Error, Token, TokenInfo, Verdict, bearer, call, clean, failure, read, stated_expiry,
};
use crate::http::{Body, Client, Method, basic_auth};
use crate::secret::Secret;

const SCOPES: &str = "x-oauth-scopes";
const EXPIRATION: &str = "github-authentication-token-expiration";

#[derive(Deserialize)]
struct User {
    login: String,
}

pub fn verify(api: &Api, client: &Client, token: Token<'_>) -> Result<Verdict, Error> {
    let Some(answer) = read(
        api,
        client,
        "/user",
        &bearer(token.secret),
        &[SCOPES, EXPIRATION],
        "cannot read the user",
    )?
    else {
        return Ok(Verdict::Rejected);
    };
    let user: Option<User> = answer.json();
    Ok(Verdict::Valid(TokenInfo {
        scopes: answer.header(SCOPES).map(scopes),
        account: user.map(|u| clean(&u.login)),
        ..stated_expiry(answer.header(EXPIRATION))
    }))
}

/// `repo, workflow` -> ["repo", "workflow"]; an empty header: no scopes.
fn scopes(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(clean)
        .collect()
}

/// Revoke an OAuth app token with the app's own client ID and secret.
pub fn revoke_oauth(
    api: &Api,
    client: &Client,
    client_id: &str,
    client_secret: &Secret,
    token: &Secret,
) -> Result<(), Error> {
    let auth = basic_auth(client_id, client_secret);
    let mut body = Zeroizing::new(Vec::with_capacity(token.expose().len() + 32));
    serde_json::to_writer(
        &mut *body,
        &serde_json::json!({ "access_token": token.expose() }),
    )
    .expect("JSON into a Vec");
    let id: String =
        percent_encoding::utf8_percent_encode(client_id, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let answer = call(
        client,
        Method::Delete,
        &api.url(&format!("/applications/{id}/token")),
        &auth,
        Body::Json(&body),
        &[],
    )?;
    if answer.is_success() {
        return Ok(());
    }
    Err(match answer.status {
        401 => Error::Refused {
            host: api.host(),
            status: 401,
            why: "the OAuth app's client ID or secret was refused".into(),
        },
        404 => Error::Refused {
            host: api.host(),
            status: 404,
            why: "the app does not know this token".into(),
        },
        _ => failure(api, &answer, "the revocation was refused"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn scopes_split_on_commas_and_an_empty_header_means_none() {
        assert_eq!(super::scopes("repo, workflow"), ["repo", "workflow"]);
        assert!(super::scopes("").is_empty());
    }
}
