//! The Kong rule corpus (`tests/kong-rules/*.json`): cases of input, Kong 3.9's verdict and the
//! Kong source that decides it, grouped by the Kong field they are about. The provider's
//! plan-time checks (tests/kong_rules_provider.rs) and the sandbox (tests/kong_rules_sandbox.rs)
//! are each tested against it; they share this loader and the certificates it describes, never
//! validation code (nothing here judges a case: the verdicts are the corpus's own data).
//!
//! A case may say the provider decides otherwise on purpose (`provider` and `why`): those are
//! the documented product rules listed in docs/guides/kong-rules.md.

use serde::Deserialize;
use serde_json::Value as Json;

use crate::certs::{new_key, CertSpec, Issued, KeyKind};

/// The corpus files, by name.
const FILES: [(&str, &str); 5] = [
    ("hosts.json", include_str!("../../kong-rules/hosts.json")),
    ("paths.json", include_str!("../../kong-rules/paths.json")),
    ("names.json", include_str!("../../kong-rules/names.json")),
    (
        "policies.json",
        include_str!("../../kong-rules/policies.json"),
    ),
    (
        "certificates.json",
        include_str!("../../kong-rules/certificates.json"),
    ),
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

impl Material {
    /// A certificate for `corpus.example` with its own key in PKCS#8 PEM.
    pub fn valid(kind: KeyKind) -> Self {
        let issued = certificate(kind);
        Self {
            cert: issued.cert_pem(),
            key: issued.key_pem(),
        }
    }
}

/// The key kind a certificate case names (`"key": "p256"`, ...).
pub fn key_kind(name: &str) -> KeyKind {
    match name {
        "rsa" => KeyKind::Rsa,
        "p256" => KeyKind::P256,
        "p384" => KeyKind::P384,
        "p521" => KeyKind::P521,
        "secp256k1" => KeyKind::Secp256k1,
        "brainpool" => KeyKind::BrainpoolP256,
        "explicit" => KeyKind::ExplicitP256,
        "ed25519" => KeyKind::Ed25519,
        "ed448" => KeyKind::Ed448,
        "dsa" => KeyKind::Dsa,
        "rsa-pss" => KeyKind::RsaPss,
        other => panic!("no key kind {other}"),
    }
}

/// A self-signed certificate for `corpus.example` with a key of this kind.
fn certificate(kind: KeyKind) -> Issued {
    CertSpec::leaf(&["corpus.example"]).key(kind).self_signed()
}

/// The certificate and key text a certificate case describes:
/// `{"key": kind, "encoding": "traditional", "vault": true, "mismatch": true,
/// "encrypted": true, "garbage": true, "public_only": true}`.
pub fn material(input: &Json) -> Material {
    let kind = key_kind(input["key"].as_str().expect("key kind"));
    let issued = certificate(kind);
    let flag = |name: &str| input[name].as_bool().unwrap_or(false);
    let key = if flag("vault") {
        "{vault://env/corpus-key}".to_string()
    } else if flag("mismatch") {
        let other = new_key(kind).private_key_to_pem_pkcs8().expect("pem");
        String::from_utf8(other).expect("utf-8")
    } else if flag("encrypted") {
        issued.key_pem_encrypted()
    } else if flag("garbage") {
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n"
            .to_string()
    } else if flag("public_only") {
        issued.public_key_pem()
    } else if input["encoding"] == "traditional" {
        issued.key_pem_traditional()
    } else {
        issued.key_pem()
    };
    Material {
        cert: issued.cert_pem(),
        key,
    }
}
