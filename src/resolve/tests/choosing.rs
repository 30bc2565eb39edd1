//! Which credential answers: URL user, scope, path prefix, picks, default; never a guess.

use super::*;

#[test]
fn url_username_then_scope_then_default() {
    let c = config("");
    let alice = cred(
        "alice",
        "github",
        TokenKind::GitHubClassicPat,
        Some("alice"),
        Some("alice"),
    );
    let bob = cred(
        "bob",
        "github",
        TokenKind::GitHubClassicPat,
        Some("bob"),
        Some("bob"),
    );
    let mut scoped = cred(
        "scoped",
        "github",
        TokenKind::GitHubFineGrainedPat,
        Some("alice"),
        Some("alice"),
    );
    scoped.scope = Some("o/r".into());
    let all = [alice.clone(), bob.clone(), scoped.clone()];
    // Two host-wide accounts and no URL user: no guess.
    assert_eq!(
        chosen(&c, &target("github.com", None, None), &all[..2]),
        None
    );
    assert_eq!(
        chosen(&c, &target("github.com", None, Some("bob")), &all)
            .unwrap()
            .0,
        "bob"
    );
    // The repository scope beats host-wide for the same user.
    assert_eq!(
        chosen(
            &c,
            &target("github.com", Some("o/r.git"), Some("alice")),
            &all
        )
        .unwrap()
        .0,
        "scoped"
    );
    assert_eq!(
        chosen(
            &c,
            &target("github.com", Some("o/other"), Some("alice")),
            &all
        )
        .unwrap()
        .0,
        "alice"
    );
    // A default breaks a tie.
    let mut bob_default = bob.clone();
    bob_default.is_default = true;
    assert_eq!(
        chosen(&c, &target("github.com", None, None), &[alice, bob_default])
            .unwrap()
            .0,
        "bob"
    );
}

#[test]
fn the_url_username_is_never_replaced() {
    let c = config("");
    let inst = cred("i", "github", TokenKind::GitHubAppInstallation, None, None);
    assert_eq!(
        chosen(
            &c,
            &target("github.com", None, None),
            std::slice::from_ref(&inst)
        )
        .unwrap()
        .1
        .as_deref(),
        Some("x-access-token")
    );
    assert_eq!(
        chosen(
            &c,
            &target("github.com", None, Some("x-access-token")),
            &[inst]
        )
        .unwrap()
        .1
        .as_deref(),
        Some("x-access-token")
    );
}

#[test]
fn bearer_tokens_need_the_capability() {
    let c = config(
        "[[provider]]\nname = \"bb\"\nkind = \"bitbucket-server\"\nhosts = [\"bb.corp:7990\"]\n",
    );
    let project = cred("p", "bb", TokenKind::BitbucketServerProject, None, None);
    let t = target("bb.corp:7990", None, None);
    let lookup = lookup(&c, &t);
    assert!(matches!(
        resolve(&lookup, &t, std::slice::from_ref(&project), 0).outcome,
        Outcome::Answer {
            bearer: true,
            username: None,
            ..
        }
    ));
    let old_git = Target {
        capability_authtype: false,
        ..t
    };
    let r = resolve(&lookup, &old_git, std::slice::from_ref(&project), 0);
    assert!(matches!(r.outcome, Outcome::Nothing(_)));
    assert_eq!(
        r.candidates[0].outcome,
        Err(Exclusion::BearerNeedsCapability)
    );
}

#[test]
fn azure_takes_the_organization_from_the_url_user() {
    let c = config("");
    let mut org_a = cred(
        "a",
        "azure-devops",
        TokenKind::AzurePat,
        Some("me@corp.example"),
        None,
    );
    org_a.scope = Some("org-a".into());
    let mut org_b = cred(
        "b",
        "azure-devops",
        TokenKind::AzurePat,
        Some("me@corp.example"),
        None,
    );
    org_b.scope = Some("org-b".into());
    let all = [org_a, org_b];
    // With the path (useHttpPath), or with only the URL user naming the organization.
    assert_eq!(
        chosen(
            &c,
            &target("dev.azure.com", Some("org-b/p/_git/r"), Some("org-b")),
            &all
        )
        .unwrap(),
        ("b".into(), Some("org-b".into()))
    );
    assert_eq!(
        chosen(&c, &target("dev.azure.com", None, Some("org-a")), &all)
            .unwrap()
            .0,
        "a"
    );
    let lookup = lookup(&c, &target("dev.azure.com", None, None));
    let r = resolve(&lookup, &target("dev.azure.com", None, None), &all, 0);
    assert!(
        r.notes.iter().any(|n| n.contains("useHttpPath")),
        "{:?}",
        r.notes
    );
}

