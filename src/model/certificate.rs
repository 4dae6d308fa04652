//! `dispatch_certificate` ⇄ Kong: one Kong certificate with its SNIs; every check of the PEM a
//! user declares; and which hostnames the certificates in Kong serve (for `dispatch_api`).

mod keys;
mod pki;

pub use keys::{article, private_key_public_half, same_private_key, KeyError, PublicKey};
pub use pki::{chain_ders, parse_chain, BrokenLink, CertificateInfo, Chain, ChainError};

use super::naming::{self, Naming};
use super::{sorted, validate, AttrPath, Field, Issue};
use crate::kong::{Certificate, CertificateFields};
use crate::secret::Secret;

/// A certificate expiring within this many days gets a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
const DAY: i64 = 86_400;

/// The longest `certificate` accepted, in bytes (256 KiB). Kong takes any length (`cert` is a
/// `typedefs.certificate` string without `len_max`, kong/db/schema/typedefs.lua) in an Admin
/// API body of up to 10 MB (`nginx_admin_client_max_body_size = 10m`,
/// kong/templates/kong_defaults.lua, Kong 3.9.3). Stricter on purpose: one message of
/// Terraform's plugin protocol carries the certificate up to three times (configuration, prior
/// and planned state) with the hostnames read from it, and tf-provider refuses messages over
/// 4 MiB. 256 KiB holds about a hundred certificates; real chains hold two to five.
pub const MAX_CERTIFICATE_LEN: usize = 256 * 1024;

/// The longest `private_key` accepted, in bytes (64 KiB; a 16384-bit RSA key is under 13 KiB
/// of PEM). Kong takes any length (`key` is a `typedefs.key` string without `len_max`); the
/// reason to be stricter is [`MAX_CERTIFICATE_LEN`]'s.
pub const MAX_PRIVATE_KEY_LEN: usize = 64 * 1024;

/// A complete, known `dispatch_certificate` declaration (defaults applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSpec {
    /// PEM chain, leaf first.
    pub certificate: String,
    /// PEM private key.
    pub private_key: Secret,
    /// SNI names, sorted.
    pub hostnames: Vec<String>,
    /// The user's extra tags, sorted.
    pub tags: Vec<String>,
}

/// The values of a declaration at plan time.
#[derive(Debug, Clone, Default)]
pub struct CertificateDraft {
    /// `certificate`.
    pub certificate: Field<String>,
    /// `private_key`.
    pub private_key: Field<Secret>,
    /// `hostnames`; `None` elements are not known yet.
    pub hostnames: Field<Vec<Option<String>>>,
    /// `tags`.
    pub tags: Field<Vec<Option<String>>>,
}

/// The outcome of the plan-time checks.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The leaf's information, when the certificate is known and parses.
    pub info: Option<CertificateInfo>,
    /// Errors and warnings, on the attributes they concern.
    pub issues: Vec<Issue>,
}

