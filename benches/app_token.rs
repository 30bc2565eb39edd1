//! A `get` answered with a GitHub App's installation token from the sealed cache of minted
//! tokens, against a `get` answered with a stored token (a PAT), side by side.
//!
//!     cargo bench --locked --bench app_token      (VOUCH_BENCH_RUNS=N, default 300)
//!
//! One key-file store in a temp HOME holds both: a PAT on github.com, and an App (its RSA key
//! made here, never committed) on a github-enterprise instance whose `api_url` is a loopback
//! server this bench runs. The first App `get` mints; after it the server must be asked
//! nothing, so every timed App `get` answers from the cache. Each round runs both once, in
//! turn, so machine noise hits them alike; the ratio is the minted median over the stored
//! median. Target (issue 30): at most 1.2x.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vouch::credential::{Credential, Origin, unix_now};
use vouch::keysource::SourceKind;
use vouch::paths::Paths;
use vouch::provider::TokenKind;
use vouch::provider::app::{App, AppKey};
use vouch::secret::Secret;
use vouch::store::{Create, Store};

const HELPER: &str = env!("CARGO_BIN_EXE_git-credential-vouch");
const PAT: &str = "ghp_000000000000000000000000000000000001";
/// What the loopback server mints (GitHub's own example of an installation token).
const MINTED: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const INSTALLATION: &str = "GET /repos/acme/widgets/installation";
const MINT: &str = "POST /app/installations/1/access_tokens";

/// What the loopback server was asked, in order: `METHOD PATH` and the body.
type Asked = Arc<Mutex<Vec<(String, String)>>>;

struct Contender {
    name: &'static str,
    query: String,
    expected: Vec<String>,
    times: Vec<Duration>,
}

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: one round checks every answer.
    let timing = std::env::args().any(|a| a == "--bench");
    let runs = common::interleaved_runs(timing);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("home")).unwrap();
    let (port, asked) = serve();
    let paths = Paths::at(
        root.join("data/git-credential-vouch"),
        root.join("config/git-credential-vouch"),
    );
    let pat = Credential {
        id: "000000000001".into(),
        provider: "github".into(),
        account: Some("octocat".into()),
        username: Some("octocat".into()),
        token_kind: Some(TokenKind::GitHubClassicPat),
        password: Some(Secret::new(PAT.into())),
        origin: Origin::Added,
        ..Default::default()
    };
    let app = Credential {
        id: "000000000002".into(),
        provider: "ghe".into(),
        account: Some("widgets-bot".into()),
        token_kind: Some(TokenKind::GitHubApp),
        password: Some(Secret::new(private_key(root))),
        app: Some(App {
            id: 1,
            permissions: App::parse_permissions("contents=write").unwrap(),
            key: AppKey::Stored,
        }),
        origin: Origin::Added,
        ..Default::default()
    };
    Store::new(paths.clone())
        .update(Create::With(SourceKind::File), |opened| {
            opened.entries = vec![pat, app];
            (true, ())
        })
        .unwrap();
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(
        paths.config_dir.join("config.toml"),
        format!(
            "[[provider]]\nname = \"ghe\"\nkind = \"github-enterprise\"\n\
             hosts = [\"ghe.acme.test\"]\napi_url = \"http://127.0.0.1:{port}\"\n"
        ),
    )
    .unwrap();

    let query = |host: &str| format!("protocol=https\nhost={host}\npath=acme/widgets.git\n");
    let contender = |name, host, expected: &[&str]| Contender {
        name,
        query: query(host),
        expected: expected.iter().map(|&e| e.to_owned()).collect(),
        times: vec![],
    };
    let minted = contender(
        "get, a GitHub App's token minted before (from the cache)",
        "ghe.acme.test",
        &[
            "username=x-access-token\n",
            &format!("password={MINTED}\n"),
            "password_expiry_utc=",
        ],
    );
    // The first App `get` mints: one installation lookup, one mint narrowed to the repository.
    get(root, &minted);
    {
        let asked = asked.lock().unwrap();
        let what: Vec<&str> = asked.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(what, [INSTALLATION, MINT], "the first App get");
        assert!(
            asked[1].1.contains(r#""repositories":["widgets"]"#),
            "{asked:?}"
        );
    }
    let mut contenders = vec![
        contender(
            "get, a stored token (a PAT)",
            "github.com",
            &["username=octocat\n", &format!("password={PAT}\n")],
        ),
        minted,
    ];
    for round in 0..runs.max(1) {
        for c in &mut contenders {
            let time = get(root, c);
            if timing && round < runs {
                c.times.push(time);
            }
        }
    }
    let requests = asked.lock().unwrap().len();
    assert_eq!(
        requests, 2,
        "the App's token was minted once and answered from the cache after: the server was asked again"
    );
    if !timing {
        println!("bench smoke test: both contenders answered correctly; one mint, then none");
        return;
    }
    println!(
        "get for https://HOST/acme/widgets, {runs} interleaved runs each (wall time per process; the loopback API asked nothing after the first mint)"
    );
    let medians: Vec<Duration> = contenders
        .iter_mut()
        .map(|c| common::median_and_p90(c.name, &mut c.times))
        .collect();
    let ratio = medians[1].as_secs_f64() / medians[0].as_secs_f64();
    println!(
        "  minted (cached) / stored: {ratio:.3}x (target: at most 1.2x): {}",
        if ratio <= 1.2 { "met" } else { "NOT met" }
    );
}

