//! What git's `store` and `erase` do on provider hosts: a credential typed at git's prompt
//! filed under its provider, expiry, the erase policy, usernames that never overwrite an
//! account, and a Bearer answer that comes back.

use super::*;

#[test]
fn a_credential_typed_at_gits_prompt_is_filed_under_its_provider() {
    let env = Env::new();
    env.approve("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_typed\n");
    let list = env.list_json();
    let c = &list["credentials"][0];
    assert_eq!(c["provider"], "github");
    assert_eq!(c["account"], "alice");
    assert_eq!(c["origin"], "git");
    assert_eq!(c["token_kind"], "classic-pat");
    assert_eq!(
        answer(&fill(&env, &[], "https://github.com/o/r.git")),
        (Some("alice"), Some("ghp_typed"))
    );
    // git sends `store` again after each successful use: nothing is rewritten.
    let before = env.store_bytes().unwrap();
    env.approve("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_typed\n");
    assert_eq!(env.store_bytes().unwrap(), before);
    // A new token typed for the same account replaces the old one, same ID.
    env.approve("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_newer\n");
    let after = env.list_json();
    assert_eq!(after["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(after["credentials"][0]["id"], c["id"]);
    assert_eq!(
        get(&fill(&env, &[], "https://github.com/o/r.git"), "password"),
        Some("ghp_newer")
    );
}

#[test]
fn expiry_is_remembered_emitted_and_flagged() {
    let env = Env::new();
    // 2099-01-01 00:00 UTC is 4070908800 in Unix seconds, what git gets.
    let args = ["github", "--username", "alice", "--expires", "2099-01-01"];
    let id = env.add(&args, "ghp_x");
    let a = fill(&env, &[], "https://github.com/o/r.git");
    assert_eq!(get(&a, "password_expiry_utc"), Some("4070908800"));
    let soon = unix_now() + 3 * 86_400;
    env.vouch(&["update", &id, "--expires", &soon.to_string()], "");
    let list = env.list_json();
    assert_eq!(list["credentials"][0]["status"], "expiring");
    let text = env.vouch(&["list"], "");
    assert!(
        text.contains("expiring") && text.contains("(in 2 days)") || text.contains("(in 3 days)"),
        "{text}"
    );
    env.vouch(&["update", &id, "--expires", "2001-01-01"], "");
    assert_eq!(env.list_json()["credentials"][0]["status"], "expired");
    assert!(fill(&env, &[], "https://github.com/o/r.git").is_none());

    // An expiry git learned from another helper is remembered too.
    let env = Env::new();
    let later = unix_now() + 7200;
    env.approve(&format!("protocol=https\nhost=gitlab.com\nusername=a@x.io\npassword=glpat-x\npassword_expiry_utc={later}\n"));
    assert_eq!(env.list_json()["credentials"][0]["expires"], later);
}

#[test]
fn rejected_tokens_follow_the_erase_policy() {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghp_added");
    env.approve("protocol=https\nhost=gitlab.com\nusername=a@x.io\npassword=glpat-learned\n");
    env.reject("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_added\n");
    env.reject("protocol=https\nhost=gitlab.com\nusername=a@x.io\npassword=glpat-learned\n");
    let list = env.list_json();
    let creds = list["credentials"].as_array().unwrap();
    assert_eq!(
        creds.len(),
        1,
        "the learned token is deleted, the added one kept: {list}"
    );
    assert_eq!(creds[0]["status"], "rejected");
    assert_eq!(creds[0]["rejected"]["url"], "https://github.com");
    // Kept tokens still answer (the rejection may have been about one repository only).
    assert!(fill(&env, &[], "https://github.com/o/r.git").is_some());

    let env = Env::new();
    env.write_config("on_reject = \"delete\"\n");
    env.add(&["github", "--username", "alice"], "ghp_added");
    env.reject("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_added\n");
    assert_eq!(env.list_json()["credentials"], serde_json::json!([]));
}

#[test]
fn a_fixed_username_from_git_never_overwrites_an_account() {
    let env = Env::new();
    env.add(&["github", "--username", "alice"], "ghu_alice_app_user");
    env.approve(
        "protocol=https\nhost=github.com\nusername=x-access-token\npassword=ghs_ci_token\n",
    );
    let list = env.list_json();
    let creds = list["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2, "{list}");
    let a = fill(&env, &[], "https://alice@github.com/o/r.git");
    assert_eq!(get(&a, "password"), Some("ghu_alice_app_user"));
}

#[test]
fn a_password_git_stored_keeps_its_username() {
    let env = Env::new();
    env.approve("protocol=https\nhost=bitbucket.org\nusername=alice\npassword=no-prefix-secret\n");
    let a = fill(&env, &[], "https://bitbucket.org/team/r.git");
    assert_eq!(answer(&a), (Some("alice"), Some("no-prefix-secret")));
}

#[test]
fn azure_erase_reads_the_url_user_as_the_organization_too() {
    let env = Env::new();
    let pat = "p".repeat(52);
    let account = ["azure-devops", "--email", "me@corp.example"];
    env.add(&[&account[..], &["--repo", "org-a"]].concat(), &pat);
    env.reject(&format!(
        "protocol=https\nhost=dev.azure.com\nusername=org-a\npassword={pat}\n"
    ));
    assert_eq!(env.list_json()["credentials"][0]["status"], "rejected");
}

#[test]
fn a_bearer_answer_sent_back_by_git_is_not_stored_twice() {
    if git_version() < (2, 46) {
        return;
    }
    let env = Env::new();
    env.write_config(BB_CONFIG);
    let id = env.add(
        &["bb-dc", "--token-kind", "project-token", "--repo", "PROJ"],
        "project-secret",
    );
    let approve = "url=https://bb.corp:7990/scm/PROJ/r.git\ncapability[]=authtype\nauthtype=Bearer\ncredential=project-secret\n";
    assert_ok(&env.git_credential(&[PATH], "approve", approve), "approve");
    assert_eq!(env.list_json()["credentials"].as_array().unwrap().len(), 1);
    env.vouch(&["remove", &id], "");
    assert!(
        fill_bearer(&env, &[PATH], "https://bb.corp:7990/scm/PROJ/r.git").is_none(),
        "a removed token still answers"
    );
}

#[test]
fn on_reject_per_instance_and_keep_for_what_git_stored() {
    // Per instance: delete even an added token.
    let env = Env::new();
    env.write_config("[[provider]]\nname = \"gt\"\nkind = \"gitea\"\nhosts = [\"gt.example\"]\non_reject = \"delete\"\n");
    env.add(&["gt", "--username", "alice"], "tok");
    env.add(&["github", "--username", "alice"], "ghp_kept");
    env.reject("protocol=https\nhost=gt.example\nusername=alice\npassword=tok\n");
    env.reject("protocol=https\nhost=github.com\nusername=alice\npassword=ghp_kept\n");
    let list = env.list_json();
    let creds = list["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{list}");
    assert_eq!(
        (creds[0]["provider"].as_str(), creds[0]["status"].as_str()),
        (Some("github"), Some("rejected"))
    );

    // Globally keep: what git stored is kept and marked too.
    let env = Env::new();
    env.write_config("on_reject = \"keep\"\n");
    env.approve("protocol=https\nhost=gitlab.com\nusername=a@x.io\npassword=glpat-learned\n");
    env.approve("protocol=https\nhost=plain.example\nusername=u\npassword=p\n");
    env.reject("protocol=https\nhost=gitlab.com\nusername=a@x.io\npassword=glpat-learned\n");
    env.reject("protocol=https\nhost=plain.example\nusername=u\npassword=p\n");
    let list = env.list_json();
    let creds = list["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2, "{list}");
    assert!(creds.iter().all(|c| c["status"] == "rejected"), "{list}");
}
