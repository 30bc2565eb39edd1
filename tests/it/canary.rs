//! Leak canary: the scenario set run with canary tokens under a real keyring, git and the
//! helper wrapped by PATH/helper shims that record every argv and environment. A canary may
//! appear only in git's `get` answer (and the helper's, which git reads): never on stderr, in
//! another command's stdout, in an argv or environment, or in any file under the test's HOME,
//! XDG dirs and TMPDIR other than the encrypted store — raw, hex or base64.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;
use crate::keyring_session::Session;

/// Distinct canaries, one per way a secret enters: `add`, git `store`, `rotate`, `import`,
/// and secrets inside rejected input.
const ADDED: &str = "ghp_CanaryAdd0000000000000000000000000A";
const STORED: &str = "CanaryStored-7d1e0c93b2f4-pw";
const ROTATED: &str = "ghp_CanaryRot0000000000000000000000000R";
const IMPORTED: &str = "CanaryImported-55aa9e1c-pw";
const REJECTED: &str = "CanaryRejected-0b6f2d-pw";
const ALL: [&str; 5] = [ADDED, STORED, ROTATED, IMPORTED, REJECTED];

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The canary and what it looks like hex- or base64-encoded at any alignment (the inner part
/// of the base64 that does not depend on neighbouring bytes).
fn forms(canary: &str) -> Vec<String> {
    let hex: String = canary.bytes().map(|b| format!("{b:02x}")).collect();
    let mut out = vec![canary.to_owned(), hex.clone(), hex.to_uppercase()];
    for pad in 0..3 {
        let mut bytes = vec![b'x'; pad];
        bytes.extend_from_slice(canary.as_bytes());
        let b64 = base64(&bytes);
        let inner = &b64[(pad * 4).div_ceil(3) + 1..b64.len() - 4];
        out.push(inner.to_owned());
        out.push(inner.replace('+', "-").replace('/', "_"));
    }
    out
}

fn leaks(bytes: &[u8]) -> Vec<&'static str> {
    ALL.iter()
        .copied()
        .filter(|c| {
            forms(c)
                .iter()
                .any(|f| bytes.windows(f.len()).any(|w| w == f.as_bytes()))
        })
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            files_under(&path, out);
        } else if meta.is_file() {
            out.push(path);
        }
    }
}

struct Scene<'a> {
    env: &'a Env,
    session: &'a Session,
    path: String,
    helper: String,
}

impl Scene<'_> {
    fn command(&self, program: &str) -> Command {
        let mut cmd = self.session.command(self.env, program);
        cmd.env("PATH", &self.path)
            .env("TMPDIR", self.env.path("tmp"));
        cmd
    }

    /// A management command: success, and no canary on stdout or stderr.
    fn vouch(&self, args: &[&str], stdin: &str) -> Output {
        let out = run(self.command(HELPER).args(args), stdin.as_bytes());
        assert_eq!(leaks(&out.stdout), Vec::<&str>::new(), "stdout of {args:?}");
        assert_eq!(leaks(&out.stderr), Vec::<&str>::new(), "stderr of {args:?}");
        out
    }

    fn git(&self, action: &str, stdin: &str) -> Output {
        let mut cmd = self.command("git");
        cmd.args(["-c", &format!("credential.helper={}", self.helper)])
            .args(["credential", action]);
        let out = run(&mut cmd, stdin.as_bytes());
        assert_ok(&out, &format!("git credential {action}"));
        if action != "fill" {
            assert_eq!(
                leaks(&out.stdout),
                Vec::<&str>::new(),
                "git {action} stdout"
            );
        }
        out
    }
}

