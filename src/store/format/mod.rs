//! The on-disk format, version 1.
//!
//! ```text
//! magic "VOUCHST\0" | version u16 | algorithm u8 | key id [16]     <- body AAD ("fixed header")
//! key source u8 | wrapped length u16 | wrapped data key             <- authenticated by the wrap
//! header check [8]: SHA-256 of everything above, truncated          <- tells damage from "key gone"
//! body nonce [12] | AES-256-GCM(data key, payload) with tag
//! ```
//! All integers big-endian. The wrapped data key sits outside the body's AAD so that changing
//! the key source rewrites only the header; the wrap's own AAD covers the fixed header and the
//! source byte. The payload is a list of entries, each a list of tagged fields.

use ring::aead::{Aad, NONCE_LEN, Nonce};
use zeroize::Zeroizing;

use crate::credential::{Credential, GENERIC, Origin, Query, Rejection};
use crate::keysource::{DataKey, KeyId, SourceKind, kek::random_nonce};
use crate::provider::TokenKind;
use crate::secret::Secret;

pub const MAGIC: &[u8; 8] = b"VOUCHST\0";
pub const VERSION: u16 = 1;
pub const ALG_AES_256_GCM: u8 = 1;
const FIXED_LEN: usize = 8 + 2 + 1 + 16;
const CHECK_LEN: usize = 8;
const TAG_LEN: usize = 16;

/// Why a file could not be read; the caller adds the path.
#[derive(Debug, PartialEq, Eq)]
pub enum FormatError {
    NotAStore,
    /// Newer than [`VERSION`]: written by a later build.
    UnsupportedVersion(u16),
    /// Older than [`VERSION`] but not one this build reads (0 was never written): damage or
    /// another file, not a reason to upgrade.
    UnknownVersion(u16),
    Damaged(&'static str),
}

#[derive(Debug, Clone)]
pub struct Header {
    pub key_id: KeyId,
    pub source: SourceKind,
    pub wrapped: Vec<u8>,
}

impl Header {
    fn fixed(&self) -> [u8; FIXED_LEN] {
        let mut out = [0u8; FIXED_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8..10].copy_from_slice(&VERSION.to_be_bytes());
        out[10] = ALG_AES_256_GCM;
        out[11..].copy_from_slice(&self.key_id);
        out
    }

    /// What the key source authenticates along with the data key.
    pub fn wrap_aad(key_id: &KeyId, source: SourceKind) -> Vec<u8> {
        let header = Header {
            key_id: *key_id,
            source,
            wrapped: Vec::new(),
        };
        let mut aad = b"vouch wrap v1\0".to_vec();
        aad.extend_from_slice(&header.fixed());
        aad.push(source as u8);
        aad
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_LEN + 3 + self.wrapped.len() + CHECK_LEN);
        out.extend_from_slice(&self.fixed());
        out.push(self.source as u8);
        out.extend_from_slice(&(self.wrapped.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.wrapped);
        let check = header_check(&out);
        out.extend_from_slice(&check);
        out
    }
}

fn header_check(bytes: &[u8]) -> [u8; CHECK_LEN] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref()[..CHECK_LEN].try_into().expect("8 bytes")
}

/// Split a file into its header and the encrypted body, checking everything that can be checked
/// without the key.
pub fn parse_header(file: &[u8]) -> Result<(Header, &[u8]), FormatError> {
    if file.len() < 10 || &file[..8] != MAGIC {
        return Err(FormatError::NotAStore);
    }
    let version = u16::from_be_bytes([file[8], file[9]]);
    if version > VERSION {
        return Err(FormatError::UnsupportedVersion(version));
    }
    if version != VERSION {
        return Err(FormatError::UnknownVersion(version));
    }
    if file.len() < FIXED_LEN + 3 {
        return Err(FormatError::Damaged("truncated header"));
    }
    let wrapped_len = u16::from_be_bytes([file[FIXED_LEN + 1], file[FIXED_LEN + 2]]) as usize;
    let header_end = FIXED_LEN + 3 + wrapped_len;
    if file.len() < header_end + CHECK_LEN + NONCE_LEN + TAG_LEN {
        return Err(FormatError::Damaged("truncated file"));
    }
    if header_check(&file[..header_end]) != file[header_end..header_end + CHECK_LEN] {
        return Err(FormatError::Damaged("header checksum mismatch"));
    }
    if file[10] != ALG_AES_256_GCM {
        return Err(FormatError::Damaged("unknown algorithm"));
    }
    let source =
        SourceKind::from_byte(file[FIXED_LEN]).ok_or(FormatError::Damaged("unknown key source"))?;
    let header = Header {
        key_id: file[11..FIXED_LEN].try_into().expect("16 bytes"),
        source,
        wrapped: file[FIXED_LEN + 3..header_end].to_vec(),
    };
    Ok((header, &file[header_end + CHECK_LEN..]))
}

