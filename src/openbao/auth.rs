//! Which client token vouch presents to OpenBao, in this order:
//!
//! 1. `BAO_TOKEN`, else `VAULT_TOKEN` (git passes the user's environment to helpers);
//! 2. JWT, when `[openbao]` names `jwt_role` and `jwt_file` (a CI job's ID token);
//! 3. AppRole, set up once with `openbao login --approle` (role and secret ID kept in the
//!    encrypted cache).
//!
//! A token from a login is kept encrypted in the cache until its TTL, so a `get` logs in only
//! when the last one ran out.

use super::Settings;
use super::cache::{ClientToken, Contents};
use super::client::{Api, Failure};
use crate::secret::Secret;

/// How the token was obtained, for `doctor` and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Env(&'static str),
    Jwt,
    AppRole,
}

impl Method {
    pub fn describe(&self) -> String {
        match self {
            Method::Env(name) => format!("token from {name}"),
            Method::Jwt => "JWT login".into(),
            Method::AppRole => "AppRole login".into(),
        }
    }

    fn id(&self) -> &'static str {
        match self {
            Method::Env(_) => "env",
            Method::Jwt => "jwt",
            Method::AppRole => "approle",
        }
    }
}

/// A token from the environment, if one is set.
pub fn env_token() -> Option<(Secret, Method)> {
    ["BAO_TOKEN", "VAULT_TOKEN"].into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(|v| (Secret::new(v), Method::Env(name)))
    })
}

/// The method configured, without asking OpenBao.
pub fn method(settings: &Settings, contents: &Contents) -> Option<Method> {
    if let Some((_, m)) = env_token() {
        return Some(m);
    }
    if settings.jwt.is_some() {
        return Some(Method::Jwt);
    }
    contents.approle.as_ref().map(|_| Method::AppRole)
}

/// A client token to use now. A login's token is put into `contents` (the caller writes it);
/// `fresh` forces a new login even if a kept token has time left (it was refused).
pub fn client_token(
    api: &Api,
    settings: &Settings,
    contents: &mut Contents,
    now: i64,
    fresh: bool,
) -> Result<(Secret, Method), Failure> {
    let Some(method) = method(settings, contents) else {
        return Err(Failure::Refused(
            "no OpenBao credentials: set BAO_TOKEN, set jwt_role and jwt_file in [openbao], or run `git credential-vouch openbao login --approle --role-id ID`".into(),
        ));
    };
    if let Method::Env(_) = method {
        return Ok(env_token().expect("checked"));
    }
    if !fresh
        && let Some(kept) = &contents.client_token
        && kept.address == api.address()
        && kept.method == method.id()
        // A margin, so a token does not run out between here and the read.
        && kept.expires.is_none_or(|e| e > now + 5)
    {
        return Ok((Secret::new(kept.token.clone()), method));
    }
    let token = login(api, settings, contents, &method, now)?;
    Ok((token, method))
}

/// `request` with a client token; when OpenBao refuses a kept login token (revoked or expired
/// early), one new login and `request` again. A token from the environment is the user's to
/// replace, so its refusal is final. A login's token is put into `contents` (the caller writes
/// it).
pub fn with_token<T>(
    api: &Api,
    settings: &Settings,
    contents: &mut Contents,
    now: i64,
    request: impl Fn(&Secret) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let (token, method) = client_token(api, settings, contents, now, false)?;
    match request(&token) {
        Err(Failure::Denied(_)) if !matches!(method, Method::Env(_)) => {
            let (token, _) = client_token(api, settings, contents, now, true)?;
            request(&token)
        }
        other => other,
    }
}

/// Log in with the kept AppRole, keeping the new client token in `contents`.
pub fn login_approle(
    api: &Api,
    settings: &Settings,
    contents: &mut Contents,
    now: i64,
) -> Result<Secret, Failure> {
    login(api, settings, contents, &Method::AppRole, now)
}

fn login(
    api: &Api,
    settings: &Settings,
    contents: &mut Contents,
    method: &Method,
    now: i64,
) -> Result<Secret, Failure> {
    let login = match method {
        Method::Jwt => {
            let (role, file) = settings.jwt.as_ref().expect("checked");
            let jwt = std::fs::read_to_string(file)
                .map_err(|e| Failure::Refused(format!("jwt_file {}: {e}", file.display())))?;
            let body = zeroize::Zeroizing::new(
                serde_json::to_vec(&serde_json::json!({"role": role, "jwt": jwt.trim()}))
                    .expect("serializable"),
            );
            api.login(&settings.jwt_mount, &body)
        }
        Method::AppRole => {
            let approle = contents.approle.as_ref().expect("checked");
            let body = zeroize::Zeroizing::new(
                serde_json::to_vec(&serde_json::json!({
                    "role_id": approle.role_id,
                    "secret_id": approle.secret_id,
                }))
                .expect("serializable"),
            );
            api.login(&settings.approle_mount, &body)
        }
        Method::Env(name) => {
            return Err(Failure::Refused(format!("{name} is a token, not a login")));
        }
    }
    .map_err(|f| match f {
        Failure::Refused(why) | Failure::Denied(why) => {
            Failure::Refused(format!("{} refused: {why}", method.describe()))
        }
        other => other,
    })?;
    contents.client_token = Some(ClientToken {
        address: api.address().to_owned(),
        method: method.id().to_owned(),
        token: login.token.expose().to_owned(),
        // A lease from the server meets the clock: no overflow, whatever it says.
        expires: (login.ttl > 0)
            .then(|| now.saturating_add(i64::try_from(login.ttl).unwrap_or(i64::MAX))),
    });
    Ok(login.token)
}
