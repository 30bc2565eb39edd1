//! Key source `passphrase`: the data key wrapped with a key derived from a passphrase by
//! Argon2id, for machines with no keyring where a key file beside the store would travel with
//! every copy of the home directory.
//!
//! The source's blob in the store header is
//! `params version u8 | m_cost u32 (KiB) | t_cost u32 | p_cost u32 | salt [16] | wrap`, all
//! big-endian; the wrap's AAD is the header's wrap AAD followed by every byte before `wrap`, so
//! changing a parameter or the salt makes the wrap fail like a wrong key. The parameters are
//! capped when read, before any work, so a crafted header cannot cost minutes or gigabytes.

use std::io::{BufRead, IsTerminal};
use std::sync::atomic::{AtomicU8, Ordering};

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::kek::{self, DataKey, KEY_LEN};
use super::{Error, KeyId, KeySource, SourceKind};

const PARAMS_VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const PARAMS_LEN: usize = 1 + 4 + 4 + 4 + SALT_LEN;
/// 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended option.
const DEFAULT: Params = Params {
    m_kib: 64 * 1024,
    t: 3,
    p: 1,
};
const MAX_M_KIB: u32 = 256 * 1024;
const MAX_T: u32 = 10;
const MAX_P: u32 = 8;

/// How this process may ask for a passphrase. git's actions never ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Never = 0,
    /// A no-echo prompt on the terminal, when there is one.
    Terminal = 1,
    /// The terminal, or one line of stdin when stdin is not a terminal (scripts).
    TerminalOrStdin = 2,
}

static ASK: AtomicU8 = AtomicU8::new(Ask::Never as u8);

pub fn set_ask(ask: Ask) {
    ASK.store(ask as u8, Ordering::Relaxed);
}

fn ask() -> Ask {
    match ASK.load(Ordering::Relaxed) {
        1 => Ask::Terminal,
        2 => Ask::TerminalOrStdin,
        _ => Ask::Never,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Params {
    m_kib: u32,
    t: u32,
    p: u32,
}

/// What a command that cannot ask (git's `get`, `store`, `erase`) says of a locked store.
#[cfg(target_os = "linux")]
pub const LOCKED: &str = "the store is locked, so nothing was read or saved: run `git credential-vouch unlock` (or `unlock --for 8h`)";
/// macOS: no key cache, so nothing keeps the store unlocked for git between commands.
#[cfg(target_os = "macos")]
pub const LOCKED: &str = "the store's key is a passphrase, so nothing was read or saved: git's get cannot ask for it, and nothing keeps the store unlocked between commands here (the key cache is Linux-only); commands run at a terminal ask for it, and `git credential-vouch rekey --key keyring` moves the key to the Keychain for git";
/// Windows: no key cache and no hidden terminal prompt, so only commands that read the
/// passphrase from stdin can open the store.
#[cfg(windows)]
pub const LOCKED: &str = "the store's key is a passphrase, which vouch cannot ask for on Windows (no key cache, no hidden terminal prompt), so nothing was read or saved: move the key to Credential Manager with `git credential-vouch rekey --key keyring`, the passphrase on stdin";

fn locked() -> Error {
    Error::Unavailable {
        source_name: "passphrase",
        reason: LOCKED.into(),
    }
}

/// The parameter bytes (authenticated), the parameters, the salt and the wrap.
type Parsed<'b> = (&'b [u8], Params, &'b [u8], &'b [u8]);

/// Split the blob into its parameter bytes, parameters, salt and wrap; refuse out-of-range
/// parameters before deriving anything.
fn parse(blob: &[u8]) -> Result<Parsed<'_>, Error> {
    let damaged = |why: String| Error::Wrong(format!("passphrase parameters {why}"));
    if blob.len() < PARAMS_LEN || blob[0] != PARAMS_VERSION {
        return Err(damaged("are missing or of an unknown version".into()));
    }
    let word = |i: usize| u32::from_be_bytes(blob[i..i + 4].try_into().expect("4 bytes"));
    let params = Params {
        m_kib: word(1),
        t: word(5),
        p: word(9),
    };
    if params.m_kib > MAX_M_KIB
        || params.t == 0
        || params.t > MAX_T
        || params.p == 0
        || params.p > MAX_P
        || params.m_kib < 8 * params.p
    {
        return Err(damaged(format!(
            "are out of range (memory {} KiB, {} passes, {} lanes; limits {MAX_M_KIB} KiB, {MAX_T}, {MAX_P}): the header was damaged or crafted",
            params.m_kib, params.t, params.p
        )));
    }
    Ok((
        &blob[..PARAMS_LEN],
        params,
        &blob[13..PARAMS_LEN],
        &blob[PARAMS_LEN..],
    ))
}

fn encode(params: Params, salt: &[u8; SALT_LEN]) -> Vec<u8> {
    let mut out = vec![PARAMS_VERSION];
    for w in [params.m_kib, params.t, params.p] {
        out.extend_from_slice(&w.to_be_bytes());
    }
    out.extend_from_slice(salt);
    out
}

fn derive(passphrase: &[u8], params: Params, salt: &[u8]) -> Result<DataKey, Error> {
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(params.m_kib, params.t, params.p, Some(KEY_LEN))
            .map_err(|e| Error::Wrong(format!("passphrase parameters refused: {e}")))?,
    );
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase, salt, &mut out[..])
        .map_err(|e| Error::Wrong(format!("passphrase derivation failed: {e}")))?;
    Ok(DataKey::from_slice(&out[..]).expect("32 bytes"))
}

