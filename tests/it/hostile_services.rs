//! Hostile or failing OpenBao and provider APIs, and lifecycle writes under faults (issue 26:
//! items 4, 5, 9, 10, 11, 14, 15, 16, 17).

mod rotation;

use std::io::{BufRead, BufReader, Write};

use crate::openbao::spawn_get;
use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

pub(crate) const TOKEN: &str = "glpat-FromOpenBao000000001";

/// What the fake OpenBao node answers next: status, content type and body; or never a word.
#[derive(Clone)]
pub(crate) enum Reply {
    Answer(u16, &'static str, String),
    Hang,
}

/// An OpenBao look-alike on 127.0.0.1 that answers every request with the current [`Reply`]:
/// a standby node's redirect, a proxy's HTML page, a node that accepts and never answers.
pub(crate) struct FakeBao {
    port: u16,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<usize>>,
}

pub(crate) fn kv_answer(expires_at: Option<&str>) -> Reply {
    let mut data =
        serde_json::json!({"token": TOKEN, "username": "alice", "email": "alice@corp.example"});
    if let Some(at) = expires_at {
        data["expires_at"] = at.into();
    }
    Reply::Answer(
        200,
        "application/json",
        serde_json::json!({"data": {"data": data, "metadata": {"version": 1}}}).to_string(),
    )
}

impl FakeBao {
    pub(crate) fn start(first: Reply) -> FakeBao {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let reply = Arc::new(Mutex::new(first));
        let requests = Arc::new(Mutex::new(0));
        let (r, n) = (reply.clone(), requests.clone());
        std::thread::spawn(move || {
            let mut hung = Vec::new();
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                *n.lock().unwrap() += 1;
                match r.lock().unwrap().clone() {
                    Reply::Hang => hung.push(stream),
                    Reply::Answer(status, kind, body) => {
                        let mut stream = stream;
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nLocation: http://127.0.0.1:1/v1/secret/data/git/corp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                }
            }
        });
        FakeBao {
            port,
            reply,
            requests,
        }
    }

    fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    fn requests(&self) -> usize {
        *self.requests.lock().unwrap()
    }

    pub(crate) fn env(&self) -> Env {
        let env = Env::new();
        env.write_config(&format!(
            "[openbao]\naddress = \"http://127.0.0.1:{}\"\ncache_ttl = \"1s\"\n\n[[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp.example\"]\nopenbao_path = \"secret/git/corp\"\n",
            self.port
        ));
        env
    }
}

fn get(env: &Env) -> Output {
    spawn_get(env, Some("s.reader")).wait_with_output().unwrap()
}

fn answered(out: &Output) -> Option<String> {
    assert!(out.status.success(), "get failed: {}", stderr(out));
    fields(&out.stdout).get("password").cloned()
}

/// A fresh HOME whose cache holds the secret, now older than cache_ttl.
fn cached_then(bao: &FakeBao, next: Reply) -> Env {
    bao.set(kv_answer(None));
    let env = bao.env();
    assert_eq!(answered(&get(&env)).as_deref(), Some(TOKEN));
    bao.set(next);
    std::thread::sleep(Duration::from_millis(1100));
    env
}

#[test]
fn only_an_explicit_refusal_drops_the_cached_copy() {
    let bao = FakeBao::start(kv_answer(None));
    let html = "<html><body>Proxy says hello</body></html>".to_owned();
    let unavailable = [
        (
            "a standby node's redirect",
            Reply::Answer(307, "text/plain", String::new()),
        ),
        (
            "a proxy's page with 200",
            Reply::Answer(200, "text/html", html.clone()),
        ),
        (
            "a proxy's 404 page",
            Reply::Answer(404, "text/html", html.clone()),
        ),
        ("a gateway error", Reply::Answer(502, "text/html", html)),
    ];
    for (what, reply) in unavailable {
        let env = cached_then(&bao, reply);
        let out = get(&env);
        assert_eq!(
            answered(&out).as_deref(),
            Some(TOKEN),
            "{what}: the copy must answer"
        );
        assert!(
            stderr(&out).contains("answering the copy of secret/git/corp"),
            "{what}: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("Proxy says"),
            "a page body was echoed"
        );
    }
    let refusals = [
        (
            "403",
            Reply::Answer(
                403,
                "application/json",
                r#"{"errors":["permission denied"]}"#.into(),
            ),
        ),
        (
            "OpenBao's 404",
            Reply::Answer(404, "application/json", r#"{"errors":[]}"#.into()),
        ),
    ];
    for (what, reply) in refusals {
        let env = cached_then(&bao, reply);
        assert_eq!(
            answered(&get(&env)),
            None,
            "{what}: the copy must be dropped"
        );
        // Dropped for good: even with OpenBao down afterwards nothing answers.
        bao.set(Reply::Answer(
            503,
            "application/json",
            r#"{"errors":["sealed"]}"#.into(),
        ));
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(answered(&get(&env)), None, "{what}: the copy came back");
    }
}

#[test]
fn parallel_gets_during_an_outage_make_one_request_and_answer_the_copy() {
    let bao = FakeBao::start(kv_answer(None));
    let env = cached_then(&bao, Reply::Hang);
    let before = bao.requests();
    let started = Instant::now();
    let children: Vec<_> = (0..3).map(|_| spawn_get(&env, Some("s.reader"))).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(answered(&out).as_deref(), Some(TOKEN), "{}", stderr(&out));
    }
    // One request timed out (30 s); the processes that waited on the lock asked nobody.
    assert_eq!(
        bao.requests() - before,
        1,
        "each waiting process asked again"
    );
    assert!(
        started.elapsed() < Duration::from_secs(55),
        "{:?}",
        started.elapsed()
    );
    // And the next get, still within the backoff, answers at once without a request.
    let quick = Instant::now();
    let out = get(&env);
    assert_eq!(answered(&out).as_deref(), Some(TOKEN));
    assert!(quick.elapsed() < Duration::from_secs(5));
    assert_eq!(bao.requests() - before, 1);
    assert!(stderr(&out).contains("next try in"), "{}", stderr(&out));
}

#[test]
fn a_damaged_cache_is_set_aside_said_and_shown_by_doctor() {
    let bao = FakeBao::start(kv_answer(None));
    let env = cached_then(&bao, kv_answer(None));
    let cache = env.path("data/git-credential-vouch/openbao-cache.vouch");
    let mut bytes = std::fs::read(&cache).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&cache, bytes).unwrap();
    let out = get(&env);
    assert_eq!(
        answered(&out).as_deref(),
        Some(TOKEN),
        "a new fetch still answers"
    );
    let aside = env.path("data/git-credential-vouch/openbao-cache.vouch.damaged");
    assert!(aside.exists(), "the damaged cache was not kept");
    assert!(
        stderr(&out).contains("is damaged") && stderr(&out).contains("openbao login --approle"),
        "{}",
        stderr(&out)
    );
    let mut doctor = env.command(HELPER);
    doctor
        .env("BAO_TOKEN", "s.reader")
        .args(["doctor", "--json"]);
    let doctor = run(&mut doctor, b"");
    let check = doctor_check(&doctor, "openbao cache");
    assert_eq!(check["level"], "warn", "{check}");
}

#[test]
fn an_expired_token_from_openbao_is_said_on_stderr() {
    let bao = FakeBao::start(kv_answer(Some("2020-01-01")));
    let env = bao.env();
    let out = get(&env);
    assert_eq!(answered(&out), None);
    assert!(
        stderr(&out).contains("openbao secret/git/corp: the token expired on 2020-01-01"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_builtin_host_with_its_default_port_written_out_cannot_be_claimed() {
    let env = Env::new();
    env.write_config(
        "[[provider]]\nname = \"evil\"\nkind = \"github-enterprise\"\nhosts = [\"github.com:443\"]\napi_url = \"https://collector.example\"\n",
    );
    let out = env.helper(&["list"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("evil") && err.contains("github"), "{err}");
}
