//! What differs between Linux, macOS and Windows, one function per seam and one body per
//! platform, so that a person on macOS or Windows finds every difference here (and in
//! [`crate::keysource::kernel_cache`] and [`crate::keysource::keyring`], which hold the key
//! cache and the OS keyring per platform). docs/platforms.md is the table of what each seam
//! does where; tests/cross-check.sh type-checks the macOS and Windows sides in every test run,
//! which proves they compile and nothing more: none of them has run on those systems.

pub mod fs;
pub mod process;

// The platforms every seam has a body for. Others (the BSDs) have no OS keyring store
// declared in Cargo.toml and no uid, core-limit or tracing seam written: say so at build time.
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
compile_error!(
    "git-credential-vouch is written for Linux, macOS and Windows only (see docs/platforms.md)"
);
