//! Bitbucket Cloud: `/2.0/user`. API tokens and app passwords authenticate with HTTP Basic
//! (the account's email or username and the token); access tokens and OAuth tokens as Bearer.
//! No API rotates or revokes a token.

use serde::Deserialize;

use super::{Api, Error, Token, TokenInfo, Verdict, bearer, clean, read};
use crate::http::{Client, basic_auth};
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
    let Some(answer) = read(api, client, "/user", &auth, &[], "cannot read the user")? else {
        return Ok(Verdict::Rejected);
    };
    let user: Option<User> = answer.json();
    Ok(Verdict::Valid(TokenInfo {
        account: user
            .and_then(|u| u.username.or(u.display_name))
            .map(|a| clean(&a)),
        ..TokenInfo::default()
    }))
}
