//! GitHub's API for Apps, authenticated with the App's JWT: who the App is (`GET /app`), its
//! installations, the installation that covers a repository, and an installation token narrowed
//! to repositories and permissions (`POST /app/installations/{id}/access_tokens`).
//!
//! Every answer is outside input: names are bounded and escaped, a minted token must be a short
//! line of visible characters with an expiry in the next day, and GitHub's own `message` (cut
//! short) is what an error says, never a body, the JWT or a token.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::{Api, Error, clean};
use crate::http::{Answer, Body, Client, Method};
use crate::provider::app::is_name;
use crate::secret::Secret;

/// GitHub's REST API version these routes are documented for.
const API_VERSION: (&str, &str) = ("X-GitHub-Api-Version", "2022-11-28");

/// The App, as `GET /app` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    pub slug: String,
    pub name: String,
    pub owner: Option<String>,
}

/// One installation of the App.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub id: u64,
    /// The user or organization it is installed on.
    pub account: String,
    /// `all` or `selected`.
    pub repository_selection: String,
    pub permissions: BTreeMap<String, String>,
}

/// A minted installation token.
pub struct Minted {
    pub token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
    pub permissions: BTreeMap<String, String>,
    /// The installation that minted it (set by [`mint`]; 0 from [`parse_minted`] alone).
    pub installation: u64,
}

#[derive(Deserialize)]
struct RawApp {
    slug: String,
    name: String,
    owner: Option<RawAccount>,
}

#[derive(Deserialize)]
struct RawAccount {
    login: String,
}

