//! The browser login's loopback listener against other local processes: slow connections and
//! forged callbacks (issue 26, items 6 and 7).

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::setup;
use crate::common::*;
use crate::oauth_harness::*;

/// A connection to the listener that sends a request one byte every 2 s until `stop`.
fn trickle(port: u16, stop: &AtomicBool) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    for b in b"GET /?code=slow&state=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        .iter()
        .cycle()
    {
        if stop.load(Ordering::Relaxed) || s.write_all(&[*b]).is_err() {
            return;
        }
        for _ in 0..20 {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn a_slow_local_connection_does_not_block_the_real_redirect() {
    let (server, env) = setup(&[]);
    let pending = PendingLogin::start(&env, &["corp", "--browser"], 60);
    let port = pending.port;
    let stop = AtomicBool::new(false);
    let took = std::thread::scope(|s| {
        s.spawn(|| trickle(port, &stop));
        // The slow connection is accepted first.
        std::thread::sleep(Duration::from_millis(500));
        let took = logs_in(pending, &server);
        stop.store(true, Ordering::Relaxed);
        took
    });
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// Browse to the redirect: the login succeeds. How long that took.
fn logs_in(pending: PendingLogin, server: &OAuthServer) -> Duration {
    let started = Instant::now();
    let browsed = pending.browse();
    assert!(browsed.status.success(), "{}", stderr(&browsed));
    let out = pending
        .finish(Duration::from_secs(20))
        .expect("the login ended");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.issued(CODE_GRANT), 1);
    started.elapsed()
}

#[test]
fn a_slow_local_connection_does_not_hold_the_login_past_its_timeout() {
    let (_server, env) = setup(&[]);
    let pending = PendingLogin::start(&env, &["corp", "--browser"], 3);
    let port = pending.port;
    let started = Instant::now();
    let stop = AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        s.spawn(|| trickle(port, &stop));
        // And one that sends nothing at all.
        let _silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let out = pending.finish(Duration::from_secs(15));
        stop.store(true, Ordering::Relaxed);
        out
    });
    let out = out.expect("the login ended");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(login_fails(&out, 1).contains("in time"), "{}", stderr(&out));
}

/// Callbacks without the login's `state` are answered 400 and ignored; the real redirect then
/// logs in.
#[test]
fn forged_callbacks_are_refused_and_the_login_waits_for_the_real_one() {
    let (server, env) = setup(&[]);
    let pending = PendingLogin::start(&env, &["corp", "--browser"], 30);
    for forged in [
        "GET /?error=access_denied HTTP/1.1",
        "GET /?error=access_denied&state=wrong HTTP/1.1",
        "GET /?code=X&state=wrong HTTP/1.1",
        "GET /?code=X HTTP/1.1",
        &format!("GET /?code=X&state={}x HTTP/1.1", pending.state),
        &format!("GET /?code=X&state={0}&state={0} HTTP/1.1", pending.state),
    ] {
        assert!(pending.send(forged).contains(" 400 "), "{forged}");
    }
    assert!(pending.send("GET /favicon.ico HTTP/1.1").contains(" 404 "));
    logs_in(pending, &server);
}

/// The provider's error with the right `state` ends the login with that error.
#[test]
fn an_error_with_the_right_state_ends_the_login() {
    let (_server, env) = setup(&[]);
    let pending = PendingLogin::start(&env, &["corp", "--browser"], 30);
    let line = format!("GET /?error=access_denied&state={} HTTP/1.1", pending.state);
    assert!(pending.send(&line).contains(" 400 "));
    let out = pending.finish(Duration::from_secs(10)).expect("ended");
    assert!(
        login_fails(&out, 1).contains("access_denied"),
        "{}",
        stderr(&out)
    );
}
