//! Tokens served from a real OpenBao server (`bao server -dev`): token, AppRole and JWT auth,
//! a forbidden token, the encrypted cache (hit without a request, outage, rotation after
//! cache_ttl, one refresh for many processes), many HOMEs at once, and no plaintext anywhere;
//! AppRole and JWT logins in openbao/auth.rs; signing with a transit key in openbao/transit.rs.

mod auth;
mod transit;

use std::process::Output;
use std::time::Duration;

use crate::common::*;
use crate::openbao_harness::Bao;

const PATH: &str = "secret/data/git/corp";
const HOST_REQUEST: &str = "protocol=https\nhost=git.corp.example\n\n";

fn config(bao: &Bao, ttl: &str) -> String {
    format!(
        "[openbao]\naddress = \"{}\"\ncache_ttl = \"{ttl}\"\n\n[[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp.example\"]\nopenbao_path = \"secret/git/corp\"\n",
        bao.address()
    )
}

fn put(bao: &Bao, token: &str) {
    bao.cli(&[
        "kv",
        "put",
        "secret/git/corp",
        &format!("token={token}"),
        "username=alice",
        "email=alice@corp.example",
    ]);
}

/// `get` run directly, with `BAO_TOKEN` when given.
pub(crate) fn spawn_get(env: &Env, bao_token: Option<&str>) -> std::process::Child {
    let mut cmd = env.command(HELPER);
    if let Some(t) = bao_token {
        cmd.env("BAO_TOKEN", t);
    }
    spawn(cmd.arg("get"), HOST_REQUEST.as_bytes())
}

fn get(env: &Env, bao_token: Option<&str>) -> Output {
    spawn_get(env, bao_token).wait_with_output().unwrap()
}

fn password(out: &Output) -> Option<String> {
    assert!(out.status.success(), "get failed: {}", stderr(out));
    fields(&out.stdout).get("password").cloned()
}

/// git itself asks (through `git credential fill`), with BAO_TOKEN in its environment.
fn fill(env: &Env, bao_token: &str) -> std::collections::BTreeMap<String, String> {
    let mut cmd = env.command("git");
    cmd.env("BAO_TOKEN", bao_token)
        .arg("-c")
        .arg(format!("credential.helper={HELPER}"))
        .args(["credential", "fill"]);
    let out = run(&mut cmd, HOST_REQUEST.as_bytes());
    assert_ok(&out, "git credential fill");
    assert_eq!(stderr(&out), "", "fill printed to stderr");
    fields(&out.stdout)
}

fn assert_no_plaintext(env: &Env, secrets: &[&str]) {
    for secret in secrets {
        assert_eq!(
            env.files_containing(secret),
            Vec::<String>::new(),
            "a secret is stored in plaintext"
        );
    }
}

