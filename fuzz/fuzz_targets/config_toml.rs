//! config.toml: any text parses to a config or a one-line error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = vouch::config::Config::parse(text, std::path::Path::new("config.toml")) {
        for host in ["github.com", "gitlab.example", ""] {
            let _ = config.serving(host).count();
        }
        let _ = config.named("github");
    }
});
