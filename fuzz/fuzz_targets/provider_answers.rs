//! The provider APIs' answers (untrusted): `/user` for every family, GitLab's
//! `personal_access_tokens/self` and its rotation answer. Any bytes give a checked value or
//! nothing, never a panic; a name kept is a short line without blanks or control characters, a
//! rotated token a short line of visible characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::provider::Family;
use vouch::provider_api::{gitlab, owner};

fuzz_target!(|data: &[u8]| {
    for family in [
        Family::GitHub,
        Family::GitLab,
        Family::Gitea,
        Family::BitbucketCloud,
    ] {
        if let Some(o) = owner::owner_answer(data, family) {
            assert!(!o.login.is_empty() && o.login.chars().count() <= 255);
            assert!(!o.login.chars().any(|c| c.is_control() || c.is_whitespace()));
            assert!(o.email.is_none_or(|e| e.contains('@')));
        }
    }
    if let Some(Some(info)) = gitlab::self_answer(data) {
        assert!(!(info.expiry_stated && info.expiry_unreadable));
    }
    if let Some(rotated) = gitlab::rotation_answer(data) {
        let token = rotated.token.expose();
        assert!(!token.is_empty() && token.len() <= 1024);
        assert!(!token.bytes().any(|b| b.is_ascii_control()));
    }
});
