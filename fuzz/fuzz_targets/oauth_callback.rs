//! The request line a local connection sends to the browser login's loopback listener: any
//! bytes give "not the redirect", "malformed" or the redirect's parameters, never a panic; a
//! provider's error code keeps only the RFC's characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::oauth::callback::{Request, parse_request_line};

fuzz_target!(|data: &[u8]| {
    if let Request::Callback(callback) = parse_request_line(data) {
        if let Some(error) = callback.error {
            assert!(error.len() <= 64);
            assert!(
                error
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            );
        }
    }
});
