//! Lock files in the data dir, beside the store's lock, that let one process do an OAuth step
//! (a refresh, a login on demand) while the others wait for it. Not the store's lock: these
//! steps wait on the network or on a person, and every git on the machine needs the store.
//! The wait is bounded: a process that cannot get the lock in time gives up instead of hanging
//! a git command.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use super::Error;

/// How often a waiting process tries the lock again.
const POLL: Duration = Duration::from_millis(100);

/// A lock held until dropped (closing the file releases it).
pub struct Held {
    _file: File,
}

/// How taking a lock went; the lock is held until this is dropped.
pub struct Taken {
    held: Option<Held>,
    waited: bool,
}

impl Taken {
    /// Another process still held it after the whole wait.
    pub fn timed_out(&self) -> bool {
        self.held.is_none()
    }

    /// Another process held it first: what that process did may be in the store now.
    pub fn waited(&self) -> bool {
        self.waited
    }
}

/// Take the lock file `name` in `data_dir`, waiting at most `wait`.
pub fn take(data_dir: &Path, name: &str, wait: Duration) -> Result<Taken, Error> {
    let path = data_dir.join(name);
    let io = |source| Error::Io {
        doing: format!("locking {}", path.display()),
        source,
    };
    crate::durable::ensure_private_dir(data_dir).map_err(io)?;
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).map_err(io)?;
    let started = Instant::now();
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                let held = Some(Held { _file: file });
                return Ok(Taken { held, waited });
            }
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                waited = true;
                std::thread::sleep(POLL);
            }
            Err(TryLockError::WouldBlock) => {
                return Ok(Taken {
                    held: None,
                    waited: true,
                });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_makes_others_wait_then_time_out() {
        let dir = tempfile::tempdir().unwrap();
        let held = take(dir.path(), "x.lock", Duration::ZERO).unwrap();
        assert!(!held.timed_out() && !held.waited());
        assert!(
            take(dir.path(), "x.lock", Duration::from_millis(250))
                .unwrap()
                .timed_out()
        );
        let waiter = std::thread::spawn({
            let dir = dir.path().to_owned();
            move || take(&dir, "x.lock", Duration::from_secs(5)).unwrap()
        });
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let after = waiter.join().unwrap();
        assert!(after.waited() && !after.timed_out());
    }
}
