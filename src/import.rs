//! `import`: move credentials out of git's plaintext store files into the encrypted store.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::Config;
use crate::credential::{Credential, normalize_host, unix_now};
use crate::error::Error;
use crate::helper;
use crate::protocol::Request;
use crate::secret::Secret;
use crate::store::{Create, Store};

/// git's own store files, in the order git's `store` helper reads them.
pub fn default_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        files.push(Path::new(&home).join(".git-credentials"));
    }
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")));
    if let Some(dir) = xdg {
        files.push(dir.join("git/credentials"));
    }
    files
}

#[derive(Debug, Default)]
pub struct Report {
    pub file: PathBuf,
    pub entries: usize,
    pub added: usize,
    /// Line numbers git itself would ignore, with why (never the line).
    pub skipped: Vec<(usize, &'static str)>,
    pub removed: bool,
}

/// One line of a git-credentials file as the request git would have sent with `store`.
fn parse_line(line: &str) -> Result<Request, &'static str> {
    let mut ctx = gix_credentials::protocol::Context::from_url(line, Default::default());
    // The error text would quote the URL, password included: never pass it on.
    let parsed = ctx
        .destructure_url_in_place(true)
        .map(|_| ())
        .map_err(|_| "not a URL");
    let password = ctx.password.take().map(Secret::new);
    parsed?;
    let (Some(protocol), Some(host)) = (ctx.protocol.take(), ctx.host.take()) else {
        return Err("no protocol or host");
    };
    let (Some(username), Some(password)) = (ctx.username.take(), password) else {
        return Err("no username or password");
    };
    if password.has_line_breaking_bytes() || username.contains(['\n', '\r', '\0']) {
        return Err("a line break or NUL in the credential");
    }
    Ok(Request {
        protocol,
        host: normalize_host(&host),
        path: ctx
            .path
            .take()
            .map(|p| p.to_string())
            .filter(|p| !p.is_empty()),
        username: Some(username),
        password: Some(password),
        ..Default::default()
    })
}

/// Import `file`. With `remove_source`, the file is deleted only after every entry was read
/// back from the encrypted store.
pub fn import(
    store: &Store,
    config: &Config,
    file: &Path,
    remove_source: bool,
) -> Result<Report, Error> {
    let text = Zeroizing::new(std::fs::read_to_string(file).map_err(|source| Error::Io {
        what: format!("reading {}", file.display()),
        source,
    })?);
    let mut report = Report {
        file: file.to_path_buf(),
        ..Default::default()
    };
    let mut requests = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(request) => requests.push(request),
            Err(why) => report.skipped.push((i + 1, why)),
        }
    }
    report.entries = requests.len();
    let now = unix_now();
    let added = store.update(Create::Auto, |opened| {
        let mut added = 0;
        // git's store helper answers with the first matching line; new entries go first, so
        // filing in reverse keeps that line first here too.
        for request in requests.iter().rev() {
            if let Ok(Some(new)) = helper::storable(request)
                && helper::file(&mut opened.entries, config, request, new, now)
            {
                added += 1;
            }
        }
        (added > 0, added)
    })?;
    report.added = added.unwrap_or(0);
    if remove_source {
        let stored = store.select(|_| true)?;
        let missing = requests.iter().filter(|r| !holds(&stored, r)).count();
        if missing > 0 {
            return Err(Error::Runtime(format!(
                "{missing} entries of {} could not be read back from the store; the file was kept",
                file.display()
            )));
        }
        std::fs::remove_file(file).map_err(|source| Error::Io {
            what: format!("removing {}", file.display()),
            source,
        })?;
        report.removed = true;
    }
    Ok(report)
}

/// Whether the store holds this request's secret for its host.
fn holds(stored: &[Credential], request: &Request) -> bool {
    stored
        .iter()
        .any(|c| c.password == request.password && (c.host.is_empty() || c.host == request.host))
}

#[cfg(test)]
mod tests {
    use super::parse_line;

    #[test]
    fn lines_are_parsed_like_git_does() {
        let r = parse_line("https://alice:p%40ss%3Aw0rd@Example.com:8443/o/r.git").unwrap();
        assert_eq!(r.protocol, "https");
        assert_eq!(r.host, "example.com:8443");
        assert_eq!(r.username.as_deref(), Some("alice"));
        assert_eq!(r.password.as_ref().unwrap().expose(), "p@ss:w0rd");
        assert_eq!(r.path.as_deref(), Some("o/r.git"));
        assert!(parse_line("https://host-without-user").is_err());
        assert!(parse_line("not a url").is_err());
    }
}
