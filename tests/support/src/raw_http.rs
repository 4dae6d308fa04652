//! HTTP/1.1 written by hand on a TCP socket, for the tests of malformed requests: the bytes go
//! out exactly as given (any method, any content type, any body), one connection per request.
//! Everything else uses [`crate::admin::AdminClient`].

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::admin::Resp;

/// A plain-HTTP connection maker for one address.
#[derive(Debug, Clone, Copy)]
pub struct RawClient {
    addr: SocketAddr,
}

impl RawClient {
    /// Requests go to this address.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    /// Sends one request with these bytes as its body and reads the answer to the end.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Resp> {
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.send_bytes(&bytes)
    }

    /// Sends these bytes as they are and reads the answer to the end.
    pub fn send_bytes(&self, bytes: &[u8]) -> std::io::Result<Resp> {
        let mut stream = TcpStream::connect(self.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.write_all(bytes)?;
        let mut out = Vec::new();
        stream.read_to_end(&mut out)?;
        parse_response(&out)
    }
}

/// An HTTP/1.1 answer read whole (the body is what follows the head, as sent with
/// `Connection: close`).
fn parse_response(raw: &[u8]) -> std::io::Result<Resp> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no response"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    Ok(Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}
