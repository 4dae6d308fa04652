//! The plugin's handshake line on stdout, intercepted (Unix: a pipe in front of stdout).
//!
//! tf-provider 0.2.2 prints its handshake line itself and binds its listener itself. The line is
//! where the plugin front (`plugin_front`) puts its own address instead, and the moment to set
//! TCP_NODELAY on tf-provider's listener: tf-provider leaves Nagle's algorithm on, which costs
//! ~40 ms per call on loopback. Setting it is Linux only, for two reasons: the process's sockets
//! are found through `/proc/self/fd`, and Linux copies TCP_NODELAY from a listening socket to the
//! connections it accepts. Elsewhere the listener keeps Nagle's algorithm (correct, a little
//! slower); the front sets TCP_NODELAY on the connections it accepts itself, on every system.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};

/// What replaces the handshake line: given the line (without its line break), the line to
/// print instead, or `None` to print it unchanged.
pub type HandshakeRewrite = Box<dyn FnOnce(&str) -> Option<String> + Send>;

/// Puts a pipe in front of stdout. When tf-provider prints its handshake line, its listening
/// socket exists and Terraform has not connected yet (it waits for that line): that is when
/// TCP_NODELAY is set on the listener (Linux passes it on to the accepted connections), and
/// when the line is replaced by what `rewrite` makes of it (the plugin front's line: Terraform
/// then connects to the front). Everything else written to stdout is forwarded unchanged.
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

/// Sets TCP_NODELAY on every TCP socket of this process; returns how many accepted it (none
/// off Linux, where the process's sockets are not listed in `/proc`).
#[cfg(not(target_os = "linux"))]
pub fn set_nodelay_on_all_sockets() -> usize {
    0
}

/// Sets TCP_NODELAY on every TCP socket of this process; returns how many accepted it.
#[cfg(target_os = "linux")]
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

#[cfg(target_os = "linux")]
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

#[cfg(all(test, target_os = "linux"))]
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
