//! The private key a user declares, read the way Kong reads it: with OpenSSL (Kong 3.9:
//! kong/db/schema/typedefs.lua `validate_key`, lua-resty-openssl `pkey.new` on OpenSSL 3.2),
//! so every key type and encoding OpenSSL loads is accepted (RSA, RSA-PSS, EC on any curve,
//! explicit parameters included, Ed25519, Ed448, DSA, ...), and a key matches a certificate
//! when OpenSSL writes the same public key PEM for both, as kong/db/schema/entities/
//! certificates.lua compares them (`cert:get_pubkey():to_PEM() ~= key:to_PEM("public")`).
//!
//! Stricter on purpose: a public key alone (which `pkey.new` also loads, so Kong stores a
//! certificate it can never serve), several keys (Kong takes the first one silently) and a
//! passphrase-protected key (which Kong cannot load) are refused with their own message.
//! No message here ever quotes the private key.

use openssl::nid::Nid;
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef};

use super::pki::shown_label;

/// A public key as Kong compares them: the PEM OpenSSL writes for it, with its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pem: String,
    description: String,
}

impl PublicKey {
    /// The public half of an OpenSSL key; `None` when OpenSSL cannot write it.
    pub(super) fn of<T: HasPublic>(key: &PKeyRef<T>) -> Option<Self> {
        let pem = key.public_key_to_pem().ok()?;
        Some(Self {
            pem: String::from_utf8_lossy(&pem).into_owned(),
            description: describe(key),
        })
    }

    /// "RSA 2048-bit", "ECDSA P-256", "Ed25519", ...
    pub fn describe(&self) -> String {
        self.description.clone()
    }
}

fn describe<T: HasPublic>(key: &PKeyRef<T>) -> String {
    let bits = key.bits();
    match key.id() {
        Id::RSA => format!("RSA {bits}-bit"),
        Id::RSA_PSS => format!("RSA-PSS {bits}-bit"),
        Id::DSA => format!("DSA {bits}-bit"),
        Id::EC => {
            let curve = key.ec_key().ok().and_then(|ec| ec.group().curve_name());
            match curve {
                Some(Nid::X9_62_PRIME256V1) => "ECDSA P-256".to_string(),
                Some(Nid::SECP384R1) => "ECDSA P-384".to_string(),
                Some(Nid::SECP521R1) => "ECDSA P-521".to_string(),
                Some(nid) => format!("ECDSA {}", nid.short_name().unwrap_or("named-curve")),
                None => format!("ECDSA explicit-curve {bits}-bit"),
            }
        }
        Id::ED25519 => "Ed25519".to_string(),
        Id::ED448 => "Ed448".to_string(),
        Id::X25519 => "X25519".to_string(),
        Id::X448 => "X448".to_string(),
        other => format!("OpenSSL type {} {bits}-bit", other.as_raw()),
    }
}

/// "a" or "an" before a key's description ("an RSA 2048-bit", "a DSA 2048-bit").
pub fn article(description: &str) -> &'static str {
    match description.chars().next() {
        Some(c) if "AEFHILMNORSX".contains(c) => "an",
        _ => "a",
    }
}

/// Why a private key cannot be used. The messages never quote the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a single PEM block.
    #[error("no PEM private key found: expected a `-----BEGIN PRIVATE KEY-----` (PKCS#8) block, or a traditional one such as `-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----`")]
    NoPem,
    /// The PEM framing or base64 is broken.
    #[error("the PEM text of the private key is malformed (broken BEGIN/END lines or base64)")]
    Malformed,
    /// A certificate where the key should be.
    #[error("private_key holds a certificate, not a private key: the certificate (and its chain) belongs in `certificate`")]
    Certificate,
    /// A public key where the private key should be.
    #[error("private_key holds a public key (`{0}`), not the private key")]
    Public(String),
    /// More than one key.
    #[error("private_key holds {0} private keys: give only the one that belongs to the leaf certificate")]
    Several(usize),
    /// A passphrase-protected key.
    #[error("the private key is encrypted with a passphrase, which Kong cannot use: decrypt it first (for example `openssl pkey -in key.pem -out key-clear.pem`)")]
    Encrypted,
    /// OpenSSL cannot load the block (its label is shown when it is a plain one).
    #[error("the `{0}` block is malformed, or not a private key OpenSSL (which Kong loads keys with) can read")]
    Unreadable(String),
}

/// The single private key block of `pem_text` (an `EC PARAMETERS` block before it, as
/// `openssl ecparam -genkey` writes, is skipped, as OpenSSL's PEM reader skips it).
fn key_block(pem_text: &str) -> Result<pem::Pem, KeyError> {
    let blocks = pem::parse_many(pem_text).map_err(|_| KeyError::Malformed)?;
    let mut keys: Vec<pem::Pem> = Vec::new();
    for block in blocks {
        match block.tag() {
            "EC PARAMETERS" | "DSA PARAMETERS" => {}
            "CERTIFICATE" => return Err(KeyError::Certificate),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(KeyError::Public(shown_label(block.tag())))
            }
            _ => keys.push(block),
        }
    }
    match keys.len() {
        0 => Err(KeyError::NoPem),
        1 => Ok(keys.remove(0)),
        n => Err(KeyError::Several(n)),
    }
}

/// The public half of a PEM private key, loaded by OpenSSL.
pub fn private_key_public_half(pem_text: &str) -> Result<PublicKey, KeyError> {
    let block = key_block(pem_text)?;
    let encrypted = block
        .headers()
        .get("Proc-Type")
        .is_some_and(|v| v.contains("ENCRYPTED"))
        || block.tag() == "ENCRYPTED PRIVATE KEY";
    if encrypted {
        return Err(KeyError::Encrypted);
    }
    let unreadable = || KeyError::Unreadable(shown_label(block.tag()));
    let key =
        PKey::private_key_from_pem(pem::encode(&block).as_bytes()).map_err(|_| unreadable())?;
    PublicKey::of(&key).ok_or_else(unreadable)
}

/// Whether two PEM private keys hold the same key encoding (whatever their line breaks).
pub fn same_private_key(a: &str, b: &str) -> bool {
    match (key_block(a), key_block(b)) {
        (Ok(a), Ok(b)) => a.tag() == b.tag() && a.contents() == b.contents(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
