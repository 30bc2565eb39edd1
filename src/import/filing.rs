//! Filing every line of a git-credentials file in one pass.
//!
//! The result is the one of filing the lines one by one through [`helper::file`], last line
//! first (git's store answers with the first matching line, and each filing goes to the front),
//! but without scanning the whole store for each line: generic credentials are indexed by
//! protocol, host, username and path, and `helper::file` only ever sees the few entries a line
//! can replace (and the one it must stay behind). Provider hosts are filed through
//! `helper::file` on the provider credentials alone, which are all that resolution reads.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::config::Config;
use crate::credential::Credential;
use crate::helper;
use crate::protocol::Request;
use crate::resolve;

/// Where an entry ends up: what this import filed, in file order, then what the store held,
/// in its order.
type Position = (bool, usize);

/// The entries with every line filed (in their old order when nothing changed), and how many
/// lines changed something.
pub(super) fn file_all(
    entries: Vec<Credential>,
    config: &Config,
    requests: &[Request],
    now: i64,
    tick: &dyn Fn(),
) -> (Vec<Credential>, usize) {
    let mut generic = Generic::default();
    let mut providers = Vec::new();
    let mut held: HashMap<String, Position> = HashMap::new();
    for (i, c) in entries.into_iter().enumerate() {
        if c.is_generic() {
            generic.add(c, (true, i));
        } else {
            held.insert(c.id.clone(), (true, i));
            providers.push(c);
        }
    }
    let mut added = 0;
    for (line, request) in requests.iter().enumerate().rev() {
        tick();
        let Ok(Some(new)) = helper::storable(request) else {
            continue;
        };
        let changed = if resolve::lookup(config, &request.target()).is_provider() {
            let changed = helper::file(&mut providers, config, request, new, now);
            // A new account goes to the front.
            if let Some(first) = providers.first()
                && !held.contains_key(&first.id)
            {
                held.insert(first.id.clone(), (false, line));
            }
            changed
        } else {
            generic.file(config, request, new, now, line)
        };
        added += usize::from(changed);
    }
    let mut all: Vec<(Position, Credential)> = generic.into_entries();
    all.extend(providers.into_iter().map(|c| {
        let at = held.get(&c.id).copied().unwrap_or((false, 0));
        (at, c)
    }));
    // `false` (filed now) sorts first.
    all.sort_by_key(|(at, _)| *at);
    (all.into_iter().map(|(_, c)| c).collect(), added)
}

/// The generic credentials, each in a slot that empties when a later filing replaces it. The
/// indexes hold slot numbers under a hash of their key (a collision only costs a comparison).
#[derive(Default)]
struct Generic {
    slots: Vec<(Position, Option<Credential>)>,
    keys: RandomState,
    /// Password credentials (the kind a line can replace) by protocol, host and username...
    by_user: HashMap<u64, Vec<usize>>,
    /// ...and by path too: a line with a path replaces only that path's credentials.
    by_path: HashMap<u64, Vec<usize>>,
    /// Every generic credential by protocol and host, to tell which one comes first.
    by_host: HashMap<u64, HostOrder>,
}

#[derive(Default)]
struct HostOrder {
    /// Filed by this import, most recent last.
    filed: Vec<usize>,
    /// Held before, in store order, and how many of those are known to be gone.
    held: Vec<usize>,
    held_gone: usize,
}

impl Generic {
    fn add(&mut self, c: Credential, at: Position) {
        let slot = self.slots.len();
        let host = (c.protocol.as_str(), c.host.as_str());
        let user = (host, c.username.as_deref());
        if !c.is_pre_encoded() {
            let by_user = self.keys.hash_one(user);
            let by_path = self.keys.hash_one((user, c.path.as_deref()));
            self.by_user.entry(by_user).or_default().push(slot);
            self.by_path.entry(by_path).or_default().push(slot);
        }
        let order = self.by_host.entry(self.keys.hash_one(host)).or_default();
        if at.0 {
            order.held.push(slot);
        } else {
            order.filed.push(slot);
        }
        self.slots.push((at, Some(c)));
    }

    /// The first generic credential git would see for this protocol and host.
    fn first_for_host(&mut self, request: &Request) -> Option<usize> {
        let slots = &self.slots;
        let key = self
            .keys
            .hash_one((request.protocol.as_str(), request.host.as_str()));
        let order = self.by_host.get_mut(&key)?;
        let live = |s: &usize| slots[*s].1.is_some();
        let here = |s: &usize| {
            slots[*s]
                .1
                .as_ref()
                .is_some_and(|c| c.protocol == request.protocol && c.host == request.host)
        };
        while order.filed.last().is_some_and(|s| !live(s)) {
            order.filed.pop();
        }
        if let Some(&s) = order.filed.iter().rev().find(|s| here(s)) {
            return Some(s);
        }
        while order.held.get(order.held_gone).is_some_and(|s| !live(s)) {
            order.held_gone += 1;
        }
        order.held[order.held_gone..].iter().copied().find(here)
    }

