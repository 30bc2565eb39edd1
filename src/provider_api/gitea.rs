//! Gitea and Forgejo (Codeberg): `/user` says whether a token is valid and whose it is; the
//! API tells neither its scopes nor its expiry, and only the account password can delete it.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Api, Error, Token, TokenInfo, Verdict, clean, read};
use crate::http::Client;

#[derive(Deserialize)]
struct User {
    login: Option<String>,
    username: Option<String>,
}

pub fn verify(api: &Api, client: &Client, token: Token<'_>) -> Result<Verdict, Error> {
    let auth = Zeroizing::new(format!("token {}", token.secret.expose()));
    let Some(answer) = read(api, client, "/user", &auth, &[], "cannot read the user")? else {
        return Ok(Verdict::Rejected);
    };
    let user: Option<User> = answer.json();
    Ok(Verdict::Valid(TokenInfo {
        account: user.and_then(|u| u.login.or(u.username)).map(|a| clean(&a)),
        ..TokenInfo::default()
    }))
}
