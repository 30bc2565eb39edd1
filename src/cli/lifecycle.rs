//! verify, rotate --at-provider, renew, remove --revoke: the provider-lifecycle commands.
//! Output names credentials, accounts, hosts and dates; never a token.

use serde_json::json;

use super::Context;
use super::account_input::{expiry, usage};
use super::selector;
use crate::error::{Error, Exit};
use crate::http::Client;
use crate::lifecycle::renew::{self, Settings, Step};
use crate::lifecycle::revoke::{self, Removed};
use crate::lifecycle::verify::{self, Outcome, Status};
use crate::lifecycle::{self, rotate};
use crate::term::escape;
use crate::time;

/// `rotate --at-provider` without `--expires`: the same lifetime `renew` asks for, not
/// GitLab's one week (which would make the token due for renewal at once).
pub const DEFAULT_LIFETIME: &str = "30d";

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Valid => "valid",
        Status::Revoked => "revoked",
        Status::Expired => "expired",
        Status::Unreachable => "unreachable",
        Status::Unsupported => "unsupported",
    }
}

fn outcome_json(o: &Outcome) -> serde_json::Value {
    json!({
        "id": o.id,
        "provider": o.provider,
        "status": o.status,
        "expires": o.expires_at,
        "expires_at": o.expires_at.map(time::datetime),
        "scopes": o.scopes,
        "account": o.account,
        "host": o.host,
        "reason": o.reason,
        "installations": o.installations,
    })
}

fn outcome_line(o: &Outcome) -> String {
    let mut parts = vec![
        o.id.clone(),
        o.provider.clone(),
        status_word(o.status).to_owned(),
    ];
    if let Some(a) = &o.account {
        parts.push(format!("account {a}"));
    }
    if o.status == Status::Valid {
        parts.push(match o.expires_at {
            Some(e) => format!("expires {}", time::date(e)),
            None if o.expiry_stated => "never expires".into(),
            None => "expiry unknown".into(),
        });
    }
    if let Some(s) = &o.scopes {
        parts.push(format!(
            "scopes {}",
            if s.is_empty() {
                "-".into()
            } else {
                s.join(",")
            }
        ));
    }
    if let Some(on) = &o.installations {
        parts.push(match on.as_slice() {
            [] => "installed nowhere yet".to_owned(),
            on => format!("installed on {}", on.join(", ")),
        });
    }
    if let Some(r) = &o.reason {
        parts.push(r.clone());
    }
    escape(&parts.join("  "))
}

/// Without IDs, every credential whose provider vouch can ask; with IDs, exactly those.
pub fn verify(ctx: &Context, ids: &[String], json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let all = lifecycle::credentials(&ctx.store)?;
    let chosen: Vec<_> = if ids.is_empty() {
        all.into_iter()
            .filter(|c| lifecycle::target(&config, c).is_ok())
            .collect()
    } else {
        lifecycle::pick(all, &selector::ids(ctx, ids)?)?
    };
    let outcomes = verify::verify(&ctx.store, &config, &chosen, true)?;
    if json {
        let results: Vec<_> = outcomes.iter().map(outcome_json).collect();
        println!("{}", json!({ "version": 1, "results": results }));
    } else if outcomes.is_empty() {
        println!("no tokens to verify");
    } else {
        for o in &outcomes {
            println!("{}", outcome_line(o));
        }
    }
    verdict(&outcomes)
}

/// Exit 0 when every token checked is valid; else the worst: 7 revoked or expired, 1 a
/// provider unreachable, 2 a token no API can check.
fn verdict(outcomes: &[Outcome]) -> Result<(), Error> {
    let count = |s: Status| outcomes.iter().filter(|o| o.status == s).count();
    let dead = count(Status::Revoked) + count(Status::Expired);
    if dead > 0 {
        return Err(Error::Provider(format!(
            "verify: {dead} token(s) revoked or expired"
        )));
    }
    if count(Status::Unreachable) > 0 {
        return Err(Error::Runtime(format!(
            "verify: {} provider(s) could not be asked",
            count(Status::Unreachable)
        )));
    }
    if count(Status::Unsupported) > 0 {
        return Err(Error::Usage(format!(
            "verify: {} token(s) cannot be checked at their provider",
            count(Status::Unsupported)
        )));
    }
    Ok(())
}

