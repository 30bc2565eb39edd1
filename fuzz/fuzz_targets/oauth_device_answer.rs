//! An OAuth device authorization answer (RFC 8628): any bytes give a checked authorization or
//! a refusal, never a panic; what is shown holds no control character and the times are bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(auth) = vouch::oauth::answer::device_answer(data) {
        assert!((1..=3600).contains(&auth.expires_in));
        assert!((1..=60).contains(&auth.interval));
        for shown in [&auth.user_code, &auth.verification_uri] {
            assert!(!shown.is_empty() && !shown.chars().any(char::is_control));
        }
        assert!(!auth.device_code.has_line_breaking_bytes());
    }
});
