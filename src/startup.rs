//! Process start-up: quiet diagnostics, logs on stderr, and TCP_NODELAY on the plugin's gRPC
//! socket (tf-provider 0.2.2 leaves Nagle's algorithm on, which costs ~40 ms per call).

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};

/// `Diagnostic::new` captures a backtrace whenever `RUST_BACKTRACE` asks for one, and appends
/// it to every error shown to users. `RUST_LIB_BACKTRACE` wins over `RUST_BACKTRACE` for
/// captured backtraces, while panics keep honouring `RUST_BACKTRACE`.
pub fn quiet_backtraces() {
    // Runs first thing in `main`, before any other thread exists.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
}

/// Logs go to stderr as JSON lines Terraform reads, at the level Terraform keeps for the
/// provider (see [`crate::logging`]).
pub fn init_logging() {
    crate::logging::init();
}

/// Puts a pipe in front of stdout. When tf-provider prints its handshake line, its listening
/// socket exists and Terraform has not connected yet (it waits for that line): that is when
/// TCP_NODELAY is set on the listener, and Linux passes it on to the accepted connection.
/// Everything written to stdout is then forwarded unchanged.
pub fn tune_handshake() -> std::io::Result<()> {
    intercept_handshake(None)
}

/// What replaces the handshake line: given the line (without its line break), the line to
/// print instead, or `None` to print it unchanged.
pub type HandshakeRewrite = Box<dyn FnOnce(&str) -> Option<String> + Send>;

/// As [`tune_handshake`], and the handshake line is replaced by what `rewrite` makes of it
/// (the plugin front's line: Terraform then connects to the front, which sets TCP_NODELAY on
/// what it accepts; the listener's TCP_NODELAY still serves the front's own connection to
/// tf-provider).
pub fn intercept_handshake(rewrite: Option<HandshakeRewrite>) -> std::io::Result<()> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: plain POSIX calls on descriptors this function owns; errors are checked.
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let original = libc::dup(1);
        if original < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::dup2(fds[1], 1) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        libc::close(fds[1]);
        let reader = BufReader::new(File::from_raw_fd(fds[0]));
        let mut stdout = File::from_raw_fd(original);
        std::thread::Builder::new()
            .name("stdout-forwarder".into())
            .spawn(move || forward(reader, &mut stdout, rewrite))?;
    }
    Ok(())
}

fn forward(reader: BufReader<File>, stdout: &mut File, mut rewrite: Option<HandshakeRewrite>) {
    for line in reader.split(b'\n') {
        let Ok(mut line) = line else { return };
        if line.starts_with(b"1|6|tcp|") {
            let tuned = set_nodelay_on_all_sockets();
            tracing::debug!(tuned, "TCP_NODELAY set on the plugin's listening socket");
            let rewritten = rewrite
                .take()
                .zip(std::str::from_utf8(&line).ok())
                .and_then(|(rewrite, text)| rewrite(text));
            if let Some(rewritten) = rewritten {
                line = rewritten.into_bytes();
            }
        }
        line.push(b'\n');
        if stdout
            .write_all(&line)
            .and_then(|_| stdout.flush())
            .is_err()
        {
            return;
        }
    }
}

/// Sets TCP_NODELAY on every TCP socket of this process; returns how many accepted it.
pub fn set_nodelay_on_all_sockets() -> usize {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let mut tuned = 0;
    for entry in entries.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if is_socket && set_nodelay(fd) {
            tuned += 1;
        }
    }
    tuned
}

fn set_nodelay(fd: RawFd) -> bool {
    let on: libc::c_int = 1;
    // SAFETY: setsockopt only reads `on`; a descriptor that is not a TCP socket makes it fail
    // with ENOPROTOOPT or ENOTSOCK, which is ignored.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    fn nodelay(fd: RawFd) -> bool {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt writes at most `len` bytes into `value`.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        rc == 0 && value != 0
    }

    #[test]
    fn connections_accepted_after_tuning_have_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        assert!(set_nodelay_on_all_sockets() >= 1);
        let _client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (accepted, _) = listener.accept().expect("accept");
        assert!(nodelay(accepted.as_raw_fd()));
    }
}