/// Encrypt `entries` under `data_key` with a fresh nonce, behind `header`.
pub fn seal(header: &Header, data_key: &DataKey, entries: &[Credential]) -> Vec<u8> {
    let mut payload = Zeroizing::new(encode_entries(entries));
    let nonce = random_nonce();
    let tag = data_key
        .aead()
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(header.fixed()),
            &mut payload[..],
        )
        .expect("payload fits AES-GCM limits");
    let mut out = header.encode();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&payload);
    out.extend_from_slice(tag.as_ref());
    out
}

/// The decrypted payload. `get` scans it in place and copies out only the entries that match;
/// writers decode it whole.
pub struct Plaintext {
    buf: Zeroizing<Vec<u8>>,
    range: std::ops::Range<usize>,
}

impl Plaintext {
    /// Every entry as borrowed fields, in stored order.
    pub fn views(&self) -> impl Iterator<Item = Result<View<'_>, FormatError>> {
        let mut r = Reader(&self.buf[self.range.clone()]);
        let mut remaining = match r.u32() {
            Ok(n) => Ok(n),
            Err(e) => Err(Some(e)),
        };
        std::iter::from_fn(move || match &mut remaining {
            Err(e) => e.take().map(Err),
            Ok(0) if r.0.is_empty() => None,
            Ok(0) => {
                remaining = Err(None);
                Some(Err(FormatError::Damaged(
                    "trailing bytes after the entries",
                )))
            }
            Ok(n) => {
                *n -= 1;
                let view = read_view(&mut r);
                if view.is_err() {
                    remaining = Err(None);
                }
                Some(view)
            }
        })
    }

    pub fn decode(&self) -> Result<Vec<Credential>, FormatError> {
        self.views().map(|v| v?.to_credential()).collect()
    }
}

/// Decrypt the body that [`parse_header`] returned.
pub fn open(header: &Header, data_key: &DataKey, body: &[u8]) -> Result<Plaintext, FormatError> {
    open_in_place(header, data_key, body.to_vec(), 0)
}

/// Decrypt in place the body that starts at `body_start` of the whole `file`: `get` reads the
/// file once and copies nothing.
pub fn open_in_place(
    header: &Header,
    data_key: &DataKey,
    file: Vec<u8>,
    body_start: usize,
) -> Result<Plaintext, FormatError> {
    let mut buf = Zeroizing::new(file);
    let body = buf
        .get_mut(body_start..)
        .ok_or(FormatError::Damaged("truncated file"))?;
    let (nonce, sealed) = body.split_at_mut(NONCE_LEN);
    let nonce =
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| FormatError::Damaged("bad nonce"))?;
    let len = data_key
        .aead()
        .open_in_place(nonce, Aad::from(header.fixed()), sealed)
        .map_err(|_| FormatError::Damaged("authentication failed"))?
        .len();
    let start = body_start + NONCE_LEN;
    Ok(Plaintext {
        buf,
        range: start..start + len,
    })
}

