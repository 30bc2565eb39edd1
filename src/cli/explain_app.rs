//! What `resolve` says when a GitHub App would answer: which App, which installation (asked of
//! GitHub, nothing minted), for which repository and with which permissions.

use serde_json::{Value, json};

use super::Context;
use crate::config::Config;
use crate::credential::Credential;
use crate::github_app::AppAt;
use crate::provider::Instance;
use crate::term::escape;

/// The `mint` part of `resolve`'s answer for App credential `c` at `host`, for git's `path`.
pub fn report(
    ctx: &Context,
    config: &Config,
    instance: &Instance,
    c: &Credential,
    host: &str,
    path: Option<&str>,
) -> Value {
    let repository = path.and_then(crate::provider_api::github_app::repository_of_path);
    let app = c.app.as_ref().expect("an App credential");
    let mut report = json!({
        "app_id": app.id,
        "app": c.display_account(),
        "private_key": app.key.describe(),
        "permissions": app.levels(),
        "repository": repository,
        "installation": null,
        "error": null,
    });
    let Some(repository) = repository else {
        report["error"] = json!(match path {
            None => format!(
                "git sends no path here, and an App mints per repository: set credential.https://{host}.useHttpPath true (`git credential-vouch configure` does)"
            ),
            Some(_) => "the path is not OWNER/REPO".to_owned(),
        });
        return report;
    };
    let at = AppAt {
        instance,
        credential: c,
        host,
    };
    match crate::github_app::inspect::installation_for(&ctx.store, config, &at, &repository) {
        Ok(Some(i)) => report["installation"] = json!({ "id": i.id, "account": i.account }),
        Ok(None) => {
            report["error"] = json!(format!(
                "GitHub App {} is not installed on {repository} (or cannot see it)",
                app.id
            ))
        }
        Err(e) => report["error"] = json!(crate::term::one_line(&e)),
    }
    report
}

/// The `mints:` line of `resolve`'s text.
pub fn text(m: &Value) -> String {
    let s = |v: &Value| v.as_str().map(escape).unwrap_or_else(|| "-".into());
    let permissions = match m["permissions"].as_object() {
        Some(p) if !p.is_empty() => p
            .iter()
            .map(|(n, l)| format!("{}={}", escape(n), s(l)))
            .collect::<Vec<_>>()
            .join(","),
        _ => "the installation's".to_owned(),
    };
    let who = format!("GitHub App {} (ID {})", s(&m["app"]), m["app_id"]);
    match m["installation"].as_object() {
        Some(i) => format!(
            "mints:      {who}, installation {} on {}: a token for {} only, permissions {permissions}\n",
            i["id"],
            s(&i["account"]),
            s(&m["repository"]),
        ),
        None => format!("mints:      nothing from {who}: {}\n", s(&m["error"])),
    }
}
