//! Load: 64 concurrent real `git credential` processes (the helper run by git) mixing fill,
//! approve and reject. No errors, the final set exactly as expected, and per-operation latency
//! (which includes waiting for the store lock) measured and printed, under a generous bound.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

const WORKERS: usize = 64;
const ROUNDS: usize = 2;

type Times = Mutex<Vec<(&'static str, Duration)>>;

fn cred(host: &str, password: &str) -> String {
    format!("protocol=https\nhost={host}\nusername=u\npassword={password}\n")
}

/// One git operation, timed; it must succeed with nothing on stderr. Its stdout.
fn op(env: &Env, kind: &'static str, action: &str, stdin: &str, times: &Times) -> String {
    let start = Instant::now();
    let out = env.git_credential(&[], action, stdin);
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "git credential {action}: {}",
        stderr(&out)
    );
    assert_eq!(
        stderr(&out),
        "",
        "git credential {action} printed to stderr"
    );
    times.lock().unwrap().push((kind, took));
    stdout(&out)
}

/// The worst time and a line with count, median, p95 and max.
fn summary(kind: &str, mut d: Vec<Duration>) -> (Duration, String) {
    d.sort();
    let at = |q: f64| d[((d.len() - 1) as f64 * q) as usize];
    let max = *d.last().unwrap();
    let line = format!(
        "{kind}: n={} median={:?} p95={:?} max={max:?}",
        d.len(),
        at(0.5),
        at(0.95)
    );
    (max, line)
}

/// Each worker's round: store a temporary credential, read it back, overwrite its own kept
/// credential, erase the temporary one, read the shared one.
fn worker(env: &Env, w: usize, times: &Times) {
    for r in 0..ROUNDS {
        let temp = format!("temp{w}-{r}.example");
        let pw = format!("t{w}-{r}");
        op(env, "store", "approve", &cred(&temp, &pw), times);
        let got = op(
            env,
            "get",
            "fill",
            &format!("protocol=https\nhost={temp}\n"),
            times,
        );
        assert!(got.contains(&format!("password={pw}\n")), "{temp}: {got}");
        let keep = cred(&format!("keep{w}.example"), &format!("k{w}-{r}"));
        op(env, "store", "approve", &keep, times);
        op(env, "erase", "reject", &cred(&temp, &pw), times);
        let got = op(
            env,
            "get",
            "fill",
            "protocol=https\nhost=shared.example\n",
            times,
        );
        assert!(got.contains("password=shared-pw\n"), "{got}");
    }
}

#[test]
fn sixty_four_concurrent_git_processes_lose_nothing() {
    let env = Arc::new(Env::new());
    env.approve(&cred("shared.example", "shared-pw"));
    let times: Arc<Times> = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(WORKERS));
    let started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (env, times, barrier) = (env.clone(), times.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                worker(&env, w, &times);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a worker failed");
    }
    let wall = started.elapsed();

    let json = env.list_json();
    let hosts: BTreeSet<&str> = json["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["host"].as_str().unwrap())
        .collect();
    let mut expected: BTreeSet<String> = (0..WORKERS).map(|w| format!("keep{w}.example")).collect();
    expected.insert("shared.example".into());
    assert_eq!(hosts, expected.iter().map(String::as_str).collect());
    for w in 0..WORKERS {
        let query = format!("protocol=https\nhost=keep{w}.example\n");
        let out = env.helper(&["get"], query.as_bytes());
        let want = format!("password=k{w}-{}\n", ROUNDS - 1);
        assert!(stdout(&out).contains(&want), "keep{w}: {}", stdout(&out));
    }

    let times = times.lock().unwrap().clone();
    eprintln!(
        "load: {WORKERS} concurrent workers x {ROUNDS} rounds, {} git processes in {wall:?}",
        times.len()
    );
    let mut worst = Duration::ZERO;
    for kind in ["get", "store", "erase"] {
        let of_kind = times.iter().filter(|t| t.0 == kind).map(|t| t.1).collect();
        let (max, line) = summary(kind, of_kind);
        eprintln!("load: {line}");
        worst = worst.max(max);
    }
    // Latency includes lock waits; the bound is generous because the machine may be loaded.
    assert!(
        worst < Duration::from_secs(30),
        "an operation took {worst:?}"
    );
}
