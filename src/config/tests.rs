//! config.toml parsing: errors name the key and line; the rules of issue 9 (trust, built-in hosts,
//! duplicate places, path prefixes, names in any case).

use super::*;
use crate::provider::Kind;
use std::path::Path;

fn parse(text: &str) -> Result<Config, Error> {
    Config::parse(text, Path::new("config.toml"))
}

fn error(text: &str) -> (usize, String) {
    match parse(text) {
        Err(Error::Invalid { line, message, .. }) => (line, message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn reads_instances_and_keeps_builtins() {
    let c = parse(
        r#"
on_reject = "delete"
[[provider]]
name = "corp-gitlab"
kind = "gitLabEnterpriseEdition"
hosts = ["git.corp.example", "*.git.corp.example", "git.corp.example:8443"]
path_prefix = "team-a/"

[[provider]]
name = "ado"
kind = "azure-devops-server"
hosts = ["ado.corp"]
virtual_directory = "/tfs"
on_reject = "keep"
"#,
    )
    .unwrap();
    let corp = c.instance("corp-gitlab").unwrap();
    assert_eq!(corp.kind, Kind::GitLabSelfManaged);
    assert_eq!(corp.hosts.len(), 3);
    assert_eq!(corp.path_prefix.as_deref(), Some("/team-a"));
    assert_eq!(
        c.instance("ado").unwrap().virtual_directory.as_deref(),
        Some("/tfs")
    );
    assert_eq!(c.instance("ado").unwrap().on_reject, Some(OnReject::Keep));
    assert_eq!(c.on_reject, Some(OnReject::Delete));
    assert!(c.instance("github").is_some());
    assert_eq!(
        c.instances[0].name, "corp-gitlab",
        "configured instances come first"
    );
}

#[test]
fn errors_name_the_key_and_line() {
    let (line, msg) =
        error("[[provider]]\nname = \"x\"\nkind = \"gitlab\"\nhosts = [\"a\"]\nfoo = 1\n");
    assert_eq!(line, 5);
    assert!(msg.contains("foo"), "{msg}");
    let (line, msg) = error("[[provider]]\nname = \"x\"\nkind = \"gitlub\"\nhosts = [\"a\"]\n");
    assert_eq!(line, 3);
    assert!(msg.starts_with("kind:") && msg.contains("gitlub"), "{msg}");
    let (line, msg) = error(
        "[[provider]]\nname = \"x\"\nkind = \"gitea\"\nhosts = [\"ok.example\",\n  \"a*.example\"]\n",
    );
    assert_eq!(line, 5);
    assert!(msg.starts_with("hosts:"), "{msg}");
    let (line, msg) = error("on_reject = \"sometimes\"\n");
    assert_eq!(line, 1);
    assert!(
        msg.contains("sometimes") || msg.contains("variant"),
        "{msg}"
    );
    let (_, msg) = error("[[provider]]\nname = \"github\"\nkind = \"gitea\"\nhosts = [\"a\"]\n");
    assert!(msg.starts_with("kind: built-in instance `github`"), "{msg}");
    let (_, msg) = error(
        "[[provider]]\nname = \"x\"\nkind = \"gitea\"\nhosts = [\"a\"]\nvirtual_directory = \"/tfs\"\n",
    );
    assert!(msg.starts_with("virtual_directory"), "{msg}");
    let (line, msg) = error("[[provider]]\nname = \"x\"\nkind = \"gitea\"\n");
    assert!(msg.contains("hosts"), "{msg}");
    assert!(line >= 1);
}

#[test]
fn missing_file_means_defaults_unless_required() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.toml");
    assert!(Config::load(&path, false).unwrap().source.is_none());
    assert!(matches!(Config::load(&path, true), Err(Error::Io { .. })));
}

fn provider(name: &str, kind: &str, hosts: &str, extra: &str) -> String {
    format!("[[provider]]\nname = \"{name}\"\nkind = \"{kind}\"\nhosts = [{hosts}]\n{extra}\n")
}

#[test]
fn a_builtin_host_belongs_to_the_builtin() {
    let (_, msg) = error(&provider("mygh", "github", "\"github.com\"", ""));
    assert!(
        msg.contains("`mygh`") && msg.contains("built-in instance `github`"),
        "{msg}"
    );
    let (_, msg) = error(&provider("wild", "gitea", "\"*.com\"", ""));
    assert!(msg.contains("`wild`") && msg.contains("`github`"), "{msg}");
    let (_, msg) = error(&provider("t", "github-enterprise", "\"acme.ghe.com\"", ""));
    assert!(msg.contains("`ghe.com`"), "{msg}");
    // A narrower instance on the built-in's host is allowed.
    let c = parse(&provider(
        "org",
        "github",
        "\"github.com\"",
        "path_prefix = \"/org\"",
    ))
    .unwrap();
    assert_eq!(
        c.instance("org").unwrap().path_prefix.as_deref(),
        Some("/org")
    );
}

#[test]
fn a_builtin_name_amends_the_builtin() {
    let c = parse(
        "[[provider]]\nname = \"GitHub\"\non_reject = \"delete\"\nissuer_url = \"https://sso.example\"\n",
    )
    .unwrap();
    let gh = c.instance("github").unwrap();
    assert!(gh.builtin);
    assert_eq!(gh.on_reject, Some(OnReject::Delete));
    assert_eq!(gh.issuer_url.as_deref(), Some("https://sso.example"));
    assert_eq!(gh.hosts.len(), 2, "hosts untouched");
    assert_eq!(c.instances.iter().filter(|i| i.name == "github").count(), 1);
    let (_, msg) = error("[[provider]]\nname = \"github\"\nhosts = [\"evil.example\"]\n");
    assert!(
        msg.starts_with("hosts: built-in instance `github`"),
        "{msg}"
    );
    let (_, msg) = error("[[provider]]\nname = \"gitlab\"\npath_prefix = \"/x\"\n");
    assert!(msg.starts_with("path_prefix:"), "{msg}");
    assert!(parse("[[provider]]\nname = \"gitlab\"\nkind = \"gitLab\"\n").is_ok());
}

#[test]
fn one_place_one_instance() {
    let two = |a: &str, b: &str| {
        format!(
            "{}{}",
            provider("one", "gitea", "\"git.corp\"", a),
            provider("two", "gitlab", "\"GIT.corp\"", b)
        )
    };
    let (line, msg) = error(&two("", ""));
    assert!(msg.contains("`one`") && msg.contains("`two`"), "{msg}");
    assert_eq!(line, 6, "the second table");
    let (_, msg) = error(&two("path_prefix = \"/a\"", "path_prefix = \"a/\""));
    assert!(msg.contains("`one`") && msg.contains("`two`"), "{msg}");
    assert!(parse(&two("path_prefix = \"/a\"", "path_prefix = \"/b\"")).is_ok());
    assert!(parse(&two("path_prefix = \"/a\"", "")).is_ok());
    let (_, msg) = error(&format!(
        "{}{}",
        provider("Dup", "gitea", "\"a.corp\"", ""),
        provider("dup", "gitea", "\"b.corp\"", "")
    ));
    assert!(msg.contains("already taken"), "{msg}");
}

#[test]
fn path_prefixes_mean_one_thing() {
    for bad in [
        "/a/../b", "./a", "a/./b", "a?b", "a#b", "a\\\\b", "a//b", "a b",
    ] {
        let (_, msg) = error(&provider(
            "p",
            "gitea",
            "\"git.corp\"",
            &format!("path_prefix = \"{bad}\""),
        ));
        assert!(msg.starts_with("path_prefix:"), "{bad}: {msg}");
    }
    let c = parse(&provider(
        "p",
        "gitea",
        "\"git.corp\"",
        "path_prefix = \"/team.a/b-c_d/\"",
    ))
    .unwrap();
    assert_eq!(
        c.instance("p").unwrap().path_prefix.as_deref(),
        Some("/team.a/b-c_d")
    );
}

#[test]
fn names_in_any_case_and_kinds_naming_their_one_instance() {
    let c = parse(&provider("corp", "github-enterprise", "\"ghe.corp\"", "")).unwrap();
    for text in ["GitHub", "gitHub", "github"] {
        assert_eq!(c.named(text).unwrap().unwrap().name, "github", "{text}");
    }
    for text in ["gitLab", "GITLAB"] {
        assert_eq!(c.named(text).unwrap().unwrap().name, "gitlab", "{text}");
    }
    for text in ["bitbucket-cloud", "bitbucketCloud", "BitBucket"] {
        assert_eq!(c.named(text).unwrap().unwrap().name, "bitbucket", "{text}");
    }
    assert_eq!(c.named("CORP").unwrap().unwrap().name, "corp");
    let several = c.named("github-enterprise").unwrap_err();
    assert!(
        several.contains("corp") && several.contains("ghe.com"),
        "{several}"
    );
    assert!(c.named("gerrit").unwrap_err().contains("no instance"));
    assert!(c.named("nothing-like-it").unwrap().is_none());
}

#[test]
fn allow_http_is_per_instance() {
    let c = parse(&provider(
        "local",
        "gitlab",
        "\"127.0.0.1:8080\"",
        "allow_http = true",
    ))
    .unwrap();
    assert!(c.instance("local").unwrap().serves("http"));
    assert!(!c.instance("github").unwrap().serves("http"));
    assert!(c.instance("github").unwrap().serves("https"));
}

#[test]
fn the_index_finds_exact_and_wildcard_hosts_in_order() {
    let c = parse(&format!(
        "{}{}",
        provider("a", "gitea", "\"*.corp\"", ""),
        provider("b", "gitea", "\"x.corp\"", "path_prefix = \"/b\"")
    ))
    .unwrap();
    let matching = |host: &str| -> Vec<String> {
        c.serving(host)
            .filter(|i| i.hosts.iter().any(|h| h.matches(host)))
            .map(|i| i.name.clone())
            .collect()
    };
    assert_eq!(matching("x.corp"), ["a", "b"]);
    assert_eq!(matching("github.com"), ["github"]);
    assert_eq!(matching("acme.ghe.com"), ["ghe.com"]);
    assert!(matching("y.x.corp").is_empty());
    assert_eq!(Kind::parse("gitea"), Some(Kind::Gitea));
}

#[cfg(unix)]
#[test]
fn config_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "on_reject = \"keep\"\n").unwrap();
    let set = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    set(dir.path(), 0o700);
    set(&path, 0o600);
    assert!(Config::load(&path, true).is_ok());
    set(&path, 0o664);
    let e = Config::load(&path, true).unwrap_err().to_string();
    assert!(
        e.contains("writable by group or others")
            && e.contains(&format!("chmod go-w {}", path.display())),
        "{e}"
    );
    set(&path, 0o644);
    set(dir.path(), 0o777);
    let e = Config::load(&path, true).unwrap_err().to_string();
    assert!(
        e.contains("writable by group or others") && e.contains(&dir.path().display().to_string()),
        "{e}"
    );
}
