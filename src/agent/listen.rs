//! The agent's listening socket: handed over by systemd (socket activation), or bound at the
//! default path or `--socket` with modes set before anyone can connect.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};

use super::Error;

/// The first file descriptor systemd passes (sd_listen_fds(3)).
const LISTEN_FDS_START: i32 = 3;
/// Connections waiting to be accepted before the kernel makes clients wait.
const BACKLOG: i32 = 128;

/// The listener and the path clients connect to. `shared`: other uids are allowed, so the
/// socket must be connectable by them (0666; the peer's uid decides).
pub fn listener(socket: Option<PathBuf>, shared: bool) -> Result<(UnixListener, PathBuf), Error> {
    if let Some(listener) = activated()? {
        let path = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_pathname().map(Path::to_path_buf))
            .ok_or_else(|| {
                Error::Usage("the socket systemd passed has no path: use ListenStream=PATH".into())
            })?;
        return Ok((listener, path));
    }
    let path = match socket {
        Some(path) => path,
        None => default_path()?,
    };
    let io = |what| {
        let path = path.clone();
        move |source| Error::Io { what, path, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        crate::durable::ensure_private_dir(dir).map_err(io("creating the directory of"))?;
    }
    clear_stale(&path)?;
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| io("creating the socket")(e.into()))?;
    let addr =
        SocketAddrUnix::new(path.as_path()).map_err(|e| io("naming the socket")(e.into()))?;
    rustix::net::bind(&fd, &addr).map_err(|e| io("binding")(e.into()))?;
    // Nobody can connect before listen(): the mode is right by the time anyone can.
    let mode = if shared { 0o666 } else { 0o600 };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
        .map_err(io("setting the mode of"))?;
    rustix::net::listen(&fd, BACKLOG).map_err(|e| io("listening on")(e.into()))?;
    Ok((UnixListener::from(fd), path))
}

/// `$XDG_RUNTIME_DIR/git-credential-vouch/agent.sock`, its directory made 0700.
fn default_path() -> Result<PathBuf, Error> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            Error::Usage("XDG_RUNTIME_DIR is not set: name the socket with --socket PATH".into())
        })?;
    let dir = PathBuf::from(runtime).join("git-credential-vouch");
    crate::durable::ensure_private_dir(&dir).map_err(|source| Error::Io {
        what: "creating",
        path: dir.clone(),
        source,
    })?;
    Ok(dir.join("agent.sock"))
}

/// A socket left by an agent that was killed is removed; a live agent, or anything that is not
/// a socket, is left alone and refused.
fn clear_stale(path: &Path) -> Result<(), Error> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(Error::Refused(format!(
            "{} exists and is not a socket: remove it or choose another --socket",
            path.display()
        )));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(Error::Refused(format!(
            "an agent already listens at {}",
            path.display()
        )));
    }
    std::fs::remove_file(path).map_err(|source| Error::Io {
        what: "removing the stale socket",
        path: path.to_path_buf(),
        source,
    })
}

/// The socket systemd passed (`LISTEN_PID` is this process, `LISTEN_FDS=1`), if any.
fn activated() -> Result<Option<UnixListener>, Error> {
    let ours = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|p| p.parse::<i32>().ok())
        .is_some_and(|p| p == rustix::process::getpid().as_raw_nonzero().get());
    if !ours {
        return Ok(None);
    }
    let count = std::env::var("LISTEN_FDS").ok();
    // SAFETY: the agent calls this before it starts any thread, so nothing reads the
    // environment concurrently; the variables are meant for this process only.
    unsafe {
        std::env::remove_var("LISTEN_PID");
        std::env::remove_var("LISTEN_FDS");
        std::env::remove_var("LISTEN_FDNAMES");
    }
    if count.as_deref() != Some("1") {
        return Err(Error::Usage(
            "systemd passed other than one socket: the unit needs exactly one ListenStream".into(),
        ));
    }
    // SAFETY: by the socket activation protocol, fd 3 is open and ours when LISTEN_PID names
    // this process; nothing else in this process owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(LISTEN_FDS_START) };
    let bad = |why: &str| Error::Usage(format!("the file descriptor systemd passed {why}"));
    match rustix::net::sockopt::socket_type(&fd) {
        Ok(SocketType::STREAM) => {}
        _ => return Err(bad("is not a stream socket")),
    }
    if !rustix::net::sockopt::socket_acceptconn(&fd).unwrap_or(false) {
        return Err(bad("is not listening"));
    }
    rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)
        .map_err(|_| bad("cannot be kept from child processes"))?;
    Ok(Some(UnixListener::from(fd)))
}
