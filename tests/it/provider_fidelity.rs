//! The provider test server against the real GitLab client, python-gitlab (installed into
//! target/test-venv by tests/run.sh): tests/it/provider_fidelity.py reads self, rotates,
//! reuses a rotated token, is refused rotation without scope and deletes, as GitLab answers.

use std::process::Command;

use serde_json::Value;

use crate::common::{run, stderr, venv_python};
use crate::provider_harness::*;
use crate::provider_wire::day;

#[test]
fn provider_fidelity_python_gitlab_reads_rotates_and_deletes_tokens() {
    let server = ProviderServer::start();
    server.add_token("gitlab", "glpat-fidelity-rotate", "alice", &["api"], None);
    server.add_token(
        "gitlab",
        "glpat-fidelity-chain",
        "alice",
        &["self_rotate"],
        None,
    );
    server.add_token(
        "gitlab",
        "glpat-fidelity-read",
        "alice",
        &["read_api"],
        None,
    );
    let input = serde_json::json!({
        "url": server.base_url("gitlab"),
        "rotatable": "glpat-fidelity-rotate",
        "chain": "glpat-fidelity-chain",
        "readonly": "glpat-fidelity-read",
        "today": day(0),
    });
    run_fidelity("provider_fidelity.py", &input, 18);

    // What the client did, as the server saw it.
    assert_eq!(server.calls("gitlab_rotate"), 5);
    assert_eq!(server.calls("gitlab_self_delete"), 1);
    assert_eq!(server.calls("gitlab_user"), 1);
    assert_eq!(server.active_tokens("gitlab"), ["glpat-fidelity-read"]);
    assert_eq!(server.tokens().len(), 5, "two successful rotations");
}

/// Runs the fidelity check tests/it/`script` with the venv's python and `input` on stdin (the
/// tokens and keys stay out of argv); it must pass `checks` checks and end with `all ok`.
pub(crate) fn run_fidelity(script: &str, input: &Value, checks: usize) {
    let mut cmd = Command::new(venv_python());
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/").to_owned() + script)
        .env_clear();
    let out = run(&mut cmd, input.to_string().as_bytes());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.lines().last() == Some("all ok"),
        "{said}\n{}",
        stderr(&out)
    );
    let passed = said.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(passed, checks, "{said}");
}
