//! The entry encoding both format versions share: each entry a list of tagged fields.

use zeroize::Zeroizing;

use super::FormatError;
use crate::credential::{Credential, GENERIC, Origin, Query, Rejection};
use crate::provider::TokenKind;
use crate::provider::app::App;
use crate::secret::Secret;

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
// Remembered choices: owners separated by LF (an owner is a path and never holds one).
const T_CHOSEN_FOR: u8 = 130;
// The last refresh that failed for a passing reason (OAuth login bookkeeping).
const T_REFRESH_RETRY: u8 = 131;
// A GitHub App's ID, key location and permissions (`provider::app::App::encode`).
const T_APP: u8 = 132;
const KNOWN_OPTIONAL: usize = 5;

/// `entries` as a counted list: the v1 payload.
pub(super) fn encode_entries(entries: &[Credential]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(64 + entries.len() * 160));
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for c in entries {
        encode_entry(&mut out, c);
    }
    out
}

/// Append one entry's fields to `out`: a count, then tag, length and value of each field.
pub(super) fn encode_entry(out: &mut Vec<u8>, c: &Credential) {
    let count_at = out.len();
    out.extend_from_slice(&[0, 0]);
    let mut count: u16 = 0;
    for_fields(c, |tag, value| {
        count += 1;
        out.push(tag);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    });
    out[count_at..count_at + 2].copy_from_slice(&count.to_be_bytes());
}

/// The bytes [`encode_entry`] appends for `c`: lets a writer size its buffer exactly, so that
/// no plaintext is left behind in a buffer freed by growing.
pub(super) fn encoded_len(c: &Credential) -> usize {
    let mut len = 2;
    for_fields(c, |_, value| len += 1 + 4 + value.len());
    len
}

/// Each field of `c` that is present, as (tag, value), in tag order.
fn for_fields(c: &Credential, mut each: impl FnMut(u8, &[u8])) {
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
    let refresh_retry = int(c.refresh_retry);
    let chosen = c.chosen_for.join("\n");
    let app = c.app.as_ref().map(App::encode);
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
        (
            T_CHOSEN_FOR,
            (!c.chosen_for.is_empty()).then_some(chosen.as_bytes()),
        ),
        (T_REFRESH_RETRY, refresh_retry.as_ref().map(|e| &e[..])),
        (T_APP, app.as_ref().map(|a| a.as_bytes())),
    ];
    for (tag, value) in fields {
        if let Some(value) = value {
            each(tag, value);
        }
    }
}

pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if self.0.len() < n {
            return Err(FormatError::Damaged("payload truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    pub(super) fn u16(&mut self) -> Result<u16, FormatError> {
        Ok(u16::from_be_bytes(self.take(2)?.try_into().expect("2")))
    }
    pub(super) fn u32(&mut self) -> Result<u32, FormatError> {
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

    /// The repository scope of a provider's credential.
    pub fn scope(&self) -> Option<&[u8]> {
        self.get(T_SCOPE)
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
        let app = text(T_APP)?
            .map(|t| App::decode(&t).map_err(FormatError::Damaged))
            .transpose()?;
        // The App record and its token kind come together: a secret of an App is its private
        // key, which must never be answered as a token.
        if app.is_some() != (token_kind == Some(TokenKind::GitHubApp)) {
            return Err(FormatError::Damaged("a GitHub App without its record"));
        }
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
            refresh_retry: int(T_REFRESH_RETRY)?,
            chosen_for: text(T_CHOSEN_FOR)?
                .map(|t| t.split('\n').map(str::to_owned).collect())
                .unwrap_or_default(),
            app,
        })
    }
}

/// Move `r` past one entry's fields without reading them (a reader that only needs to know
/// where entries are); [`read_view`] checks them.
pub(super) fn skip_entry(r: &mut Reader<'_>) -> Result<(), FormatError> {
    for _ in 0..r.u16()? {
        r.take(1)?;
        let len = r.u32()? as usize;
        r.take(len)?;
    }
    Ok(())
}

pub(super) fn read_view<'a>(r: &mut Reader<'a>) -> Result<View<'a>, FormatError> {
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
