//! What `resolve` and `verify` ask GitHub about an App credential: whether GitHub accepts its
//! JWT (who the App is, where it is installed) and which installation would mint for a
//! repository. Never cached, never part of `get`.

use super::session::session;
use super::{AppAt, Error};
use crate::config::Config;
use crate::credential::unix_now;
use crate::http::Client;
use crate::provider_api::github_app::{self, AppInfo, Installation};
use crate::store::Store;

/// `verify`: GitHub accepts the App's JWT; the App and its installations.
pub fn check(
    store: &Store,
    config: &Config,
    at: &AppAt<'_>,
) -> Result<(AppInfo, Vec<Installation>), Error> {
    let app_id = at.app().id;
    let at_github = |source| Error::Api {
        app: app_id,
        source,
    };
    let (api, jwt) = session(store, config, at, unix_now())?;
    let client = Client::new();
    let info = github_app::app(&api, &client, &jwt).map_err(at_github)?;
    let installations = github_app::installations(&api, &client, &jwt).map_err(at_github)?;
    Ok((info, installations))
}

/// `resolve`: the installation that would mint for `repository` (`OWNER/REPO`); `None` when
/// the App is not installed there.
pub fn installation_for(
    store: &Store,
    config: &Config,
    at: &AppAt<'_>,
    repository: &str,
) -> Result<Option<Installation>, Error> {
    let app_id = at.app().id;
    if github_app::split_repository(repository).is_none() {
        return Err(Error::Repository {
            app: app_id,
            repository: crate::term::escape(repository),
        });
    }
    let (api, jwt) = session(store, config, at, unix_now())?;
    github_app::installation_for(&api, &Client::new(), &jwt, repository).map_err(|source| {
        Error::Api {
            app: app_id,
            source,
        }
    })
}
