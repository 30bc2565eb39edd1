//! What the agent answers, decided at the agent and never in the box: only peers of the allowed
//! uids, only `get` unless `--allow-store`, only hosts and owners `--allow` names, and with
//! `--confirm` only after the person at the agent's terminal said yes once for that
//! host/owner.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::sync::Mutex;

use crate::provider::HostPattern;
use crate::term::escape;

/// The helper action a connection asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Get,
    Store,
    Erase,
}

impl Action {
    pub fn parse(word: &str) -> Option<Action> {
        match word {
            "get" => Some(Action::Get),
            "store" => Some(Action::Store),
            "erase" => Some(Action::Erase),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::Store => "store",
            Action::Erase => "erase",
        }
    }
}

/// One `--allow` pattern: a host pattern (as in config.toml: `*` is one whole DNS label, a port
/// must match), optionally with the repository owner, the first segment of the path.
#[derive(Debug, Clone)]
pub struct Allow {
    host: HostPattern,
    owner: Option<String>,
}

impl Allow {
    pub fn parse(text: &str) -> Result<Allow, String> {
        let bad = |why: &str| format!("--allow {}: {why}", escape(text));
        let (host, owner) = match text.split_once('/') {
            Some((host, owner)) => (host, Some(owner)),
            None => (text, None),
        };
        if let Some(owner) = owner
            && (owner.is_empty()
                || owner.contains(['/', '*'])
                || owner.chars().any(char::is_control))
        {
            return Err(bad(
                "expected HOST or HOST/OWNER (one owner, no wildcard), e.g. github.com/acme",
            ));
        }
        let host = HostPattern::parse(host).ok_or_else(|| {
            bad("not a host pattern (e.g. github.com, *.corp.example, git.example:8443)")
        })?;
        Ok(Allow {
            host,
            owner: owner.map(str::to_owned),
        })
    }

    fn permits(&self, host: &str, owner: Option<&str>) -> bool {
        self.host.matches(host)
            && self
                .owner
                .as_deref()
                .is_none_or(|want| owner.is_some_and(|o| o.eq_ignore_ascii_case(want)))
    }

    fn needs_owner(&self, host: &str) -> bool {
        self.owner.is_some() && self.host.matches(host)
    }
}

/// The owner git's path names: its first segment (`acme` in `acme/app.git`).
pub fn owner_of(path: Option<&str>) -> Option<&str> {
    path?
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

pub struct Policy {
    /// The agent's own uid first, then `--allow-uid`.
    pub uids: Vec<u32>,
    pub allow_store: bool,
    /// Empty: every host.
    pub allow: Vec<Allow>,
    pub confirm: Option<Confirm>,
}

impl Policy {
    /// One line for the agent's start: what it serves.
    pub fn describe(&self) -> String {
        let uids: Vec<String> = self.uids.iter().map(u32::to_string).collect();
        let mut text = format!("uid {}", uids.join(", "));
        text += if self.allow_store {
            "; get, store, erase"
        } else {
            "; get only"
        };
        if !self.allow.is_empty() {
            let hosts: Vec<String> = self.allow.iter().map(Allow::text).collect();
            text += &format!("; only {}", hosts.join(", "));
        }
        if self.confirm.is_some() {
            text += "; confirm each host/owner";
        }
        text
    }

    pub fn peer(&self, uid: u32) -> Result<(), String> {
        if self.uids.contains(&uid) {
            Ok(())
        } else {
            Err(format!("uid {uid} is not allowed (--allow-uid adds one)"))
        }
    }

    /// Whether `action` on `host` (with git's `path`) may be served at all.
    pub fn request(&self, action: &Action, host: &str, path: Option<&str>) -> Result<(), String> {
        if *action != Action::Get && !self.allow_store {
            return Err(format!(
                "{} from the forwarded side needs the agent to run with --allow-store",
                action.as_str()
            ));
        }
        if self.allow.is_empty() {
            return Ok(());
        }
        let owner = owner_of(path);
        if self.allow.iter().any(|a| a.permits(host, owner)) {
            return Ok(());
        }
        if owner.is_none() && self.allow.iter().any(|a| a.needs_owner(host)) {
            return Err(format!(
                "{} is allowed for some owners only, and git sent no path (set credential.https://{}.useHttpPath true in the box)",
                escape(host),
                escape(host)
            ));
        }
        Err(format!("{} is not in --allow", place(host, owner)))
    }
}

impl Allow {
    fn text(&self) -> String {
        match &self.owner {
            Some(owner) => format!("{}/{}", self.host.as_str(), escape(owner)),
            None => self.host.as_str().to_owned(),
        }
    }
}

/// `host` or `host/owner`, escaped for a log line or a terminal.
pub fn place(host: &str, owner: Option<&str>) -> String {
    match owner {
        Some(owner) => format!("{}/{}", escape(host), escape(owner)),
        None => escape(host),
    }
}

/// Asks the person once per host/owner per agent session.
pub struct Confirm {
    confirmed: Mutex<HashSet<String>>,
    /// One question at a time on one terminal.
    asking: Mutex<()>,
    ask: Box<dyn Fn(&str) -> bool + Send + Sync>,
}

impl Confirm {
    /// Asking at the agent's controlling terminal; `None` when it has none.
    pub fn at_terminal() -> Option<Confirm> {
        terminal().ok()?;
        Some(Confirm::with(Box::new(|question| {
            ask_terminal(question).unwrap_or(false)
        })))
    }

    pub fn with(ask: Box<dyn Fn(&str) -> bool + Send + Sync>) -> Confirm {
        Confirm {
            confirmed: Mutex::new(HashSet::new()),
            asking: Mutex::new(()),
            ask,
        }
    }

    /// Ok when the person said yes to this host/owner, now or earlier in this session.
    pub fn check(&self, host: &str, path: Option<&str>, peer: &str) -> Result<(), String> {
        let owner = owner_of(path);
        let key = format!("{host}/{}", owner.unwrap_or("").to_ascii_lowercase());
        let known = |c: &Self| c.confirmed.lock().is_ok_and(|set| set.contains(&key));
        if known(self) {
            return Ok(());
        }
        let _turn = self
            .asking
            .lock()
            .map_err(|_| "the terminal is not usable")?;
        // Someone may have said yes while this request waited its turn.
        if known(self) {
            return Ok(());
        }
        let question = format!(
            "git-credential-vouch agent: answer {} for {peer}? [y/N] ",
            place(host, owner)
        );
        if !(self.ask)(&question) {
            return Err("not confirmed at the agent's terminal".into());
        }
        if let Ok(mut set) = self.confirmed.lock() {
            set.insert(key);
        }
        Ok(())
    }
}

fn terminal() -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
}

