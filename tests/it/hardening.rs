//! What a new user and an attacker found (issue 9): provider tokens only over https, config
//! that others can change is not trusted, one instance per place, the seeds' spellings of
//! providers, and typos that must not pass for git's future actions.

use crate::common::*;

const TOKEN: &str = "ghp_httpsonlytoken0123456789abcdefghijkl";

fn with_github_token() -> Env {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], TOKEN);
    env
}

#[test]
fn a_provider_token_is_never_answered_over_plain_http() {
    let env = with_github_token();
    for url in [
        "http://github.com/o/r.git",
        "http://gist.github.com/abc.git",
        "http://alice@github.com/o/r.git",
    ] {
        assert_eq!(env.fill(&format!("url={url}\n")), None, "{url}");
    }
    let https = env.fill("url=https://github.com/o/r.git\n");
    assert_eq!(get(&https, "password"), Some(TOKEN));
    let explained = env.vouch(&["resolve", "http://github.com/o/r.git"], "");
    assert!(explained.contains("instance:   none"), "{explained}");
}

#[test]
fn what_git_stores_for_http_never_replaces_the_https_token() {
    let env = with_github_token();
    env.approve("url=http://github.com/o/r.git\nusername=bob\npassword=typed-over-http\n");
    let https = env.fill("url=https://github.com/o/r.git\n");
    assert_eq!(
        get(&https, "password"),
        Some(TOKEN),
        "the https token stays"
    );
    assert_eq!(get(&https, "username"), Some("alice"));
    // The http credential is a generic entry of its own, for http only, like git's store.
    let http = env.fill("url=http://github.com/o/r.git\n");
    assert_eq!(get(&http, "password"), Some("typed-over-http"));
    let list = env.list_json();
    let entries = list["credentials"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{list}");
    // Rejecting the http one leaves the https token alone.
    env.reject("url=http://github.com/o/r.git\nusername=bob\npassword=typed-over-http\n");
    assert_eq!(env.fill("url=http://github.com/o/r.git\n"), None);
    let https = env.fill("url=https://github.com/o/r.git\n");
    assert_eq!(get(&https, "password"), Some(TOKEN));
}

#[test]
fn allow_http_opts_an_instance_in_and_doctor_warns_off_loopback() {
    let env = Env::new();
    env.write_config(
        "[[provider]]\nname = \"lab\"\nkind = \"gitea\"\nhosts = [\"127.0.0.1:3000\"]\nallow_http = true\n\
         [[provider]]\nname = \"intranet\"\nkind = \"gitea\"\nhosts = [\"git.intranet\"]\nallow_http = true\n\
         [[provider]]\nname = \"strict\"\nkind = \"gitea\"\nhosts = [\"git.strict\"]\n",
    );
    env.add(&["lab", "--username", "u"], "lab-token");
    env.add(&["strict", "--username", "u"], "strict-token");
    let lab = env.fill("url=http://127.0.0.1:3000/o/r.git\n");
    assert_eq!(get(&lab, "password"), Some("lab-token"));
    assert_eq!(env.fill("url=http://git.strict/o/r.git\n"), None);
    let strict = env.fill("url=https://git.strict/o/r.git\n");
    assert_eq!(get(&strict, "password"), Some("strict-token"));

    let doctor = env.helper(&["doctor", "--json"], b"");
    let plain: Vec<serde_json::Value> = doctor_checks(&doctor)
        .into_iter()
        .filter(|c| c["check"] == "plain-http")
        .collect();
    assert_eq!(plain.len(), 2, "{plain:?}");
    let level = |name: &str| {
        plain
            .iter()
            .find(|c| c["message"].as_str().unwrap().starts_with(name))
            .map(|c| c["level"].as_str().unwrap().to_owned())
    };
    assert_eq!(level("lab").as_deref(), Some("ok"));
    assert_eq!(level("intranet").as_deref(), Some("warn"));
}

#[cfg(unix)]
#[test]
fn a_config_others_can_write_is_refused_and_get_answers_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let env = with_github_token();
    env.write_config("on_reject = \"keep\"\n");
    let file = env.path("config/git-credential-vouch/config.toml");
    let dir = env.path("config/git-credential-vouch");
    let chmod = |p: &std::path::Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let request = b"protocol=https\nhost=github.com\n";
    for (path, mode) in [(&file, 0o620), (&dir, 0o707)] {
        chmod(path, mode);
        let out = env.helper(&["get"], request);
        let message = assert_fails(&out, 2);
        assert!(out.stdout.is_empty(), "answered from an untrusted config");
        assert!(
            message.contains("writable by group or others")
                && message.contains(&format!("chmod go-w {}", path.display())),
            "{message}"
        );
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(!message.contains(TOKEN));
        chmod(path, if path == &file { 0o600 } else { 0o700 });
    }
    let out = env.helper(&["get"], request);
    assert!(stdout(&out).contains(TOKEN), "trusted again once fixed");
    // A file another user owns is theirs to chmod: refused too (checkable only as root).
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata(&file).unwrap().uid() == 0 {
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        let message = assert_fails(&env.helper(&["get"], request), 2);
        assert!(message.contains("owned by another user"), "{message}");
    }
}