// Field tags: part of the format. Tags below 128 must be understood; tags from 128 up may be
// skipped by a reader that does not know them.
const T_PROTOCOL: u8 = 1;
const T_HOST: u8 = 2;
const T_PATH: u8 = 3;
const T_USERNAME: u8 = 4;
const T_PASSWORD: u8 = 5;
const T_EXPIRY: u8 = 6;
const T_REFRESH: u8 = 7;
const T_AUTHTYPE: u8 = 8;
const T_CREDENTIAL: u8 = 9;
const T_ID: u8 = 10;
const T_PROVIDER: u8 = 11;
const T_SCOPE: u8 = 12;
const T_ACCOUNT: u8 = 13;
const T_EMAIL: u8 = 14;
const T_TOKEN_KIND: u8 = 15;
const T_DEFAULT: u8 = 16;
const T_LABEL: u8 = 17;
const T_ORIGIN: u8 = 18;
const T_CREATED: u8 = 19;
const T_LAST_USED: u8 = 20;
const T_REJECTED_AT: u8 = 21;
const T_REJECTED_URL: u8 = 22;
const KNOWN_TAGS: usize = 23;
const T_FIRST_OPTIONAL: u8 = 128;
// Optional tags (older readers skip them): OAuth login bookkeeping.
const T_OBTAINED: u8 = 128;
const T_REFRESH_FAILED: u8 = 129;
const KNOWN_OPTIONAL: usize = 2;

