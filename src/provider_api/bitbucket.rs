//! Bitbucket Cloud: `/2.0/user`. API tokens and app passwords authenticate with HTTP Basic
//! (the account's email or username and the token); access tokens and OAuth tokens as Bearer.
//! No API rotates or revokes a token.

use serde::Deserialize;

use super::{Api, Error, Token, TokenInfo, Verdict, bearer, call, clean, failure};
use crate::http::{Body, Client, Method, basic_auth};
use crate::provider::TokenKind;

#[derive(Deserialize)]
struct User {
    username: Option<String>,
    display_name: Option<String>,
}

pub fn verify(api: &Api, client: &Client, token: Token<'_>) -> Result<Verdict, Error> {
    let basic = matches!(
        token.kind,
        Some(TokenKind::BitbucketApiToken | TokenKind::BitbucketAppPassword)
    );
    let auth = match (basic, token.user) {
        (true, Some(user)) => basic_auth(user, token.secret),
        _ => bearer(token.secret),
    };
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
        account: user
            .and_then(|u| u.username.or(u.display_name))
            .map(|a| clean(&a)),
        ..TokenInfo::default()
    }))
}
