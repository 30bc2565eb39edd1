//! An OAuth token endpoint's answer: any bytes give checked tokens or a refusal naming a field,
//! never a panic; what is kept can be filed and answered to git, and its expiry lies ahead of
//! the clock and within a year of it, even when the clock is near its end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::oauth::answer::{MAX_LIFETIME, token_answer};

fuzz_target!(|data: &[u8]| {
    for now in [1_700_000_000, i64::MAX - 60] {
        let Ok(tokens) = token_answer(data, now) else {
            continue;
        };
        assert!(!tokens.access.expose().is_empty());
        assert!(!tokens.access.has_line_breaking_bytes());
        assert!(
            tokens
                .refresh
                .as_ref()
                .is_none_or(|r| !r.has_line_breaking_bytes())
        );
        if let Some(expiry) = tokens.expires_at {
            assert!(expiry > now && expiry - now <= MAX_LIFETIME);
        }
    }
});
