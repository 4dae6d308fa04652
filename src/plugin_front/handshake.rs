//! go-plugin's handshake line, which a plugin prints on stdout once it listens:
//! `CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT[|MUX]`. Terraform reads it in
//! go-plugin's `Client.Start` (client.go): the certificate is the server certificate's DER in
//! base64 without padding (`base64.RawStdEncoding`), and is only used when it is longer than 50
//! characters (shorter text is "extra" data of older plugins).

use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

/// The handshake line of a plugin server that speaks gRPC over TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// go-plugin's core protocol version (always 1).
    core: String,
    /// The application protocol version (6 for Terraform's plugin protocol 6).
    app: String,
    /// Where the server listens.
    pub address: SocketAddr,
    /// Whatever follows the certificate (go-plugin's broker multiplexing flag), kept as sent.
    rest: Vec<String>,
}

impl Handshake {
    /// Reads the line a plugin printed (without its line break); `None` unless it is go-plugin's
    /// handshake for gRPC over TCP.
    pub fn parse(line: &str) -> Option<Self> {
        let parts: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('|').collect();
        let [core, app, "tcp", address, "grpc", rest @ ..] = parts.as_slice() else {
            return None;
        };
        if *core != "1" || app.is_empty() {
            return None;
        }
        Some(Self {
            core: core.to_string(),
            app: app.to_string(),
            address: address.parse().ok()?,
            rest: rest.iter().skip(1).map(|part| part.to_string()).collect(),
        })
    }

    /// The same handshake for a server at `address` presenting the certificate `der` (none
    /// when it serves plain gRPC).
    pub fn served_at(&self, address: SocketAddr, der: Option<&[u8]>) -> String {
        let certificate = der
            .map(|der| STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        let mut parts = vec![
            self.core.clone(),
            self.app.clone(),
            "tcp".to_string(),
            address.to_string(),
            "grpc".to_string(),
            certificate,
        ];
        parts.extend(self.rest.iter().cloned());
        parts.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_providers_line_is_read_and_rewritten_for_the_front() {
        // What tf-provider 0.2.2 prints when it serves plain gRPC (no PLUGIN_CLIENT_CERT).
        let line = "1|6|tcp|127.0.0.1:1025|grpc|";
        let handshake = Handshake::parse(line).expect("a handshake");
        assert_eq!(handshake.address, "127.0.0.1:1025".parse().expect("addr"));
        let front: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
        let der = [0x30, 0x82, 0xff, 0x00, 0x01];
        assert_eq!(
            handshake.served_at(front, Some(&der)),
            "1|6|tcp|127.0.0.1:40000|grpc|MIL/AAE"
        );
        assert_eq!(
            handshake.served_at(front, None),
            "1|6|tcp|127.0.0.1:40000|grpc|"
        );
    }

    #[test]
    fn a_multiplexing_flag_after_the_certificate_is_kept() {
        let handshake = Handshake::parse("1|6|tcp|[::1]:5000|grpc|QUJD|true\n").expect("parsed");
        let front: SocketAddr = "[::1]:6000".parse().expect("addr");
        assert_eq!(
            handshake.served_at(front, None),
            "1|6|tcp|[::1]:6000|grpc||true"
        );
    }

    #[test]
    fn other_lines_are_not_handshakes() {
        for line in [
            "",
            "hello",
            "1|6|unix|/tmp/plugin.sock|grpc|",
            "1|6|tcp|127.0.0.1:1025|netrpc|",
            "2|6|tcp|127.0.0.1:1025|grpc|",
            "1|6|tcp|not-an-address|grpc|",
            "1|6|tcp|127.0.0.1:1025",
        ] {
            assert_eq!(Handshake::parse(line), None, "{line}");
        }
    }
}