/// Every check of a declaration: the PEM chain parses, the key is the leaf's, the certificate
/// is valid now (an error once expired, a warning within [`EXPIRY_WARNING_DAYS`] days), the
/// hostnames are SNI names Kong accepts and the certificate covers. `now` is in Unix seconds.
pub fn check(draft: &CertificateDraft, now: i64) -> Checked {
    let mut issues = Vec::new();
    let certificate = AttrPath::attr("certificate");
    let private_key = AttrPath::attr("private_key");
    let hostnames = AttrPath::attr("hostnames");

    if draft.certificate == Field::Null {
        issues.push(super::null_required(
            certificate.clone(),
            "certificate",
            "Set the PEM certificate chain, leaf first, for example `certificate = file(\"api.example.com.chain.pem\")`.",
        ));
    }
    if draft.private_key == Field::Null {
        issues.push(super::null_required(
            private_key.clone(),
            "private key",
            "The private key cannot be imported: Terraform never writes a sensitive value into generated configuration (`private_key = null # sensitive`), and Kong may not return it at all (Enterprise keyring encryption, a vault reference). Supply it: `private_key = file(\"api.example.com.key.pem\")`, or a sensitive variable (`private_key = var.api_key`). Kong keeps the key it holds until the next apply writes this one.",
        ));
    }
    let chain = match &draft.certificate {
        Field::Value(pem) if pem.len() > MAX_CERTIFICATE_LEN => {
            issues.push(too_long(
                certificate.clone(),
                "certificate",
                pem.len(),
                MAX_CERTIFICATE_LEN,
            ));
            None
        }
        Field::Value(pem) => match parse_chain(pem) {
            Ok(chain) => Some(chain),
            Err(e) => {
                issues.push(Issue::error(
                    certificate.clone(),
                    "Invalid certificate",
                    e.to_string(),
                ));
                None
            }
        },
        _ => None,
    };
    let key = match &draft.private_key {
        Field::Value(secret) if secret.expose().len() > MAX_PRIVATE_KEY_LEN => {
            let len = secret.expose().len();
            issues.push(too_long(
                private_key.clone(),
                "private_key",
                len,
                MAX_PRIVATE_KEY_LEN,
            ));
            None
        }
        // Kong stores a vault reference as it is and skips its checks, and the certificate's
        // (kong/db/schema/init.lua: referenceable fields; `key` is one).
        Field::Value(secret) if validate::vault_reference(secret.expose()) => {
            issues.push(Issue::warning(
                private_key.clone(),
                "Private key from a vault",
                "private_key is a vault reference: Kong reads the key from the vault when it serves the certificate, so neither Kong nor the plan can check that it is the certificate's key.",
            ));
            None
        }
        Field::Value(secret) => match private_key_public_half(secret.expose()) {
            Ok(key) => Some(key),
            Err(e) => {
                issues.push(Issue::error(
                    private_key.clone(),
                    "Invalid private key",
                    e.to_string(),
                ));
                None
            }
        },
        _ => None,
    };

    if let Some(chain) = &chain {
        issues.extend(check_validity(&chain.leaf, now));
        if let Some(link) = &chain.broken_link {
            issues.push(Issue::warning(
                certificate.clone(),
                "Certificate chain out of order",
                format!(
                    "Certificate {} of the chain was issued by `{}`, but the certificate after it is `{}`. Kong sends the chain as given: put the leaf first, then each certificate's issuer, or clients may not trust it.",
                    link.position, link.issuer, link.next_subject
                ),
            ));
        }
        if let Some(key) = &key {
            // Kong's rule: OpenSSL writes the same public key PEM for both
            // (kong/db/schema/entities/certificates.lua, 3.9).
            if *key != chain.leaf.public_key {
                let (held, given) = (chain.leaf.public_key.describe(), key.describe());
                let detail = if held == given {
                    format!(
                        "private_key is not the key of the leaf certificate `{}`: both are {given} keys, but a different one. Give the key the certificate was issued for.",
                        chain.leaf.subject,
                    )
                } else {
                    format!(
                        "private_key is not the key of the leaf certificate `{}`: the certificate holds {} {held} key and private_key is {} {given} key.",
                        chain.leaf.subject,
                        article(&held),
                        article(&given),
                    )
                };
                issues.push(Issue::error(
                    private_key,
                    "Private key does not match the certificate",
                    detail,
                ));
            }
        }
    }

    match &draft.hostnames {
        Field::Value(names) => {
            if names.is_empty() {
                issues.push(Issue::error(
                    hostnames.clone(),
                    "No hostname",
                    "`hostnames` is empty: a certificate serves at least one hostname. Leave `hostnames` out to use the certificate's DNS names.",
                ));
            }
            for name in names.iter().flatten() {
                if let Err(why) = validate::sni_name(name) {
                    issues.push(Issue::error(hostnames.clone(), "Invalid hostname", why));
                } else if let Some(chain) = &chain {
                    if !is_covered(name, &chain.leaf.dns_names) {
                        // The name is in the summary: Terraform folds warnings that share one.
                        issues.push(Issue::warning(
                            hostnames.clone(),
                            format!("Hostname `{name}` not covered by the certificate"),
                            format!(
                                "`{name}` is not among the certificate's DNS names ({}): clients connecting to it will reject the certificate.",
                                names_or_none(&chain.leaf.dns_names)
                            ),
                        ));
                    }
                }
            }
        }
        Field::Null => {
            if let Some(chain) = &chain {
                let defaults = default_hostnames(&chain.leaf);
                if defaults.is_empty() {
                    issues.push(Issue::error(
                        hostnames.clone(),
                        "No hostname",
                        format!(
                            "The certificate `{}` has no DNS name in its subjectAltName extension, so `hostnames` has no default: set `hostnames` (clients check the subjectAltName, so a certificate without one is rejected by browsers).",
                            chain.leaf.subject
                        ),
                    ));
                }
                for name in &defaults {
                    if let Err(why) = validate::sni_name(name) {
                        issues.push(Issue::error(
                            certificate.clone(),
                            "Certificate name unusable as a hostname",
                            format!("The certificate's DNS name cannot be served by Kong: {why}. Set `hostnames` to the names to serve."),
                        ));
                    }
                }
            }
        }
        Field::Unknown => {}
    }

    for tag in draft.tags.known_elements() {
        if let Err(why) = validate::tag(tag) {
            issues.push(Issue::error(AttrPath::attr("tags"), "Invalid tag", why));
        }
        if let Err(why) = naming::user_tag(tag) {
            issues.push(Issue::error(AttrPath::attr("tags"), "Reserved tag", why));
        }
    }

    Checked {
        info: chain.map(|c| c.leaf),
        issues,
    }
}

