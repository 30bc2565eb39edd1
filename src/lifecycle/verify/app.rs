//! `verify` of a GitHub App: GitHub accepts a JWT signed with its key (`GET /app`), and where
//! it is installed. A 401 means the key is no longer the App's (deleted in its settings): the
//! credential is marked revoked, as a token would be.

use super::{Outcome, Status};
use crate::config::Config;
use crate::credential::Credential;
use crate::github_app::{AppAt, Error};
use crate::provider_api;
use crate::store::Store;

pub fn check(store: &Store, config: &Config, c: &Credential) -> Outcome {
    let mut out = Outcome {
        id: c.id.clone(),
        provider: c.provider.clone(),
        status: Status::Unsupported,
        expires_at: None,
        expiry_stated: true,
        scopes: None,
        account: None,
        host: None,
        reason: None,
        installations: None,
    };
    let target = match crate::lifecycle::target(config, c) {
        Ok(t) => t,
        Err(e) => {
            out.reason = Some(e.to_string());
            return out;
        }
    };
    out.host = Some(target.api.host());
    let at = AppAt {
        instance: target.instance,
        credential: c,
        host: &target.host,
    };
    match crate::github_app::inspect::check(store, config, &at) {
        Ok((info, installations)) => {
            out.status = Status::Valid;
            out.account = Some(info.slug);
            out.installations = Some(
                installations
                    .iter()
                    .map(|i| format!("{} ({})", i.account, i.id))
                    .collect(),
            );
        }
        Err(
            e @ Error::Api {
                source:
                    provider_api::Error::Refused { status: 401, .. }
                    | provider_api::Error::Unauthorized { .. },
                ..
            },
        ) => {
            out.status = Status::Revoked;
            out.reason = Some(format!(
                "{}: GitHub does not accept a JWT signed with this key: it was deleted or is another App's (or this machine's clock is off by more than a minute)",
                crate::term::one_line(&e)
            ));
        }
        Err(e @ (Error::Key { .. } | Error::NoApi { .. })) => {
            out.reason = Some(crate::term::one_line(&e))
        }
        Err(e) => {
            out.status = Status::Unreachable;
            out.reason = Some(crate::term::one_line(&e));
        }
    }
    out
}
