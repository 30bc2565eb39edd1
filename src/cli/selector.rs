//! Naming a credential wherever a command takes an ID: the full ID, a unique prefix of at least
//! four characters (as git takes short hashes), `ACCOUNT@INSTANCE`, or an account alone. A
//! selector that fits several credentials names none: exit 2 with the candidates (IDs and
//! accounts, never a secret), so a command never acts on a guess. No fit at all is exit 3.

use super::Context;
use crate::credential::Credential;
use crate::error::Error;
use crate::term::escape;

/// Shorter prefixes would fit many IDs once a store holds a few dozen.
pub(super) const MIN_PREFIX: usize = 4;

/// Every credential (not the entries that keep OAuth client secrets).
pub(super) fn load(ctx: &Context) -> Result<Vec<Credential>, Error> {
    let mut entries = ctx.store.select(|_| true)?;
    entries.retain(|c| !c.is_client_secret());
    Ok(entries)
}

/// The one credential `selector` names in the store.
pub(super) fn find(ctx: &Context, selector: &str) -> Result<Credential, Error> {
    pick(&load(ctx)?, selector).cloned()
}

/// The full IDs `selectors` name, in order, each once.
pub(super) fn ids(ctx: &Context, selectors: &[String]) -> Result<Vec<String>, Error> {
    let entries = load(ctx)?;
    let mut ids: Vec<String> = Vec::with_capacity(selectors.len());
    for selector in selectors {
        let id = &pick(&entries, selector)?.id;
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    Ok(ids)
}

pub(super) fn not_found(selector: &str) -> Error {
    Error::NotFound(format!(
        "no credential with ID or account `{}` (see `git credential-vouch list`)",
        escape(selector)
    ))
}

/// "alice on github", "a job-token token on corp": a credential as a person knows it.
pub(super) fn describe(c: &Credential) -> String {
    let place = if c.is_generic() { &c.host } else { &c.provider };
    match c.display_account() {
        "" => format!(
            "a {} token on {}",
            c.token_kind.map_or("password", |k| k.name()),
            escape(place)
        ),
        account => format!("{} on {}", escape(account), escape(place)),
    }
}

/// The credential among `entries` that `selector` names.
pub(super) fn pick<'e>(entries: &'e [Credential], selector: &str) -> Result<&'e Credential, Error> {
    // A full ID always names its credential, whatever else it might read as.
    if let Some(exact) = entries.iter().find(|c| c.id == selector) {
        return Ok(exact);
    }
    let fits: Vec<&Credential> = entries.iter().filter(|c| fits(c, selector)).collect();
    match fits.as_slice() {
        [one] => Ok(one),
        [] if is_short_prefix(selector) => Err(Error::Usage(format!(
            "id: `{}` is too short: give at least {MIN_PREFIX} characters of the ID, or ACCOUNT@INSTANCE",
            escape(selector)
        ))),
        [] => Err(not_found(selector)),
        several => Err(Error::Usage(format!(
            "id: `{}` fits {} credentials: {}; give more of the ID, or ACCOUNT@INSTANCE",
            escape(selector),
            several.len(),
            several
                .iter()
                .map(|c| format!("{} ({})", c.id, describe(c)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn fits(c: &Credential, selector: &str) -> bool {
    let prefix = selector.len() >= MIN_PREFIX
        && c.id
            .get(..selector.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(selector));
    // An email account has an `@` of its own: the instance is what follows the last one.
    let at_instance = selector
        .rsplit_once('@')
        .is_some_and(|(account, place)| is_named(c, account) && is_at(c, place));
    prefix || at_instance || is_named(c, selector)
}

/// The account, username or email is `name` (in any case).
fn is_named(c: &Credential, name: &str) -> bool {
    !name.is_empty()
        && [&c.account, &c.username, &c.email]
            .into_iter()
            .flatten()
            .any(|n| n.eq_ignore_ascii_case(name))
}

/// The credential belongs to instance `place`, or is bound to host `place`.
fn is_at(c: &Credential, place: &str) -> bool {
    c.provider.eq_ignore_ascii_case(place)
        || (!c.host.is_empty() && c.host.eq_ignore_ascii_case(place))
}

fn is_short_prefix(selector: &str) -> bool {
    !selector.is_empty()
        && selector.len() < MIN_PREFIX
        && selector.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(id: &str, provider: &str, account: &str) -> Credential {
        Credential {
            id: id.into(),
            provider: provider.into(),
            account: Some(account.into()),
            ..Default::default()
        }
    }

    fn picked(entries: &[Credential], selector: &str) -> Result<String, (u8, String)> {
        pick(entries, selector)
            .map(|c| c.id.clone())
            .map_err(|e| (e.exit_code(), e.to_string()))
    }

    #[test]
    fn ids_prefixes_and_accounts_name_one_credential() {
        let all = [
            cred("a6491b2c3d4e", "github", "alice"),
            cred("a6497f000000", "github", "bob"),
            cred("b0b0b0b0b0b0", "corp-gitlab", "alice@corp.example"),
            cred("c0c0c0c0c0c0", "gitlab", "alice@corp.example"),
        ];
        assert_eq!(picked(&all, "a6491b2c3d4e").unwrap(), "a6491b2c3d4e");
        assert_eq!(picked(&all, "a6491").unwrap(), "a6491b2c3d4e");
        assert_eq!(picked(&all, "A6497F").unwrap(), "a6497f000000");
        assert_eq!(picked(&all, "ALICE@GitHub").unwrap(), "a6491b2c3d4e");
        assert_eq!(picked(&all, "bob").unwrap(), "a6497f000000");
        assert_eq!(
            picked(&all, "alice@corp.example@corp-gitlab").unwrap(),
            "b0b0b0b0b0b0"
        );
        // Ambiguous: exit 2 naming every fit.
        let (code, e) = picked(&all, "a649").unwrap_err();
        assert_eq!(code, 2);
        assert!(
            e.contains("a6491b2c3d4e (alice on github)")
                && e.contains("a6497f000000 (bob on github)"),
            "{e}"
        );
        let (code, e) = picked(&all, "alice@corp.example").unwrap_err();
        assert_eq!(code, 2, "{e}");
        // Too short, and nothing.
        let (code, e) = picked(&all, "a64").unwrap_err();
        assert!(code == 2 && e.contains("too short"), "{e}");
        assert_eq!(picked(&all, "ffff").unwrap_err().0, 3);
        assert_eq!(picked(&all, "carol@github").unwrap_err().0, 3);
        assert_eq!(picked(&all, "alice@gitea").unwrap_err().0, 3);
    }
}
