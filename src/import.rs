//! `import`: move credentials out of git's plaintext store files into the encrypted store.

mod filing;

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::Config;
use crate::credential::{normalize_host, unix_now};
use crate::progress::Progress;
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

/// Why an import failed; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is larger than 64 MiB: not a git-credentials file", path.display())]
    TooLarge { path: PathBuf },
    #[error("{}: line {line} is longer than 64 KiB: not a git-credentials file", path.display())]
    LongLine { path: PathBuf, line: usize },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// `--remove-source`: what was imported is not all in the store, so the file stays.
    #[error("{missing} entries of {} could not be read back from the store; the file was kept", path.display())]
    NotReadBack { path: PathBuf, missing: usize },
    #[error("removing {}: {source}", path.display())]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Lines git itself would ignore (`lines`: their numbers per file, listed on stdout).
    #[error(
        "lines not imported (listed above by number): {}{}",
        lines.join(", "),
        if *source_kept { "; a file with skipped lines is kept" } else { "" }
    )]
    Skipped {
        lines: Vec<String>,
        source_kept: bool,
    },
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

/// A git-credentials file larger than this is refused: git's own are a few KiB, and 64 MiB holds
/// about a million credentials.
pub const MAX_FILE: usize = 64 << 20;
/// A line longer than this is refused: no credential URL is that long.
pub const MAX_LINE: usize = 64 << 10;
/// From this many lines on, a terminal shows a progress bar.
const MANY_LINES: usize = 100;
/// How much is read at a time.
const CHUNK: usize = 64 << 10;

/// Read `file` whole, refusing more than [`MAX_FILE`] bytes or a line over [`MAX_LINE`] as soon
/// as it is seen (so `/dev/zero` fails at once). Every buffer the plaintext passes through is
/// wiped when dropped.
fn read_bounded(file: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
    let io = |source| Error::Read {
        path: file.to_owned(),
        source,
    };
    let too_large = || Error::TooLarge {
        path: file.to_owned(),
    };
    let mut f = std::fs::File::open(file).map_err(io)?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE as u64 {
        return Err(too_large());
    }
    // Room for the whole of a regular file and the read that finds its end: no reallocation.
    let mut buf = Zeroizing::new(Vec::with_capacity((size as usize + 1).max(CHUNK)));
    let (mut line, mut line_start) = (1, 0);
    loop {
        if buf.len() == buf.capacity() {
            let mut bigger = Vec::with_capacity((buf.capacity() * 2).min(MAX_FILE + 1));
            bigger.extend_from_slice(&buf);
            buf = Zeroizing::new(bigger);
        }
        let len = buf.len();
        let room = buf.capacity().min(len + CHUNK);
        buf.resize(room, 0);
        let read = f.read(&mut buf[len..]);
        buf.truncate(len + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => return Ok(buf),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        }
        let mut at = len;
        while let Some(end) = buf[at..].iter().position(|&b| b == b'\n').map(|p| at + p) {
            check_line(file, line, end - line_start)?;
            (line, line_start, at) = (line + 1, end + 1, end + 1);
        }
        check_line(file, line, buf.len() - line_start)?;
        if buf.len() > MAX_FILE {
            return Err(too_large());
        }
    }
}

fn check_line(file: &Path, line: usize, len: usize) -> Result<(), Error> {
    if len > MAX_LINE {
        return Err(Error::LongLine {
            path: file.to_owned(),
            line,
        });
    }
    Ok(())
}

/// Import `file`. With `remove_source`, the file is deleted only after every entry was read
/// back from the encrypted store, and kept when any line was skipped.
pub fn import(
    store: &Store,
    config: &Config,
    file: &Path,
    remove_source: bool,
) -> Result<Report, Error> {
    let text = read_bounded(file)?;
    let mut report = Report {
        file: file.to_path_buf(),
        ..Default::default()
    };
    let mut requests = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let Ok(line) = std::str::from_utf8(line) else {
            report.skipped.push((i + 1, "not valid UTF-8"));
            continue;
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(request) => requests.push(request),
            Err(why) => report.skipped.push((i + 1, why)),
        }
    }
    drop(text);
    report.entries = requests.len();
    let now = unix_now();
    let progress = if requests.len() >= MANY_LINES {
        Progress::new(
            &format!("importing {}", file.display()),
            requests.len() as u64,
        )
    } else {
        Progress::hidden()
    };
    let added = store.update(Create::Auto, |opened| {
        let held = std::mem::take(&mut opened.entries);
        let added;
        (opened.entries, added) =
            filing::file_all(held, config, &requests, now, &|| progress.inc(1));
        (added > 0, added)
    })?;
    progress.finish();
    report.added = added.unwrap_or(0);
    if remove_source && report.skipped.is_empty() {
        let stored = store.select(|_| true)?;
        // Each secret with the hosts it is stored for (empty: every host of an instance).
        let held: HashSet<(&str, &str)> = stored
            .iter()
            .filter_map(|c| Some((c.password.as_ref()?.expose(), c.host.as_str())))
            .collect();
        let holds = |r: &Request| {
            r.password.as_ref().is_some_and(|p| {
                held.contains(&(p.expose(), "")) || held.contains(&(p.expose(), r.host.as_str()))
            })
        };
        let missing = requests.iter().filter(|r| !holds(r)).count();
        if missing > 0 {
            return Err(Error::NotReadBack {
                path: file.to_owned(),
                missing,
            });
        }
        std::fs::remove_file(file).map_err(|source| Error::Remove {
            path: file.to_owned(),
            source,
        })?;
        report.removed = true;
    }
    Ok(report)
}

/// The command fails (exit 2) when lines were skipped: they are listed on stdout by number.
pub fn skipped(counts: &[String], remove_source: bool) -> Result<(), Error> {
    if counts.is_empty() {
        return Ok(());
    }
    Err(Error::Skipped {
        lines: counts.to_vec(),
        source_kept: remove_source,
    })
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
