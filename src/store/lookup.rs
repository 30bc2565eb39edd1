//! Reading without writing: `get`'s lookup, which reads and decrypts only the buckets that can
//! hold what it asks for, and the full scans of everything else that reads.
//!
//! Readers take no lock: the file is only ever replaced by rename, and a reader that opened it
//! keeps reading the version it opened.

use std::fs::File;

use super::format::{self, Header, View, v2};
use super::{Create, Error, Store, format_error, io};
use crate::credential::Credential;
use crate::keysource::DataKey;

/// What a lookup can match: what git stored for this protocol and host, the credentials of
/// these provider instances without a repository scope, and theirs with one of these scopes
/// (instance, scope). `keep` must select nothing else.
pub struct Wanted<'a> {
    pub protocol: &'a [u8],
    pub host: &'a [u8],
    pub providers: &'a [&'a [u8]],
    pub scopes: &'a [(&'a [u8], &'a [u8])],
}

/// The first read of `get`: enough for the header of nearly every store.
const FIRST_READ: u64 = 4096;

impl Store {
    /// The stored credentials that `keep` selects, in stored order; every entry is decrypted.
    /// Empty when no store was created yet.
    pub fn select(&self, keep: impl Fn(&View<'_>) -> bool) -> Result<Vec<Credential>, Error> {
        Ok(self.select_keyed(keep)?.0)
    }

    /// [`Store::select`], and the data key it unwrapped (`None` without a store), for a caller
    /// that opens a file sealed with it next (minted tokens) without unwrapping it again.
    pub fn select_keyed(
        &self,
        keep: impl Fn(&View<'_>) -> bool,
    ) -> Result<(Vec<Credential>, Option<DataKey>), Error> {
        let Some(bytes) = self.read()? else {
            return Ok((Vec::new(), None));
        };
        let (header, body, data_key) = self.unlock(&bytes)?;
        let selected = format::select(&header, &data_key, body, keep)
            .map_err(|e| format_error(&self.path(), e))?;
        Ok((selected, Some(data_key)))
    }

    /// What [`Store::select`] answers for a `keep` that selects only `wanted`, reading only the
    /// header, the bucket table and the buckets `wanted` hashes to (a v1 store is read whole).
    pub fn select_wanted(
        &self,
        wanted: &Wanted<'_>,
        keep: impl Fn(&View<'_>) -> bool,
    ) -> Result<Vec<Credential>, Error> {
        Ok(self.select_wanted_keyed(wanted, keep)?.0)
    }

    /// [`Store::select_wanted`], and the data key (see [`Store::select_keyed`]).
    pub fn select_wanted_keyed(
        &self,
        wanted: &Wanted<'_>,
        keep: impl Fn(&View<'_>) -> bool,
    ) -> Result<(Vec<Credential>, Option<DataKey>), Error> {
        let path = self.path();
        let damaged = |e| format_error(&path, e);
        let Some(Head {
            file,
            name,
            len,
            header,
            body_start,
        }) = self.head()?
        else {
            return Ok((Vec::new(), None));
        };
        if header.layout.is_none() {
            return self.select_keyed(keep);
        }
        let data_key = self.unwrap_key(&header)?;
        let body = body_start as u64;
        let read = |range: std::ops::Range<u64>| {
            read_exactly(&file, body + range.start, range.end - range.start).map_err(Failed::Io)
        };
        let slots = std::iter::once(v2::Slot::Generic {
            protocol: wanted.protocol,
            host: wanted.host,
        })
        .chain(wanted.providers.iter().map(|p| v2::Slot::Provider(p)))
        .chain(
            wanted
                .scopes
                .iter()
                .map(|&(provider, scope)| v2::Slot::Scoped { provider, scope }),
        );
        let selected =
            v2::lookup(&header, &data_key, len - body, read, slots, keep).map_err(|e| match e {
                Failed::Io(e) => io(&name)(e),
                Failed::Format(e) => damaged(e),
            })?;
        Ok((selected, Some(data_key)))
    }

    /// The header, read without the key (for `doctor`). `None` without a store.
    pub fn inspect(&self) -> Result<Option<Header>, Error> {
        Ok(self.head()?.map(|head| head.header))
    }

    /// The open store file and its checked header, read with as few bytes as it takes.
    fn head(&self) -> Result<Option<Head>, Error> {
        let path = self.path();
        let damaged = |e| format_error(&path, e);
        let Some(name) = self.file()? else {
            return Ok(None);
        };
        let file = match File::open(&name) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&name)(e)),
        };
        let len = file.metadata().map_err(io(&name))?.len();
        let read = |offset: u64, n: u64| read_exactly(&file, offset, n).map_err(io(&name));
        let mut bytes = read(0, len.min(FIRST_READ))?;
        let (head_len, _) = format::head_len(&bytes).map_err(damaged)?;
        if bytes.len() < head_len && len >= head_len as u64 {
            bytes = read(0, head_len as u64)?;
        }
        let (header, body_start) = match format::parse_head(&bytes) {
            Err(format::FormatError::Damaged("truncated header")) => {
                return Err(damaged(format::FormatError::Damaged("truncated file")));
            }
            other => other.map_err(damaged)?,
        };
        if len - (body_start as u64) < format::least_body(&header) as u64 {
            return Err(damaged(format::FormatError::Damaged("truncated file")));
        }
        Ok(Some(Head {
            file,
            name,
            len,
            header,
            body_start,
        }))
    }

    /// The store's data key, for files that keep secrets of their own with it (the OpenBao
    /// cache); the store is created per `create` when missing. Reads only the header.
    pub fn data_key(&self, create: Create) -> Result<Option<DataKey>, Error> {
        if let Some(header) = self.inspect()? {
            return Ok(Some(self.unwrap_key(&header)?));
        }
        self.update(create, |opened| {
            (
                false,
                DataKey::from_slice(opened.data_key.bytes()).expect("32 bytes"),
            )
        })
    }
}

/// Why [`v2::lookup`] failed: reading, or what it read.
enum Failed {
    Io(std::io::Error),
    Format(format::FormatError),
}

impl From<format::FormatError> for Failed {
    fn from(e: format::FormatError) -> Failed {
        Failed::Format(e)
    }
}

struct Head {
    file: File,
    name: std::path::PathBuf,
    len: u64,
    header: Header,
    body_start: usize,
}

/// `n` bytes at `offset`; a file that ends sooner (checked against its length beforehand, so
/// only a file replaced in place) is an error.
fn read_exactly(file: &File, offset: u64, n: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; n as usize];
    crate::platform::fs::read_exact_at(file, &mut buf, offset)?;
    Ok(buf)
}
