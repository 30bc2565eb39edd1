//! Install, configure, diagnose, migrate.

use std::path::Path;

use crate::common::*;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// install.sh with a fresh HOME and PREFIX. The toolchain's own dirs are kept (HOME moves),
/// and a dedicated target dir keeps the release build cached between runs.
fn install_sh(env: &Env, args: &[&str], path: Option<&str>) -> std::process::Output {
    let mut cmd = install_command(env, args);
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    run(&mut cmd, b"")
}

/// `bash install/install.sh ARGS` in the test's HOME, with the real toolchain dirs.
fn install_command(env: &Env, args: &[&str]) -> std::process::Command {
    let real_home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let dir = |var: &str, default: &str| {
        std::env::var_os(var).unwrap_or_else(|| real_home.join(default).into())
    };
    let mut cmd = env.command("bash");
    cmd.arg(Path::new(REPO).join("install/install.sh"))
        .args(args)
        .env("CARGO_HOME", dir("CARGO_HOME", ".cargo"))
        .env("RUSTUP_HOME", dir("RUSTUP_HOME", ".rustup"))
        .env(
            "CARGO_TARGET_DIR",
            Path::new(REPO).join("target/install-test"),
        );
    cmd
}

fn gitconfig(env: &Env) -> Option<String> {
    std::fs::read_to_string(env.path("home/.gitconfig")).ok()
}

#[test]
fn install_is_idempotent_and_uninstall_restores_git_config() {
    let env = Env::new();
    let prefix = env.path("prefix");
    let prefix = prefix.to_str().unwrap();
    let original = "[user]\n\tname = Someone\n[credential]\n\thelper = cache --timeout=60\n";
    std::fs::write(env.path("home/.gitconfig"), original).unwrap();

    let first = install_sh(&env, &["--prefix", prefix], None);
    assert!(
        first.status.success(),
        "install failed: {}{}",
        stdout(&first),
        stderr(&first)
    );
    let text = stdout(&first);
    let binary = env.path("prefix/bin/git-credential-vouch");
    assert!(binary.exists(), "{text}");
    assert!(
        text.contains("installed") && text.contains("initialized") && text.contains("asks"),
        "{text}"
    );
    assert!(
        text.contains("not on PATH"),
        "PREFIX/bin is not on PATH here: {text}"
    );
    let helpers = stdout(&run(
        env.command("git")
            .args(["config", "--global", "--get-all", "credential.helper"]),
        b"",
    ));
    assert_eq!(
        helpers.lines().collect::<Vec<_>>(),
        vec![binary.to_str().unwrap(), "cache --timeout=60"],
        "vouch first, the user's helper kept"
    );
    assert!(env.store_path().exists());

    // Second run: a no-op that says so.
    let config_after_first = gitconfig(&env);
    let mtime = std::fs::metadata(&binary).unwrap().modified().unwrap();
    let second = install_sh(&env, &["--prefix", prefix], None);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("nothing changed"),
        "{}",
        stdout(&second)
    );
    assert_eq!(gitconfig(&env), config_after_first);
    assert_eq!(
        std::fs::metadata(&binary).unwrap().modified().unwrap(),
        mtime
    );

    // Uninstall: binary and config lines go, the store stays.
    let out = install_sh(&env, &["--uninstall", "--prefix", prefix], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!binary.exists());
    assert_eq!(
        gitconfig(&env).as_deref(),
        Some(original),
        "git config differs from before install"
    );
    assert!(
        env.store_path().exists(),
        "the store must stay without --purge"
    );

    // --purge takes the store and key too.
    assert!(
        install_sh(&env, &["--prefix", prefix], None)
            .status
            .success()
    );
    let out = install_sh(&env, &["--uninstall", "--purge", "--prefix", prefix], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!env.store_path().exists() && !env.key_path().exists());
    assert_eq!(gitconfig(&env).as_deref(), Some(original));
}

#[test]
fn install_refuses_early_when_a_prerequisite_is_missing() {
    let env = Env::new();
    // A PATH with git but no cargo.
    let bin = env.path("onlygit");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["git", "bash", "sed", "dirname", "cat"] {
        if let Some(found) = which(tool) {
            std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
        }
    }
    let prefix = env.path("prefix");
    let out = install_sh(
        &env,
        &["--prefix", prefix.to_str().unwrap()],
        Some(bin.to_str().unwrap()),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing prerequisite: cargo"),
        "{}",
        stderr(&out)
    );
    assert!(!prefix.exists(), "something was changed before the check");
    assert!(gitconfig(&env).is_none());
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.exists())
}

