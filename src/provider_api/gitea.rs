//! Gitea and Forgejo (Codeberg): `/user` says whether a token is valid and whose it is; the
//! API tells neither its scopes nor its expiry, and only the account password can delete it.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Api, Error, Token, TokenInfo, Verdict, call, clean, failure};
use crate::http::{Body, Client, Method};

#[derive(Deserialize)]
struct User {
    login: Option<String>,
    username: Option<String>,
}

pub fn verify(api: &Api, client: &Client, token: Token<'_>) -> Result<Verdict, Error> {
    let auth = Zeroizing::new(format!("token {}", token.secret.expose()));
    let answer = call(
        client,
        Method::Get,
        &api.url("/user"),
        &auth,
        Body::Empty,
        &[],
    )?;
    if answer.status == 401 {
        return Ok(Verdict::Rejected);
    }
    if !answer.is_success() {
        return Err(failure(api, &answer, "cannot read the user"));
    }
    let user: Option<User> = answer.json();
    Ok(Verdict::Valid(TokenInfo {
        account: user.and_then(|u| u.login.or(u.username)).map(|a| clean(&a)),
        ..TokenInfo::default()
    }))
}