/// `rotate ID --at-provider [--expires DATE]`.
pub fn rotate_at_provider(
    ctx: &Context,
    selector: &str,
    expires: Option<&str>,
) -> Result<(), Error> {
    let config = ctx.config()?;
    let date = match expires.map(expiry).transpose()? {
        Some(Some(at)) => time::date(at),
        Some(None) => {
            return Err(usage(
                "expires",
                "a token rotated at the provider always expires (GitLab allows at most 365 days)",
            ));
        }
        None => time::date(crate::credential::unix_now() + lifetime(DEFAULT_LIFETIME)?),
    };
    let id = &selector::find(ctx, selector)?.id;
    let done = rotate::at_provider(&ctx.store, &config, &Client::new(), id, &date)?;
    println!(
        "rotated {id} at the provider; the new token expires {}",
        done.expires_at.map_or("never".into(), time::date)
    );
    Ok(())
}

fn lifetime(text: &str) -> Result<i64, Error> {
    let seconds = time::parse_duration(text)
        .map_err(|e| Error::Usage(format!("lifetime: {e}")))?
        .as_secs() as i64;
    if seconds > renew::MAX_LIFETIME {
        return Err(Error::Usage(format!(
            "lifetime: `{text}` is more than 365 days, the most GitLab allows"
        )));
    }
    Ok(seconds)
}

/// `renew [--within 7d] [--lifetime 30d] [--dry-run]`.
pub fn renew(ctx: &Context, within: &str, lifetime_text: &str, dry_run: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let within = time::parse_duration(within)
        .map_err(|e| Error::Usage(format!("within: {e}")))?
        .as_secs() as i64;
    let settings = Settings {
        within,
        lifetime: lifetime(lifetime_text)?,
        dry_run,
    };
    let steps = renew::renew(&ctx.store, &config, &settings)?;
    let (mut person, mut failed, mut refused) = (0, 0, 0);
    for step in &steps {
        match step {
            Step::Renewed { id, expires_at } => println!(
                "{} {id}: new token until {}",
                if dry_run { "would renew" } else { "renewed" },
                expires_at.map_or("-".into(), time::date)
            ),
            Step::NeedsPerson { id, why } => {
                person += 1;
                println!("needs you: {id}: {}", escape(why));
            }
            Step::Failed { id, error } => {
                if error.exit_code() == crate::error::exit::PROVIDER {
                    refused += 1;
                } else {
                    failed += 1;
                }
                eprintln!(
                    "git-credential-vouch: renew {id}: {}",
                    escape(&error.to_string().replace('\n', " "))
                );
            }
        }
    }
    if steps.is_empty() {
        println!("nothing due within {}", time::duration_words(within as u64));
    }
    if failed > 0 {
        return Err(Error::Runtime(format!(
            "renew: {failed} rotation(s) failed"
        )));
    }
    if person + refused > 0 {
        return Err(Error::Provider(format!(
            "renew: {} token(s) need a person",
            person + refused
        )));
    }
    Ok(())
}

/// `remove ID --revoke [--force]`.
pub fn remove_revoking(ctx: &Context, selector: &str, force: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let id = &selector::find(ctx, selector)?.id;
    match revoke::remove(&ctx.store, &config, &Client::new(), id, force)? {
        Removed::Revoked(host) => println!("revoked {id} at {host} and removed it"),
        Removed::Forced(why) => eprintln!(
            "git-credential-vouch: removed {id} locally, but the provider still holds the token (not revoked: {}); revoke it in the provider's web UI",
            escape(&why)
        ),
    }
    Ok(())
}