#[test]
fn configure_sets_use_http_path_where_needed_and_unconfigure_takes_it_back() {
    let env = Env::new();
    env.write_config("[[provider]]\nname = \"team\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp:8443\"]\npath_prefix = \"/team-a\"\n");
    std::fs::write(env.path("home/.gitconfig"), "[user]\n\tname = x\n").unwrap();
    let before = gitconfig(&env);
    let out = env.vouch(&["configure"], "");
    assert!(out.contains("dev.azure.com"), "{out}");
    let get = |url: &str| {
        stdout(&run(
            env.command("git")
                .args(["config", "--get-urlmatch", "credential.useHttpPath", url]),
            b"",
        ))
        .trim()
        .to_owned()
    };
    assert_eq!(get("https://dev.azure.com/org/p/_git/r"), "true");
    assert_eq!(
        get("https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/r"),
        "true"
    );
    assert_eq!(get("https://git.corp:8443/team-a/x.git"), "true");
    assert_eq!(get("https://github.com/o/r"), "");
    assert!(env.vouch(&["configure"], "").contains("nothing changed"));
    env.vouch(&["unconfigure"], "");
    assert_eq!(gitconfig(&env), before);
}

#[test]
fn doctor_on_a_healthy_setup() {
    let env = Env::new();
    env.vouch(&["init", "--key", "file"], "");
    env.vouch(&["configure"], "");
    env.add(&["github", "--username", "alice"], "ghp_x");
    let out = env.helper(&["doctor"], b"");
    assert_ok(&out, "doctor");
    let text = stdout(&out);
    assert!(!text.contains("FAIL"), "{text}");
    for check in [
        "git ",
        "git config",
        "key ",
        "store",
        "config",
        "expired",
        "plaintext",
    ] {
        assert!(text.contains(check), "no {check} line: {text}");
    }
    let store = doctor_check(&env.helper(&["doctor", "--json"], b""), "store");
    assert_eq!(store["level"], "ok");
    assert!(
        store["message"].as_str().unwrap().contains("1 entries"),
        "{store}"
    );
}

fn doctor_fails_with(env: &Env, check: &str, needle: &str) {
    let out = env.helper(&["doctor", "--json"], b"");
    assert_eq!(
        out.status.code(),
        Some(1),
        "doctor must exit 1: {}",
        stdout(&out)
    );
    let failed: Vec<serde_json::Value> = doctor_checks(&out)
        .into_iter()
        .filter(|c| c["level"] == "fail")
        .collect();
    assert!(
        failed
            .iter()
            .any(|c| c["check"] == check && c["message"].as_str().unwrap().contains(needle)),
        "no failing {check} check mentioning {needle}: {failed:?}"
    );
}

#[test]
fn doctor_on_broken_setups() {
    // The key cannot be reached.
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_x");
    std::fs::remove_file(env.key_path()).unwrap();
    doctor_fails_with(&env, "key", "missing");

    // A bad config file.
    let env = Env::new();
    env.write_config("[[provider]]\nname = 1\n");
    doctor_fails_with(&env, "config", "line");

    // A world-readable store.
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_x");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(env.store_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    doctor_fails_with(&env, "store", "readable by others");

    // git not configured to use vouch.
    let env = Env::new();
    doctor_fails_with(&env, "git config", "configure");

    // Plaintext credentials are reported.
    let env = Env::new();
    std::fs::write(
        env.path("home/.git-credentials"),
        "https://a:b@example.com\n",
    )
    .unwrap();
    let out = env.helper(&["doctor"], b"");
    assert!(stdout(&out).contains("1 in"), "{}", stdout(&out));
}

#[test]
fn import_moves_a_git_credentials_file() {
    let env = Env::new();
    let file = env.path("home/.git-credentials");
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&format!("https://user{i}:p%40ss{i}@host{i}.example.com\n"));
    }
    text.push_str("https://alice:ghp_imported@github.com\n");
    std::fs::write(&file, &text).unwrap();

    let out = env.vouch(&["import"], "");
    assert!(out.contains("101 entries, 101 new"), "{out}");
    assert!(
        file.exists(),
        "the plaintext file stays without --remove-source"
    );
    for i in 0..100 {
        let out = env.helper(
            &["get"],
            format!("protocol=https\nhost=host{i}.example.com\n").as_bytes(),
        );
        assert_eq!(
            stdout(&out),
            format!("username=user{i}\npassword=p@ss{i}\n"),
            "entry {i}"
        );
    }
    let a = env.fill("protocol=https\nhost=host42.example.com\n");
    assert_eq!(get(&a, "password"), Some("p@ss42"));
    let list = env.list_json();
    let github = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["provider"] == "github")
        .unwrap();
    assert_eq!(github["account"], "alice");

    // Again: nothing twice.
    let store = env.store_bytes().unwrap();
    let again = env.vouch(&["import"], "");
    assert!(again.contains("101 entries, 0 new"), "{again}");
    assert_eq!(
        env.list_json()["credentials"].as_array().unwrap().len(),
        101
    );
    assert!(
        env.store_bytes().unwrap() == store,
        "a re-import rewrote the store"
    );

    let out = env.vouch(
        &[
            "import",
            "--from",
            file.to_str().unwrap(),
            "--remove-source",
        ],
        "",
    );
    assert!(out.contains("plaintext file removed"), "{out}");
    assert!(!file.exists());
    assert!(
        env.fill("protocol=https\nhost=host7.example.com\n")
            .is_some()
    );
}

