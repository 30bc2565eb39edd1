//! `get` for a repository whose chosen credential is a GitHub App: the minted token (see
//! `crate::github_app`) with the username GitHub requires and its expiry. The path names the
//! repository; without one nothing is answered, and stderr says how to have git send it.

use super::Error;
use crate::config::Config;
use crate::github_app::AppAt;
use crate::keysource::DataKey;
use crate::protocol::{Answer, Request};
use crate::provider_api::github_app::repository_of_path;
use crate::store::Store;

/// Answer the App credential `at` chose for git's `path`; `data_key` is the store's, already
/// unwrapped.
pub fn answer(
    store: &Store,
    config: &Config,
    request: &Request,
    at: &AppAt<'_>,
    path: Option<&str>,
    data_key: Option<&DataKey>,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    let id = at.app().id;
    let host = crate::term::escape(at.host);
    let Some(path) = path else {
        eprintln!(
            "git-credential-vouch: {host}: GitHub App {id} mints tokens per repository and git sent no path: run `git config --global credential.https://{host}.useHttpPath true` (`git credential-vouch configure` sets it)"
        );
        return Ok(());
    };
    let Some(repository) = repository_of_path(path) else {
        eprintln!(
            "git-credential-vouch: {host}: GitHub App {id} mints tokens for OWNER/REPO, and `{}` is no such path",
            crate::term::escape(&path.chars().take(200).collect::<String>())
        );
        return Ok(());
    };
    let minted = match crate::github_app::token(store, config, at, &repository, data_key) {
        Ok(minted) => minted,
        Err(crate::github_app::Error::Store(e)) => return Err(e.into()),
        // GitHub, OpenBao or the key said no: git asks the next helper, or the person.
        Err(e) => {
            eprintln!(
                "git-credential-vouch: {host}/{repository}: {}",
                crate::term::one_line(&e)
            );
            return Ok(());
        }
    };
    let answer = Answer {
        username: Some("x-access-token"),
        password: Some(&minted.token),
        password_expiry_utc: Some(minted.expires_at),
        ..Default::default()
    };
    super::write(request, &answer, out)
}
