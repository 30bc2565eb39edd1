//! The three actions git asks of a credential helper, with the semantics of git's own storage
//! helpers (see the protocol spec): first match wins, store replaces, erase removes all matches.

use crate::credential::{Credential, unix_now};
use crate::error::Error;
use crate::protocol::{Request, write_answer};
use crate::store::{Create, Store};

/// Answer with the first stored credential that matches, is not expired and can be answered to
/// this git. No match: nothing written.
pub fn get(store: &Store, request: &Request, out: &mut impl std::io::Write) -> Result<(), Error> {
    let query = request.query();
    let candidates = store.select(|stored| query.selects(stored))?;
    let now = unix_now();
    let found = candidates.iter().find(|c| {
        !c.is_expired(now)
            && if c.is_pre_encoded() {
                request.capability_authtype
            } else {
                c.password.is_some()
            }
    });
    if let Some(credential) = found {
        write_answer(request, credential, out).map_err(|source| Error::Io {
            what: "writing the answer to git".into(),
            source,
        })?;
    }
    Ok(())
}

/// Store the credential git approved, replacing the ones it supersedes.
pub fn store(store: &Store, request: &Request) -> Result<(), Error> {
    let Some(new) = credential_to_store(request)? else {
        return Ok(());
    };
    let query = request.query();
    store.update(Create::Auto, |opened| {
        let entries = &mut opened.entries;
        // Only credentials of the same shape are replaced: a Bearer token stored for a host
        // must not wipe its users' passwords.
        let superseded =
            |c: &Credential| c.matches(&query) && c.is_pre_encoded() == new.is_pre_encoded();
        // git sends `store` after every successful use, usually with what we just answered:
        // skip the write when nothing would change.
        let matching: Vec<&Credential> = entries.iter().filter(|c| superseded(c)).collect();
        if matching.len() == 1 && *matching[0] == new && entries.first() == Some(&new) {
            return (false, ());
        }
        entries.retain(|c| !superseded(c));
        entries.insert(0, new);
        (true, ())
    })?;
    Ok(())
}

fn credential_to_store(request: &Request) -> Result<Option<Credential>, Error> {
    if request.ephemeral || request.password_expiry_utc.is_some_and(|e| e < unix_now()) {
        return Ok(None);
    }
    let secrets = [
        &request.password,
        &request.oauth_refresh_token,
        &request.credential,
    ];
    if secrets
        .iter()
        .any(|s| s.as_ref().is_some_and(|s| s.has_line_breaking_bytes()))
    {
        return Err(Error::Usage(
            "refusing to store a secret containing a line break or NUL".into(),
        ));
    }
    let base = Credential {
        protocol: request.protocol.clone(),
        host: request.host.clone(),
        path: request.path.clone(),
        username: request.username.clone(),
        password_expiry_utc: request.password_expiry_utc,
        ..Default::default()
    };
    Ok(match (&request.authtype, &request.credential) {
        (Some(authtype), Some(credential)) => Some(Credential {
            authtype: Some(authtype.clone()),
            credential: Some(credential.clone()),
            ..base
        }),
        // Like git's store helper: a password credential needs both fields, even if empty.
        _ if request.username.is_some() && request.password.is_some() => Some(Credential {
            password: request.password.clone(),
            oauth_refresh_token: request.oauth_refresh_token.clone(),
            ..base
        }),
        _ => None,
    })
}

/// Remove every matching credential; with a password (or credential) in the request, only those
/// holding that same secret.
pub fn erase(store: &Store, request: &Request) -> Result<(), Error> {
    let query = request.query();
    store.update(Create::Never, |opened| {
        let before = opened.entries.len();
        opened.entries.retain(|c| {
            let same_secret = request
                .password
                .as_ref()
                .is_none_or(|p| c.password.as_ref() == Some(p))
                && request
                    .credential
                    .as_ref()
                    .is_none_or(|p| c.credential.as_ref() == Some(p));
            !(c.matches(&query) && same_secret)
        });
        (opened.entries.len() != before, ())
    })?;
    Ok(())
}
