//! Where an App credential meets the rest of vouch: a path prefix on the host, a failed mint
//! while others wait, git's `store` naming the App, `update --expires`, `purge`, and escapes in
//! git's path.

use super::*;

#[test]
fn the_whole_path_names_the_repository_also_behind_a_path_prefix() {
    let s = Setup::new();
    // An instance for acme's repositories only: on GitHub a path prefix is an owner.
    s.env.write_config(&format!(
        "[[provider]]\nname = \"ghe\"\nkind = \"github-enterprise\"\nhosts = [\"{HOST}\"]\npath_prefix = \"/acme\"\napi_url = \"{}\"\n",
        s.server.enterprise_api_url()
    ));
    s.server
        .install(APP_ID, 43, "evil", None, json!({"contents": "write"}));
    s.added(&[]);
    let widgets = s.token_for("acme/widgets.git");
    assert!(s.server.token_ok(&widgets["password"], "acme/widgets"));
    // Three segments are no repository: nothing is minted (not evil/widgets).
    let out = s.get(Some("acme/evil/widgets.git"));
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(stderr(&out).contains("is no such path"), "{}", stderr(&out));
    let mints = s.server.mints();
    assert_eq!(mints.len(), 1, "{mints:?}");
    assert_eq!(mints[0]["installation_id"], 42);
    // A wiki is its repository's.
    let wiki = s.token_for("acme/widgets.wiki.git");
    assert_eq!(wiki["password"], widgets["password"]);
}

#[test]
fn a_failed_mint_is_the_answer_of_every_get_that_waited_on_it() {
    let s = Setup::new();
    s.added(&[]);
    // The mint answers late and garbled: the first get fails, and the seven that waited on the
    // lock meanwhile say so instead of asking GitHub one by one.
    s.server.delay_next("access_tokens", 1.0);
    s.server.garble_next("access_tokens", "{}");
    let request = format!("protocol=https\nhost={HOST}\npath=acme/widgets.git\n\n");
    let children: Vec<_> = (0..8)
        .map(|_| spawn(s.env.command(HELPER).arg("get"), request.as_bytes()))
        .collect();
    let mut waited = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("GitHub App {APP_ID}")), "{err}");
        waited += err.contains("another git process tried just now") as usize;
    }
    assert_eq!(s.server.calls("access_tokens"), 1);
    assert!(waited >= 1, "no get waited on the failed one");
    // The next get tries again.
    s.token_for("acme/widgets.git");
}

#[test]
fn git_cannot_replace_the_apps_key_nor_give_it_an_expiry() {
    let s = Setup::new();
    let id = s.added(&[]);
    let err = assert_fails(
        &s.env
            .helper(&["update", &id, "--expires", "2020-01-01"], b""),
        2,
    );
    assert!(err.contains("GitHub App"), "{err}");
    // git stores a token under the App's name (its slug): the App keeps its key.
    let store = format!(
        "protocol=https\nhost={HOST}\nusername={SLUG}\npassword=ghp_0123456789abcdefghijklmnopqrstuvwxyz\n\n"
    );
    assert_ok(&s.env.helper(&["store"], store.as_bytes()), "store");
    let list = s.env.list_json();
    let app = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(app["token_kind"], "github-app", "{list}");
    s.env.vouch(&["update", &id, "--default"], "");
    s.token_for("acme/widgets.git");
}

#[test]
fn purge_takes_the_minted_tokens_too_and_stderr_escapes_the_path() {
    let s = Setup::new();
    s.added(&[]);
    s.token_for("acme/widgets.git");
    let out = s.get(Some("acme/\u{1b}[31mred"));
    assert!(!stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
    let cache = s
        .env
        .path("data/git-credential-vouch/github-app-tokens.vouch");
    assert!(cache.exists());
    let locks = s.env.path("data/git-credential-vouch/github-app-locks");
    assert!(locks.exists());
    s.env.vouch(&["purge", "--yes"], "");
    assert!(!cache.exists(), "the token cache outlived purge");
    assert!(!locks.exists(), "the mint locks outlived purge");
}

#[test]
fn a_slow_mint_for_one_repository_does_not_hold_up_another() {
    let s = Setup::new();
    s.added(&[]);
    s.server.delay_next("access_tokens", 5.0);
    let request = |repo: &str| format!("protocol=https\nhost={HOST}\npath=acme/{repo}.git\n\n");
    let mut slow = spawn(
        s.env.command(HELPER).arg("get"),
        request("widgets").as_bytes(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.server.calls("access_tokens") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first mint never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // While GitHub keeps the first mint waiting, another repository's mint goes through.
    let quick = s.env.helper(&["get"], request("gadgets").as_bytes());
    assert_ok(&quick, "the second repository's get");
    assert!(
        slow.try_wait().unwrap().is_none(),
        "the second get waited for the first repository's mint"
    );
    let slow = slow.wait_with_output().unwrap();
    assert_ok(&slow, "the first repository's get");
    assert_ne!(
        fields(&slow.stdout)["password"],
        fields(&quick.stdout)["password"]
    );
}
