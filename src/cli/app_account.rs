//! `add PROVIDER --app-id ID`: a GitHub App, whose installation tokens `get` mints per
//! repository. The private key comes from stdin (PEM, checked) or stays in OpenBao's transit
//! engine (`--private-key openbao:MOUNT/KEY`); GitHub is asked who the App is before anything
//! is stored, so a key that is not the App's is refused then, not at the first fetch.

use std::io::{IsTerminal, Read};

use clap::Args;
use zeroize::Zeroizing;

use super::Context;
use super::account_input::{clean_scope, file_new, instance_of, usage};
use super::input::say;
use crate::credential::{Credential, Origin, new_id, unix_now};
use crate::error::Error;
use crate::github_app::AppAt;
use crate::github_app::key::PrivateKey;
use crate::provider::app::{App, AppKey};
use crate::provider::{Family, Instance, TokenKind};
use crate::secret::Secret;
use crate::store::Create;

/// `add`'s options for a GitHub App.
#[derive(Args, Debug, Default)]
pub struct AppArgs {
    /// Add a GitHub App (its numeric App ID) instead of a token: `get` mints a token for each
    /// repository, narrowed to it (GitHub and GitHub Enterprise).
    #[arg(long, value_name = "ID", help_heading = "GitHub App")]
    pub app_id: Option<String>,
    /// Read the App's private key (the PEM file GitHub gave you) from stdin.
    #[arg(long, requires = "app_id", help_heading = "GitHub App")]
    pub private_key_stdin: bool,
    /// Where the App's private key is instead of this machine: openbao:MOUNT/KEYNAME (an
    /// OpenBao transit key that signs for it).
    #[arg(
        long,
        value_name = "openbao:MOUNT/KEY",
        requires = "app_id",
        conflicts_with = "private_key_stdin",
        help_heading = "GitHub App"
    )]
    pub private_key: Option<String>,
    /// The permissions each minted token asks for, e.g. contents=write,pull_requests=read
    /// (default: all the installation has).
    #[arg(
        long,
        value_name = "NAME=LEVEL,...",
        requires = "app_id",
        help_heading = "GitHub App"
    )]
    pub permissions: Option<String>,
}

/// A PEM is a few KiB; more is no key.
const MAX_PEM: u64 = 16 * 1024;

/// The PEM from stdin: a file or a pipe, never a terminal (a key is not typed).
fn read_pem() -> Result<Secret, Error> {
    if std::io::stdin().is_terminal() {
        return Err(usage(
            "private-key-stdin",
            "pipe the key file in, e.g. `git credential-vouch add github --app-id ID --private-key-stdin < app.private-key.pem`",
        ));
    }
    // Sized up front: a buffer that grows would leave copies of the key behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_PEM as usize + 1));
    std::io::stdin()
        .lock()
        .take(MAX_PEM + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            what: "reading the private key".into(),
            source,
        })?;
    if bytes.len() as u64 > MAX_PEM {
        return Err(usage(
            "private-key-stdin",
            "more than 16 KiB: no PEM private key is that long",
        ));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| usage("private-key-stdin", "not PEM text"))?;
    Ok(Secret::new(text.trim().to_owned()))
}

