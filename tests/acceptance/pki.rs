//! Certificates for the TLS tests (a CA, the sandbox's server certificate for `localhost`, a
//! client certificate signed by the same CA, and an unrelated CA: `test_support::certs::Pki`),
//! and sandboxes that serve HTTPS with them.

use kong_sandbox::{SandboxConfig, TlsConfig};

use crate::harness::{Kong, Workspace};

/// Everything a TLS test needs (the fields of `test_support::certs::Pki`).
pub struct Pki(test_support::certs::Pki);

impl std::ops::Deref for Pki {
    type Target = test_support::certs::Pki;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Pki {
    /// A fresh set of certificates.
    pub fn new() -> Self {
        Pki(test_support::certs::Pki::new())
    }

    /// A sandbox serving HTTPS with the server certificate; with `mutual`, it also requires a
    /// client certificate signed by the CA.
    pub fn kong(&self, mutual: bool, config: SandboxConfig) -> Kong {
        Kong::with(self.https(mutual, config))
    }

    fn https(&self, mutual: bool, config: SandboxConfig) -> SandboxConfig {
        SandboxConfig {
            tls: Some(TlsConfig {
                cert_pem: self.server.cert_pem.clone(),
                key_pem: self.server.key_pem.clone(),
                client_ca_pem: mutual.then(|| self.ca_pem.clone()),
            }),
            ..config
        }
    }
}

/// Writes PEM files into the workspace, for `file("...")` in the provider block.
pub fn write_files(ws: &Workspace, files: &[(&str, &str)]) {
    for (name, pem) in files {
        std::fs::write(ws.path().join(name), pem).expect("write PEM file");
    }
}
