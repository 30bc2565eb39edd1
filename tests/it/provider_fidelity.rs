//! The provider test server against the real GitLab client, python-gitlab (installed into
//! target/test-venv by tests/run.sh): tests/it/provider_fidelity.py reads self, rotates,
//! reuses a rotated token, is refused rotation without scope and deletes, as GitLab answers.

use std::process::Command;

use crate::common::{run, venv_python};
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
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/provider_fidelity.py");
    let input = serde_json::json!({
        "url": server.base_url("gitlab"),
        "rotatable": "glpat-fidelity-rotate",
        "chain": "glpat-fidelity-chain",
        "readonly": "glpat-fidelity-read",
        "today": day(0),
    });
    let mut cmd = Command::new(venv_python());
    cmd.arg(script).env_clear();
    let out = run(&mut cmd, input.to_string().as_bytes());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.lines().last() == Some("all ok"),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        said.lines().filter(|l| l.starts_with("ok ")).count(),
        18,
        "{said}"
    );

    // What the client did, as the server saw it.
    assert_eq!(server.calls("gitlab_rotate"), 5);
    assert_eq!(server.calls("gitlab_self_delete"), 1);
    assert_eq!(server.calls("gitlab_user"), 1);
    assert_eq!(server.active_tokens("gitlab"), ["glpat-fidelity-read"]);
    assert_eq!(server.tokens().len(), 5, "two successful rotations");
}