    /// The credentials `request` would replace (git's match; a path only when it has one).
    fn replaced(&mut self, request: &Request) -> Vec<usize> {
        let user = (
            (request.protocol.as_str(), request.host.as_str()),
            request.username.as_deref(),
        );
        let bucket = match &request.path {
            None => self.by_user.get_mut(&self.keys.hash_one(user)),
            Some(path) => self
                .by_path
                .get_mut(&self.keys.hash_one((user, Some(path.as_str())))),
        };
        let Some(bucket) = bucket else {
            return Vec::new();
        };
        let slots = &self.slots;
        bucket.retain(|&s| slots[s].1.is_some());
        let query = request.query();
        let replaced = |c: &Credential| !c.is_pre_encoded() && c.matches(&query);
        bucket
            .iter()
            .copied()
            .filter(|&s| slots[s].1.as_ref().is_some_and(replaced))
            .collect()
    }

    /// File one line through `helper::file`, handing it only the entries that line can concern:
    /// those it may replace, behind the first for its host. True when something changed.
    fn file(
        &mut self,
        config: &Config,
        request: &Request,
        new: Credential,
        now: i64,
        line: usize,
    ) -> bool {
        let first = self.first_for_host(request);
        let mut concerned = self.replaced(request);
        concerned.retain(|&s| Some(s) != first);
        concerned.splice(0..0, first);
        let mut taken = Vec::with_capacity(concerned.len());
        let mut entries = Vec::with_capacity(concerned.len());
        for s in concerned {
            if let Some(c) = self.slots[s].1.take() {
                taken.push((c.id.clone(), s));
                entries.push(c);
            }
        }
        let changed = helper::file(&mut entries, config, request, new, now);
        // What is left goes back to its slot; what is new is filed by this line.
        for c in entries {
            match taken.iter().find(|(id, _)| *id == c.id) {
                Some(&(_, s)) => self.slots[s].1 = Some(c),
                None => self.add(c, (false, line)),
            }
        }
        changed
    }

    fn into_entries(self) -> Vec<(Position, Credential)> {
        self.slots
            .into_iter()
            .filter_map(|(at, c)| Some((at, c?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::secret::Secret;

    /// What filing the lines one by one gives: the definition `file_all` must keep.
    fn one_by_one(entries: &mut Vec<Credential>, config: &Config, requests: &[Request]) -> usize {
        let filed = requests.iter().rev().filter_map(|r| {
            let new = helper::storable(r).ok()??;
            Some(helper::file(entries, config, r, new, 1000))
        });
        filed.filter(|&changed| changed).count()
    }

    fn request((protocol, host, user, path, password): (u8, u8, u8, u8, u8)) -> Request {
        Request {
            protocol: ["https", "http"][usize::from(protocol % 2)].into(),
            host: ["a.example", "b.example", "github.com"][usize::from(host % 3)].into(),
            username: Some(format!("u{}", user % 3)),
            path: [None, Some("o/r.git"), Some("o/s.git")][usize::from(path % 3)].map(Into::into),
            password: Some(Secret::new(format!("p{}", password % 2))),
            ..Default::default()
        }
    }

    proptest! {
        #[test]
        fn one_pass_files_like_line_by_line(
            before in prop::collection::vec(any::<(u8, u8, u8, u8, u8)>(), 0..12),
            lines in prop::collection::vec(any::<(u8, u8, u8, u8, u8)>(), 0..24),
        ) {
            let config = Config::builtin();
            let mut held = Vec::new();
            one_by_one(&mut held, &config, &before.into_iter().map(request).collect::<Vec<_>>());
            let requests: Vec<Request> = lines.into_iter().map(request).collect();
            let mut expected = held.clone();
            let expected_added = one_by_one(&mut expected, &config, &requests);
            let ids: Vec<String> = held.iter().map(|c| c.id.clone()).collect();
            let (got, added) = file_all(held, &config, &requests, 1000, &|| {});
            prop_assert_eq!(added, expected_added);
            let keep_old_ids = |entries: &[Credential]| {
                entries
                    .iter()
                    .map(|c| Credential {
                        id: if ids.contains(&c.id) { c.id.clone() } else { String::new() },
                        created: 0,
                        ..c.clone()
                    })
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(keep_old_ids(&got), keep_old_ids(&expected));
        }
    }
}