/// A shim that appends its argv and environment to `log`, then runs `target`.
fn shim(path: &Path, log: &Path, target: &str) {
    let script = format!(
        "#!/bin/sh\n{{ printf 'argv:'; printf ' %s' \"$0\" \"$@\"; echo; env; }} >> '{}'\nexec '{}' \"$@\"\n",
        log.display(),
        target
    );
    std::fs::write(path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn canaries_appear_only_in_gits_get_answer() {
    let env = Env::new();
    let session = Session::start(&env);
    let shims = env.path("shims");
    std::fs::create_dir_all(&shims).unwrap();
    std::fs::create_dir_all(env.path("tmp")).unwrap();
    let log = env.path("shims/calls.log");
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    shim(&shims.join("git"), &log, &real_git);
    shim(&shims.join("vouch-helper"), &log, HELPER);
    let scene = Scene {
        env: &env,
        session: &session,
        path: format!("{}:{}", shims.display(), std::env::var("PATH").unwrap()),
        helper: shims.join("vouch-helper").display().to_string(),
    };

    assert_ok(&scene.vouch(&["init", "--key", "keyring"], ""), "init");
    let add = scene.vouch(
        &["add", "github", "--username", "alice"],
        &format!("{ADDED}\n"),
    );
    assert_ok(&add, "add");
    let id = stdout(&add).trim().to_owned();
    scene.git(
        "approve",
        &format!("protocol=https\nhost=git.example\nusername=bob\npassword={STORED}\n"),
    );
    let fill = scene.git("fill", "protocol=https\nhost=github.com\nusername=alice\n");
    assert!(
        stdout(&fill).contains(&format!("password={ADDED}")),
        "{}",
        stdout(&fill)
    );
    let fill = scene.git("fill", "protocol=https\nhost=git.example\n");
    assert!(stdout(&fill).contains(&format!("password={STORED}")));

    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", &id],
        vec!["show", &id, "--json"],
        vec!["resolve", "https://github.com/o/r.git"],
        vec!["resolve", "https://github.com/o/r.git", "--json"],
        vec!["doctor"],
        vec!["doctor", "--json"],
    ] {
        assert!(scene.vouch(&args, "").status.code().is_some(), "{args:?}");
    }
    assert_ok(
        &scene.vouch(&["rotate", &id], &format!("{ROTATED}\n")),
        "rotate",
    );
    let fill = scene.git("fill", "protocol=https\nhost=github.com\nusername=alice\n");
    assert!(stdout(&fill).contains(&format!("password={ROTATED}")));

    let plain = env.path("home/.git-credentials");
    std::fs::write(&plain, format!("https://carol:{IMPORTED}@import.example\n")).unwrap();
    assert_ok(&scene.vouch(&["import", "--remove-source"], ""), "import");
    assert!(!plain.exists(), "the plaintext source was kept");
    let fill = scene.git("fill", "protocol=https\nhost=import.example\n");
    assert!(stdout(&fill).contains(&format!("password={IMPORTED}")));

    assert_ok(
        &scene.vouch(&["rekey", "--key", "file"], ""),
        "rekey to file",
    );
    assert_ok(
        &scene.vouch(&["rekey", "--key", "keyring"], ""),
        "rekey back",
    );
    assert_ok(&scene.vouch(&["configure", "--global"], ""), "configure");
    assert_ok(
        &scene.vouch(&["unconfigure", "--global"], ""),
        "unconfigure",
    );

    // Errors: rejected input carrying a secret, a duplicate add, a bad rotate.
    for bad in [
        format!("protocol=https\nhost=h.example\nusername=x\npassword={REJECTED}\r{REJECTED}\n"),
        format!("protocol=https\nhost=h.example\nusername=x\npassword={REJECTED}\0\n"),
        format!("protocol=https\nhost=h.example\n{REJECTED}\n"),
    ] {
        assert_eq!(
            scene.vouch(&["store"], &bad).status.code(),
            Some(2),
            "{bad:?}"
        );
        // get stays quiet for git: whatever its exit code, nothing leaks.
        scene.vouch(&["get"], &bad);
    }
    let dup = scene.vouch(
        &["add", "github", "--username", "alice"],
        &format!("{REJECTED}\n"),
    );
    assert_eq!(dup.status.code(), Some(2), "{}", stderr(&dup));
    let missing = scene.vouch(&["rotate", "000000000000"], &format!("{REJECTED}\n"));
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));

    scene.git("reject", "protocol=https\nhost=git.example\nusername=bob\n");
    assert!(scene.vouch(&["remove", &id], "").status.success());

    // Every file the run left, but the store itself, is free of every canary form.
    let store = env.store_path();
    let mut files = vec![];
    files_under(env.root.path(), &mut files);
    assert!(files.contains(&log), "the shims recorded nothing");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains("argv:") && calls.contains("credential"),
        "{calls}"
    );
    let mut leaked = vec![];
    for file in files.iter().filter(|f| **f != store) {
        let found = leaks(&std::fs::read(file).unwrap());
        if !found.is_empty() {
            leaked.push(format!("{}: {found:?}", file.display()));
        }
    }
    assert_eq!(leaked, Vec::<String>::new(), "canaries found in files");
    eprintln!(
        "canary: {} files checked, {} recorded child processes",
        files.len(),
        calls.matches("argv:").count()
    );
}

#[test]
fn the_canary_is_found_in_hex_and_base64_at_any_offset() {
    assert_eq!(base64(b"Man"), "TWFu");
    assert_eq!(base64(b"Ma"), "TWE");
    for prefix in ["", "a", "ab", "abc", "abcd"] {
        let mut bytes = prefix.as_bytes().to_vec();
        bytes.extend_from_slice(STORED.as_bytes());
        bytes.extend_from_slice(b"tail");
        let encoded = base64(&bytes);
        assert_eq!(leaks(encoded.as_bytes()), vec![STORED], "{prefix:?}");
        let url_safe = encoded.replace('+', "-").replace('/', "_");
        assert_eq!(leaks(url_safe.as_bytes()), vec![STORED]);
    }
    let hex: String = ROTATED.bytes().map(|b| format!("{b:02X}")).collect();
    assert_eq!(leaks(format!("..{hex}..").as_bytes()), vec![ROTATED]);
    assert!(leaks(b"nothing here").is_empty());
}
