//! Setting up, diagnosing and moving: init, rekey, doctor, import, purge, configure and
//! unconfigure.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{Context, KeyArg};
use crate::colour::Colour;
use crate::doctor::Level;
use crate::error::Error;
use crate::gitconfig::{self, Scope};
use crate::keysource::SourceKind;
use crate::store::{Create, Store};

pub(super) fn doctor(ctx: &Context, json: bool, online: bool) -> Result<(), Error> {
    let exe = current_exe()?;
    let config = ctx.config().map_err(|e| e.one_line());
    let mut checks = crate::doctor::run(&ctx.store, config.clone(), &exe);
    if online && let Ok(config) = &config {
        checks.extend(crate::doctor::online_checks(&ctx.store, config));
    }
    if json {
        println!("{}", serde_json::json!({ "version": 1, "checks": checks }));
    } else {
        let colour = crate::colour::for_stdout();
        for c in &checks {
            let (level, hue) = match c.level {
                Level::Ok => ("ok  ", Colour::Green),
                Level::Warn => ("warn", Colour::Yellow),
                Level::Fail => ("FAIL", Colour::Red),
            };
            let level = crate::colour::paint(colour, hue, level);
            println!(
                "{level}  {:<10} {}",
                c.check,
                crate::term::escape(&c.message)
            );
        }
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    if failed > 0 {
        return Err(Error::Runtime(format!("doctor: {failed} check(s) failed")));
    }
    Ok(())
}

pub(super) fn import(
    ctx: &Context,
    from: Option<PathBuf>,
    remove_source: bool,
) -> Result<(), Error> {
    let config = ctx.config()?;
    let files = match from {
        Some(file) => vec![file],
        None => crate::import::default_sources()
            .into_iter()
            .filter(|f| f.exists())
            .collect(),
    };
    if files.is_empty() {
        println!("no git-credentials files to import");
    }
    let mut skipped = Vec::new();
    for file in files {
        let report = crate::import::import(&ctx.store, &config, &file, remove_source)?;
        println!(
            "{}: {} entries, {} new or changed, {} already in the store{}",
            file.display(),
            report.entries,
            report.added,
            report.entries - report.added,
            if report.removed {
                "; plaintext file removed"
            } else if remove_source {
                "; plaintext file kept: lines were skipped"
            } else {
                ""
            }
        );
        // Diagnostics go to stderr with the error that sums them up; stdout is the report.
        for (line, why) in &report.skipped {
            eprintln!(
                "git-credential-vouch: {}: line {line} skipped: {why}",
                file.display()
            );
        }
        if !report.skipped.is_empty() {
            skipped.push(format!("{} in {}", report.skipped.len(), file.display()));
        }
    }
    crate::import::skipped(&skipped, remove_source).map_err(Error::from)
}

pub(super) fn purge(ctx: &Context, yes: bool) -> Result<(), Error> {
    if !yes {
        return Err(Error::Usage(
            "purge deletes every stored credential: run it with --yes".into(),
        ));
    }
    let config = &ctx.config_path;
    if !ctx.config_required && config.exists() {
        std::fs::remove_file(config).map_err(|source| Error::Io {
            what: format!("removing {}", config.display()),
            source,
        })?;
        println!("removed {}", config.display());
        // `instance` edits lock config.toml through this file.
        let _ = std::fs::remove_file(config.with_file_name("config.lock"));
    }
    for line in ctx.store.purge()? {
        println!("{line}");
    }
    Ok(())
}

fn current_exe() -> Result<PathBuf, Error> {
    std::env::current_exe().map_err(|source| Error::Io {
        what: "finding this program's path".into(),
        source,
    })
}

type ConfigChange = fn(
    Scope,
    &std::path::Path,
    &std::path::Path,
    &[String],
) -> Result<Vec<String>, gitconfig::Error>;

pub(super) fn git_config(ctx: &Context, scope: Scope, change: ConfigChange) -> Result<(), Error> {
    let exe = current_exe()?;
    let config = ctx.config()?;
    // Best effort: a store that is missing or locked needs no paths beyond the kinds' own.
    let entries = ctx.store.select(|_| true).unwrap_or_default();
    let mut urls = gitconfig::path_urls(&config);
    for need in gitconfig::path_needs(&config, &entries) {
        if !urls.contains(&need.url) {
            urls.push(need.url);
        }
    }
    // Lines about hosts the user has nothing on (every Azure DevOps and CodeCommit host is
    // configured in advance) are summed up in one line rather than listed.
    let mine: Vec<String> = gitconfig::path_needs(&config, &entries)
        .into_iter()
        .map(|n| n.url)
        .chain(
            config
                .instances
                .iter()
                .filter(|i| !i.builtin || entries.iter().any(|c| c.provider == i.name))
                .flat_map(|i| i.hosts.iter().map(|h| format!("https://{h}"))),
        )
        .collect();
    let mut others = 0;
    for line in change(scope, &exe, &ctx.store.paths().data_dir, &urls)? {
        let about_others = line.starts_with("set credential.")
            && !mine
                .iter()
                .any(|url| line.contains(&format!("credential.{url}.")));
        if about_others {
            others += 1;
        } else {
            println!("{line}");
        }
    }
    if others > 0 {
        println!(
            "set credential.<url>.useHttpPath for {others} more host{} whose providers tell tenants apart by path (Azure DevOps, CodeCommit); `git config --get-regexp useHttpPath` lists them",
            if others == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// After an account changed: make git send the path where vouch now needs it, in the scope
/// where vouch is configured, and say so; where vouch is not configured, say at a terminal what
/// to run. The account change itself is done: a failure here is only said.
pub(super) fn send_paths(ctx: &Context) -> Result<(), Error> {
    let config = ctx.config()?;
    let entries = ctx.store.select(|_| true)?;
    let needs = gitconfig::path_needs(&config, &entries);
    match gitconfig::ensure_http_paths(&ctx.store.paths().data_dir, &needs) {
        Ok(done) => {
            for line in done.set {
                eprintln!("git-credential-vouch: {line}");
            }
            if std::io::stderr().is_terminal() {
                for need in done.unconfigured {
                    eprintln!(
                        "git-credential-vouch: git sends no path to {} ({}): run `git credential-vouch configure`",
                        need.url, need.why
                    );
                }
            }
        }
        Err(e) => eprintln!(
            "git-credential-vouch: could not make git send the path: {}",
            crate::term::one_line(&e)
        ),
    }
    Ok(())
}

fn describe_source(kind: SourceKind, store: &Store) -> String {
    crate::keysource::open(kind, store.paths()).describe()
}

pub(super) fn init(store: &Store, key: Option<KeyArg>) -> Result<(), Error> {
    let create = key.map_or(Create::Auto, |k| Create::With(k.into()));
    let initialized = store.init(create)?;
    let (kind, created) = (initialized.source, initialized.created.is_some());
    if let Some(wanted) = key.map(SourceKind::from)
        && wanted != kind
    {
        return Err(Error::Conflict(format!(
            "the store {} already uses the {} key source; use `git credential-vouch rekey --key {}` to move it",
            store.path().display(),
            kind.name(),
            wanted.name()
        )));
    }
    let verb = if created {
        "initialized"
    } else {
        "already initialized"
    };
    println!(
        "{verb}: store {}, key source {} ({})",
        store.path().display(),
        kind.name(),
        describe_source(kind, store)
    );
    // A passphrase typed just now unlocks the new store as `unlock` would, so the next
    // command does not ask again.
    if let Some((key_id, data_key)) = &initialized.created
        && kind == SourceKind::Passphrase
        && crate::keysource::kernel_cache::EXISTS
    {
        let seconds = super::unlock::default_seconds();
        match crate::keysource::kernel_cache::put(key_id, data_key, seconds) {
            Ok(()) => println!(
                "  unlocked for {} (`git credential-vouch lock` locks it now)",
                crate::time::duration_words(seconds)
            ),
            Err(why) => println!("  not unlocked: {why}; run `git credential-vouch unlock`"),
        }
    }
    if created {
        if key.is_none() {
            println!(
                "  chosen because no --key was given: the OS keyring when one answers, else a key file (`init --key passphrase` for a passphrase)"
            );
        }
        println!(
            "next: `git credential-vouch configure` (git asks vouch first), then `git credential-vouch add PROVIDER` with a token on stdin"
        );
    }
    Ok(())
}

pub(super) fn rekey(store: &Store, kind: SourceKind) -> Result<(), Error> {
    match store.rekey(kind)? {
        None => Err(Error::NotFound(format!(
            "no store at {}: run `git credential-vouch init` first",
            store.path().display()
        ))),
        Some((old, _)) if old == kind => {
            println!("the store already uses the {} key source", kind.name());
            Ok(())
        }
        Some((old, left)) => {
            println!(
                "moved the store key from {} to {} ({})",
                old.name(),
                kind.name(),
                describe_source(kind, store)
            );
            match left {
                None => println!("deleted the old key from {}", describe_source(old, store)),
                Some(why) => println!("warning: the old key could not be deleted: {why}"),
            }
            Ok(())
        }
    }
}
