//! Hostile or failing OpenBao and provider APIs, and lifecycle writes under faults (issue 26:
//! items 4, 5, 9, 10, 11, 14, 15, 16, 17).

use std::io::{BufRead, BufReader, Write};

use crate::openbao::spawn_get;
use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

const TOKEN: &str = "glpat-FromOpenBao000000001";

/// What the fake OpenBao node answers next: status, content type and body; or never a word.
#[derive(Clone)]
enum Reply {
    Answer(u16, &'static str, String),
    Hang,
}

/// An OpenBao look-alike on 127.0.0.1 that answers every request with the current [`Reply`]:
/// a standby node's redirect, a proxy's HTML page, a node that accepts and never answers.
struct FakeBao {
    port: u16,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<usize>>,
}

fn kv_answer(expires_at: Option<&str>) -> Reply {
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
    fn start(first: Reply) -> FakeBao {
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

    fn env(&self) -> Env {
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

mod rotation {
    use std::time::{Duration, Instant};

    use crate::common::*;
    use crate::faults::Tmpfs;
    use crate::provider_harness::ProviderServer;
    use crate::provider_lifecycle::{GITLAB_URL, setup};
    use crate::provider_wire::day;

    const OLD: &str = "glpat-oldoldoldoldoldold02";

    fn one_gitlab_token(server: &ProviderServer) -> (Env, String) {
        let env = setup(server);
        server.add_token("gitlab", OLD, "alice", &["api"], Some(&day(3)));
        let id = env.add(&["corp", "--email", "alice@corp.test"], OLD);
        (env, id)
    }

    #[test]
    fn no_store_lock_is_held_while_the_provider_answers_a_rotation() {
        let server = ProviderServer::start();
        let (env, id) = one_gitlab_token(&server);
        server.delay_next("gitlab_rotate", 4.0);
        let rotation = env
            .command(HELPER)
            .args(["rotate", &id, "--at-provider"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while server.calls("gitlab_rotate") == 0 && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            server.calls("gitlab_rotate"),
            1,
            "the rotation was not sent"
        );
        // git's `store` after a fetch elsewhere writes the store: it must not wait for GitLab.
        let writing = Instant::now();
        env.approve("protocol=https\nhost=elsewhere.example\nusername=u\npassword=p\n");
        assert!(
            writing.elapsed() < Duration::from_secs(2),
            "a store write waited {:?} for the provider",
            writing.elapsed()
        );
        let out = rotation.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let active = server.active_tokens("gitlab");
        assert_eq!(
            get(&env.fill(GITLAB_URL), "password"),
            Some(active[0].as_str())
        );
        assert_eq!(
            get(
                &env.fill("protocol=https\nhost=elsewhere.example\n"),
                "password"
            ),
            Some("p")
        );
    }

    #[test]
    fn a_2xx_rotation_answer_without_a_usable_token_is_the_lost_answer_case() {
        for body in [
            r#"{"active": true}"#,
            r#"{"token": "glpat-new\u0000tail"}"#,
            "<html>ok</html>",
        ] {
            let server = ProviderServer::start();
            let (env, id) = one_gitlab_token(&server);
            server.garble_next("gitlab_rotate", body);
            let out = env.helper(&["rotate", &id, "--at-provider"], b"");
            assert!(!out.status.success(), "{body}");
            let err = stderr(&out);
            assert!(
                err.contains("not retried") && err.contains("probably dead"),
                "{body}: {err}"
            );
            assert!(!err.contains("nothing changed"), "{body}: {err}");
            assert_eq!(server.calls("gitlab_rotate"), 1, "retried");
            assert!(!server.is_active(OLD), "the server did rotate");
        }
    }

    #[test]
    fn an_unreadable_expiry_in_a_verify_answer_keeps_the_known_one_and_warns() {
        let server = ProviderServer::start();
        let (env, id) = one_gitlab_token(&server);
        let expiry = |env: &Env| env.list_json()["credentials"][0]["expires"].clone();
        let before = {
            let out = env.helper(&["verify", &id], b"");
            assert!(out.status.success(), "{}", stderr(&out));
            expiry(&env)
        };
        assert!(before.is_i64(), "GitLab stated an expiry: {before}");
        for garbage in ["not-a-date", "99999999999999999999", "2026-13-45"] {
            server.garble_next(
                "gitlab_self_get",
                &format!(r#"{{"active": true, "scopes": ["api"], "expires_at": "{garbage}"}}"#),
            );
            let out = env.helper(&["verify", &id], b"");
            assert!(
                stderr(&out).contains("cannot read"),
                "{garbage}: {}",
                stderr(&out)
            );
            assert_eq!(expiry(&env), before, "{garbage}: the expiry was lost");
        }
    }

    /// Fill the tmpfs at `dir` until only about `room` bytes are left.
    fn fill_leaving(dir: &std::path::Path, room: usize) {
        let mut n = 0;
        while std::fs::write(dir.join(format!("filler-{n}")), vec![0u8; 4096]).is_ok() {
            n += 1;
        }
        let _ = std::fs::remove_file(dir.join(format!("filler-{n}")));
        for i in (0..n).rev().take(room / 4096) {
            std::fs::remove_file(dir.join(format!("filler-{i}"))).unwrap();
        }
    }

    #[test]
    fn a_rotation_whose_store_write_fails_keeps_the_new_token_for_the_next_run() {
        let server = ProviderServer::start();
        let env = setup(&server);
        let Some(_fs) = Tmpfs::mount(&env.path("data"), "512k") else {
            return;
        };
        server.add_token("gitlab", OLD, "alice", &["api"], Some(&day(3)));
        let id = env.add(&["corp", "--email", "alice@corp.test"], OLD);
        // A store much larger than the room left: its rewrite fails, the rescue file fits.
        let big = "x".repeat(60_000);
        env.approve(&format!(
            "protocol=https\nhost=big.example\nusername=u\npassword={big}\n"
        ));
        let data = env.path("data");
        fill_leaving(&data, 16 * 1024);
        let out = env.helper(&["rotate", &id, "--at-provider"], b"");
        assert!(!out.status.success(), "the store write should have failed");
        let err = stderr(&out);
        let rescue = env.path("data/git-credential-vouch/rotation-rescue.vouch");
        assert!(rescue.exists(), "no rescue file: {err}");
        assert!(
            err.contains("kept encrypted in") && err.contains("rotation-rescue.vouch"),
            "{err}"
        );
        let active = server.active_tokens("gitlab");
        assert_eq!(active.len(), 1);
        let new = active[0].clone();
        assert_ne!(new, OLD);
        assert!(!err.contains(&new), "the token was printed");
        assert_eq!(
            env.files_containing(&new),
            Vec::<String>::new(),
            "plaintext"
        );
        let doctor = env.helper(&["doctor", "--json"], b"");
        assert_eq!(doctor_check(&doctor, "rescue")["level"], "warn");
        // Room again: the next verify files it.
        for entry in std::fs::read_dir(&data).unwrap().flatten() {
            if entry.file_name().to_string_lossy().starts_with("filler-") {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        let out = env.helper(&["verify", &id], b"");
        assert!(out.status.success(), "verify: {}", stderr(&out));
        assert!(stderr(&out).contains("filed the token"), "{}", stderr(&out));
        let listed = env.list_json();
        let entry = listed["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id.as_str())
            .cloned();
        assert_eq!(
            entry.unwrap()["status"],
            "ok",
            "the new token was checked, not the dead one"
        );
        assert!(!rescue.exists());
        assert_eq!(get(&env.fill(GITLAB_URL), "password"), Some(new.as_str()));
    }
}