fn ask_terminal(question: &str) -> std::io::Result<bool> {
    let mut tty = terminal()?;
    tty.write_all(question.as_bytes())?;
    tty.flush()?;
    let mut line = String::new();
    BufReader::new(tty.try_clone()?).read_line(&mut line)?;
    let yes = matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes");
    writeln!(tty, "{}", if yes { "answered" } else { "refused" })?;
    Ok(yes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn policy(allow: &[&str], allow_store: bool) -> Policy {
        Policy {
            uids: vec![1000, 2000],
            allow_store,
            allow: allow.iter().map(|a| Allow::parse(a).unwrap()).collect(),
            confirm: None,
        }
    }

    #[test]
    fn peers_of_the_listed_uids_only() {
        let p = policy(&[], false);
        assert!(p.peer(1000).is_ok() && p.peer(2000).is_ok());
        assert!(p.peer(0).unwrap_err().contains("uid 0 is not allowed"));
    }

    #[test]
    fn store_and_erase_need_allow_store() {
        let p = policy(&[], false);
        assert!(p.request(&Action::Get, "a.example", None).is_ok());
        for action in [Action::Store, Action::Erase] {
            let why = p.request(&action, "a.example", None).unwrap_err();
            assert!(why.contains("--allow-store"), "{why}");
            assert!(
                policy(&[], true)
                    .request(&action, "a.example", None)
                    .is_ok()
            );
        }
    }

    #[test]
    fn allow_patterns_limit_hosts_and_owners() {
        let p = policy(
            &["github.com/acme", "*.corp.example", "git.example:8443"],
            false,
        );
        let ok = |host, path| p.request(&Action::Get, host, path).is_ok();
        assert!(ok("github.com", Some("acme/app.git")));
        assert!(ok("github.com", Some("ACME/app.git")));
        assert!(!ok("github.com", Some("other/app.git")));
        assert!(ok("git.corp.example", None));
        assert!(!ok("a.b.corp.example", None));
        assert!(!ok("corp.example", None));
        assert!(ok("git.example:8443", None));
        assert!(!ok("git.example", None));
        let why = p.request(&Action::Get, "gitlab.com", None).unwrap_err();
        assert!(why.contains("gitlab.com is not in --allow"), "{why}");
        let why = p.request(&Action::Get, "github.com", None).unwrap_err();
        assert!(why.contains("useHttpPath"), "{why}");
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "",
            "github.com/",
            "github.com/a/b",
            "github.com/*",
            "a..b",
            "a:0",
        ] {
            assert!(Allow::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn owner_is_the_first_path_segment() {
        assert_eq!(owner_of(Some("acme/app.git")), Some("acme"));
        assert_eq!(owner_of(Some("/acme/app.git")), Some("acme"));
        assert_eq!(owner_of(Some("")), None);
        assert_eq!(owner_of(None), None);
    }

    #[test]
    fn confirm_asks_once_per_host_and_owner_and_asks_again_after_no() {
        let asked = Arc::new(AtomicUsize::new(0));
        let says_yes = Arc::new(Mutex::new(true));
        let (a, y) = (asked.clone(), says_yes.clone());
        let confirm = Confirm::with(Box::new(move |q| {
            assert!(q.contains("pid 7"), "{q}");
            a.fetch_add(1, Ordering::SeqCst);
            *y.lock().unwrap()
        }));
        assert!(
            confirm
                .check("github.com", Some("acme/a.git"), "pid 7")
                .is_ok()
        );
        assert!(
            confirm
                .check("github.com", Some("Acme/b.git"), "pid 7")
                .is_ok()
        );
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        *says_yes.lock().unwrap() = false;
        assert!(
            confirm
                .check("github.com", Some("other/a.git"), "pid 7")
                .is_err()
        );
        assert!(
            confirm
                .check("github.com", Some("other/a.git"), "pid 7")
                .is_err()
        );
        assert_eq!(asked.load(Ordering::SeqCst), 3);
    }
}
