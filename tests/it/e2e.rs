//! End to end: real `git clone`, `git push`, `git ls-remote` over HTTP against `git
//! http-backend` behind an auth front that enforces each provider's rules, with only vouch as
//! credential helper. Hosts map to kinds through config.toml (127.0.0.1:port), so nothing
//! depends on DNS.

use std::path::PathBuf;
use std::process::Output;

use crate::common::*;
use crate::server::{Accept, GitServer};

/// An askpass program that records each prompt and answers `user`/`pass` (or fails when
/// `answers` is None, so a prompt makes the git command fail).
pub(crate) fn askpass(env: &Env, name: &str, answers: Option<(&str, &str)>) -> (PathBuf, PathBuf) {
    let script = env.path(&format!("{name}.sh"));
    let log = env.path(&format!("{name}.log"));
    let body = match answers {
        Some((user, pass)) => format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\ncase \"$1\" in\n  Username*) echo '{user}' ;;\n  *) echo '{pass}' ;;\nesac\n",
            log.display()
        ),
        None => format!("#!/bin/sh\necho \"$1\" >> '{}'\nexit 1\n", log.display()),
    };
    std::fs::write(&script, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, log)
}

fn prompts(log: &PathBuf) -> usize {
    std::fs::read_to_string(log)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// git with only vouch as helper; prompts go to `askpass`.
pub(crate) fn git(env: &Env, askpass: &PathBuf, config: &[&str], args: &[&str]) -> Output {
    let mut cmd = env.command("git");
    cmd.arg("-c").arg(format!("credential.helper={HELPER}"));
    for c in [
        "user.name=Test",
        "user.email=test@example.com",
        "init.defaultBranch=main",
    ]
    .iter()
    .chain(config)
    {
        cmd.arg("-c").arg(c);
    }
    cmd.args(args).env("GIT_ASKPASS", askpass);
    run(&mut cmd, b"")
}

fn ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", stderr(out));
}

/// Clone, commit, push: a full round trip.
fn clone_and_push(
    env: &Env,
    askpass: &PathBuf,
    config: &[&str],
    url: &str,
    dir: &str,
) -> Result<(), String> {
    let work = env.path(&format!("home/{dir}"));
    let out = git(
        env,
        askpass,
        config,
        &["clone", "-q", url, work.to_str().unwrap()],
    );
    if !out.status.success() {
        return Err(format!("clone: {}", stderr(&out)));
    }
    std::fs::write(work.join(format!("{dir}.txt")), "change\n").unwrap();
    let w = work.to_str().unwrap();
    ok(&git(env, askpass, &[], &["-C", w, "add", "."]), "add");
    ok(
        &git(
            env,
            askpass,
            &[],
            &["-C", w, "commit", "-q", "-m", "change"],
        ),
        "commit",
    );
    let out = git(
        env,
        askpass,
        config,
        &["-C", w, "push", "-q", "origin", "HEAD:main"],
    );
    if !out.status.success() {
        return Err(format!("push: {}", stderr(&out)));
    }
    Ok(())
}

pub(crate) fn ls_remote(env: &Env, askpass: &PathBuf, config: &[&str], url: &str) -> bool {
    git(env, askpass, config, &["ls-remote", url])
        .status
        .success()
}

/// The test servers speak plain http on loopback: the instance must opt in.
pub(crate) fn instance(name: &str, kind: &str, server: &GitServer) -> String {
    format!(
        "[[provider]]\nname = \"{name}\"\nkind = \"{kind}\"\nhosts = [\"{}\"]\nallow_http = true\n",
        server.host()
    )
}

#[test]
fn an_added_token_clones_and_pushes_without_a_prompt() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(None, "glpat-corp-token")],
    );
    server.create_repo("group/app.git");
    env.write_config(&instance("corp", "gitlab-self-managed", &server));
    env.add(&["corp", "--email", "dev@corp.example"], "glpat-corp-token");
    let (no_prompt, log) = askpass(&env, "noprompt", None);
    clone_and_push(&env, &no_prompt, &[], &server.url("group/app.git"), "app").unwrap();
    assert_eq!(prompts(&log), 0, "git prompted");
    assert!(
        server
            .log()
            .iter()
            .any(|l| l.starts_with("dev@corp.example ok")),
        "{:?}",
        server.log()
    );
}

#[test]
fn a_gitlab_job_token_is_accepted_only_as_gitlab_ci_token() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(Some("gitlab-ci-token"), "glcbt-64_job")],
    );
    server.create_repo("group/app.git");
    env.write_config(&instance("corp", "gitlab-self-managed", &server));
    env.add(&["corp"], "glcbt-64_job");
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    assert!(
        ls_remote(&env, &no_prompt, &[], &server.url("group/app.git")),
        "{:?}",
        server.log()
    );
}

#[test]
fn a_bitbucket_cloud_access_token_goes_as_x_token_auth() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(Some("x-token-auth"), "ATCTT3xFfGN0repo")],
    );
    server.create_repo("team/r.git");
    env.write_config(&instance("bbc", "bitbucket-cloud", &server));
    env.add(&["bbc"], "ATCTT3xFfGN0repo");
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    clone_and_push(&env, &no_prompt, &[], &server.url("team/r.git"), "r").unwrap();
}

#[test]
fn codecommit_gets_the_exact_generated_username() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(Some("alice-at-123456789012"), "iam-pw")],
    );
    server.create_repo("v1/repos/r");
    env.write_config(&instance("cc", "aws-codecommit", &server));
    env.add(&["cc", "--username", "alice-at-123456789012"], "iam-pw");
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    clone_and_push(
        &env,
        &no_prompt,
        &["credential.useHttpPath=true"],
        &server.url("v1/repos/r"),
        "cc",
    )
    .unwrap();
}

