//! Reading the PEM a user declares: the certificate chain (x509-parser) and the public half
//! of the private key (RustCrypto's `pkcs8`, `pkcs1` and NIST-curve crates). No error message
//! here ever quotes the private key.

use pkcs8::der::Decode;
use pkcs8::ObjectIdentifier;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::x509::X509Name;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// The NIST curves Kong's OpenSSL and every browser accept for ECDSA certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// secp256r1.
    P256,
    /// secp384r1.
    P384,
    /// secp521r1.
    P521,
}

impl Curve {
    /// The curve's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

/// A public key, in a form where equal keys compare equal whatever their encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA: modulus and public exponent, big-endian without leading zeros.
    Rsa {
        /// `n`.
        modulus: Vec<u8>,
        /// `e`.
        exponent: Vec<u8>,
    },
    /// ECDSA: the curve and the uncompressed SEC1 point.
    Ec {
        /// The curve.
        curve: Curve,
        /// `04 || x || y`.
        point: Vec<u8>,
    },
    /// A key type this provider does not handle (named for messages).
    Unsupported(String),
}

impl PublicKey {
    /// "RSA 2048-bit", "ECDSA P-256", ...
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa { modulus, .. } => format!("RSA {}-bit", bit_length(modulus)),
            PublicKey::Ec { curve, .. } => format!("ECDSA {}", curve.name()),
            PublicKey::Unsupported(name) => name.clone(),
        }
    }
}

fn bit_length(big_endian: &[u8]) -> usize {
    match big_endian.first() {
        Some(first) => (big_endian.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

fn trim_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// What the leaf certificate says, as `dispatch_certificate` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject distinguished name, RFC 4514 (most specific first: `CN=…,O=…`).
    pub subject: String,
    /// Issuer distinguished name, RFC 4514.
    pub issuer: String,
    /// The DNS names of the subjectAltName extension, in certificate order.
    pub dns_names: Vec<String>,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// SHA-256 of the leaf's DER, lowercase hex.
    pub fingerprint_sha256: String,
    /// The leaf's public key.
    pub public_key: PublicKey,
}

/// A parsed chain: the leaf's information, and how the chain links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The first certificate.
    pub leaf: CertificateInfo,
    /// How many certificates the chain holds.
    pub length: usize,
    /// The first position `i` where certificate `i + 1` is not the issuer of certificate `i`
    /// (0-based), with both subjects.
    pub broken_link: Option<BrokenLink>,
}

/// Where a chain is not in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// 1-based position of the certificate whose issuer does not follow it.
    pub position: usize,
    /// Its issuer.
    pub issuer: String,
    /// Subject of the certificate that follows it instead.
    pub next_subject: String,
}

/// Why a certificate chain cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// Not a single PEM block.
    #[error("no PEM certificate found: expected one or more `-----BEGIN CERTIFICATE-----` blocks, the leaf first")]
    NoPem,
    /// The PEM framing or base64 is broken.
    #[error("the PEM text is malformed: {0}")]
    Malformed(String),
    /// A block that is not a certificate.
    #[error("PEM block {position} is a `{label}`, not a `CERTIFICATE`{hint}")]
    NotACertificate {
        /// 1-based position of the block.
        position: usize,
        /// Its label.
        label: String,
        /// What to do about it.
        hint: &'static str,
    },
    /// A certificate block whose content is not X.509.
    #[error("certificate {position} of the chain is not a valid X.509 certificate: {cause}")]
    InvalidX509 {
        /// 1-based position of the certificate.
        position: usize,
        /// What the parser said.
        cause: String,
    },
}

/// Why a private key cannot be used. The messages never quote the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a single PEM block.
    #[error("no PEM private key found: expected a `-----BEGIN PRIVATE KEY-----` (PKCS#8), `-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----` block")]
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
    /// An unknown PEM label.
    #[error("a `{0}` block is not a private key")]
    Label(String),
    /// The content does not decode as the key type its label announces.
    #[error("the {0} private key is malformed and cannot be read")]
    Invalid(&'static str),
    /// A key type this provider does not handle.
    #[error("{0} keys are not supported: use an RSA key or an ECDSA key on P-256, P-384 or P-521")]
    Unsupported(String),
}

/// A PEM label as messages may show it. Real labels are a few upper-case words; the PEM parser
/// takes a label across lines, so a broken BEGIN or END line can make one of whatever follows
/// it (a private key's base64, in a bundle of certificate and key): such a label is not quoted.
fn shown_label(label: &str) -> String {
    let plain = label.len() <= 40
        && label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ');
    if plain {
        label.to_string()
    } else {
        "(unreadable label)".to_string()
    }
}

