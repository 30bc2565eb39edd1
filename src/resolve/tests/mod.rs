//! Resolution rules, one test per rule of "Which credential answers": the username each
//! token kind sends ([`usernames`]) and how one credential is chosen ([`choosing`]).

mod choosing;
mod usernames;

use super::*;
use crate::config::Config;
use crate::credential::Origin;
use crate::provider::TokenKind;
use crate::secret::Secret;

pub(super) fn cred(
    id: &str,
    provider: &str,
    kind: TokenKind,
    account: Option<&str>,
    username: Option<&str>,
) -> Credential {
    Credential {
        id: id.into(),
        provider: provider.into(),
        token_kind: Some(kind),
        account: account.map(Into::into),
        username: username.map(Into::into),
        password: Some(Secret::new(format!("token-{id}"))),
        origin: Origin::Added,
        ..Default::default()
    }
}

pub(super) fn config(extra: &str) -> Config {
    Config::parse(extra, std::path::Path::new("test.toml")).unwrap()
}

pub(super) fn target<'a>(
    host: &'a str,
    path: Option<&'a str>,
    user: Option<&'a str>,
) -> Target<'a> {
    Target {
        protocol: "https",
        host,
        path,
        username: user,
        capability_authtype: true,
    }
}

pub(super) fn chosen(
    config: &Config,
    t: &Target<'_>,
    creds: &[Credential],
) -> Option<(String, Option<String>)> {
    let lookup = lookup(config, t);
    match resolve(&lookup, t, creds, 1000).outcome {
        Outcome::Answer {
            credential,
            username,
            ..
        } => Some((credential.id.clone(), username)),
        _ => None,
    }
}