#[test]
fn a_first_push_answered_at_the_prompt_is_stored_and_not_asked_again() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(Some("alice"), "typed-pw")],
    );
    server.create_repo("r.git");
    let (answer, log) = askpass(&env, "answer", Some(("alice", "typed-pw")));
    clone_and_push(&env, &answer, &[], &server.url("r.git"), "first").unwrap();
    assert!(
        prompts(&log) >= 2,
        "expected git to prompt for username and password"
    );
    let (no_prompt, none_log) = askpass(&env, "noprompt", None);
    clone_and_push(&env, &no_prompt, &[], &server.url("r.git"), "second").unwrap();
    assert_eq!(prompts(&none_log), 0);
    // It was stored encrypted: the password is nowhere in the store file.
    let bytes = env.store_bytes().unwrap();
    assert!(!bytes.windows(8).any(|w| w == b"typed-pw"));

    // On a provider host the typed token is filed under the instance and account.
    let env = Env::new();
    let server = GitServer::start(&env.path("srv"), vec![Accept::basic(None, "glpat-typed")]);
    server.create_repo("g/p.git");
    env.write_config(&instance("corp", "gitlab-self-managed", &server));
    let (answer, _) = askpass(&env, "answer", Some(("dev@corp.example", "glpat-typed")));
    clone_and_push(&env, &answer, &[], &server.url("g/p.git"), "typed").unwrap();
    let c = &env.list_json()["credentials"][0];
    assert_eq!(
        (
            c["provider"].as_str(),
            c["account"].as_str(),
            c["origin"].as_str()
        ),
        (Some("corp"), Some("dev@corp.example"), Some("git"))
    );
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    assert!(ls_remote(&env, &no_prompt, &[], &server.url("g/p.git")));
}

#[test]
fn a_rejected_token_follows_the_erase_policy() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::basic(None, "the-right-token")],
    );
    server.create_repo("r.git");
    env.write_config(&instance("gt", "gitea", &server));
    let id = env.add(&["gt", "--username", "alice"], "a-revoked-token");
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    assert!(!ls_remote(&env, &no_prompt, &[], &server.url("r.git")));
    // Added with `add`: kept, marked rejected with the URL.
    let c = &env.list_json()["credentials"][0];
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["rejected"]["url"], format!("http://{}", server.host()));
    let doctor = env.helper(&["doctor"], b"");
    assert!(stdout(&doctor).contains("rejected:"), "{}", stdout(&doctor));
    // rotate clears it and works.
    env.vouch(&["rotate", &id], "the-right-token\n");
    assert!(ls_remote(&env, &no_prompt, &[], &server.url("r.git")));
    assert_eq!(env.list_json()["credentials"][0]["status"], "ok");

    // Learned through git's store: deleted, as git's own helpers do.
    env.vouch(&["remove", &id], "");
    env.approve(&format!(
        "protocol=http\nhost={}\nusername=alice\npassword=wrong-typed\n",
        server.host()
    ));
    assert_eq!(env.list_json()["credentials"].as_array().unwrap().len(), 1);
    assert!(!ls_remote(&env, &no_prompt, &[], &server.url("r.git")));
    assert!(
        env.list_json()["credentials"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_repository_scoped_token_beats_the_host_wide_one() {
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![
            Accept::basic(Some("alice"), "scoped-token").only("special.git"),
            Accept::basic(Some("alice"), "wide-token").only("other.git"),
        ],
    );
    server.create_repo("acme/special.git");
    server.create_repo("acme/other.git");
    env.write_config(&instance("gt", "gitea", &server));
    env.add(&["gt", "--username", "alice"], "wide-token");
    env.add(
        &["gt", "--username", "alice", "--repo", "acme/special"],
        "scoped-token",
    );
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    let path = ["credential.useHttpPath=true"];
    clone_and_push(
        &env,
        &no_prompt,
        &path,
        &server.url("acme/special.git"),
        "special",
    )
    .unwrap();
    assert!(ls_remote(
        &env,
        &no_prompt,
        &path,
        &server.url("acme/other.git")
    ));
}

#[test]
fn a_data_center_project_token_is_sent_as_bearer() {
    if git_version() < (2, 46) {
        eprintln!(
            "git {:?} cannot send Bearer credentials from a helper; skipped",
            git_version()
        );
        return;
    }
    let env = Env::new();
    let server = GitServer::start(
        &env.path("srv"),
        vec![Accept::bearer("project-http-token").only("PROJ")],
    );
    server.create_repo("scm/PROJ/r.git");
    env.write_config(&instance("bb-dc", "bitbucket-server", &server));
    env.add(
        &["bb-dc", "--token-kind", "project-token", "--repo", "PROJ"],
        "project-http-token",
    );
    let (no_prompt, _) = askpass(&env, "noprompt", None);
    clone_and_push(
        &env,
        &no_prompt,
        &["credential.useHttpPath=true"],
        &server.url("scm/PROJ/r.git"),
        "dc",
    )
    .unwrap();
    assert!(
        server.log().iter().any(|l| l.starts_with("bearer ok")),
        "{:?}",
        server.log()
    );
    // git sends the Bearer credential back with `store`: it is the one answered, not a new one.
    let list = env.list_json();
    assert_eq!(list["credentials"].as_array().unwrap().len(), 1, "{list}");
}