#[test]
fn install_in_a_home_without_gitconfig_and_other_scopes() {
    let env = Env::new();
    let prefix = env.path("prefix");
    let prefix = prefix.to_str().unwrap();
    // --no-configure touches no git config at all.
    let out = install_sh(&env, &["--prefix", prefix, "--no-configure"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        gitconfig(&env).is_none(),
        "--no-configure wrote ~/.gitconfig"
    );
    // A fresh HOME has no ~/.gitconfig: after install and uninstall it has none again.
    assert!(
        install_sh(&env, &["--prefix", prefix], None)
            .status
            .success()
    );
    assert!(gitconfig(&env).is_some());
    let out = install_sh(&env, &["--uninstall", "--prefix", prefix], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        gitconfig(&env).is_none(),
        "uninstall left {:?}",
        gitconfig(&env)
    );

    // --system writes the system config (here a file named by GIT_CONFIG_SYSTEM).
    let system = env.path("etc-gitconfig");
    let original = "[credential]\n\thelper = osxkeychain\n";
    std::fs::write(&system, original).unwrap();
    let mut cmd = install_command(&env, &["--prefix", prefix, "--system"]);
    cmd.env_remove("GIT_CONFIG_NOSYSTEM")
        .env("GIT_CONFIG_SYSTEM", &system);
    let out = run(&mut cmd, b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&system).unwrap();
    assert!(
        text.contains("git-credential-vouch") && text.contains("osxkeychain"),
        "{text}"
    );
    assert!(gitconfig(&env).is_none(), "--system wrote ~/.gitconfig");
    let mut cmd = install_command(&env, &["--uninstall", "--prefix", prefix, "--system"]);
    cmd.env_remove("GIT_CONFIG_NOSYSTEM")
        .env("GIT_CONFIG_SYSTEM", &system);
    assert!(run(&mut cmd, b"").status.success());
    assert_eq!(std::fs::read_to_string(&system).unwrap(), original);
}

#[test]
fn configure_local_writes_only_the_repository_config() {
    let env = Env::new();
    let repo = env.path("home/repo");
    assert!(
        run(
            env.command("git")
                .args(["init", "-q", repo.to_str().unwrap()]),
            b""
        )
        .status
        .success()
    );
    let local = || std::fs::read_to_string(repo.join(".git/config")).unwrap();
    let before = local();
    let mut cmd = env.command(HELPER);
    cmd.current_dir(&repo).arg("configure").arg("--local");
    assert_ok(&run(&mut cmd, b""), "configure --local");
    assert!(local().contains("git-credential-vouch"));
    assert!(gitconfig(&env).is_none());
    let mut cmd = env.command(HELPER);
    cmd.current_dir(&repo).args(["unconfigure", "--local"]);
    assert_ok(&run(&mut cmd, b""), "unconfigure --local");
    assert_eq!(local(), before);
}

#[test]
fn doctor_warns_about_helpers_first_and_expiring_tokens() {
    let env = Env::new();
    std::fs::write(
        env.path("home/.gitconfig"),
        format!("[credential]\n\thelper = cache\n\thelper = {HELPER}\n"),
    )
    .unwrap();
    let expired = env.add(
        &["github", "--username", "old", "--expires", "2001-01-01"],
        "ghp_old",
    );
    let soon = (unix_now() + 3 * 86_400).to_string();
    let expiring = env.add(
        &["github", "--username", "soon", "--expires", &soon],
        "ghp_soon",
    );
    let out = env.helper(&["doctor", "--json"], b"");
    let chain = doctor_check(&out, "git config");
    assert_eq!(chain["level"], "warn");
    assert!(
        chain["message"].as_str().unwrap().contains("cache"),
        "{chain}"
    );
    let e = doctor_check(&out, "expired");
    assert_eq!(e["level"], "warn");
    assert!(e["message"].as_str().unwrap().contains(&expired), "{e}");
    let s = doctor_check(&out, "expiring");
    assert_eq!(s["level"], "warn");
    assert!(s["message"].as_str().unwrap().contains(&expiring), "{s}");
}

#[test]
fn import_reads_gits_xdg_credentials_file_too() {
    let env = Env::new();
    let file = env.path("config/git/credentials");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "https://xdg-user:xdg-pass@xdg.example\n").unwrap();
    let out = env.vouch(&["import", "--remove-source"], "");
    assert!(
        out.contains("1 entries, 1 new") && out.contains("removed"),
        "{out}"
    );
    assert!(!file.exists());
    assert_eq!(
        get(&env.fill("protocol=https\nhost=xdg.example\n"), "password"),
        Some("xdg-pass")
    );
}
