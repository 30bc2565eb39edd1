//! Editing config.toml in place (`instance add/update/remove`): toml_edit keeps the user's
//! comments, order and formatting; the result is checked by the same rules as a hand-written
//! file before it replaces the old one (atomically, 0600, in a private directory).

use std::path::{Path, PathBuf};

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

use super::{Config, Error};

pub struct ConfigFile {
    path: PathBuf,
    doc: DocumentMut,
}

impl ConfigFile {
    /// Read `path` for editing (a missing file is an empty one). A file others can write is
    /// refused, as when it is loaded.
    pub fn open(path: &Path) -> Result<ConfigFile, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => {
                super::trust::check(path)?;
                text
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        // Parse with the full rules first, so that errors name the key and line.
        Config::parse(&text, path)?;
        let doc = text.parse::<DocumentMut>().map_err(|e| Error::Invalid {
            path: path.to_path_buf(),
            line: 1,
            message: e.message().trim().replace('\n', " "),
        })?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn providers(&mut self) -> Result<&mut ArrayOfTables, Error> {
        let item = self
            .doc
            .entry("provider")
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        item.as_array_of_tables_mut().ok_or_else(|| Error::Invalid {
            path: self.path.clone(),
            line: 1,
            message: "provider: write instances as [[provider]] tables to edit them from the CLI"
                .into(),
        })
    }

    fn position(&mut self, name: &str) -> Result<Option<usize>, Error> {
        Ok(self.providers()?.iter().position(|t| {
            t.get("name")
                .and_then(Item::as_str)
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
        }))
    }

    /// The `[[provider]]` table named `name` (any case), if the file has one.
    pub fn table(&mut self, name: &str) -> Result<Option<&mut Table>, Error> {
        match self.position(name)? {
            Some(i) => Ok(self.providers()?.get_mut(i)),
            None => Ok(None),
        }
    }

    /// The table named `name`, appended (with just its name) when the file has none.
    pub fn table_or_new(&mut self, name: &str) -> Result<&mut Table, Error> {
        let at = match self.position(name)? {
            Some(i) => i,
            None => {
                let mut table = Table::new();
                table.insert("name", toml_edit::value(name));
                let providers = self.providers()?;
                providers.push(table);
                providers.len() - 1
            }
        };
        Ok(self.providers()?.get_mut(at).expect("just found or pushed"))
    }

    /// Remove the table named `name`; false when there is none.
    pub fn remove(&mut self, name: &str) -> Result<bool, Error> {
        match self.position(name)? {
            Some(i) => {
                self.providers()?.remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The edited file, read by the same rules as on load.
    pub fn check(&self) -> Result<Config, Error> {
        Config::parse(&self.doc.to_string(), &self.path)
    }

    /// Replace the file: a 0600 temp file in the same directory, renamed over it. A missing
    /// directory is created private (0700).
    pub fn save(&self) -> Result<(), Error> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.exists() {
            crate::durable::ensure_private_dir(dir).map_err(io(dir))?;
        }
        // Writers of config.toml take its own lock, so a killed writer's temp file is theirs
        // to remove.
        let lock_path = self.path.with_file_name("config.lock");
        let lock = crate::durable::lock(&lock_path).map_err(io(&lock_path))?;
        crate::durable::write_atomic(
            &self.path,
            self.doc.to_string().as_bytes(),
            ".config-",
            &lock,
        )
        .map_err(io(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_comments_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "# mine\non_reject = \"keep\"\n\n[[provider]]\n# the corp one\nname = \"corp\"\nkind = \"gitlab-self-managed\"\nhosts = [\"git.corp\"] # main\n";
        std::fs::write(&path, text).unwrap();
        let mut file = ConfigFile::open(&path).unwrap();
        file.table("CORP")
            .unwrap()
            .unwrap()
            .insert("pat", toml_edit::value(false));
        file.table_or_new("github")
            .unwrap()
            .insert("oauth_client_id", toml_edit::value("abc"));
        let config = file.check().unwrap();
        assert!(!config.instance("corp").unwrap().pat);
        assert_eq!(
            config
                .instance("github")
                .unwrap()
                .oauth_client_id
                .as_deref(),
            Some("abc")
        );
        file.save().unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        assert!(
            saved.starts_with("# mine\non_reject = \"keep\"\n"),
            "{saved}"
        );
        assert!(
            saved.contains("# the corp one\n") && saved.contains("# main"),
            "{saved}"
        );
        assert!(saved.find("corp").unwrap() < saved.find("github").unwrap());
        let mut file = ConfigFile::open(&path).unwrap();
        assert!(file.remove("github").unwrap());
        assert!(!file.remove("github").unwrap());
    }
}
