//! The Kong rule corpus (`tests/kong-rules/*.json`): cases of input, Kong 3.9's verdict and the
//! Kong source that decides it, grouped by the Kong field they are about. The provider's
//! plan-time checks (tests/kong_rules_provider.rs) and the sandbox (tests/kong_rules_sandbox.rs)
//! are each tested against it; they share this loader, never validation code.
//!
//! A case may say the provider decides otherwise on purpose (`provider` and `why`): those are
//! the documented product rules listed in docs/guides/kong-rules.md.

// Each of the two test binaries uses its part of this module.
#![allow(dead_code)]

use openssl::asn1::Asn1Time;
use openssl::dsa::Dsa;
use openssl::ec::{Asn1Flag, EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::{X509Builder, X509NameBuilder};
use serde::Deserialize;
use serde_json::Value as Json;

/// The corpus files, by name.
const FILES: [(&str, &str); 5] = [
    ("hosts.json", include_str!("hosts.json")),
    ("paths.json", include_str!("paths.json")),
    ("names.json", include_str!("names.json")),
    ("policies.json", include_str!("policies.json")),
    ("certificates.json", include_str!("certificates.json")),
];

/// Whether Kong stores the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Kong answers 2xx.
    Accept,
    /// Kong answers with an error.
    Refuse,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What is sent (a string, a number, or an object for composite cases).
    pub input: Json,
    /// Kong's verdict.
    pub kong: Verdict,
    /// The Kong source that decides this case, when more precise than the group's.
    pub source: Option<String>,
    /// The provider's verdict, when it differs from Kong's on purpose.
    pub provider: Option<Verdict>,
    /// Why the provider differs.
    pub why: Option<String>,
}

impl Case {
    /// The verdict the provider's plan must give.
    pub fn provider_verdict(&self) -> Verdict {
        self.provider.unwrap_or(self.kong)
    }
}

/// The cases of one Kong field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// The Kong field (`route.hosts`, `cors.origins`, ...): what the tests send the input as.
    pub field: String,
    /// The provider attribute(s) the field comes from.
    pub attribute: String,
    /// The Kong source of the rule.
    pub source: String,
    /// The cases.
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    kong_version: String,
    groups: Vec<Group>,
}

/// Every group of every corpus file.
pub fn groups() -> Vec<Group> {
    FILES
        .iter()
        .flat_map(|(name, text)| {
            let file: File = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("tests/kong-rules/{name} is not a corpus file: {e}"));
            assert_eq!(file.kong_version, "3.9.3", "{name}");
            file.groups
        })
        .collect()
}

/// A case as the failure lists show it.
pub fn describe(group: &Group, case: &Case) -> String {
    format!(
        "{} ({}) {} (Kong: {:?}, {})",
        group.field,
        group.attribute,
        case.input,
        case.kong,
        case.source.as_deref().unwrap_or(&group.source)
    )
}

/// The text of a string input.
pub fn text(input: &Json) -> &str {
    input
        .as_str()
        .unwrap_or_else(|| panic!("{input} should be a string"))
}

/// The number of a number input.
pub fn number(input: &Json) -> f64 {
    input
        .as_f64()
        .unwrap_or_else(|| panic!("{input} should be a number"))
}

/// A certificate and the key text a certificate case sends.
pub struct Material {
    /// PEM certificate.
    pub cert: String,
    /// The text of the key field.
    pub key: String,
}