fn too_long(path: AttrPath, attribute: &str, len: usize, max: usize) -> Issue {
    Issue::error(
        path,
        "Value too large",
        format!(
            "{attribute} holds {len} bytes; the provider accepts at most {max} bytes ({} KiB), so that the certificate fits in the messages Terraform exchanges with the provider. A certificate chain is a few kilobytes: check that this is the PEM you meant.",
            max / 1024
        ),
    )
}

fn names_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "it has none".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Expired: an error. Expiring within [`EXPIRY_WARNING_DAYS`] days, or not valid yet: a warning.
fn check_validity(leaf: &CertificateInfo, now: i64) -> Vec<Issue> {
    let path = AttrPath::attr("certificate");
    if leaf.not_after <= now {
        return vec![Issue::error(
            path,
            "Certificate expired",
            format!(
                "The certificate `{}` expired at {} (not_after): clients reject it. Renew it and give the new certificate and key.",
                leaf.subject,
                rfc3339(leaf.not_after)
            ),
        )];
    }
    let mut issues = Vec::new();
    let left = leaf.not_after - now;
    if left < EXPIRY_WARNING_DAYS * DAY {
        let days = left / DAY;
        let when = match days {
            0 => "in less than a day".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        issues.push(Issue::warning(
            path.clone(),
            "Certificate expires soon",
            format!(
                "The certificate `{}` expires at {} ({when}). Renew it before then: replacing `certificate` and `private_key` updates Kong in place.",
                leaf.subject,
                rfc3339(leaf.not_after)
            ),
        ));
    }
    if leaf.not_before > now {
        issues.push(Issue::warning(
            path,
            "Certificate not valid yet",
            format!(
                "The certificate `{}` is only valid from {} (not_before): clients reject it until then.",
                leaf.subject,
                rfc3339(leaf.not_before)
            ),
        ));
    }
    issues
}

/// The hostnames of a certificate that declares none: the leaf's DNS names, sorted.
pub fn default_hostnames(leaf: &CertificateInfo) -> Vec<String> {
    sorted(leaf.dns_names.clone())
}

/// A Unix time as RFC 3339 (UTC, `2030-01-31T12:00:00Z`).
pub fn rfc3339(unix_seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix_seconds.to_string())
}

/// The Kong certificate for a declaration: its SNIs always sent (a `PUT` without them
/// removes them), and the ownership tags before the user's.
pub fn desired(spec: &CertificateSpec, naming: &Naming) -> CertificateFields {
    CertificateFields {
        cert: spec.certificate.clone(),
        key: spec.private_key.clone(),
        snis: sorted(spec.hostnames.clone()),
        tags: naming::all_tags(naming.ownership_tags(None), &spec.tags),
    }
}

/// What Kong holds for a certificate, as the declaration's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBack {
    /// The PEM chain (the prior text when Kong holds the same certificates).
    pub certificate: String,
    /// The private key; `None` when Kong does not give it back and nothing was known before.
    pub private_key: Option<Secret>,
    /// The SNI names, sorted.
    pub hostnames: Vec<String>,
    /// The user's tags, sorted.
    pub tags: Vec<String>,
    /// The leaf's information, when Kong's certificate parses.
    pub info: Option<CertificateInfo>,
}

