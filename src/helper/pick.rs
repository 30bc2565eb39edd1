//! A tie among accounts that nothing decides: a person at the terminal picks one, and the pick
//! is remembered for the repository's owner so the next fetch does not ask; without a person,
//! one stderr line says why nothing was answered and how to choose. Never a silent guess.

use std::io::{BufRead, BufReader, Write};

use crate::config::Config;
use crate::credential::Credential;
use crate::resolve::HOW_TO_CHOOSE;
use crate::store::{Create, Store};
use crate::term::escape;
use crate::time;

/// How many times a person may mistype before the picker gives up.
const TRIES: usize = 3;

/// One line of the picker or the stderr notice: account, label, scope, expiry and ID.
fn describe(c: &Credential) -> String {
    let mut text = escape(c.display_account());
    if let Some(label) = &c.label {
        text += &format!(" ({})", escape(label));
    }
    text += &match &c.scope {
        Some(scope) => format!(", repo {}", escape(scope)),
        None => ", host-wide".to_owned(),
    };
    if let Some(expiry) = c.password_expiry_utc {
        text += &format!(", expires {}", time::date(expiry));
    }
    text + &format!(", ID {}", c.id)
}

/// Ask the person at the terminal which of `tied` answers `url`; `None` when nobody is there
/// or nothing valid was chosen. `owner`: what the pick will be remembered for (`""`: the host).
pub fn ask(url: &str, owner: &str, tied: &[&Credential]) -> Option<usize> {
    let mut tty = crate::term::person()?;
    let mut reader = BufReader::new(tty.try_clone().ok()?);
    let place = if owner.is_empty() {
        "every repository of this host (git sends no path here)".to_owned()
    } else {
        format!("`{}`", escape(owner))
    };
    let mut menu = format!(
        "git-credential-vouch: {} accounts can answer for {}:\n",
        tied.len(),
        escape(url)
    );
    for (n, c) in tied.iter().enumerate() {
        menu += &format!("  {}) {}\n", n + 1, describe(c));
    }
    menu += &format!("The choice is remembered for {place}.\n");
    tty.write_all(menu.as_bytes()).ok()?;
    for _ in 0..TRIES {
        write!(tty, "Account [1-{}, Enter for none]: ", tied.len()).ok()?;
        tty.flush().ok()?;
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        match line.parse::<usize>() {
            Ok(n) if (1..=tied.len()).contains(&n) => {
                let _ = writeln!(
                    tty,
                    "Using {}; remembered for {place} (`git credential-vouch forget` undoes it).",
                    escape(tied[n - 1].display_account())
                );
                return Some(n - 1);
            }
            _ => writeln!(tty, "Type a number from 1 to {}.", tied.len()).ok()?,
        }
    }
    None
}

/// Remember that `id` answers for `owner` on its instance: the owner moves to it from any other
/// credential of the same instance and host. Written under the store lock; no network.
pub fn remember(
    store: &Store,
    config: &Config,
    id: &str,
    owner: &str,
) -> Result<(), crate::store::Error> {
    crate::allowed::update(store, config, Create::Never, |opened| {
        (assign(&mut opened.entries, id, owner), ())
    })?;
    Ok(())
}

/// Make `id` the pick for `owner`: the owner moves to it from any other credential of the same
/// instance and host. False when `id` is not among `entries`.
pub fn assign(entries: &mut [Credential], id: &str, owner: &str) -> bool {
    let Some(place) = entries
        .iter()
        .find(|c| c.id == id)
        .map(|c| (c.provider.clone(), c.host.clone()))
    else {
        return false;
    };
    for c in entries
        .iter_mut()
        .filter(|c| (&c.provider, &c.host) == (&place.0, &place.1))
    {
        c.chosen_for.retain(|o| !o.eq_ignore_ascii_case(owner));
        if c.id == id {
            c.chosen_for.push(owner.to_owned());
        }
    }
    true
}

/// Said on stderr when no person can pick: which accounts tie, and how to choose.
pub fn say_why_nothing(url: &str, tied: &[&Credential]) {
    let names: Vec<String> = tied
        .iter()
        .map(|c| format!("{} [{}]", escape(c.display_account()), c.id))
        .collect();
    eprintln!(
        "git-credential-vouch: nothing answered for {}: {} accounts can answer ({}) and none is the default; {HOW_TO_CHOOSE}",
        escape(url),
        tied.len(),
        names.join(", ")
    );
}
