//! Certificate and key checks with OpenSSL, as lua-resty-openssl does them
//! (`x509.new`, `pkey.new`), plus basic-auth hashing.

use openssl::pkey::{Id, PKey, Public};
use openssl::x509::X509;

fn first_error(e: &openssl::error::ErrorStack) -> String {
    match e.errors().first() {
        Some(err) => {
            let reason = err.reason().unwrap_or("unknown error");
            format!("error:{:08X}:{}", err.code(), reason)
        }
        None => "unknown error".into(),
    }
}

/// `x509.new(cert)`: PEM (leaf first) or DER.
pub fn parse_cert(cert: &str) -> Result<X509, String> {
    if cert.contains("-----BEGIN") {
        X509::from_pem(cert.as_bytes()).map_err(|e| format!("x509.new: {}", first_error(&e)))
    } else {
        X509::from_der(cert.as_bytes()).map_err(|e| format!("x509.new: {}", first_error(&e)))
    }
}

/// `pkey.new(key)`: a private or public key, PEM or DER; returns its public half.
pub fn parse_key(key: &str) -> Result<PKey<Public>, String> {
    let b = key.as_bytes();
    if let Ok(k) = PKey::private_key_from_pem(b) {
        return public_half(&k);
    }
    if let Ok(k) = PKey::public_key_from_pem(b) {
        return Ok(k);
    }
    if let Ok(k) = PKey::private_key_from_der(b) {
        return public_half(&k);
    }
    match PKey::public_key_from_der(b) {
        Ok(k) => Ok(k),
        Err(e) => Err(format!("pkey.new:load_key: {}", first_error(&e))),
    }
}

fn public_half(k: &PKey<openssl::pkey::Private>) -> Result<PKey<Public>, String> {
    let pem = k.public_key_to_pem().map_err(|e| first_error(&e))?;
    PKey::public_key_from_pem(&pem).map_err(|e| first_error(&e))
}

/// Whether the certificate's public key is the key's public half.
pub fn cert_matches_key(cert: &str, key: &str) -> bool {
    let (Ok(c), Ok(k)) = (parse_cert(cert), parse_key(key)) else {
        return true;
    };
    match (c.public_key(), k.public_key_to_pem()) {
        (Ok(cp), Ok(kp)) => cp.public_key_to_pem().map(|p| p == kp).unwrap_or(false),
        _ => false,
    }
}

/// The key type of a certificate (RSA, EC, ...).
pub fn cert_key_type(cert: &str) -> Option<Id> {
    parse_cert(cert)
        .ok()
        .and_then(|c| c.public_key().ok())
        .map(|k| k.id())
}

/// Kong basic-auth hash: hex(sha1(password .. consumer_id)).
pub fn basic_auth_hash(password: &str, consumer_id: &str) -> String {
    let digest = openssl::sha::sha1(format!("{password}{consumer_id}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
