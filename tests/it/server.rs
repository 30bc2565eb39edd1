//! A real smart-HTTP git server for the end-to-end tests: `git http-backend` (CGI) behind a
//! small auth front on 127.0.0.1 that enforces the rules of the provider it emulates.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::github_app_harness::token_ok;

/// One credential the server accepts.
#[derive(Clone, Debug)]
pub struct Accept {
    /// The username required with Basic auth; `None`: any non-empty username.
    pub user: Option<&'static str>,
    pub secret: &'static str,
    /// Only as `Authorization: Bearer` (Bitbucket Data Center project tokens).
    pub bearer: bool,
    /// Only for repositories whose path contains one of these; empty: all.
    pub repos: Vec<&'static str>,
    /// The GitHub App test server (github_app_server.py) on this port decides instead of
    /// `secret`: a token it minted, live, for the OWNER/REPO of the request path.
    pub app_server: Option<u16>,
}

impl Accept {
    pub fn basic(user: Option<&'static str>, secret: &'static str) -> Accept {
        Accept {
            user,
            secret,
            bearer: false,
            repos: vec![],
            app_server: None,
        }
    }
    pub fn bearer(secret: &'static str) -> Accept {
        Accept {
            user: None,
            secret,
            bearer: true,
            repos: vec![],
            app_server: None,
        }
    }
    /// What github.com does with installation access tokens: Basic auth as `x-access-token`
    /// with a token the App server at `port` minted for the repository asked for.
    pub fn github_app(port: u16) -> Accept {
        Accept {
            app_server: Some(port),
            ..Accept::basic(Some("x-access-token"), "")
        }
    }
    pub fn only(mut self, repo: &'static str) -> Accept {
        self.repos.push(repo);
        self
    }
}

pub struct GitServer {
    pub port: u16,
    pub root: PathBuf,
    /// "user secret-ok|rejected repo" per authenticated request (secrets are not logged).
    pub log: Arc<Mutex<Vec<String>>>,
}

impl GitServer {
    pub fn start(root: &Path, accepts: Vec<Accept>) -> GitServer {
        std::fs::create_dir_all(root).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (root_c, log_c, accepts) = (root.to_path_buf(), log.clone(), Arc::new(accepts));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, log, accepts) = (root_c.clone(), log_c.clone(), accepts.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &root, &accepts, &log);
                });
            }
        });
        GitServer {
            port,
            root: root.to_path_buf(),
            log,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    pub fn url_as(&self, user: &str, path: &str) -> String {
        format!("http://{user}@127.0.0.1:{}/{path}", self.port)
    }

    /// A bare repository at `path` with one commit on `main`.
    pub fn create_repo(&self, path: &str) {
        let bare = self.root.join(path);
        let git = |args: &[&str], dir: &Path| {
            let out = Command::new("git")
                .args([
                    "-c",
                    "init.defaultBranch=main",
                    "-c",
                    "user.name=seed",
                    "-c",
                    "user.email=seed@test",
                ])
                .args(args)
                .current_dir(dir)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        std::fs::create_dir_all(&bare).unwrap();
        git(&["init", "--bare", "-q"], &bare);
        let work = tempfile::tempdir().unwrap();
        git(&["init", "-q"], work.path());
        std::fs::write(work.path().join("README"), "seed\n").unwrap();
        git(&["add", "README"], work.path());
        git(&["commit", "-q", "-m", "seed"], work.path());
        git(
            &["push", "-q", bare.to_str().unwrap(), "HEAD:main"],
            work.path(),
        );
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

fn b64decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|&b| b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut req = Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    };
    if let Some(len) = req
        .header("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        req.body.resize(len, 0);
        reader.read_exact(&mut req.body)?;
    } else if req
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            req.body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(Some(req))
}

/// Who the request authenticates as, if any accepted credential matches.
fn authenticate(req: &Request, accepts: &[Accept]) -> (Option<String>, String) {
    let repo = req.path.clone();
    let Some(auth) = req.header("authorization") else {
        return (None, "no credentials".into());
    };
    let (scheme, value) = auth.split_once(' ').unwrap_or((auth, ""));
    let for_repo = |a: &Accept| a.repos.is_empty() || a.repos.iter().any(|r| repo.contains(r));
    if scheme.eq_ignore_ascii_case("bearer") {
        let ok = accepts
            .iter()
            .any(|a| a.bearer && a.secret == value && for_repo(a));
        return (
            ok.then(|| "bearer".to_owned()),
            format!("bearer {}", if ok { "ok" } else { "rejected" }),
        );
    }
    let decoded = b64decode(value)
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let (user, pass) = decoded.split_once(':').unwrap_or((&decoded, ""));
    let secret_ok = |a: &Accept| match a.app_server {
        Some(port) => token_ok(port, pass, &owner_repo(&repo)),
        None => a.secret == pass,
    };
    let ok = !user.is_empty()
        && accepts
            .iter()
            .any(|a| !a.bearer && a.user.is_none_or(|u| u == user) && for_repo(a) && secret_ok(a));
    (
        ok.then(|| user.to_owned()),
        format!("{user} {}", if ok { "ok" } else { "rejected" }),
    )
}

/// OWNER/REPO of a smart-HTTP request path (`/OWNER/REPO.git/info/refs` and the like).
fn owner_repo(path: &str) -> String {
    let mut parts = path.trim_start_matches('/').split('/');
    let owner = parts.next().unwrap_or_default();
    let repo = parts.next().unwrap_or_default();
    format!("{owner}/{}", repo.strip_suffix(".git").unwrap_or(repo))
}

fn handle(
    stream: TcpStream,
    root: &Path,
    accepts: &[Accept],
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let Some(req) = read_request(&mut reader)? else {
        return Ok(());
    };
    let (user, event) = authenticate(&req, accepts);
    log.lock().unwrap().push(format!("{event} {}", req.path));
    let Some(user) = user else {
        let body = b"authentication required\n";
        write!(
            out,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"vouch-test\"\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        out.write_all(body)?;
        return out.flush();
    };
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .env("REQUEST_METHOD", &req.method)
        .env("PATH_INFO", &req.path)
        .env("QUERY_STRING", &req.query)
        .env("REMOTE_USER", &user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("CONTENT_LENGTH", req.body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(v) = req.header(header) {
            cgi.env(var, v);
        }
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let body = req.body;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output()?;
    let _ = writer.join();
    let raw = output.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
        .unwrap_or((raw.len(), 0));
    let head = String::from_utf8_lossy(&raw[..split.0]).into_owned();
    let body = &raw[(split.0 + split.1).min(raw.len())..];
    let mut status = "200 OK".to_owned();
    let mut headers = String::new();
    for line in head.lines() {
        match line.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_owned(),
            Some(_) => headers.push_str(&format!("{line}\r\n")),
            None => {}
        }
    }
    write!(
        out,
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(body)?;
    out.flush()
}

#[test]
fn base64_decodes() {
    assert_eq!(b64decode("YWxpY2U6cHc=").unwrap(), b"alice:pw");
    assert_eq!(b64decode("YQ==").unwrap(), b"a");
}

#[test]
fn owner_repo_of_request_paths() {
    assert_eq!(owner_repo("/alice/hello.git/info/refs"), "alice/hello");
    assert_eq!(owner_repo("/alice/hello/git-upload-pack"), "alice/hello");
}
