//! Who owns a token: `GET /user` at the instance's API, for `add` without `--username` and for
//! `login`. The answer is outside input: a name is taken only when it is at most 255 characters,
//! with no control characters and no blanks, and an email only when it also looks like one;
//! anything else counts as the provider not saying.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Api, Error, bearer, read};
use crate::http::Client;
use crate::provider::Family;
use crate::provider::rules::looks_like_email;
use crate::secret::Secret;

/// Longer than any provider's usernames (GitLab's limit is 255) and RFC 5321's 254 for an
/// address: anything longer is not a name.
const MAX_NAME: usize = 255;

/// The fields of `/user` that name an account, across GitHub, GitLab, Gitea and Bitbucket.
#[derive(Deserialize, Default)]
pub struct User {
    login: Option<String>,
    username: Option<String>,
    nickname: Option<String>,
    email: Option<String>,
}

/// An account as its provider names it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub login: String,
    /// Only where the provider shows it (GitLab with `read_user`, Gitea).
    pub email: Option<String>,
}

impl User {
    /// The account's login as `family` names it, and its email; `None` when no usable login.
    pub fn owner(self, family: Family) -> Option<Owner> {
        let login = match family {
            Family::GitLab | Family::BitbucketCloud => {
                self.username.or(self.nickname).or(self.login)
            }
            _ => self.login.or(self.username),
        }
        .filter(|l| is_name(l))?;
        let email = self.email.filter(|e| is_name(e) && looks_like_email(e));
        Some(Owner { login, email })
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= MAX_NAME
        && !text.chars().any(|c| c.is_control() || c.is_whitespace())
}

impl Api {
    /// Who owns `token` (a token that authenticates alone, as Bearer or Gitea's `token`):
    /// `Ok(None)` when the provider answers but names no usable account.
    pub fn owner(&self, client: &Client, token: &Secret) -> Result<Option<Owner>, Error> {
        let auth = match self.family {
            Family::Gitea => Zeroizing::new(format!("token {}", token.expose())),
            Family::GitHub | Family::GitLab | Family::BitbucketCloud => bearer(token),
            _ => {
                return Err(Error::Unsupported(format!(
                    "{}: vouch knows no API that names a token's owner here",
                    self.host()
                )));
            }
        };
        let Some(answer) = read(self, client, "/user", &auth, &[], "cannot read the user")? else {
            return Err(Error::Unauthorized { host: self.host() });
        };
        Ok(owner_answer(&answer.body, self.family))
    }
}

/// A `/user` answer's account as `family` names it; `None` for anything unusable. Pure, so it
/// can be fuzzed.
pub fn owner_answer(body: &[u8], family: Family) -> Option<Owner> {
    serde_json::from_slice::<User>(body).ok()?.owner(family)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(login: Option<&str>, username: Option<&str>, email: Option<&str>) -> User {
        User {
            login: login.map(str::to_owned),
            username: username.map(str::to_owned),
            nickname: None,
            email: email.map(str::to_owned),
        }
    }

    #[test]
    fn the_family_decides_which_field_names_the_account() {
        let both = || user(Some("octo"), Some("octo-user"), Some("o@x.io"));
        assert_eq!(both().owner(Family::GitHub).unwrap().login, "octo");
        assert_eq!(both().owner(Family::Gitea).unwrap().login, "octo");
        assert_eq!(both().owner(Family::GitLab).unwrap().login, "octo-user");
        let gl = both().owner(Family::GitLab).unwrap();
        assert_eq!(gl.email.as_deref(), Some("o@x.io"));
    }

    #[test]
    fn an_untrusted_answer_is_bounded_and_checked() {
        for bad in ["", "a\u{1b}[31m", "two words", "tab\there", "line\nbreak"] {
            assert_eq!(
                user(Some(bad), None, None).owner(Family::GitHub),
                None,
                "{bad:?}"
            );
        }
        assert_eq!(
            user(Some(&"a".repeat(256)), None, None).owner(Family::GitHub),
            None
        );
        assert!(
            user(Some(&"a".repeat(255)), None, None)
                .owner(Family::GitHub)
                .is_some()
        );
        for bad_email in ["not-an-email", "a@b", "a b@c.io", "a@b.io\r"] {
            let owner = user(None, Some("alice"), Some(bad_email))
                .owner(Family::GitLab)
                .unwrap();
            assert_eq!(owner.email, None, "{bad_email:?}");
        }
    }
}