#[test]
fn a_config_that_claims_a_builtin_host_or_a_taken_place_is_refused() {
    let env = with_github_token();
    let cases = [
        (
            "[[provider]]\nname = \"mine\"\nkind = \"gitea\"\nhosts = [\"github.com\"]\n",
            &["`mine`", "built-in instance `github`"][..],
        ),
        (
            "[[provider]]\nname = \"a\"\nkind = \"gitea\"\nhosts = [\"git.corp\"]\n\
             [[provider]]\nname = \"b\"\nkind = \"gitlab\"\nhosts = [\"git.corp\"]\n",
            &["`a`", "`b`"][..],
        ),
        (
            "[[provider]]\nname = \"a\"\nkind = \"gitea\"\nhosts = [\"git.corp\"]\npath_prefix = \"/x/../y\"\n",
            &["path_prefix"][..],
        ),
        (
            "[[provider]]\nname = \"a\"\nkind = \"gitea\"\nhosts = [\"git.corp\"]\npath_prefix = \"/x?y\"\n",
            &["path_prefix"][..],
        ),
    ];
    for (toml, named) in cases {
        env.write_config(toml);
        let message = assert_fails(
            &env.helper(&["get"], b"protocol=https\nhost=github.com\n"),
            2,
        );
        for name in named {
            assert!(message.contains(name), "{toml}: {message}");
        }
    }
    // Different prefixes on one host stay valid; the built-in's own name amends it.
    env.write_config(
        "[[provider]]\nname = \"a\"\nkind = \"gitea\"\nhosts = [\"git.corp\"]\npath_prefix = \"/x\"\n\
         [[provider]]\nname = \"b\"\nkind = \"gitea\"\nhosts = [\"git.corp\"]\npath_prefix = \"/y\"\n\
         [[provider]]\nname = \"GitHub\"\non_reject = \"delete\"\n",
    );
    let a = env.fill("url=https://github.com/o/r.git\n");
    assert_eq!(get(&a, "password"), Some(TOKEN));
    // The amendment took effect: a rejected added token is now deleted.
    env.reject(&format!(
        "url=https://github.com/o/r.git\nusername=alice\npassword={TOKEN}\n"
    ));
    assert_eq!(env.fill("url=https://github.com/o/r.git\n"), None);
}

#[test]
fn a_host_with_an_empty_port_is_malformed() {
    let env = with_github_token();
    let message = assert_fails(
        &env.helper(&["get"], b"protocol=https\nhost=github.com:\n"),
        2,
    );
    assert!(message.contains("port"), "{message}");
}

#[test]
fn the_seeds_spellings_of_providers_name_their_instance() {
    let env = Env::new();
    for (n, (spelling, instance, token)) in [
        ("GitHub", "github", "ghp_spelling1"),
        ("gitHub", "github", "ghp_spelling2"),
        ("gitLab", "gitlab", "glpat-spelling"),
        ("bitbucket-cloud", "bitbucket", "ATBBspelling1"),
        ("bitbucketCloud", "bitbucket", "ATBBspelling2"),
    ]
    .into_iter()
    .enumerate()
    {
        let user = format!("someone-{n}");
        let email = format!("{user}@b.example");
        let mut args = vec![spelling, "--username", &user];
        if instance == "gitlab" {
            args.extend(["--email", &email]);
        }
        let id = env.add(&args, token);
        let shown = env.vouch(&["show", &id, "--json"], "");
        let json: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(json["provider"], instance, "{spelling}: {json}");
    }
    env.write_config(
        "[[provider]]\nname = \"corp\"\nkind = \"github-enterprise\"\nhosts = [\"ghe.corp\"]\n",
    );
    let message = assert_fails(
        &env.helper(&["add", "github-enterprise", "--username", "x"], b"ghp_x\n"),
        2,
    );
    assert!(
        message.contains("corp") && message.contains("ghe.com"),
        "{message}"
    );
    let id = env.add(&["CORP", "--username", "x"], "ghp_corp");
    assert!(env.vouch(&["show", &id], "").contains("corp"));
}

#[test]
fn a_typo_with_arguments_is_an_unknown_command() {
    let env = Env::new();
    let message = assert_fails(&env.helper(&["verfy", "--json"], b""), 2);
    assert!(
        message.contains("unknown command `verfy`") && message.contains("did you mean `verify`?"),
        "{message}"
    );
    // git's own future actions come alone, from a pipe: ignored silently.
    let out = env.helper(&["capability"], b"");
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn a_typo_at_a_terminal_is_an_unknown_command() {
    let env = Env::new();
    let done = env.path("done");
    let term = Terminal::start(
        &env,
        &format!(
            "{HELPER} verfy; echo \"exit=$?\"; touch '{}'; sleep 30",
            done.display()
        ),
    );
    assert!(term.wait(&|| done.exists()), "{}", term.screen());
    let screen = term.screen();
    assert!(
        screen.contains("unknown command `verfy`") && screen.contains("exit=2"),
        "{screen}"
    );
}