#[test]
fn a_token_reads_the_secret_the_cache_answers_without_requests_and_through_an_outage() {
    let mut bao = Bao::start();
    let reader = bao.reader_token();
    put(&bao, "glpat-OpenBaoSecret0001");
    let env = Env::new();
    env.write_config(&config(&bao, "2s"));

    let answer = fill(&env, &reader);
    assert_eq!(
        answer.get("password").map(String::as_str),
        Some("glpat-OpenBaoSecret0001")
    );
    // GitLab's rule for a personal token: the account's username.
    assert_eq!(answer.get("username").map(String::as_str), Some("alice"));
    assert_eq!(bao.reads(PATH), 1);
    // Inside cache_ttl: no request at all.
    let again = get(&env, Some(&reader));
    assert_eq!(password(&again).as_deref(), Some("glpat-OpenBaoSecret0001"));
    assert_eq!(bao.reads(PATH), 1, "a get inside cache_ttl asked OpenBao");

    let listed = env.list_json();
    assert_eq!(listed["openbao"][0]["instance"], "corp");
    assert_eq!(listed["openbao"][0]["account"], "alice@corp.example");
    assert!(
        listed["openbao"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("secret/git/corp")
    );

    let resolved: serde_json::Value = serde_json::from_str(&env.vouch(
        &["resolve", "https://git.corp.example/team/app.git", "--json"],
        "",
    ))
    .unwrap();
    assert_eq!(resolved["answer"]["id"], "openbao");
    assert_eq!(resolved["answer"]["username"], "alice");
    assert!(
        resolved["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("served from OpenBao")),
        "{resolved}"
    );
    let mut cmd = env.command(HELPER);
    cmd.env("BAO_TOKEN", &reader).args(["doctor", "--json"]);
    let doctor = run(&mut cmd, b"");
    for name in ["openbao", "openbao auth", "openbao read"] {
        assert_eq!(doctor_check(&doctor, name)["level"], "ok", "{name}");
    }
    assert_eq!(
        bao.reads(PATH),
        2,
        "doctor reads once; resolve and list read none"
    );

    // The cluster goes down: the cached copy answers, with one warning.
    bao.stop();
    let cached = get(&env, Some(&reader));
    assert_eq!(
        password(&cached).as_deref(),
        Some("glpat-OpenBaoSecret0001")
    );
    std::thread::sleep(Duration::from_millis(2200));
    let stale = get(&env, Some(&reader));
    assert_eq!(password(&stale).as_deref(), Some("glpat-OpenBaoSecret0001"));
    let warning = stderr(&stale);
    assert_eq!(warning.lines().count(), 1, "{warning}");
    assert!(warning.contains("unreachable"), "{warning}");
    assert_no_plaintext(&env, &["glpat-OpenBaoSecret0001", &reader]);
}

#[test]
fn a_cached_copy_stops_answering_at_the_tokens_expiry_when_the_cluster_is_down() {
    let mut bao = Bao::start();
    let reader = bao.reader_token();
    let expires = unix_now() + 3;
    bao.cli(&[
        "kv",
        "put",
        "secret/git/corp",
        "token=glpat-ExpiringSoon00001",
        "username=alice",
        "email=alice@corp.example",
        &format!("expires_at={expires}"),
    ]);
    let env = Env::new();
    env.write_config(&config(&bao, "1s"));
    assert_eq!(
        password(&get(&env, Some(&reader))).as_deref(),
        Some("glpat-ExpiringSoon00001")
    );
    bao.stop();
    std::thread::sleep(Duration::from_secs(5));
    let out = get(&env, Some(&reader));
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "an expired cached token answered");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn a_rotated_token_answers_after_cache_ttl() {
    let bao = Bao::start();
    let reader = bao.reader_token();
    put(&bao, "glpat-FirstToken000001");
    let env = Env::new();
    env.write_config(&config(&bao, "2s"));
    assert_eq!(
        password(&get(&env, Some(&reader))).as_deref(),
        Some("glpat-FirstToken000001")
    );
    put(&bao, "glpat-SecondToken00001");
    assert_eq!(
        password(&get(&env, Some(&reader))).as_deref(),
        Some("glpat-FirstToken000001"),
        "inside cache_ttl the cached copy answers"
    );
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(
        password(&get(&env, Some(&reader))).as_deref(),
        Some("glpat-SecondToken00001")
    );
    assert_no_plaintext(&env, &["glpat-FirstToken000001", "glpat-SecondToken00001"]);
}

#[test]
fn a_token_without_access_gets_nothing_and_one_line_naming_path_and_reason() {
    let bao = Bao::start();
    put(&bao, "glpat-NotForYou0000001");
    let other = bao.cli(&["token", "create", "-policy=default", "-field=token"]);
    let env = Env::new();
    env.write_config(&config(&bao, "5m"));
    let out = get(&env, Some(&other));
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "answered {:?}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("secret/git/corp") && err.contains("permission denied"),
        "{err}"
    );
    assert!(!err.contains(&other));
    // doctor names the failed read.
    let mut cmd = env.command(HELPER);
    cmd.env("BAO_TOKEN", &other).args(["doctor", "--json"]);
    let doctor = run(&mut cmd, b"");
    assert_eq!(doctor_check(&doctor, "openbao")["level"], "ok");
    assert_eq!(doctor_check(&doctor, "openbao auth")["level"], "ok");
    let read = doctor_check(&doctor, "openbao read");
    assert_eq!(read["level"], "fail");
    assert!(
        read["message"]
            .as_str()
            .unwrap()
            .contains("permission denied")
    );
}

#[test]
fn fifty_fresh_homes_asking_at_once_all_answer() {
    let bao = Bao::start();
    let reader = bao.reader_token();
    put(&bao, "glpat-FleetToken000001");
    let envs: Vec<Env> = (0..50).map(|_| Env::new()).collect();
    for env in &envs {
        env.write_config(&config(&bao, "5m"));
    }
    let children: Vec<_> = envs.iter().map(|e| spawn_get(e, Some(&reader))).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            password(&out).as_deref(),
            Some("glpat-FleetToken000001"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(bao.reads(PATH), 50);
}

#[test]
fn many_processes_in_one_home_refresh_once() {
    let bao = Bao::start();
    let reader = bao.reader_token();
    put(&bao, "glpat-SharedToken00001");
    let env = Env::new();
    env.write_config(&config(&bao, "5m"));
    // The store (and its key) exist first, as on a machine in use.
    env.vouch(&["init", "--key", "file"], "");
    let children: Vec<_> = (0..20).map(|_| spawn_get(&env, Some(&reader))).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            password(&out).as_deref(),
            Some("glpat-SharedToken00001"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(bao.reads(PATH), 1, "every process asked OpenBao");
}