/// What is wrong with broken PEM text, in words that quote none of it (`pem`'s own messages
/// quote labels and header lines, which may hold key material).
fn malformed(error: &pem::PemError) -> String {
    match error {
        pem::PemError::MismatchedTags(begin, end) => format!(
            "a `BEGIN {}` line is closed by `END {}`",
            shown_label(begin),
            shown_label(end)
        ),
        pem::PemError::MissingBeginTag => "an END line has no BEGIN line".to_string(),
        pem::PemError::MissingEndTag => "a BEGIN line has no END line".to_string(),
        pem::PemError::MissingData => "a PEM block has no content".to_string(),
        pem::PemError::InvalidData(_) => "a PEM block's content is not valid base64".to_string(),
        pem::PemError::InvalidHeader(_) => "a PEM block has a malformed header line".to_string(),
        pem::PemError::NotUtf8(_) => "the text is not UTF-8".to_string(),
        pem::PemError::MalformedFraming => "the BEGIN and END lines are malformed".to_string(),
    }
}

/// Parses a PEM certificate chain (leaf first) and describes its leaf.
pub fn parse_chain(pem_text: &str) -> Result<Chain, ChainError> {
    let blocks = pem::parse_many(pem_text).map_err(|e| ChainError::Malformed(malformed(&e)))?;
    if blocks.is_empty() {
        return Err(ChainError::NoPem);
    }
    let mut certificates = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.iter().enumerate() {
        if block.tag() != "CERTIFICATE" {
            let hint = if block.tag().contains("PRIVATE KEY") {
                ": the private key belongs in `private_key` (and never in a value Terraform shows)"
            } else {
                ""
            };
            return Err(ChainError::NotACertificate {
                position: index + 1,
                label: shown_label(block.tag()),
                hint,
            });
        }
        let invalid = |cause: String| ChainError::InvalidX509 {
            position: index + 1,
            cause,
        };
        let (rest, certificate) = x509_parser::parse_x509_certificate(block.contents())
            .map_err(|e| invalid(e.to_string()))?;
        if !rest.is_empty() {
            return Err(invalid(format!(
                "{} bytes follow the certificate",
                rest.len()
            )));
        }
        certificates.push(certificate);
    }
    let leaf = &certificates[0];
    let broken_link = certificates.windows(2).enumerate().find_map(|(i, pair)| {
        (pair[0].issuer().as_raw() != pair[1].subject().as_raw()).then(|| BrokenLink {
            position: i + 1,
            issuer: rfc4514(pair[0].issuer()),
            next_subject: rfc4514(pair[1].subject()),
        })
    });
    Ok(Chain {
        leaf: describe(leaf, blocks[0].contents())
            .map_err(|cause| ChainError::InvalidX509 { position: 1, cause })?,
        length: certificates.len(),
        broken_link,
    })
}

fn describe(leaf: &X509Certificate<'_>, der: &[u8]) -> Result<CertificateInfo, String> {
    let dns_names = match leaf.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(dns.to_string()),
                _ => None,
            })
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(format!("its subjectAltName extension is invalid: {e}")),
    };
    let fingerprint_sha256 = Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(CertificateInfo {
        subject: rfc4514(leaf.subject()),
        issuer: rfc4514(leaf.issuer()),
        dns_names,
        not_before: leaf.validity().not_before.timestamp(),
        not_after: leaf.validity().not_after.timestamp(),
        fingerprint_sha256,
        public_key: spki_public_key(leaf.public_key().raw),
    })
}