/// Run `get` for `c` once, check its answer, and return its wall time.
fn get(root: &Path, c: &Contender) -> Duration {
    let mut cmd = common::isolated(HELPER, root);
    let result = common::run(cmd.arg("get"), c.query.as_bytes());
    assert!(
        result.code == Some(0) && c.expected.iter().all(|e| result.stdout.contains(e)),
        "{} answered {:?}",
        c.name,
        result.stdout
    );
    result.time
}

/// A fresh RSA-2048 private key (PEM) for the App: openssl's when it is on PATH, else the test
/// venv's Python `cryptography` (bash tests/run.sh makes it). Run with the temp HOME, so that
/// neither leaves anything (a random seed file) in the user's.
fn private_key(root: &Path) -> String {
    let generated = common::isolated("openssl", root)
        .args(["genrsa", "2048"])
        .stderr(std::process::Stdio::null())
        .output();
    let out = match generated {
        Ok(out) if out.status.success() => out,
        _ => {
            let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
            common::isolated(python.to_str().unwrap(), root)
                .args(["-c", PYTHON_KEY])
                .output()
                .unwrap_or_else(|e| panic!("no openssl, and {}: {e}", python.display()))
        }
    };
    assert!(out.status.success(), "making the App's private key failed");
    let pem = String::from_utf8(out.stdout).unwrap();
    // The key the App credential holds must be one vouch signs with, or every get fails.
    vouch::github_app::key::PrivateKey::from_pem(&pem).unwrap();
    pem
}

const PYTHON_KEY: &str = "\
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
print(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption()).decode())
";

/// A loopback GitHub API that knows one installation (1, on acme, seeing acme/widgets) and
/// mints it tokens that expire in an hour. It checks no JWT: what is measured is the `get`
/// that asks it nothing.
fn serve() -> (u16, Asked) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = Asked::default();
    let log = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One request a connection: the answer says `Connection: close`.
            if let Some((request, body)) = read_request(&stream) {
                let answer = answer(&request);
                log.lock().unwrap().push((request, body));
                let _ = (&stream).write_all(answer.as_bytes());
            }
        }
    });
    (port, asked)
}

/// `METHOD PATH` and the body (by its Content-Length).
fn read_request(stream: &TcpStream) -> Option<(String, String)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let request = format!("{} {}", words.next()?, words.next()?);
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((request, String::from_utf8_lossy(&body).into_owned()))
}

fn answer(request: &str) -> String {
    let (status, body) = match request {
        INSTALLATION => (
            "200 OK",
            r#"{"id": 1, "account": {"login": "acme"}}"#.to_owned(),
        ),
        MINT => {
            let expires = vouch::time::datetime(unix_now() + 3600);
            (
                "201 Created",
                format!(r#"{{"token": "{MINTED}", "expires_at": "{expires}"}}"#),
            )
        }
        _ => ("404 Not Found", r#"{"message": "Not Found"}"#.to_owned()),
    };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}
