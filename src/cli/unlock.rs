//! unlock, lock, status and passwd: the kernel key cache and the passphrase. The cache is
//! Linux-only: elsewhere `unlock` and `lock` say so and what works instead.

use super::Context;
use crate::error::Error;
use crate::keysource::{self, KeySource, PassphraseSource, SourceKind, kernel_cache};
use crate::store::format::Header;

/// How long `unlock` keeps the key when `--for` is not given.
const DEFAULT_UNLOCK: &str = "15m";

/// `unlock`'s default duration in seconds.
pub(super) fn default_seconds() -> u64 {
    crate::time::parse_duration(DEFAULT_UNLOCK)
        .expect("a valid default")
        .as_secs()
}

fn header(ctx: &Context) -> Result<Header, Error> {
    ctx.store.inspect()?.ok_or_else(|| {
        Error::NotFound(format!(
            "no store at {}: run `git credential-vouch init` first",
            ctx.store.path().display()
        ))
    })
}

fn key_error(ctx: &Context, source: keysource::Error) -> Error {
    Error::from(crate::store::Error::Key {
        path: ctx.store.path(),
        source,
    })
}

pub(super) fn unlock(ctx: &Context, duration: Option<&str>) -> Result<(), Error> {
    let seconds = crate::time::parse_duration(duration.unwrap_or(DEFAULT_UNLOCK))
        .map_err(|e| Error::Usage(format!("--for: {e}")))?
        .as_secs()
        .max(1);
    let header = header(ctx)?;
    let aad = Header::wrap_aad(&header.key_id, header.source);
    let key = match header.source {
        SourceKind::File => {
            println!("the store's key is a key file: there is nothing to unlock");
            return Ok(());
        }
        // Nothing to fill (macOS, Windows): say what works instead, before asking anything.
        source if !kernel_cache::EXISTS => return without_cache(source),
        SourceKind::Passphrase => {
            let pass = PassphraseSource::ask_current().map_err(|e| key_error(ctx, e))?;
            PassphraseSource::unwrap_with(&pass, &header.wrapped, &aad)
        }
        SourceKind::Keyring => {
            keysource::KeyringSource::platform().unwrap(&header.key_id, &header.wrapped, &aad)
        }
    }
    .map_err(|e| key_error(ctx, e))?;
    kernel_cache::put(&header.key_id, &key, seconds).map_err(|why| {
        Error::Runtime(format!("unlock: {why}; nothing is cached (see `doctor`)"))
    })?;
    println!(
        "unlocked for {} (key cached in the kernel keyring)",
        crate::time::duration_words(seconds)
    );
    Ok(())
}

/// `unlock` where the key cache does not exist.
fn without_cache(source: SourceKind) -> Result<(), Error> {
    let why = kernel_cache::LINUX_ONLY;
    if source == SourceKind::Keyring {
        println!("nothing to unlock: {why}; every get reads the key from the OS keyring");
        return Ok(());
    }
    Err(Error::Runtime(format!(
        "unlock: {why}, so nothing can keep a passphrase store unlocked for git here; `git credential-vouch rekey --key keyring` moves the key to the OS keyring"
    )))
}

pub(super) fn lock(ctx: &Context) -> Result<(), Error> {
    let header = header(ctx)?;
    if !kernel_cache::EXISTS {
        println!(
            "nothing to lock: {}, so no key is ever cached here",
            kernel_cache::LINUX_ONLY
        );
    } else if kernel_cache::drop_key(&header.key_id) {
        println!("locked: the cached key was dropped from the kernel keyring");
    } else {
        println!("already locked: no key was cached");
    }
    Ok(())
}

pub(super) fn status(ctx: &Context) -> Result<(), Error> {
    let header = header(ctx)?;
    println!("key source: {}", header.source.name());
    if header.source == SourceKind::File {
        println!("state: no lock (key file)");
        return Ok(());
    }
    match kernel_cache::time_left(&header.key_id) {
        Some(left) => println!(
            "state: unlocked, {} left",
            crate::time::duration_words(left)
        ),
        None if header.source == SourceKind::Passphrase && !kernel_cache::EXISTS => {
            println!("state: locked, and nothing can unlock it for git here (see `unlock`)")
        }
        None if header.source == SourceKind::Passphrase => {
            println!("state: locked (run `git credential-vouch unlock`)")
        }
        None => println!("state: not cached (the next get reads the OS keyring)"),
    }
    if let Some(why) = kernel_cache::refused() {
        println!("kernel key cache: unavailable: {why}");
    }
    Ok(())
}

pub(super) fn passwd(ctx: &Context) -> Result<(), Error> {
    let header = header(ctx)?;
    if header.source != SourceKind::Passphrase {
        return Err(Error::Conflict(format!(
            "the store uses the {} key source, not a passphrase: use `git credential-vouch rekey --key passphrase`",
            header.source.name()
        )));
    }
    let old = PassphraseSource::ask_current().map_err(|e| key_error(ctx, e))?;
    ctx.store.passwd(&old)?;
    println!("the passphrase was changed; the store's entries are untouched");
    Ok(())
}

/// git's actions never ask for a passphrase; management commands ask on a terminal; the
/// commands that exist to take a passphrase also read it from stdin when that is not a
/// terminal (scripts: `printf '%s\n' "$PASS" | git credential-vouch unlock`).
pub(super) fn allow_asking(command: &super::Command) {
    use super::Command as C;
    use keysource::passphrase::{Ask, set_ask};
    set_ask(match command {
        C::Get | C::Store | C::Erase => Ask::Never,
        C::Unlock { .. } | C::Passwd | C::Init { .. } | C::Rekey { .. } => Ask::TerminalOrStdin,
        _ => Ask::Terminal,
    });
}