fn full_aad(aad: &[u8], params_bytes: &[u8]) -> Vec<u8> {
    let mut out = aad.to_vec();
    out.extend_from_slice(b"argon2id\0");
    out.extend_from_slice(params_bytes);
    out
}

/// One passphrase, asked as this process may. `confirm` asks twice on a terminal.
fn read(prompt: &str, confirm: bool) -> Result<Zeroizing<String>, Error> {
    let mode = ask();
    let from_stdin = mode == Ask::TerminalOrStdin && !std::io::stdin().is_terminal();
    let text = if mode == Ask::Never {
        return Err(locked());
    } else if from_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|source| Error::Io {
                path: "<stdin>".into(),
                source,
            })?;
        let end = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(end);
        line
    } else {
        // A new passphrase is typed twice; a mismatch asks again, a few times, rather than
        // ending the command.
        let mut tries = if confirm { 3 } else { 1 };
        loop {
            let first = Zeroizing::new(gix_prompt::securely(prompt).map_err(|_| locked())?);
            if !confirm {
                break first;
            }
            let again = Zeroizing::new(
                gix_prompt::securely("Repeat the passphrase: ").map_err(|_| locked())?,
            );
            if *again == *first {
                break first;
            }
            tries -= 1;
            if tries == 0 {
                return Err(Error::Refused(
                    "the passphrases differ (three times)".into(),
                ));
            }
            eprintln!("The passphrases differ; type it again.");
        }
    };
    if text.is_empty() {
        return Err(Error::Refused("the passphrase is empty".into()));
    }
    Ok(text)
}

pub struct PassphraseSource;

impl PassphraseSource {
    /// Unwrap with a passphrase the caller already has (`unlock`).
    pub fn unwrap_with(passphrase: &str, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, Error> {
        let (params_bytes, params, salt, wrap) = parse(wrapped)?;
        let kek = derive(passphrase.as_bytes(), params, salt)?;
        kek::unwrap(&kek, wrap, &full_aad(aad, params_bytes)).map_err(|_| Error::Unavailable {
            source_name: "passphrase",
            reason: "wrong passphrase; the store was not changed".into(),
        })
    }

    /// Ask for the current passphrase (`unlock`, management commands of a locked store).
    pub fn ask_current() -> Result<Zeroizing<String>, Error> {
        read("Passphrase for the git-credential-vouch store: ", false)
    }
}

impl KeySource for PassphraseSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Passphrase
    }

    fn wrap_new(&self, _: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error> {
        // On Windows only the commands that read stdin could open such a store: make none.
        if cfg!(windows) {
            return Err(Error::Refused(
                "the passphrase key source is for Unix: on Windows vouch has no key cache and no hidden terminal prompt to ask with; use `--key keyring` (Credential Manager) or `--key file`".into(),
            ));
        }
        let passphrase = read("New passphrase for the git-credential-vouch store: ", true)?;
        let mut salt = [0u8; SALT_LEN];
        SystemRandom::new()
            .fill(&mut salt)
            .expect("the OS random number generator failed");
        let mut blob = encode(DEFAULT, &salt);
        let kek = derive(passphrase.as_bytes(), DEFAULT, &salt)?;
        let wrap = kek::wrap(&kek, data_key, &full_aad(aad, &blob));
        blob.extend_from_slice(&wrap);
        Ok(blob)
    }

    /// A passphrase is not kept anywhere: re-wrapping means asking for a new one.
    fn wrap(&self, key_id: &KeyId, data_key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, Error> {
        self.wrap_new(key_id, data_key, aad)
    }

    fn unwrap(&self, _: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, Error> {
        parse(wrapped)?;
        let passphrase = Self::ask_current()?;
        Self::unwrap_with(&passphrase, wrapped, aad)
    }

    fn describe(&self) -> String {
        "a passphrase (Argon2id), cached by `unlock` in the kernel keyring".into()
    }

    fn forget(&self, _: &KeyId) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(params: Params) -> Vec<u8> {
        let mut b = encode(params, &[7; SALT_LEN]);
        b.extend_from_slice(&[0; 60]);
        b
    }

    #[test]
    fn absurd_parameters_are_refused_before_any_work() {
        for p in [
            Params {
                m_kib: u32::MAX,
                t: 3,
                p: 1,
            },
            Params {
                m_kib: 65536,
                t: 1_000_000,
                p: 1,
            },
            Params {
                m_kib: 65536,
                t: 3,
                p: 255,
            },
            Params {
                m_kib: 65536,
                t: 0,
                p: 1,
            },
        ] {
            assert!(matches!(parse(&blob(p)), Err(Error::Wrong(_))), "{p:?}");
        }
        assert!(parse(&blob(DEFAULT)).is_ok());
        assert!(parse(&[2; 40]).is_err());
    }

    #[test]
    fn wrap_authenticates_the_parameters_and_refuses_a_wrong_passphrase() {
        let small = Params {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        let dk = DataKey::generate();
        let mut b = encode(small, &[1; SALT_LEN]);
        let kek = derive(b"right", small, &[1; SALT_LEN]).unwrap();
        let w = kek::wrap(&kek, &dk, &full_aad(b"aad", &b));
        b.extend_from_slice(&w);
        let got = PassphraseSource::unwrap_with("right", &b, b"aad").unwrap();
        assert_eq!(got.bytes(), dk.bytes());
        assert!(matches!(
            PassphraseSource::unwrap_with("wrong", &b, b"aad"),
            Err(Error::Unavailable { .. })
        ));
        let mut salted = b.clone();
        salted[13] ^= 1;
        assert!(PassphraseSource::unwrap_with("right", &salted, b"aad").is_err());
    }
}
