//! `forget`: take back picks a person made at the terminal among equal accounts (see
//! `helper::pick`), for a host, an owner or a repository URL, or all of them.

use super::Context;
use super::report::pick_place;
use crate::credential::normalize_host;
use crate::error::Error;
use crate::provider::path::scope_covers;
use crate::provider::repo_path;
use crate::resolve::{self, Target};
use crate::store::Create;
use crate::term::escape;

/// The instance a PLACE names, the host it was given as, and the repository path, if any.
struct Place {
    instance: String,
    host: String,
    path: Option<String>,
}

fn parse_place(config: &crate::config::Config, text: &str) -> Result<Place, Error> {
    let bad = |why: &str| Error::Usage(format!("place: `{}` {why}", escape(text)));
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    // Never a user or password in what is compared (or echoed).
    let host = normalize_host(authority.rsplit('@').next().unwrap_or(authority));
    let path = path.trim_matches('/');
    let target = Target {
        protocol: "https",
        host: &host,
        path: (!path.is_empty()).then_some(path),
        username: None,
        capability_authtype: true,
    };
    let lookup = resolve::lookup(config, &target);
    let Some(m) = resolve::primary(&lookup) else {
        return Err(bad(
            "is not a provider host (give HOST, HOST/OWNER or a repository URL)",
        ));
    };
    let repository = target
        .path
        .map(|p| repo_path(m.instance, p))
        .filter(|r| !r.is_empty());
    Ok(Place {
        instance: m.instance.name.clone(),
        host,
        path: repository,
    })
}

pub fn forget(ctx: &Context, place: Option<&str>, all: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let place = match place {
        Some(text) if !all => Some(parse_place(&config, text)?),
        _ => None,
    };
    // A pick applies to the place (its owner covers the path), or lies inside it.
    let concerned = |provider: &str, host: &str, owner: &str| match &place {
        None => true,
        Some(p) => {
            provider == p.instance
                && (host.is_empty() || host == p.host)
                && p.path.as_deref().is_none_or(|path| {
                    owner.is_empty() || scope_covers(owner, path) || scope_covers(path, owner)
                })
        }
    };
    let forgotten = crate::allowed::update(&ctx.store, &config, Create::Never, |opened| {
        let mut forgotten = Vec::new();
        for c in opened.entries.iter_mut().filter(|c| !c.is_generic()) {
            let (provider, host) = (c.provider.clone(), c.host.clone());
            let (gone, kept): (Vec<String>, Vec<String>) = std::mem::take(&mut c.chosen_for)
                .into_iter()
                .partition(|owner| concerned(&provider, &host, owner));
            c.chosen_for = kept;
            for owner in gone {
                forgotten.push(format!(
                    "forgot the pick of {} [{}] for {}",
                    escape(c.display_account()),
                    c.id,
                    pick_place(c, &config, &owner)
                ));
            }
        }
        (!forgotten.is_empty(), forgotten)
    })?
    .unwrap_or_default();
    if forgotten.is_empty() {
        eprintln!("git-credential-vouch: no remembered pick to forget");
    }
    for line in forgotten {
        println!("{line}");
    }
    Ok(())
}
