//! Provider hosts through the real git: the right account, and the username that provider
//! requires, for the URL shapes users have. URLs go to `git credential fill` as `url=`, so git
//! itself decides what the helper sees (path only with credential.useHttpPath). What `store`
//! and `erase` do there: providers/filing.rs.

mod filing;

use crate::common::*;

const PATH: &str = "credential.useHttpPath=true";

fn fill(
    env: &Env,
    config: &[&str],
    url: &str,
) -> Option<std::collections::BTreeMap<String, String>> {
    env.fill_with(config, &format!("url={url}\n"))
}

/// As a git >= 2.46 asks over HTTP. The capability goes after `url=`: git clears the whole
/// credential, capabilities included, when it reads a URL.
fn fill_bearer(
    env: &Env,
    config: &[&str],
    url: &str,
) -> Option<std::collections::BTreeMap<String, String>> {
    env.fill_with(config, &format!("url={url}\ncapability[]=authtype\n"))
}

fn answer(a: &Option<std::collections::BTreeMap<String, String>>) -> (Option<&str>, Option<&str>) {
    (get(a, "username"), get(a, "password"))
}

#[test]
fn github_single_account() {
    let env = Env::new();
    env.add(
        &["github", "--username", "alice"],
        "ghp_alice0000000000000000000000000000000",
    );
    let a = fill(&env, &[], "https://github.com/o/r.git");
    assert_eq!(
        answer(&a),
        (
            Some("alice"),
            Some("ghp_alice0000000000000000000000000000000")
        )
    );
    // gist.github.com is the same instance.
    assert!(fill(&env, &[], "https://gist.github.com/abc.git").is_some());
}

#[test]
fn two_github_accounts_are_chosen_by_the_url_user() {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_alice");
    let bob = env.add(
        &["github", "--email", "bob@example.com", "--username", "bob"],
        "github_pat_bob",
    );
    assert_eq!(
        answer(&fill(&env, &[], "https://alice@github.com/o/r.git")),
        (Some("alice"), Some("ghp_alice"))
    );
    assert_eq!(
        answer(&fill(&env, &[], "https://bob@github.com/o/r.git")),
        (Some("bob"), Some("github_pat_bob"))
    );
    // No URL user, two equal accounts: no guess.
    assert!(fill(&env, &[], "https://github.com/o/r.git").is_none());
    // credential.username counts as the URL user.
    let by_config = env.fill_with(
        &["credential.username=bob"],
        "url=https://github.com/o/r.git\n",
    );
    assert_eq!(get(&by_config, "password"), Some("github_pat_bob"));
    env.vouch(&["update", &bob, "--default"], "");
    assert_eq!(
        answer(&fill(&env, &[], "https://github.com/o/r.git")),
        (Some("bob"), Some("github_pat_bob"))
    );
}

#[test]
fn azure_devops_takes_the_organization_from_the_url_user() {
    let env = Env::new();
    let pat_a = "a".repeat(52);
    let pat_b = "b".repeat(52);
    env.add(
        &[
            "azure-devops",
            "--email",
            "me@corp.example",
            "--repo",
            "org-a",
        ],
        &pat_a,
    );
    env.add(
        &[
            "azure-devops",
            "--email",
            "me@corp.example",
            "--repo",
            "org-b",
        ],
        &pat_b,
    );
    // git sends username=org-b and no path: the organization comes from the URL user, which is
    // kept as the username.
    let a = fill(&env, &[], "https://org-b@dev.azure.com/org-b/p/_git/r");
    assert_eq!(answer(&a), (Some("org-b"), Some(pat_b.as_str())));
    let a = fill(&env, &[PATH], "https://dev.azure.com/org-a/p/_git/r");
    assert_eq!(get(&a, "password"), Some(pat_a.as_str()));
    assert_eq!(get(&a, "username"), Some("me@corp.example"));
}

#[test]
fn azure_devops_server_with_a_virtual_directory() {
    let env = Env::new();
    env.write_config(
        "[[provider]]\nname = \"ado\"\nkind = \"azure-devops-server\"\nhosts = [\"ado.corp\"]\nvirtual_directory = \"/tfs\"\n",
    );
    env.add(
        &["ado", "--username", "alice", "--repo", "coll/p"],
        "server-pat",
    );
    let a = fill(&env, &[PATH], "https://ado.corp/tfs/coll/p/_git/r");
    assert_eq!(answer(&a), (Some("alice"), Some("server-pat")));
    assert!(fill(&env, &[PATH], "https://ado.corp/tfs/other/p/_git/r").is_none());
    // Without the path the scope cannot be checked; resolve says why.
    let why = env.vouch(&["resolve", "https://ado.corp/tfs/coll/p/_git/r"], "");
    assert!(why.contains("useHttpPath"), "{why}");
}

const BB_CONFIG: &str =
    "[[provider]]\nname = \"bb-dc\"\nkind = \"bitbucket-server\"\nhosts = [\"bb.corp:7990\"]\n";