/// A distinguished name as RFC 4514 writes it: the most specific RDN first, `,` between RDNs,
/// `+` inside one, special characters escaped (as `openssl -nameopt RFC2253` and Go print it).
fn rfc4514(name: &X509Name<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    let rdns: Vec<Vec<_>> = name.iter_rdn().map(|rdn| rdn.iter().collect()).collect();
    rdns.iter()
        .rev()
        .map(|rdn| {
            rdn.iter()
                .map(|attribute| {
                    let oid = attribute.attr_type();
                    let key = x509_parser::objects::oid2abbrev(oid, registry)
                        .map(str::to_string)
                        .unwrap_or_else(|_| oid.to_id_string());
                    let value = match attribute.as_str() {
                        Ok(text) => escape_rfc4514(text),
                        Err(_) => {
                            let hex: String = attribute
                                .attr_value()
                                .data
                                .iter()
                                .map(|b| format!("{b:02x}"))
                                .collect();
                            format!("#{hex}")
                        }
                    };
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else {
            if special {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// The public key of a DER SubjectPublicKeyInfo.
fn spki_public_key(spki_der: &[u8]) -> PublicKey {
    let Ok(spki) = pkcs8::SubjectPublicKeyInfoRef::from_der(spki_der) else {
        return PublicKey::Unsupported("an unreadable public key".into());
    };
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        return match spki
            .subject_public_key
            .as_bytes()
            .and_then(|bits| pkcs1::RsaPublicKeyRef::from_der(bits).ok())
        {
            Some(key) => PublicKey::Rsa {
                modulus: trim_leading_zeros(key.modulus.as_bytes()),
                exponent: trim_leading_zeros(key.public_exponent.as_bytes()),
            },
            None => PublicKey::Unsupported("a malformed RSA public key".into()),
        };
    }
    if oid == EC_PUBLIC_KEY {
        use p256::elliptic_curve::sec1::ToSec1Point;
        if let Ok(key) = p256::PublicKey::try_from(&spki) {
            return ec(Curve::P256, key.to_sec1_point(false).as_bytes());
        }
        if let Ok(key) = p384::PublicKey::try_from(&spki) {
            return ec(Curve::P384, key.to_sec1_point(false).as_bytes());
        }
        if let Ok(key) = p521::PublicKey::try_from(&spki) {
            return ec(Curve::P521, key.to_sec1_point(false).as_bytes());
        }
        return PublicKey::Unsupported("ECDSA on a curve other than P-256, P-384 or P-521".into());
    }
    PublicKey::Unsupported(algorithm_name(oid))
}

fn ec(curve: Curve, point: &[u8]) -> PublicKey {
    PublicKey::Ec {
        curve,
        point: point.to_vec(),
    }
}

fn algorithm_name(oid: ObjectIdentifier) -> String {
    match oid {
        o if o == RSASSA_PSS => "RSA-PSS".into(),
        o if o == ED25519 => "Ed25519".into(),
        o if o == ED448 => "Ed448".into(),
        o if o == DSA => "DSA".into(),
        o => format!("algorithm {o}"),
    }
}

/// The single private key block of `pem_text` (an `EC PARAMETERS` block before it, as
/// `openssl ecparam -genkey` writes, is skipped).
fn key_block(pem_text: &str) -> Result<pem::Pem, KeyError> {
    let blocks = pem::parse_many(pem_text).map_err(|_| KeyError::Malformed)?;
    let mut keys: Vec<pem::Pem> = Vec::new();
    for block in blocks {
        match block.tag() {
            "EC PARAMETERS" => {}
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

/// The public half of a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC).
pub fn private_key_public_half(pem_text: &str) -> Result<PublicKey, KeyError> {
    let block = key_block(pem_text)?;
    let encrypted = block
        .headers()
        .get("Proc-Type")
        .is_some_and(|v| v.contains("ENCRYPTED"));
    if encrypted {
        return Err(KeyError::Encrypted);
    }
    let der = block.contents();
    match block.tag() {
        "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
        "RSA PRIVATE KEY" => rsa_private(der),
        "EC PRIVATE KEY" => ec_private(der),
        "PRIVATE KEY" => {
            let info =
                pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| KeyError::Invalid("PKCS#8"))?;
            match info.algorithm.oid {
                o if o == RSA_ENCRYPTION => rsa_private(info.private_key.as_bytes()),
                o if o == EC_PUBLIC_KEY => ec_private(der),
                o => Err(KeyError::Unsupported(algorithm_name(o))),
            }
        }
        other => Err(KeyError::Label(shown_label(other))),
    }
}

fn rsa_private(pkcs1_der: &[u8]) -> Result<PublicKey, KeyError> {
    let key = pkcs1::RsaPrivateKeyRef::from_der(pkcs1_der).map_err(|_| KeyError::Invalid("RSA"))?;
    let public = key.public_key();
    Ok(PublicKey::Rsa {
        modulus: trim_leading_zeros(public.modulus.as_bytes()),
        exponent: trim_leading_zeros(public.public_exponent.as_bytes()),
    })
}

/// An EC key in PKCS#8 or SEC1 DER; each curve's crate checks the curve it names.
fn ec_private(der: &[u8]) -> Result<PublicKey, KeyError> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    if let Ok(key) = p256::SecretKey::from_der(der) {
        return Ok(ec(
            Curve::P256,
            key.public_key().to_sec1_point(false).as_bytes(),
        ));
    }
    if let Ok(key) = p384::SecretKey::from_der(der) {
        return Ok(ec(
            Curve::P384,
            key.public_key().to_sec1_point(false).as_bytes(),
        ));
    }
    if let Ok(key) = p521::SecretKey::from_der(der) {
        return Ok(ec(
            Curve::P521,
            key.public_key().to_sec1_point(false).as_bytes(),
        ));
    }
    Err(KeyError::Invalid(
        "EC (or it is on a curve other than P-256, P-384 or P-521)",
    ))
}

/// The DER of each certificate of a PEM chain, to compare chains whatever their line breaks;
/// `None` when the text is not a PEM chain.
pub fn chain_ders(pem_text: &str) -> Option<Vec<Vec<u8>>> {
    let blocks = pem::parse_many(pem_text).ok()?;
    if blocks.is_empty() || blocks.iter().any(|b| b.tag() != "CERTIFICATE") {
        return None;
    }
    Some(blocks.into_iter().map(pem::Pem::into_contents).collect())
}

/// Whether two PEM private keys hold the same key encoding (whatever their line breaks).
pub fn same_private_key(a: &str, b: &str) -> bool {
    match (key_block(a), key_block(b)) {
        (Ok(a), Ok(b)) => a.tag() == b.tag() && a.contents() == b.contents(),
        _ => a == b,
    }
}
