//! What every call to GitHub as the App needs: its API at the host and a fresh JWT, signed
//! with the stored key or by OpenBao's transit engine.

use super::key::PrivateKey;
use super::{AppAt, Error, jwt};
use crate::config::Config;
use crate::credential::Credential;
use crate::provider::app::{App, AppKey};
use crate::provider_api::Api;
use crate::secret::Secret;
use crate::store::Store;

/// The App's API at `host` and a JWT signed at `now`.
pub fn session(
    store: &Store,
    config: &Config,
    at: &AppAt<'_>,
    now: i64,
) -> Result<(Api, Secret), Error> {
    let (app, instance) = (at.app(), at.instance);
    let no_api = || Error::NoApi {
        app: app.id,
        instance: instance.name.clone(),
    };
    // A bad api_url says what is wrong with it.
    let api = Api::of(instance, at.host)
        .map_err(|source| Error::Api {
            app: app.id,
            source,
        })?
        .ok_or_else(no_api)?;
    let jwt = sign_jwt(store, config, app, at.credential, now)?;
    Ok((api, jwt))
}

/// A JWT for `app`, signed with its stored key or by OpenBao's transit engine.
pub fn sign_jwt(
    store: &Store,
    config: &Config,
    app: &App,
    credential: &Credential,
    now: i64,
) -> Result<Secret, Error> {
    let input = jwt::signing_input(app.id, now);
    let signature = match &app.key {
        AppKey::Stored => {
            let pem = credential.password.as_ref().ok_or(Error::Key {
                app: app.id,
                source: super::key::BadKey("is missing from the store"),
            })?;
            let key = PrivateKey::from_pem(pem.expose()).map_err(|source| Error::Key {
                app: app.id,
                source,
            })?;
            key.sign(input.as_bytes())
        }
        // The key never leaves OpenBao: its transit engine signs (RS256 is PKCS#1 v1.5, SHA-256).
        AppKey::Transit { mount, name } => {
            crate::openbao::transit::sign(store, config, mount, name, input.as_bytes()).map_err(
                |source| Error::Sign {
                    app: app.id,
                    source,
                },
            )?
        }
    };
    Ok(jwt::assemble(&input, &signature))
}
