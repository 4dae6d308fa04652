//! Test helpers: the shared Admin API test client (`test_support::admin`), the hand-written
//! HTTP client for malformed requests, the shared certificate builder, and a sandbox to drive.
#![allow(dead_code)]

#[allow(unused_imports)]
pub use kong_sandbox::{Edition, FaultAction, FaultRule, Sandbox, SandboxConfig, TlsConfig};
pub use serde_json::json;
// Each test binary uses some of these.
#[allow(unused_imports)]
pub use test_support::admin::{AdminClient as Client, Resp, Trust};
#[allow(unused_imports)]
pub use test_support::certs::{CertSpec, KeyKind, Pki, TlsIdentity};
#[allow(unused_imports)]
pub use test_support::raw_http::RawClient;

/// A client for this sandbox's Admin API.
pub fn client(sb: &Sandbox) -> Client {
    Client::new(&sb.url())
}

/// Starts a community sandbox and a client for it.
pub fn start() -> (Sandbox, Client) {
    let sb = Sandbox::start();
    let c = client(&sb);
    (sb, c)
}

/// A self-signed leaf for `sans` with a key of this kind: (certificate PEM, PKCS#8 key PEM).
pub fn self_signed(kind: KeyKind, sans: &[&str]) -> (String, String) {
    let issued = CertSpec::leaf(sans).key(kind).self_signed();
    (issued.cert_pem(), issued.key_pem())
}

/// Creates a service and returns its id.
pub fn service(c: &Client, name: &str) -> String {
    let r = c.post(
        "/services",
        json!({ "name": name, "host": "upstream.test" }),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()["id"].as_str().unwrap().to_string()
}
