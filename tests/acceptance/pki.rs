//! Certificates made at test time: a CA, the sandbox's server certificate for `localhost`, a
//! client certificate signed by the same CA, and an unrelated CA.

use kong_sandbox::{SandboxConfig, TlsConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::harness::{Kong, Workspace};

/// A certificate and its private key, in PEM.
pub struct Issued {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key.
    pub key_pem: String,
}

/// Everything a TLS test needs.
pub struct Pki {
    /// The CA that signed the server and client certificates.
    pub ca_pem: String,
    /// The server certificate (for `localhost`).
    pub server: Issued,
    /// A client certificate.
    pub client: Issued,
    /// A CA that signed neither.
    pub other_ca_pem: String,
}

struct Authority {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn authority(name: &str) -> Authority {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).expect("self-signed");
    Authority { cert, key }
}

fn issue(ca: &Authority, name: &str, usage: ExtendedKeyUsagePurpose) -> Issued {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, &ca.cert, &ca.key).expect("signed");
    Issued {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

impl Pki {
    /// A fresh set of certificates.
    pub fn new() -> Self {
        let ca = authority("Dispatch test CA");
        let other = authority("Some other CA");
        Pki {
            ca_pem: ca.cert.pem(),
            server: issue(&ca, "localhost", ExtendedKeyUsagePurpose::ServerAuth),
            client: issue(&ca, "terraform", ExtendedKeyUsagePurpose::ClientAuth),
            other_ca_pem: other.cert.pem(),
        }
    }

    /// A sandbox serving HTTPS with the server certificate; with `mutual`, it also requires a
    /// client certificate signed by the CA.
    pub fn kong(&self, mutual: bool, config: SandboxConfig) -> Kong {
        Kong::with(SandboxConfig {
            tls: Some(TlsConfig {
                cert_pem: self.server.cert_pem.clone(),
                key_pem: self.server.key_pem.clone(),
                client_ca_pem: mutual.then(|| self.ca_pem.clone()),
            }),
            ..config
        })
    }
}

/// Writes PEM files into the workspace, for `file("...")` in the provider block.
pub fn write_files(ws: &Workspace, files: &[(&str, &str)]) {
    for (name, pem) in files {
        std::fs::write(ws.path().join(name), pem).expect("write PEM file");
    }
}
