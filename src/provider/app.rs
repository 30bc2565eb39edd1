//! A GitHub App as vouch keeps it: its ID, the permissions each minted token asks for, and
//! where its private key is (in the store, as the credential's secret, or in OpenBao's transit
//! engine, which signs without the key ever reaching this machine).
//!
//! Stored as a short text (one optional store field): `v1`, then `id=`, `key=` and
//! `permissions=` lines. Everything here is checked where it is parsed, so a value from the
//! store or the command line cannot reach a URL or a JSON body unchecked.

use std::collections::BTreeMap;

/// What a minted token may do with one permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Admin,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "read" => Level::Read,
            "write" => Level::Write,
            "admin" => Level::Admin,
            _ => return None,
        })
    }
}

/// Where the App's private key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppKey {
    /// In the store: the credential's secret holds the PEM.
    Stored,
    /// In OpenBao's transit engine: `openbao:MOUNT/NAME` signs.
    Transit { mount: String, name: String },
}

impl AppKey {
    /// `openbao:transit/NAME` (the mount may have several segments: `openbao:team/transit/NAME`).
    pub fn parse(s: &str) -> Result<AppKey, String> {
        let path = s.strip_prefix("openbao:").ok_or_else(|| {
            "give openbao:MOUNT/KEYNAME (e.g. openbao:transit/my-app), or --private-key-stdin"
                .to_owned()
        })?;
        let (mount, name) = path
            .rsplit_once('/')
            .ok_or_else(|| "openbao:MOUNT/KEYNAME names a mount and a key".to_owned())?;
        if !mount.split('/').all(is_name) || !is_name(name) {
            return Err(
                "mount and key names are letters, digits, `-`, `_` and `.` (not `.` or `..`)"
                    .to_owned(),
            );
        }
        Ok(AppKey::Transit {
            mount: mount.to_owned(),
            name: name.to_owned(),
        })
    }

    pub fn describe(&self) -> String {
        match self {
            AppKey::Stored => "stored (encrypted)".to_owned(),
            AppKey::Transit { mount, name } => format!("openbao:{mount}/{name}"),
        }
    }
}

/// A path segment OpenBao, GitHub and a URL take as it is: letters, digits, `-`, `_`, `.`.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A GitHub App whose installation tokens vouch mints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: u64,
    /// Asked for each token; empty: what the installation has.
    pub permissions: BTreeMap<String, Level>,
    pub key: AppKey,
}

/// At most this many permissions; GitHub has about forty.
const MAX_PERMISSIONS: usize = 64;

impl App {
    /// `--app-id`: GitHub's numeric App ID.
    pub fn parse_id(s: &str) -> Result<u64, String> {
        s.parse::<u64>()
            .ok()
            .filter(|&id| id > 0 && s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| "the App ID is a number (the App's settings page shows it)".to_owned())
    }

    /// `contents=write,pull_requests=read`; `""`: none asked (the installation's).
    pub fn parse_permissions(s: &str) -> Result<BTreeMap<String, Level>, String> {
        let mut out = BTreeMap::new();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, level) = pair
                .split_once('=')
                .ok_or_else(|| "give NAME=LEVEL pairs, e.g. contents=write".to_owned())?;
            let valid_name = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !valid_name {
                return Err(
                    "a permission's name is lowercase letters and `_`, e.g. pull_requests"
                        .to_owned(),
                );
            }
            let level = Level::parse(level)
                .ok_or_else(|| format!("{name}: the level is read, write or admin"))?;
            if out.insert(name.to_owned(), level).is_some() {
                return Err(format!("{name} is given twice"));
            }
        }
        if out.len() > MAX_PERMISSIONS {
            return Err(format!("at most {MAX_PERMISSIONS} permissions"));
        }
        Ok(out)
    }

    /// The permissions as names and level names (`{"contents": "write"}` in JSON).
    pub fn levels(&self) -> BTreeMap<&str, &'static str> {
        self.permissions
            .iter()
            .map(|(n, l)| (n.as_str(), l.name()))
            .collect()
    }

    /// `contents=write,pull_requests=read`, the form `--permissions` takes.
    pub fn permissions_text(&self) -> String {
        self.permissions
            .iter()
            .map(|(n, l)| format!("{n}={}", l.name()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The store's text for this App.
    pub fn encode(&self) -> String {
        let key = match &self.key {
            AppKey::Stored => "stored".to_owned(),
            transit => transit.describe(),
        };
        format!(
            "v1\nid={}\nkey={key}\npermissions={}",
            self.id,
            self.permissions_text()
        )
    }

    /// [`App::encode`]'s text back; a reason when it is not that.
    pub fn decode(text: &str) -> Result<App, &'static str> {
        let mut lines = text.split('\n');
        if lines.next() != Some("v1") {
            return Err("unknown GitHub App record version");
        }
        let (mut id, mut key, mut permissions) = (None, None, None);
        for line in lines {
            match line.split_once('=') {
                Some(("id", v)) => id = App::parse_id(v).ok(),
                Some(("key", "stored")) => key = Some(AppKey::Stored),
                Some(("key", v)) => key = AppKey::parse(v).ok(),
                Some(("permissions", v)) => permissions = App::parse_permissions(v).ok(),
                // A later version's field: skipped, as optional store fields are.
                _ => {}
            }
        }
        Ok(App {
            id: id.ok_or("bad GitHub App ID")?,
            key: key.ok_or("bad GitHub App key")?,
            permissions: permissions.ok_or("bad GitHub App permissions")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_round_trip_through_the_store_text() {
        let app = App {
            id: 123456,
            permissions: App::parse_permissions("contents=write, pull_requests=read").unwrap(),
            key: AppKey::parse("openbao:team/transit/my-app").unwrap(),
        };
        assert_eq!(
            app.encode(),
            "v1\nid=123456\nkey=openbao:team/transit/my-app\npermissions=contents=write,pull_requests=read"
        );
        assert_eq!(App::decode(&app.encode()).unwrap(), app);
        let stored = App {
            id: 1,
            permissions: BTreeMap::new(),
            key: AppKey::Stored,
        };
        assert_eq!(App::decode(&stored.encode()).unwrap(), stored);
        assert!(App::decode("v2\nid=1").is_err());
        assert!(App::decode("v1\nid=x\nkey=stored\npermissions=").is_err());
    }

    #[test]
    fn bad_values_are_refused_before_they_reach_a_url() {
        for bad in ["", "0", "-1", "+5", "12a", "99999999999999999999999"] {
            assert!(App::parse_id(bad).is_err(), "{bad:?}");
        }
        assert_eq!(App::parse_id("42"), Ok(42));
        for bad in [
            "contents",
            "contents=maybe",
            "Contents=read",
            "contents=read,contents=write",
            "a/b=read",
        ] {
            assert!(App::parse_permissions(bad).is_err(), "{bad:?}");
        }
        assert!(App::parse_permissions("").unwrap().is_empty());
        for bad in [
            "transit/k",
            "openbao:k",
            "openbao:transit/",
            "openbao:transit/../k",
            "openbao:tr ansit/k",
            "openbao:transit/k?x=1",
            "openbao:/k",
        ] {
            assert!(AppKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