/// The declaration Kong's certificate amounts to. The prior values decide between equivalent
/// spellings (line breaks, a trailing newline), so that only real changes show as drift.
///
/// Kong's open-source edition answers the private key in clear text: a different key is drift.
/// When Kong answers something that is not a PEM private key (Enterprise's keyring-encrypted
/// form, a vault reference, nothing), the key cannot be compared and the prior one is kept.
pub fn read_back(
    observed: &Certificate,
    prior_certificate: Option<&str>,
    prior_key: Option<&Secret>,
) -> ReadBack {
    let certificate = match prior_certificate {
        Some(prior) if same_chain(prior, &observed.cert) => prior.to_string(),
        _ => observed.cert.clone(),
    };
    let kong_key = observed
        .key
        .as_ref()
        .filter(|k| private_key_public_half(k.expose()).is_ok());
    let private_key = match (kong_key, prior_key) {
        (Some(kong), Some(prior)) if same_private_key(prior.expose(), kong.expose()) => {
            Some(prior.clone())
        }
        (Some(kong), _) => Some(kong.clone()),
        (None, prior) => prior.cloned(),
    };
    ReadBack {
        info: parse_chain(&certificate).ok().map(|c| c.leaf),
        certificate,
        private_key,
        hostnames: sorted(observed.snis.clone().unwrap_or_default()),
        tags: naming::user_tags(observed.tags.as_deref()),
    }
}

fn same_chain(a: &str, b: &str) -> bool {
    a == b || matches!((chain_ders(a), chain_ders(b)), (Some(x), Some(y)) if x == y)
}

/// A hostname Kong refused because another certificate serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostnameConflict {
    pub hostname: String,
    /// The id of the Kong certificate that serves it.
    pub certificate_id: String,
}

/// Reads Kong's `snis` message "X already associated with existing certificate '<id>'".
pub fn hostname_conflict(message: &str) -> Option<HostnameConflict> {
    let (hostname, rest) = message.split_once(" already associated with existing certificate '")?;
    let certificate_id = rest.strip_suffix('\'')?;
    Some(HostnameConflict {
        hostname: hostname.to_string(),
        certificate_id: certificate_id.to_string(),
    })
}

/// Whether a certificate name covers a hostname (RFC 6125, case-insensitive): the same name,
/// or a `*.` wildcard standing for exactly one leftmost label. A wildcard hostname is only
/// covered by the same wildcard.
pub fn name_covers(certificate_name: &str, hostname: &str) -> bool {
    let pattern = certificate_name.trim_end_matches('.').to_ascii_lowercase();
    let host = hostname.trim_end_matches('.').to_ascii_lowercase();
    if pattern == host {
        return true;
    }
    match (pattern.strip_prefix("*."), host.split_once('.')) {
        (Some(parent), Some((label, rest))) => {
            !label.is_empty() && label != "*" && !parent.is_empty() && rest == parent
        }
        _ => false,
    }
}

fn is_covered(hostname: &str, dns_names: &[String]) -> bool {
    dns_names.iter().any(|name| name_covers(name, hostname))
}

/// The SNI names Kong tries, in order, for a client asking for `host` (a route host's
/// `:port` is ignored; `kong/runloop/certificate.lua`): the name itself, then `*.` with its
/// first label replaced, then `.*` with its last label replaced.
pub fn sni_lookup_names(host: &str) -> Vec<String> {
    let host = strip_port(host).to_ascii_lowercase();
    let mut names = vec![host.clone()];
    if host.contains('*') || host.parse::<std::net::IpAddr>().is_ok() {
        return names;
    }
    if let Some((_, rest)) = host.split_once('.') {
        names.push(format!("*.{rest}"));
    }
    if let Some((prefix, _)) = host.rsplit_once('.') {
        names.push(format!("{prefix}.*"));
    }
    names
}

/// The hosts of an API (route hosts, with or without a port) for which Kong has no SNI, so
/// that HTTPS clients get Kong's default certificate. Sorted, without duplicates.
pub fn hosts_without_certificate(hosts: &[String], snis: &[String]) -> Vec<String> {
    // A set: an API may have thousands of hosts, and Kong thousands of SNIs.
    let snis: std::collections::HashSet<String> =
        snis.iter().map(|s| s.to_ascii_lowercase()).collect();
    let served = |host: &str| {
        sni_lookup_names(host)
            .iter()
            .any(|name| snis.contains(name))
    };
    sorted(hosts.iter().filter(|host| !served(host)).cloned().collect())
}

/// A route host without its `:port` (IPv6 literals keep their colons).
pub fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').map_or(host, |(inside, _)| inside);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests;