#[test]
fn bitbucket_data_center_project_token_is_bearer() {
    if git_version() < (2, 46) {
        eprintln!(
            "git {:?} cannot take Bearer answers; the resolver tests cover it",
            git_version()
        );
        return;
    }
    let env = Env::new();
    env.write_config(BB_CONFIG);
    env.add(
        &["bb-dc", "--token-kind", "project-token", "--repo", "PROJ"],
        "project-token-secret",
    );
    env.add(&["bb-dc", "--username", "alice"], "personal-token-secret");
    let a = fill_bearer(&env, &[PATH], "https://bb.corp:7990/scm/PROJ/r.git");
    assert_eq!(get(&a, "authtype"), Some("Bearer"));
    assert_eq!(get(&a, "credential"), Some("project-token-secret"));
    assert_eq!(get(&a, "username"), None);
    // Another project: the personal token, with the account's username.
    let a = fill_bearer(&env, &[PATH], "https://bb.corp:7990/scm/OTHER/r.git");
    assert_eq!(answer(&a), (Some("alice"), Some("personal-token-secret")));
    // A git that cannot take Bearer never gets the project token.
    let a = fill(&env, &[PATH], "https://bb.corp:7990/scm/PROJ/r.git");
    assert_eq!(answer(&a), (Some("alice"), Some("personal-token-secret")));
}

#[test]
fn bitbucket_data_center_personal_token() {
    let env = Env::new();
    env.write_config(BB_CONFIG);
    env.add(&["bb-dc", "--username", "alice"], "personal-token-secret");
    let a = fill(&env, &[], "https://bb.corp:7990/scm/PROJ/r.git");
    assert_eq!(answer(&a), (Some("alice"), Some("personal-token-secret")));
    // The port is part of the host: the same name on another port is not this instance.
    assert!(fill(&env, &[], "https://bb.corp/scm/PROJ/r.git").is_none());
}

#[test]
fn codecommit_sends_the_generated_username_verbatim() {
    let env = Env::new();
    env.add(
        &["aws-codecommit", "--username", "alice-at-123456789012"],
        "iam-generated-password",
    );
    let a = fill(
        &env,
        &[],
        "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/r",
    );
    assert_eq!(
        answer(&a),
        (
            Some("alice-at-123456789012"),
            Some("iam-generated-password")
        )
    );
    // Bound to the instance: every region's host.
    assert!(
        fill(
            &env,
            &[],
            "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/r"
        )
        .is_some()
    );
    assert!(fill(&env, &[], "https://git-codecommit.amazonaws.com/v1/repos/r").is_none());
}

#[test]
fn gitlab_ci_job_token_sends_gitlab_ci_token() {
    let env = Env::new();
    env.write_config("[[provider]]\nname = \"corp-gitlab\"\nkind = \"gitLabEnterpriseEdition\"\nhosts = [\"git.corp.example\", \"*.git.corp.example\"]\n");
    env.add(&["corp-gitlab"], "glcbt-64_jobtoken");
    let a = fill(&env, &[], "https://git.corp.example/group/project.git");
    assert_eq!(
        answer(&a),
        (Some("gitlab-ci-token"), Some("glcbt-64_jobtoken"))
    );
    assert!(fill(&env, &[], "https://eu.git.corp.example/group/project.git").is_some());
    assert!(
        fill(&env, &[], "https://a.b.git.corp.example/group/project.git").is_none(),
        "wildcards are one label"
    );
}

#[test]
fn a_repository_scoped_credential_beats_the_host_wide_one() {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_hostwide");
    env.add(
        &["github", "--username", "alice", "--repo", "acme/special"],
        "github_pat_scoped",
    );
    assert_eq!(
        get(
            &fill(&env, &[PATH], "https://github.com/acme/special.git"),
            "password"
        ),
        Some("github_pat_scoped")
    );
    assert_eq!(
        get(
            &fill(&env, &[PATH], "https://github.com/acme/other.git"),
            "password"
        ),
        Some("ghp_hostwide")
    );
    // Without the path git cannot tell the repository: the host-wide token answers.
    assert_eq!(
        get(
            &fill(&env, &[], "https://github.com/acme/special.git"),
            "password"
        ),
        Some("ghp_hostwide")
    );
}

// Found in review: each of these once answered or overwrote the wrong credential.

#[test]
fn a_per_tenant_instance_binds_credentials_to_one_host() {
    let env = Env::new();
    let out = env.helper(&["add", "ghe.com", "--username", "alice"], b"ghp_acme\n");
    let err = assert_fails(&out, 2);
    assert!(err.contains("name the host"), "{err}");
    env.add(&["acme.ghe.com", "--username", "alice"], "ghp_acme");
    assert!(fill(&env, &[], "https://acme.ghe.com/o/r.git").is_some());
    assert!(fill(&env, &[], "https://evil.ghe.com/o/r.git").is_none());
}

#[test]
fn each_instance_reads_the_path_by_its_own_prefix() {
    let env = Env::new();
    env.write_config(
        "[[provider]]\nname = \"team-a\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"]\npath_prefix = \"/team-a\"\n\
         [[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"]\n",
    );
    env.add(&["team-a", "--email", "a@corp.example"], "glpat-team-a");
    env.add(
        &["corp", "--email", "a@corp.example", "--repo", "g/p"],
        "glpat-corp-g-p",
    );
    // team-a/g/p is team-a's project g/p, not corp's repository g/p.
    let a = fill(&env, &[PATH], "https://git.corp/team-a/g/p.git");
    assert_eq!(get(&a, "password"), Some("glpat-team-a"));
    let a = fill(&env, &[PATH], "https://git.corp/g/p.git");
    assert_eq!(get(&a, "password"), Some("glpat-corp-g-p"));
}

#[test]
fn resolve_never_echoes_a_mistyped_url() {
    let env = Env::new();
    let out = env.helper(
        &["resolve", "https:/alice:ghp_SECRETTOKEN@github.com/o/r"],
        b"",
    );
    let err = assert_fails(&out, 2);
    assert!(!err.contains("SECRETTOKEN"), "{err}");
}
