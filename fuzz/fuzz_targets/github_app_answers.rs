//! GitHub's answers to an App (untrusted): `GET /app`, the installations, the installation of a
//! repository and a minted token; and the App's own inputs that reach a URL or a body: git's
//! path and the repository it names, the App's store record (its permissions and key location)
//! and the PEM private key. Any bytes give a checked value or nothing, never a panic: a name kept
//! is bounded and free of control characters, a minted token a short line of visible characters
//! that expires within a day of the clock (even a clock near its end), a repository only plain
//! names, a record what its own text decodes to, and a key's error one of its fixed messages,
//! quoting nothing of the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::github_app::key::PrivateKey;
use vouch::provider::app::{App, AppKey};
use vouch::provider_api::github_app::{
    Installation, parse_app, parse_installation, parse_installations, parse_minted,
    repository_of_path, split_repository,
};

/// What `clean` keeps of a name: 200 characters, each escaped to at most 4 (`\x1b`).
fn bounded(name: &str) -> bool {
    name.chars().count() <= 800 && !name.chars().any(char::is_control)
}

fn checked(i: &Installation) {
    assert!(bounded(&i.account) && bounded(&i.repository_selection));
    assert!(i.permissions.len() <= 64);
    assert!(i.permissions.iter().all(|(k, v)| bounded(k) && bounded(v)));
}

/// Every message [`PrivateKey::from_pem`] may give: fixed texts, so none can quote the key.
const KEY_ERRORS: &[&str] = &[
    "is too long to be a PEM private key",
    "is not PEM (-----BEGIN ... PRIVATE KEY-----)",
    "is PEM whose body is not base64",
    "is encrypted: decrypt it first (openssl pkcs8 -in KEY.pem), then pipe it in",
    "is encrypted: decrypt it first (openssl rsa -in KEY.pem), then pipe it in",
    "is not an RSA private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)",
    "is not a usable RSA key (GitHub App keys are RSA, 2048 bits or more)",
];

fuzz_target!(|data: &[u8]| {
    for now in [1_700_000_000, i64::MAX - 60] {
        if let Some(minted) = parse_minted(data, now) {
            let token = minted.token.expose();
            assert!((1..=1024).contains(&token.len()));
            assert!(token.bytes().all(|b| b.is_ascii_graphic()));
            assert!(minted.expires_at > now && minted.expires_at - now <= 86_400);
            assert!(minted.permissions.len() <= 64);
        }
    }
    if let Some(app) = parse_app(data) {
        assert!(bounded(&app.slug) && bounded(&app.name));
        assert!(app.owner.as_deref().is_none_or(bounded));
    }
    if let Some(installation) = parse_installation(data) {
        checked(&installation);
    }
    if let Some(installations) = parse_installations(data) {
        assert!(installations.len() <= 100);
        installations.iter().for_each(checked);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((owner, repo)) = split_repository(text) {
        assert_eq!(format!("{owner}/{repo}"), text);
        for name in [owner, repo] {
            assert!(!name.is_empty() && name.len() <= 100 && name != "." && name != "..");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            );
        }
    }
    // git's path: what it names must be a repository split_repository keeps, whole.
    if let Some(repository) = repository_of_path(text) {
        let (owner, repo) = split_repository(&repository).expect("a checked repository");
        assert_eq!(format!("{owner}/{repo}"), repository);
        assert!(text.contains(&repository));
    }
    if let Ok(app) = App::decode(text) {
        assert_eq!(App::decode(&app.encode()), Ok(app));
    }
    if let Ok(permissions) = App::parse_permissions(text) {
        assert!(permissions.len() <= 64);
        let app = App {
            id: 1,
            permissions,
            key: AppKey::Stored,
        };
        assert_eq!(
            App::parse_permissions(&app.permissions_text()).as_ref(),
            Ok(&app.permissions)
        );
        assert_eq!(App::decode(&app.encode()), Ok(app));
    }
    if let Ok(key) = AppKey::parse(text) {
        assert_eq!(AppKey::parse(&key.describe()).as_ref(), Ok(&key));
    }
    if let Err(e) = PrivateKey::from_pem(text) {
        let message = e.to_string();
        assert!(
            KEY_ERRORS
                .iter()
                .any(|m| message == format!("the private key {m}")),
            "{message}"
        );
    }
});
