//! Test helpers: a tiny HTTP/1.1 client (plain or TLS, via OpenSSL) and
//! certificate generation.
#![allow(dead_code)]

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509NameBuilder, X509};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;

#[allow(unused_imports)]
pub use kong_sandbox::{Edition, FaultAction, FaultRule, Sandbox, SandboxConfig, TlsConfig};
pub use serde_json::json;

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// TLS client settings.
#[derive(Clone)]
pub struct ClientTls {
    pub ca_pem: String,
    pub client: Option<(String, String)>,
}

/// A minimal HTTP/1.1 client (one connection per request).
#[derive(Clone)]
pub struct Client {
    pub addr: std::net::SocketAddr,
    pub tls: Option<ClientTls>,
    pub headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(sb: &Sandbox) -> Client {
        Client {
            addr: sb.addr(),
            tls: None,
            headers: vec![],
        }
    }

    pub fn with_header(mut self, k: &str, v: &str) -> Client {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Resp> {
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        if let Some(ct) = content_type {
            req.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        for (k, v) in &self.headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let tcp = TcpStream::connect(self.addr)?;
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
        let mut out = Vec::new();
        match &self.tls {
            None => {
                let mut s = tcp;
                s.write_all(&bytes)?;
                s.read_to_end(&mut out)?;
            }
            Some(t) => {
                let mut b =
                    SslConnector::builder(SslMethod::tls()).map_err(std::io::Error::other)?;
                let ca = X509::from_pem(t.ca_pem.as_bytes()).map_err(std::io::Error::other)?;
                b.cert_store_mut()
                    .add_cert(ca)
                    .map_err(std::io::Error::other)?;
                b.set_verify(SslVerifyMode::PEER);
                if let Some((cert, key)) = &t.client {
                    let dir = std::env::temp_dir().join(format!("ks-client-{}", uuid_like()));
                    std::fs::create_dir_all(&dir)?;
                    std::fs::write(dir.join("c.pem"), cert)?;
                    std::fs::write(dir.join("k.pem"), key)?;
                    b.set_certificate_chain_file(dir.join("c.pem"))
                        .map_err(std::io::Error::other)?;
                    b.set_private_key_file(dir.join("k.pem"), SslFiletype::PEM)
                        .map_err(std::io::Error::other)?;
                }
                let conn = b.build();
                let mut s = conn
                    .connect("localhost", tcp)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                s.write_all(&bytes)?;
                let _ = s.read_to_end(&mut out);
            }
        }
        parse_response(&out)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.raw("GET", path, None, b"").expect("GET")
    }
    pub fn delete(&self, path: &str) -> Resp {
        self.raw("DELETE", path, None, b"").expect("DELETE")
    }
    pub fn post(&self, path: &str, body: Value) -> Resp {
        self.send("POST", path, body)
    }
    pub fn put(&self, path: &str, body: Value) -> Resp {
        self.send("PUT", path, body)
    }
    pub fn patch(&self, path: &str, body: Value) -> Resp {
        self.send("PATCH", path, body)
    }
    pub fn send(&self, method: &str, path: &str, body: Value) -> Resp {
        self.raw(
            method,
            path,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
        .expect("request")
    }
    pub fn form(&self, method: &str, path: &str, body: &str) -> Resp {
        self.raw(
            method,
            path,
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
        )
        .expect("request")
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

fn parse_response(raw: &[u8]) -> std::io::Result<Resp> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no response"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
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

/// Starts a community sandbox and a client for it.
pub fn start() -> (Sandbox, Client) {
    let sb = Sandbox::start();
    let c = Client::new(&sb);
    (sb, c)
}

/// Key types for generated certificates.
#[derive(Clone, Copy)]
pub enum KeyType {
    Rsa,
    Ec,
}

/// A generated key pair (PEM).
pub fn gen_key(kt: KeyType) -> PKey<Private> {
    match kt {
        KeyType::Rsa => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        KeyType::Ec => {
            let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
        }
    }
}

/// A certificate for `cn` with DNS SANs, self-signed or signed by `issuer`.
pub fn gen_cert(
    cn: &str,
    sans: &[&str],
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(rand_u32())
        .unwrap()
        .to_asn1_integer()
        .unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(365).unwrap())
        .unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
    }
    if !sans.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for s in sans {
            san.dns(s);
        }
        let ext = san
            .build(&b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None))
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    match issuer {
        Some((icert, ikey)) => {
            b.set_issuer_name(icert.subject_name()).unwrap();
            b.sign(ikey, MessageDigest::sha256()).unwrap();
        }
        None => {
            b.set_issuer_name(&name).unwrap();
            b.sign(key, MessageDigest::sha256()).unwrap();
        }
    }
    b.build()
}

fn rand_u32() -> u32 {
    let mut buf = [0u8; 4];
    openssl::rand::rand_bytes(&mut buf).unwrap();
    u32::from_le_bytes(buf) >> 1
}

/// (cert PEM, key PEM) self-signed for `sans`.
pub fn self_signed(kt: KeyType, sans: &[&str]) -> (String, String) {
    let k = gen_key(kt);
    let c = gen_cert(
        sans.first().copied().unwrap_or("example.test"),
        sans,
        &k,
        None,
        false,
    );
    (pem_cert(&c), pem_key(&k))
}

pub fn pem_cert(c: &X509) -> String {
    String::from_utf8(c.to_pem().unwrap()).unwrap()
}

pub fn pem_key(k: &PKey<Private>) -> String {
    String::from_utf8(k.private_key_to_pem_pkcs8().unwrap()).unwrap()
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