fn encode_entries(entries: &[Credential]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + entries.len() * 160);
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for c in entries {
        fn text(s: &Option<String>) -> Option<&[u8]> {
            s.as_deref().map(str::as_bytes)
        }
        fn secret(s: &Option<Secret>) -> Option<&[u8]> {
            s.as_ref().map(|s| s.expose().as_bytes())
        }
        let int = |n: Option<i64>| n.map(i64::to_be_bytes);
        let (expiry, created, last_used) = (
            int(c.password_expiry_utc),
            int(Some(c.created)),
            int(c.last_used),
        );
        let rejected_at = int(c.rejected.as_ref().map(|r| r.at));
        let (obtained, refresh_failed) = (int(c.obtained), int(c.refresh_failed));
        let flag = [c.is_default as u8];
        let origin = [c.origin as u8];
        let fields: [(u8, Option<&[u8]>); KNOWN_TAGS - 1 + KNOWN_OPTIONAL] = [
            (T_PROTOCOL, Some(c.protocol.as_bytes())),
            (T_HOST, Some(c.host.as_bytes())),
            (T_PATH, text(&c.path)),
            (T_USERNAME, text(&c.username)),
            (T_PASSWORD, secret(&c.password)),
            (T_EXPIRY, expiry.as_ref().map(|e| &e[..])),
            (T_REFRESH, secret(&c.oauth_refresh_token)),
            (T_AUTHTYPE, text(&c.authtype)),
            (T_CREDENTIAL, secret(&c.credential)),
            (T_ID, Some(c.id.as_bytes())),
            (T_PROVIDER, Some(c.provider.as_bytes())),
            (T_SCOPE, text(&c.scope)),
            (T_ACCOUNT, text(&c.account)),
            (T_EMAIL, text(&c.email)),
            (T_TOKEN_KIND, c.token_kind.map(|t| t.id().as_bytes())),
            (T_DEFAULT, c.is_default.then_some(&flag[..])),
            (T_LABEL, text(&c.label)),
            (T_ORIGIN, Some(&origin[..])),
            (T_CREATED, created.as_ref().map(|e| &e[..])),
            (T_LAST_USED, last_used.as_ref().map(|e| &e[..])),
            (T_REJECTED_AT, rejected_at.as_ref().map(|e| &e[..])),
            (
                T_REJECTED_URL,
                c.rejected.as_ref().map(|r| r.url.as_bytes()),
            ),
            (T_OBTAINED, obtained.as_ref().map(|e| &e[..])),
            (T_REFRESH_FAILED, refresh_failed.as_ref().map(|e| &e[..])),
        ];
        let present: Vec<(u8, &[u8])> = fields
            .iter()
            .filter_map(|(t, v)| v.map(|v| (*t, v)))
            .collect();
        out.extend_from_slice(&(present.len() as u16).to_be_bytes());
        for (tag, value) in present {
            out.push(tag);
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if self.0.len() < n {
            return Err(FormatError::Damaged("payload truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u16(&mut self) -> Result<u16, FormatError> {
        Ok(u16::from_be_bytes(self.take(2)?.try_into().expect("2")))
    }
    fn u32(&mut self) -> Result<u32, FormatError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4")))
    }
}

fn text(bytes: &[u8]) -> Result<&str, FormatError> {
    std::str::from_utf8(bytes).map_err(|_| FormatError::Damaged("field is not UTF-8"))
}

/// One entry's fields, borrowed from the plaintext and not yet checked as text: `get` compares
/// the selecting fields as bytes and decodes only the entries that match.
pub struct View<'a> {
    fields: [Option<&'a [u8]>; KNOWN_TAGS],
    optional: [Option<&'a [u8]>; KNOWN_OPTIONAL],
}

impl View<'_> {
    fn get(&self, tag: u8) -> Option<&[u8]> {
        match tag {
            T_FIRST_OPTIONAL.. => self.optional[(tag - T_FIRST_OPTIONAL) as usize],
            _ => self.fields[tag as usize],
        }
    }

    pub fn query(&self) -> Query<'_> {
        Query {
            protocol: self.get(T_PROTOCOL).unwrap_or_default(),
            host: self.get(T_HOST).unwrap_or_default(),
            path: self.get(T_PATH),
            username: self.get(T_USERNAME),
        }
    }

    /// The provider instance name; empty for entries written before providers existed.
    pub fn provider(&self) -> &[u8] {
        self.get(T_PROVIDER).unwrap_or_default()
    }

    pub fn to_credential(&self) -> Result<Credential, FormatError> {
        let text = |tag| {
            self.get(tag)
                .map(|v| text(v).map(str::to_owned))
                .transpose()
        };
        let secret = |tag| text(tag).map(|t| t.map(Secret::new));
        let int = |tag| {
            self.get(tag)
                .map(|v| {
                    <[u8; 8]>::try_from(v)
                        .map(i64::from_be_bytes)
                        .map_err(|_| FormatError::Damaged("bad integer field"))
                })
                .transpose()
        };
        let token_kind = match text(T_TOKEN_KIND)? {
            Some(id) => {
                Some(TokenKind::from_id(&id).ok_or(FormatError::Damaged("unknown token kind"))?)
            }
            None => None,
        };
        let rejected = match int(T_REJECTED_AT)? {
            Some(at) => Some(Rejection {
                at,
                url: text(T_REJECTED_URL)?.unwrap_or_default(),
            }),
            None => None,
        };
        let provider = text(T_PROVIDER)?
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| GENERIC.to_owned());
        Ok(Credential {
            id: text(T_ID)?.unwrap_or_default(),
            provider,
            protocol: text(T_PROTOCOL)?.unwrap_or_default(),
            host: text(T_HOST)?.unwrap_or_default(),
            path: text(T_PATH)?,
            scope: text(T_SCOPE)?,
            username: text(T_USERNAME)?,
            account: text(T_ACCOUNT)?,
            email: text(T_EMAIL)?,
            token_kind,
            password: secret(T_PASSWORD)?,
            password_expiry_utc: int(T_EXPIRY)?,
            oauth_refresh_token: secret(T_REFRESH)?,
            authtype: text(T_AUTHTYPE)?,
            credential: secret(T_CREDENTIAL)?,
            is_default: self.get(T_DEFAULT).is_some_and(|v| v == [1]),
            label: text(T_LABEL)?,
            origin: if self.get(T_ORIGIN) == Some(&[1]) {
                Origin::Added
            } else {
                Origin::Git
            },
            created: int(T_CREATED)?.unwrap_or(0),
            last_used: int(T_LAST_USED)?,
            rejected,
            obtained: int(T_OBTAINED)?,
            refresh_failed: int(T_REFRESH_FAILED)?,
        })
    }
}

fn read_view<'a>(r: &mut Reader<'a>) -> Result<View<'a>, FormatError> {
    let mut v = View {
        fields: [None; KNOWN_TAGS],
        optional: [None; KNOWN_OPTIONAL],
    };
    for _ in 0..r.u16()? {
        let tag = r.take(1)?[0];
        let len = r.u32()? as usize;
        let value = r.take(len)?;
        match tag {
            1..T_FIRST_OPTIONAL if (tag as usize) < KNOWN_TAGS => {
                v.fields[tag as usize] = Some(value)
            }
            T_FIRST_OPTIONAL.. if ((tag - T_FIRST_OPTIONAL) as usize) < KNOWN_OPTIONAL => {
                v.optional[(tag - T_FIRST_OPTIONAL) as usize] = Some(value)
            }
            T_FIRST_OPTIONAL.. => {}
            _ => return Err(FormatError::Damaged("unknown required field")),
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests;