/// Add the App `args` describes to `instance` (at `host`, "" for every host). `refused`: the
/// account options given, which an App has no use for (its tokens send x-access-token).
#[allow(clippy::too_many_arguments)]
pub fn add(
    ctx: &Context,
    instance: &Instance,
    host: String,
    args: &AppArgs,
    repo: Option<&str>,
    label: Option<String>,
    default: bool,
    refused: &[(&str, bool)],
) -> Result<(), Error> {
    if instance.kind.family() != Family::GitHub {
        return Err(usage(
            "app-id",
            format!(
                "GitHub Apps mint tokens on GitHub and GitHub Enterprise; {} is {}",
                instance.name,
                instance.kind.name()
            ),
        ));
    }
    if let Some((flag, _)) = refused.iter().find(|(_, given)| *given) {
        return Err(usage(
            flag,
            "not with --app-id: the tokens an App mints send x-access-token and live an hour",
        ));
    }
    let config = ctx.config()?;
    let id = App::parse_id(args.app_id.as_deref().unwrap_or_default())
        .map_err(|e| usage("app-id", e))?;
    let permissions = App::parse_permissions(args.permissions.as_deref().unwrap_or_default())
        .map_err(|e| usage("permissions", e))?;
    let scope = repo.map(clean_scope).transpose()?.flatten();
    let (key, pem) = match (&args.private_key, args.private_key_stdin) {
        (Some(place), _) => (
            AppKey::parse(place).map_err(|e| usage("private-key", e))?,
            None,
        ),
        (None, true) => {
            let pem = read_pem()?;
            PrivateKey::from_pem(pem.expose()).map_err(|e| usage("private-key-stdin", e))?;
            (AppKey::Stored, Some(pem))
        }
        (None, false) => {
            return Err(usage(
                "app-id",
                "give the App's private key: --private-key-stdin (the PEM on stdin) or --private-key openbao:MOUNT/KEY",
            ));
        }
    };
    let mut new = Credential {
        id: new_id(),
        provider: instance.name.clone(),
        host,
        scope,
        token_kind: Some(TokenKind::GitHubApp),
        password: pem,
        app: Some(App {
            id,
            permissions,
            key,
        }),
        is_default: default,
        label,
        origin: Origin::Added,
        created: unix_now(),
        ..Default::default()
    };
    // Who the App is, asked before the store is locked: a key that is not the App's, or an
    // OpenBao that will not sign, is refused now.
    let asked_at = instance.host_for(&new.host).unwrap_or_default();
    let at = AppAt {
        instance,
        credential: &new,
        host: &asked_at,
    };
    let (info, installations) = crate::github_app::inspect::check(&ctx.store, &config, &at)?;
    new.account = Some(info.slug.clone());
    match file_new(&ctx.store, &config, &new)? {
        Ok(cid) => {
            println!("{cid}");
            let on: Vec<&str> = installations.iter().map(|i| i.account.as_str()).collect();
            say(format!(
                "added GitHub App {} (ID {id}) on {}, ID {cid}; installed on {}",
                info.slug,
                instance.name,
                if on.is_empty() {
                    "no account yet".to_owned()
                } else {
                    on.join(", ")
                }
            ));
            Ok(())
        }
        Err(existing) => Err(Error::Conflict(format!(
            "credential {existing} already holds GitHub App {} for this scope: `git credential-vouch remove {existing}` first, or give --repo",
            info.slug
        ))),
    }
}

/// `rotate ID` of an App: its new private key (PEM on stdin), checked against GitHub before it
/// replaces the old one. A key in OpenBao rotates there.
pub fn rotate_key(
    ctx: &Context,
    config: &crate::config::Config,
    c: &Credential,
    expires_given: bool,
) -> Result<(), Error> {
    let app = c.app.as_ref().expect("an App credential");
    if expires_given {
        return Err(usage("expires", "a GitHub App's key has no expiry here"));
    }
    if let AppKey::Transit { mount, name } = &app.key {
        return Err(usage(
            "id",
            format!(
                "GitHub App {}'s key is in OpenBao: rotate it there (`bao write -f {mount}/keys/{name}/rotate`) and upload its public key to the App",
                app.id
            ),
        ));
    }
    let pem = read_pem()?;
    PrivateKey::from_pem(pem.expose()).map_err(|e| usage("private-key-stdin", e))?;
    let instance = instance_of(config, c)?;
    let mut trial = c.clone();
    trial.password = Some(pem.clone());
    let host = instance.host_for(&c.host).unwrap_or_default();
    let at = AppAt {
        instance,
        credential: &trial,
        host: &host,
    };
    crate::github_app::inspect::check(&ctx.store, config, &at)?;
    let rotated =
        crate::allowed::update(&ctx.store, config, Create::Never, |opened| {
            match opened.entries.iter_mut().find(|e| e.id == c.id) {
                Some(entry) => {
                    entry.password = Some(pem);
                    entry.rejected = None;
                    (true, true)
                }
                None => (false, false),
            }
        })?;
    if rotated != Some(true) {
        return Err(Error::NotFound(format!("no credential {}", c.id)));
    }
    say(format!(
        "rotated GitHub App {}'s private key, ID {}",
        app.id, c.id
    ));
    Ok(())
}
