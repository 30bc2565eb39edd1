//! git's helper protocol as the helper reads it from stdin: any bytes give a request or an
//! error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = vouch::protocol::parse_request(data) {
        // What `get` derives from a request must not panic either.
        let _ = request.url();
        let _ = request.query();
    }
});