#[derive(Deserialize)]
struct RawInstallation {
    id: u64,
    account: Option<RawAccount>,
    #[serde(default)]
    repository_selection: String,
    #[serde(default)]
    permissions: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct RawToken {
    token: String,
    expires_at: String,
    #[serde(default)]
    permissions: BTreeMap<String, serde_json::Value>,
}

/// At most this many installations are read from one page (GitHub's own maximum is 100).
const MAX_INSTALLATIONS: usize = 100;

fn send(
    api: &Api,
    client: &Client,
    method: Method,
    path: &str,
    jwt: &Secret,
    body: Body<'_>,
) -> Result<Answer, Error> {
    let auth = Zeroizing::new(format!("Bearer {}", jwt.expose()));
    let url = api.url(path);
    Ok(client.send(
        method,
        &url,
        &[("Authorization", &auth), API_VERSION],
        body,
        &[],
    )?)
}

/// GitHub's `message`, cut short and escaped; the status alone when there is none.
fn refused(api: &Api, answer: &Answer, doing: &str) -> Error {
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    let message = answer
        .json::<Message>()
        .map(|m| clean(&m.message.replace(['\n', '\r'], " ")))
        .filter(|m| !m.is_empty());
    let why = match message {
        Some(m) => format!("{doing}: {m}"),
        None => doing.to_owned(),
    };
    match answer.status {
        400..=499 => Error::Refused {
            host: api.host(),
            status: answer.status,
            why,
        },
        status => Error::Unexpected {
            host: api.host(),
            status,
        },
    }
}

fn unusable(api: &Api, answer: &Answer) -> Error {
    Error::UnusableAnswer {
        host: api.host(),
        status: answer.status,
    }
}

fn levels(raw: BTreeMap<String, serde_json::Value>) -> BTreeMap<String, String> {
    raw.into_iter()
        .take(64)
        .filter_map(|(k, v)| Some((clean(&k), clean(v.as_str()?))))
        .collect()
}

fn installation(raw: RawInstallation) -> Installation {
    Installation {
        id: raw.id,
        account: raw.account.map(|a| clean(&a.login)).unwrap_or_default(),
        repository_selection: clean(&raw.repository_selection),
        permissions: levels(raw.permissions),
    }
}

/// `GET /app`: the App the JWT speaks for (GitHub refuses a JWT it cannot verify with 401).
pub fn app(api: &Api, client: &Client, jwt: &Secret) -> Result<AppInfo, Error> {
    let answer = send(api, client, Method::Get, "/app", jwt, Body::Empty)?;
    if !answer.is_success() {
        return Err(refused(api, &answer, "the App's JWT was not accepted"));
    }
    parse_app(&answer.body).ok_or_else(|| unusable(api, &answer))
}

/// `GET /app`'s answer.
pub fn parse_app(body: &[u8]) -> Option<AppInfo> {
    let raw: RawApp = serde_json::from_slice(body).ok()?;
    Some(AppInfo {
        slug: clean(&raw.slug),
        name: clean(&raw.name),
        owner: raw.owner.map(|o| clean(&o.login)),
    })
}

/// `GET /app/installations`' answer: at most the first 100.
pub fn parse_installations(body: &[u8]) -> Option<Vec<Installation>> {
    let raw: Vec<RawInstallation> = serde_json::from_slice(body).ok()?;
    Some(
        raw.into_iter()
            .take(MAX_INSTALLATIONS)
            .map(installation)
            .collect(),
    )
}

/// `GET /repos/OWNER/REPO/installation`'s answer.
pub fn parse_installation(body: &[u8]) -> Option<Installation> {
    serde_json::from_slice(body).ok().map(installation)
}

/// `GET /app/installations`: where the App is installed (the first page of 100).
pub fn installations(api: &Api, client: &Client, jwt: &Secret) -> Result<Vec<Installation>, Error> {
    let path = format!("/app/installations?per_page={MAX_INSTALLATIONS}");
    let answer = send(api, client, Method::Get, &path, jwt, Body::Empty)?;
    if !answer.is_success() {
        return Err(refused(api, &answer, "listing the App's installations"));
    }
    let raw: Vec<RawInstallation> = answer.json().ok_or_else(|| unusable(api, &answer))?;
    Ok(raw
        .into_iter()
        .take(MAX_INSTALLATIONS)
        .map(installation)
        .collect())
}

/// `GET /repos/OWNER/REPO/installation`: `None` when the App is not installed there (404).
/// `repository` is `OWNER/REPO`, checked by [`split_repository`].
pub fn installation_for(
    api: &Api,
    client: &Client,
    jwt: &Secret,
    repository: &str,
) -> Result<Option<Installation>, Error> {
    let path = format!("/repos/{repository}/installation");
    let answer = send(api, client, Method::Get, &path, jwt, Body::Empty)?;
    match answer.status {
        404 => Ok(None),
        _ if answer.is_success() => parse_installation(&answer.body)
            .map(Some)
            .ok_or_else(|| unusable(api, &answer)),
        _ => Err(refused(api, &answer, "finding the App's installation")),
    }
}

/// `POST /app/installations/ID/access_tokens` for `repositories` (names, without the owner)
/// and `permissions` (names and levels; none: the installation's own).
pub fn mint(
    api: &Api,
    client: &Client,
    jwt: &Secret,
    installation: u64,
    repositories: &[&str],
    permissions: &BTreeMap<&str, &str>,
    now: i64,
) -> Result<Minted, Error> {
    let mut body = json!({});
    if !repositories.is_empty() {
        body["repositories"] = json!(repositories);
    }
    if !permissions.is_empty() {
        body["permissions"] = json!(permissions);
    }
    let body = serde_json::to_vec(&body).expect("serializable");
    let path = format!("/app/installations/{installation}/access_tokens");
    let answer = send(api, client, Method::Post, &path, jwt, Body::Json(&body))?;
    if !answer.is_success() {
        return Err(refused(api, &answer, "minting an installation token"));
    }
    let mut minted = parse_minted(&answer.body, now).ok_or_else(|| unusable(api, &answer))?;
    minted.installation = installation;
    Ok(minted)
}

/// A token answer: a token that fits in git's protocol and a header, expiring within a day.
pub fn parse_minted(body: &[u8], now: i64) -> Option<Minted> {
    let raw: RawToken = serde_json::from_slice(body).ok()?;
    let token = Secret::new(raw.token);
    let t = token.expose();
    if t.is_empty() || t.len() > 1024 || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let expires_at = crate::time::parse(&raw.expires_at).ok()?;
    // Near the clock's end the day is cut short rather than overflowing.
    if expires_at <= now || expires_at > now.saturating_add(24 * 3600) {
        return None;
    }
    Some(Minted {
        token,
        expires_at,
        permissions: levels(raw.permissions),
        installation: 0,
    })
}

/// The repository a GitHub URL path names: `OWNER/REPO` from `/OWNER/REPO.git/`, the wiki of
/// a repository being the repository's (`REPO.wiki.git`). The whole path, whatever instance
/// (path prefix included) serves it: on GitHub a path prefix is an owner. `None` unless the
/// path is exactly two segments; [`split_repository`] checks the names.
pub fn repository_of_path(path: &str) -> Option<String> {
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let path = path.strip_suffix(".wiki").unwrap_or(path);
    split_repository(path).map(|(owner, repo)| format!("{owner}/{repo}"))
}

/// `OWNER/REPO` as GitHub names them (letters, digits, `-`, `_`, `.`), else `None`: only such
/// a path goes into a URL or a token request.
pub fn split_repository(repository: &str) -> Option<(&str, &str)> {
    let (owner, repo) = repository.split_once('/')?;
    let name = |s: &str| s.len() <= 100 && is_name(s);
    (name(owner) && name(repo)).then_some((owner, repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_answers_are_checked() {
        let now = 1_700_000_000;
        let answer = |token: &str, expires: &str| {
            format!(
                r#"{{"token": "{token}", "expires_at": "{expires}", "permissions": {{"contents": "write"}}}}"#
            )
        };
        let ok = parse_minted(answer("ghs_abc", "2023-11-14T23:13:20Z").as_bytes(), now).unwrap();
        assert_eq!(ok.token.expose(), "ghs_abc");
        assert_eq!(ok.expires_at, now + 3600);
        assert_eq!(ok.permissions["contents"], "write");
        for (token, expires) in [
            ("", "2023-11-14T23:13:20Z"),
            ("ghs_a b", "2023-11-14T23:13:20Z"),
            ("ghs_a\\nb", "2023-11-14T23:13:20Z"),
            ("ghs_abc", "2023-11-14T22:13:20Z"),
            ("ghs_abc", "2023-11-16T22:13:21Z"),
            ("ghs_abc", "soon"),
        ] {
            assert!(
                parse_minted(answer(token, expires).as_bytes(), now).is_none(),
                "{token} {expires}"
            );
        }
        let end = format!(r#"{{"token": "ghs_abc", "expires_at": "{}"}}"#, i64::MAX);
        assert!(parse_minted(end.as_bytes(), i64::MAX - 60).is_some());
        assert!(parse_minted(b"<html>", now).is_none());
        assert!(parse_minted(br#"{"token": 5}"#, now).is_none());
    }

    #[test]
    fn the_whole_path_names_the_repository() {
        for (path, repo) in [
            ("acme/widgets.git", Some("acme/widgets")),
            ("/acme/widgets/", Some("acme/widgets")),
            ("acme/widgets.wiki.git", Some("acme/widgets")),
            ("acme/evil/widgets.git", None),
            ("widgets.git", None),
            ("acme/../widgets", None),
        ] {
            assert_eq!(repository_of_path(path).as_deref(), repo, "{path}");
        }
    }

    #[test]
    fn only_plain_owner_and_repository_names_reach_a_url() {
        assert_eq!(split_repository("acme/widgets"), Some(("acme", "widgets")));
        assert_eq!(
            split_repository("acme/my.repo_x-1"),
            Some(("acme", "my.repo_x-1"))
        );
        for bad in [
            "acme",
            "acme/",
            "/w",
            "acme/w/x",
            "acme/..",
            "acme/w?x",
            "ac me/w",
            "acme/w%2f",
        ] {
            assert_eq!(split_repository(bad), None, "{bad}");
        }
    }
}