#[test]
fn a_path_prefix_instance_beats_the_host_and_needs_the_path() {
    let c = config(
        "[[provider]]\nname = \"team-a\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"]\npath_prefix = \"/team-a\"\n\
         [[provider]]\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"]\n",
    );
    let team = cred(
        "team",
        "team-a",
        TokenKind::GitLabPersonal,
        Some("a@corp.example"),
        None,
    );
    let host = cred(
        "host",
        "corp",
        TokenKind::GitLabPersonal,
        Some("a@corp.example"),
        None,
    );
    let all = [team, host];
    assert_eq!(
        chosen(&c, &target("git.corp", Some("team-a/g/p.git"), None), &all)
            .unwrap()
            .0,
        "team"
    );
    assert_eq!(
        chosen(&c, &target("git.corp", Some("team-b/g/p.git"), None), &all)
            .unwrap()
            .0,
        "host"
    );
    let t = target("git.corp", None, None);
    let lookup = lookup(&c, &t);
    assert_eq!(lookup.undecided.len(), 1);
    let r = resolve(&lookup, &t, &all, 0);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("team-a") && n.contains("useHttpPath"))
    );
}

#[test]
fn wildcard_instances_bind_credentials_to_their_host() {
    let c = config("");
    let mut acme = cred(
        "acme",
        "ghe.com",
        TokenKind::GitHubClassicPat,
        Some("alice"),
        Some("alice"),
    );
    acme.host = "acme.ghe.com".into();
    assert_eq!(
        chosen(
            &c,
            &target("acme.ghe.com", None, None),
            std::slice::from_ref(&acme)
        )
        .unwrap()
        .0,
        "acme"
    );
    assert_eq!(
        chosen(&c, &target("other.ghe.com", None, None), &[acme]),
        None
    );
}

#[test]
fn expired_tokens_do_not_answer() {
    let c = config("");
    let mut old = cred(
        "old",
        "github",
        TokenKind::GitHubClassicPat,
        Some("alice"),
        Some("alice"),
    );
    old.password_expiry_utc = Some(999);
    assert_eq!(chosen(&c, &target("github.com", None, None), &[old]), None);
}

#[test]
fn non_http_protocols_are_generic() {
    let c = config("");
    let t = Target {
        protocol: "cert",
        ..target("github.com", None, None)
    };
    assert!(!lookup(&c, &t).is_provider());
}

#[test]
fn a_pick_settles_a_tie_for_its_owner_and_the_most_specific_pick_wins() {
    let c = config("");
    let account = |id: &str| {
        cred(
            id,
            "github",
            TokenKind::GitHubClassicPat,
            Some(id),
            Some(id),
        )
    };
    let (mut alice, mut bob) = (account("alice"), account("bob"));
    bob.chosen_for = vec!["acme".into()];
    let at = |path: Option<&'static str>, creds: &[Credential]| {
        chosen(&c, &target("github.com", path, None), creds).map(|(id, _)| id)
    };
    let both = [alice.clone(), bob.clone()];
    assert_eq!(at(Some("acme/app.git"), &both).as_deref(), Some("bob"));
    assert_eq!(
        at(Some("ACME/other"), &both).as_deref(),
        Some("bob"),
        "owners ignore case"
    );
    assert_eq!(
        at(Some("acme-corp/app"), &both),
        None,
        "whole segments only"
    );
    assert_eq!(at(None, &both), None, "no path, no owner");
    // A pick for the whole host answers everywhere, but a pick for the owner beats it.
    alice.chosen_for = vec![String::new()];
    let both = [alice.clone(), bob.clone()];
    assert_eq!(at(None, &both).as_deref(), Some("alice"));
    assert_eq!(at(Some("me/x"), &both).as_deref(), Some("alice"));
    assert_eq!(at(Some("acme/app"), &both).as_deref(), Some("bob"));
    // A pick beats the default among equals; it never beats a more specific scope.
    alice.chosen_for.clear();
    alice.is_default = true;
    let mut scoped = account("carol");
    scoped.scope = Some("acme/app".into());
    let all = [alice.clone(), bob.clone(), scoped];
    assert_eq!(at(Some("acme/lib"), &all).as_deref(), Some("bob"));
    assert_eq!(at(Some("acme/app"), &all).as_deref(), Some("carol"));
    assert_eq!(at(Some("me/x"), &all).as_deref(), Some("alice"));
    // Two picks at the same depth for one place: still no guess.
    alice.is_default = false;
    alice.chosen_for = vec!["acme".into()];
    assert_eq!(at(Some("acme/app"), &[alice, bob]), None);
}
