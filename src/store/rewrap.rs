//! Re-wrapping the data key (`rekey`, `passwd`): a v2 store keeps its buckets byte for byte and
//! only the header changes; a v1 store is rewritten as v2 on the way.

use super::format::{self, Header};
use super::{Error, Store, TEMP_PREFIX, format_error, io};
use crate::durable;
use crate::keysource::{self, SourceKind};

impl Store {
    /// Re-wrap the data key with another source: only the header is rewritten, the encrypted
    /// entries are carried over byte for byte, and the old source's key is deleted. Returns the
    /// previous source and, if the old key could not be deleted, why; `None` without store.
    pub fn rekey(&self, kind: SourceKind) -> Result<Option<(SourceKind, Option<String>)>, Error> {
        self.rewrap(kind, None)
    }

    /// Re-wrap the data key under a new passphrase (`passwd`): `old` must open it; the header
    /// is replaced atomically and the entries are carried over byte for byte. Returns the
    /// store's source (nothing changes unless it is `passphrase`); `None` without a store.
    pub fn passwd(&self, old: &str) -> Result<Option<SourceKind>, Error> {
        Ok(self
            .rewrap(SourceKind::Passphrase, Some(old))?
            .map(|(source, _)| source))
    }

    fn rewrap(
        &self,
        kind: SourceKind,
        old_passphrase: Option<&str>,
    ) -> Result<Option<(SourceKind, Option<String>)>, Error> {
        let path = self.path();
        let Some(file) = self.file()? else {
            return Ok(None);
        };
        let lock = Self::lock(&file)?;
        let bytes = std::fs::read(&file).map_err(io(&file))?;
        let (old_header, _) = format::parse_header(&bytes).map_err(|e| format_error(&path, e))?;
        let old = old_header.source;
        if (old == kind) != old_passphrase.is_some() {
            return Ok(Some((old, None)));
        }
        let key_id = old_header.key_id;
        let data_key = match old_passphrase {
            Some(pass) => keysource::PassphraseSource::unwrap_with(
                pass,
                &old_header.wrapped,
                &Header::wrap_aad(&key_id, old),
            )
            .map_err(|source| Error::Key {
                path: path.clone(),
                source,
            })?,
            // Opened whole (a copy: the body is kept as it is) so that a damaged body is refused
            // before it is rewritten under the new key.
            None => self.decode(bytes.clone())?.data_key,
        };
        let wrapped = keysource::open(kind, &self.paths)
            .wrap_new(&key_id, &data_key, &Header::wrap_aad(&key_id, kind))
            .map_err(|source| Error::Key {
                path: path.clone(),
                source,
            })?;
        let (_, body) = format::parse_header(&bytes).map_err(|e| format_error(&path, e))?;
        let header = Header {
            key_id,
            source: kind,
            wrapped,
            layout: old_header.layout,
        };
        let out = if header.layout.is_some() {
            [header.encode().as_slice(), body].concat()
        } else {
            // A v1 store is migrated: its entries, checked and resealed as v2.
            let entries =
                format::decode(&old_header, &data_key, body).map_err(|e| format_error(&path, e))?;
            format::seal(&header, &data_key, &entries)
        };
        durable::write_atomic(&file, &out, TEMP_PREFIX, &lock).map_err(io(&file))?;
        if old_passphrase.is_some() {
            return Ok(Some((old, None)));
        }
        // A leaked backup must not be opened with a key the user thinks is gone.
        let left = keysource::open(old, &self.paths)
            .forget(&key_id)
            .err()
            .map(|e| e.to_string());
        Ok(Some((old, left)))
    }
}
