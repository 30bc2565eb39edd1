//! The agent's log: one line per forwarded request, never a secret. Time, the peer's pid and
//! uid, the action, host and path, and what was done: answered (with the username answered),
//! refused and why, or failed. In `$XDG_STATE_HOME/git-credential-vouch/agent.log`, 0600.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::term::escape;

pub struct Log {
    file: Mutex<File>,
}

/// `$XDG_STATE_HOME/git-credential-vouch/agent.log` (`~/.local/state/...` without it).
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "git-credential-vouch")?;
    let dir = dirs.state_dir().unwrap_or(dirs.data_dir());
    Some(dir.join("agent.log"))
}

impl Log {
    /// Open for appending, creating the file 0600 (and its directory 0700); an existing file
    /// others could read is made 0600.
    pub fn open(path: &Path) -> std::io::Result<Log> {
        if let Some(dir) = path.parent() {
            crate::durable::ensure_private_dir(dir)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(0o600);
            let file = options.open(path)?;
            if file.metadata()?.permissions().mode() & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(Log {
                file: Mutex::new(file),
            })
        }
        #[cfg(not(unix))]
        Ok(Log {
            file: Mutex::new(options.open(path)?),
        })
    }

    /// Append `record` as one line (written whole, so concurrent lines never interleave).
    pub fn write(&self, record: &Record) {
        let line = record.line(crate::credential::unix_now());
        let written = match self.file.lock() {
            Ok(mut file) => file.write_all(line.as_bytes()),
            Err(_) => return,
        };
        if let Err(e) = written {
            super::say(&format!("the log could not be written: {e}"));
        }
    }
}

/// What happened to one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `get` answered; the username (or `authtype`) answered, never the secret.
    Answered(Option<String>),
    /// `get` found nothing to answer.
    #[default]
    Nothing,
    /// `store` or `erase` done.
    Done,
    Refused(String),
    Failed(String),
}

/// One request, as the log shows it.
#[derive(Debug, Default, Clone)]
pub struct Record {
    pub pid: Option<i32>,
    pub uid: Option<u32>,
    pub action: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub outcome: Outcome,
}

impl Record {
    pub fn line(&self, now: i64) -> String {
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let outcome = match &self.outcome {
            Outcome::Answered(Some(who)) => format!("answered {who}"),
            Outcome::Answered(None) => "answered".into(),
            Outcome::Nothing => "no answer: nothing matched".into(),
            Outcome::Done => "done".into(),
            Outcome::Refused(why) => format!("refused: {}", one_line(why)),
            Outcome::Failed(why) => format!("failed: {}", one_line(why)),
        };
        format!(
            "{} pid={} uid={} action={} host={} path={} {outcome}\n",
            crate::time::datetime(now),
            or_dash(self.pid.map(|p| p.to_string())),
            or_dash(self.uid.map(|u| u.to_string())),
            or_dash(self.action.as_deref().map(value)),
            or_dash(self.host.as_deref().map(value)),
            or_dash(self.path.as_deref().map(value)),
        )
    }
}

/// A field value: escaped, and quoted when it could be read as more than one field.
fn value(text: &str) -> String {
    let escaped = escape(text);
    if escaped.is_empty() || escaped.contains([' ', '"', '=']) {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        escaped
    }
}

fn one_line(text: &str) -> String {
    escape(&text.replace('\n', " "))
}

/// The username (or authtype) in `get`'s answer, for the log.
pub fn answered_as(answer: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(answer).ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| format!("{key}{}", value(v)))
    };
    field("username=").or_else(|| field("authtype="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_holds_every_field_and_no_secret() {
        let record = Record {
            pid: Some(42),
            uid: Some(1000),
            action: Some("get".into()),
            host: Some("github.com".into()),
            path: Some("acme/my app.git".into()),
            outcome: Outcome::Answered(answered_as(b"username=alice\npassword=hunter2\n")),
        };
        let line = record.line(0);
        assert_eq!(
            line,
            "1970-01-01T00:00:00Z pid=42 uid=1000 action=get host=github.com \
             path=\"acme/my app.git\" answered username=alice\n"
        );
        assert!(!line.contains("hunter2"));
    }

    #[test]
    fn refusals_and_missing_fields() {
        let record = Record {
            uid: Some(65534),
            outcome: Outcome::Refused("uid 65534 is not allowed\n(x)".into()),
            ..Default::default()
        };
        assert_eq!(
            record.line(0),
            "1970-01-01T00:00:00Z pid=- uid=65534 action=- host=- path=- \
             refused: uid 65534 is not allowed (x)\n"
        );
        assert_eq!(
            answered_as(b"capability[]=authtype\nauthtype=Bearer\ncredential=tok\n").as_deref(),
            Some("authtype=Bearer")
        );
        assert_eq!(value("a\x1bb"), "a\\x1bb");
    }
}
