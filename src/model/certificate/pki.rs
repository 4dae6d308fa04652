//! Reading the certificate chain a user declares: each certificate must be one OpenSSL reads
//! (Kong 3.9: kong/db/schema/typedefs.lua `validate_certificate`, lua-resty-openssl
//! `x509.new`), and x509-parser describes the leaf (subject, issuer, DNS names, validity).
//! No error message here ever quotes a private key.

use openssl::x509::X509;
use sha2::{Digest, Sha256};

use super::keys::PublicKey;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::x509::X509Name;

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

/// A PEM label as messages may show it. Real labels are a few upper-case words; the PEM parser
/// takes a label across lines, so a broken BEGIN or END line can make one of whatever follows
/// it (a private key's base64, in a bundle of certificate and key): such a label is not quoted.
pub(super) fn shown_label(label: &str) -> String {
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
        // What Kong itself asks of a certificate: that OpenSSL reads it.
        let x509 = X509::from_der(block.contents()).map_err(|_| {
            invalid("OpenSSL (which Kong reads certificates with) cannot read it".into())
        })?;
        certificates.push((certificate, x509));
    }
    let (leaf, leaf_x509) = &certificates[0];
    let public_key = leaf_x509
        .public_key()
        .ok()
        .and_then(|key| PublicKey::of(&key))
        .ok_or_else(|| ChainError::InvalidX509 {
            position: 1,
            cause: "OpenSSL (which Kong compares keys with) cannot read its public key".into(),
        })?;
    let certificates: Vec<&X509Certificate<'_>> = certificates.iter().map(|(c, _)| c).collect();
    let broken_link = certificates.windows(2).enumerate().find_map(|(i, pair)| {
        (pair[0].issuer().as_raw() != pair[1].subject().as_raw()).then(|| BrokenLink {
            position: i + 1,
            issuer: rfc4514(pair[0].issuer()),
            next_subject: rfc4514(pair[1].subject()),
        })
    });
    Ok(Chain {
        leaf: describe(leaf, blocks[0].contents(), public_key)
            .map_err(|cause| ChainError::InvalidX509 { position: 1, cause })?,
        length: certificates.len(),
        broken_link,
    })
}

fn describe(
    leaf: &X509Certificate<'_>,
    der: &[u8],
    public_key: PublicKey,
) -> Result<CertificateInfo, String> {
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
        public_key,
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

/// The DER of each certificate of a PEM chain, to compare chains whatever their line breaks;
/// `None` when the text is not a PEM chain.
pub fn chain_ders(pem_text: &str) -> Option<Vec<Vec<u8>>> {
    let blocks = pem::parse_many(pem_text).ok()?;
    if blocks.is_empty() || blocks.iter().any(|b| b.tag() != "CERTIFICATE") {
        return None;
    }
    Some(blocks.into_iter().map(pem::Pem::into_contents).collect())
}