fn new_key(kind: &str) -> PKey<Private> {
    let ec = |nid: Nid| {
        let group = EcGroup::from_curve_name(nid).expect("curve");
        PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("pkey")
    };
    match kind {
        "rsa" => PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey"),
        "p256" => ec(Nid::X9_62_PRIME256V1),
        "p384" => ec(Nid::SECP384R1),
        "p521" => ec(Nid::SECP521R1),
        "secp256k1" => ec(Nid::SECP256K1),
        "brainpool" => ec(Nid::BRAINPOOL_P256R1),
        "explicit" => {
            let mut group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
            group.set_asn1_flag(Asn1Flag::EXPLICIT_CURVE);
            PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("pkey")
        }
        "ed25519" => PKey::generate_ed25519().expect("ed25519"),
        "ed448" => PKey::generate_ed448().expect("ed448"),
        "dsa" => PKey::from_dsa(Dsa::generate(2048).expect("dsa")).expect("pkey"),
        "rsa-pss" => openssl::pkey_ctx::PkeyCtx::new_id(Id::RSA_PSS)
            .and_then(|mut ctx| {
                ctx.keygen_init()?;
                ctx.set_rsa_keygen_bits(2048)?;
                ctx.keygen()
            })
            .expect("rsa-pss"),
        other => panic!("no key kind {other}"),
    }
}

/// A certificate for `names`, self-signed with `key`.
pub fn self_signed(key: &PKey<Private>, names: &[&str]) -> String {
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", names.first().copied().unwrap_or("corpus.example"))
        .expect("cn");
    let name = name.build();
    let mut builder = X509Builder::new().expect("builder");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&name).expect("subject");
    builder.set_issuer_name(&name).expect("issuer");
    builder.set_pubkey(key).expect("pubkey");
    let serial = openssl::bn::BigNum::from_u32(rand_serial())
        .and_then(|n| n.to_asn1_integer())
        .expect("serial");
    builder.set_serial_number(&serial).expect("serial");
    builder
        .set_not_before(&Asn1Time::days_from_now(0).expect("time"))
        .expect("not before");
    builder
        .set_not_after(&Asn1Time::days_from_now(365).expect("time"))
        .expect("not after");
    if !names.is_empty() {
        let mut san = openssl::x509::extension::SubjectAlternativeName::new();
        for n in names {
            san.dns(n);
        }
        let extension = san.build(&builder.x509v3_context(None, None)).expect("san");
        builder.append_extension(extension).expect("extension");
    }
    let digest = match key.id() {
        Id::ED25519 | Id::ED448 => MessageDigest::null(),
        _ => MessageDigest::sha256(),
    };
    builder.sign(key, digest).expect("sign");
    String::from_utf8(builder.build().to_pem().expect("pem")).expect("utf-8")
}

fn rand_serial() -> u32 {
    let mut bytes = [0u8; 4];
    openssl::rand::rand_bytes(&mut bytes).expect("random");
    u32::from_le_bytes(bytes) >> 1
}

fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("utf-8")
}

/// The certificate and key text a certificate case describes:
/// `{"key": kind, "encoding": "traditional", "vault": true, "mismatch": true,
/// "encrypted": true, "garbage": true, "public_only": true}`.
pub fn material(input: &Json) -> Material {
    let kind = input["key"].as_str().expect("key kind");
    let key = new_key(kind);
    let cert = self_signed(&key, &["corpus.example"]);
    let flag = |name: &str| input[name].as_bool().unwrap_or(false);
    let key_text = if flag("vault") {
        "{vault://env/corpus-key}".to_string()
    } else if flag("mismatch") {
        utf8(new_key(kind).private_key_to_pem_pkcs8().expect("pem"))
    } else if flag("encrypted") {
        utf8(
            key.private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"secret")
                .expect("pem"),
        )
    } else if flag("garbage") {
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n"
            .to_string()
    } else if flag("public_only") {
        utf8(key.public_key_to_pem().expect("pem"))
    } else if input["encoding"] == "traditional" {
        match key.id() {
            Id::RSA => utf8(key.rsa().expect("rsa").private_key_to_pem().expect("pem")),
            Id::EC => utf8(key.ec_key().expect("ec").private_key_to_pem().expect("pem")),
            other => panic!("no traditional encoding for {other:?}"),
        }
    } else {
        utf8(key.private_key_to_pem_pkcs8().expect("pem"))
    };
    Material {
        cert,
        key: key_text,
    }
}
