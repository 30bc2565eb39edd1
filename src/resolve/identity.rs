//! Who a credential is: the username it sends, and the names (username, account, email)
//! that a URL user may give to select it.

use super::Lookup;
use super::Target;
use crate::credential::{Credential, Origin};
use crate::provider::{Family, TokenKind, UsernameRule};

/// The username a credential sends when git has none.
/// A credential git stored keeps the username it was stored with: that is what the server
/// accepted.
pub fn sent_username(c: &Credential) -> Option<String> {
    let rule = c
        .token_kind
        .map_or(UsernameRule::AsStored, TokenKind::username_rule);
    if c.origin == Origin::Git && rule != UsernameRule::Bearer && c.username.is_some() {
        return c.username.clone();
    }
    match rule {
        UsernameRule::Account | UsernameRule::Any => {
            c.username.clone().or_else(|| c.account.clone())
        }
        UsernameRule::Fixed(name) => Some(name.to_owned()),
        UsernameRule::TokensOwn | UsernameRule::Generated | UsernameRule::AsStored => {
            c.username.clone()
        }
        UsernameRule::Bearer => None,
    }
}

/// Whether `user` (from the URL or git's config) names this credential's account.
pub fn identifies_as(c: &Credential, user: &str) -> bool {
    [
        c.username.clone(),
        c.account.clone(),
        c.email.clone(),
        sent_username(c),
    ]
    .iter()
    .flatten()
    .any(|name| name.eq_ignore_ascii_case(user))
}

/// The URL username as a filter on accounts. Azure DevOps puts the organization in the URL
/// user: when it names none of the instance's accounts, it is the organization, not a filter.
pub fn account_filter<'t>(
    lookup: &Lookup<'_>,
    target: &Target<'t>,
    credentials: &[Credential],
) -> Option<&'t str> {
    let user = target.username?;
    let azure = lookup
        .matched
        .first()
        .is_some_and(|m| m.instance.kind.family() == Family::Azure);
    let names_an_account = credentials
        .iter()
        .any(|c| lookup.find(&c.provider).is_some() && identifies_as(c, user));
    if azure && !names_an_account {
        None
    } else {
        Some(user)
    }
}
