//! Certificates made at test time with OpenSSL: self-signed leaves, a small CA with an
//! intermediate, every key type OpenSSL (and so Kong) loads ([`KeyKind`]), validity windows in
//! the past or the near future, server and client certificates for TLS tests ([`Pki`]). The one
//! certificate builder of every test: the model's unit tests, the property tests, the rule
//! corpus, the end-to-end tests and the sandbox's tests.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::dsa::Dsa;
use openssl::ec::{Asn1Flag, EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509NameBuilder, X509};

/// The kind of key a test certificate is made for: every type Kong loads (with OpenSSL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA, 2048 bits.
    Rsa,
    /// RSA-PSS (the RSA key restricted to PSS signatures), 2048 bits.
    RsaPss,
    /// ECDSA on P-256.
    P256,
    /// ECDSA on P-384.
    P384,
    /// ECDSA on P-521.
    P521,
    /// ECDSA on secp256k1.
    Secp256k1,
    /// ECDSA on brainpoolP256r1.
    BrainpoolP256,
    /// ECDSA on P-256 written with explicit curve parameters instead of the curve's name.
    ExplicitP256,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// DSA, 2048 bits.
    Dsa,
}

/// The digest a certificate is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// SHA-256 (the default).
    Sha256,
    /// SHA-512 (what go-plugin signs Terraform's client certificates with).
    Sha512,
}

/// A fresh private key.
pub fn new_key(kind: KeyKind) -> PKey<Private> {
    let ec =
        |group: EcGroup| PKey::from_ec_key(EcKey::generate(&group).expect("ec key")).expect("pkey");
    let named = |nid: Nid| EcGroup::from_curve_name(nid).expect("curve");
    match kind {
        KeyKind::Rsa => PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey"),
        KeyKind::RsaPss => PkeyCtx::new_id(Id::RSA_PSS)
            .and_then(|mut ctx| {
                ctx.keygen_init()?;
                ctx.set_rsa_keygen_bits(2048)?;
                ctx.keygen()
            })
            .expect("rsa-pss"),
        KeyKind::P256 => ec(named(Nid::X9_62_PRIME256V1)),
        KeyKind::P384 => ec(named(Nid::SECP384R1)),
        KeyKind::P521 => ec(named(Nid::SECP521R1)),
        KeyKind::Secp256k1 => ec(named(Nid::SECP256K1)),
        KeyKind::BrainpoolP256 => ec(named(Nid::BRAINPOOL_P256R1)),
        KeyKind::ExplicitP256 => {
            let mut group = named(Nid::X9_62_PRIME256V1);
            group.set_asn1_flag(Asn1Flag::EXPLICIT_CURVE);
            ec(group)
        }
        KeyKind::Ed25519 => PKey::generate_ed25519().expect("ed25519"),
        KeyKind::Ed448 => PKey::generate_ed448().expect("ed448"),
        KeyKind::Dsa => PKey::from_dsa(Dsa::generate(2048).expect("dsa")).expect("pkey"),
    }
}

/// What a leaf certificate is for (its extendedKeyUsage), when a test cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// No extendedKeyUsage extension: any purpose.
    Any,
    /// A TLS server (`serverAuth`).
    Server,
    /// A TLS client (`clientAuth`).
    Client,
}

/// A certificate and its key.
pub struct Issued {
    /// The certificate.
    pub cert: X509,
    /// Its private key.
    pub key: PKey<Private>,
}

impl Issued {
    /// The certificate in PEM.
    pub fn cert_pem(&self) -> String {
        String::from_utf8(self.cert.to_pem().expect("pem")).expect("utf-8")
    }

    /// The certificate in DER.
    pub fn cert_der(&self) -> Vec<u8> {
        self.cert.to_der().expect("der")
    }

    /// The private key in PKCS#8 DER.
    pub fn key_der(&self) -> Vec<u8> {
        self.key.private_key_to_pkcs8().expect("der")
    }

    /// The private key in PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn key_pem(&self) -> String {
        String::from_utf8(self.key.private_key_to_pem_pkcs8().expect("pem")).expect("utf-8")
    }

    /// The private key in its traditional PEM (`BEGIN RSA PRIVATE KEY` / `BEGIN EC PRIVATE KEY`);
    /// only RSA and EC keys have one.
    pub fn key_pem_traditional(&self) -> String {
        let pem = match self.key.id() {
            Id::RSA => self.key.rsa().expect("rsa").private_key_to_pem(),
            Id::EC => self.key.ec_key().expect("ec").private_key_to_pem(),
            other => panic!("no traditional encoding for {other:?}"),
        };
        String::from_utf8(pem.expect("pem")).expect("utf-8")
    }

    /// The private key encrypted with a passphrase (`BEGIN ENCRYPTED PRIVATE KEY`).
    pub fn key_pem_encrypted(&self) -> String {
        let pem = self
            .key
            .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"passphrase")
            .expect("pem");
        String::from_utf8(pem).expect("utf-8")
    }

    /// The base64 lines of the PKCS#8 key, without the BEGIN/END lines and line breaks: what
    /// must never appear in any output.
    pub fn key_body(&self) -> String {
        self.key_pem()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect()
    }

    /// The public key in SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`).
    pub fn public_key_pem(&self) -> String {
        String::from_utf8(self.key.public_key_to_pem().expect("pem")).expect("utf-8")
    }

    /// The certificate and its key in PEM, as a TLS server or client is given them.
    pub fn identity(&self) -> TlsIdentity {
        TlsIdentity {
            cert_pem: self.cert_pem(),
            key_pem: self.key_pem(),
        }
    }

    /// SHA-256 of the certificate's DER, lowercase hex.
    pub fn fingerprint_sha256(&self) -> String {
        self.cert
            .digest(MessageDigest::sha256())
            .expect("digest")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// How to make a certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    common_name: String,
    organization: Option<String>,
    dns_names: Vec<String>,
    key: KeyKind,
    /// Validity window, in seconds from now.
    from: i64,
    until: i64,
    ca: bool,
    usage: Usage,
    digest: Digest,
}

const DAY: i64 = 86_400;

impl CertSpec {
    /// A leaf for `common_name`, whose subjectAltName holds `dns_names`, valid from a day ago
    /// for a year, with an RSA key.
    pub fn new(common_name: &str, dns_names: &[&str]) -> Self {
        Self {
            common_name: common_name.to_string(),
            organization: None,
            dns_names: dns_names.iter().map(|s| s.to_string()).collect(),
            key: KeyKind::Rsa,
            from: -DAY,
            until: 365 * DAY,
            ca: false,
            usage: Usage::Any,
            digest: Digest::Sha256,
        }
    }

    /// A leaf whose common name is its first DNS name.
    pub fn leaf(dns_names: &[&str]) -> Self {
        Self::new(dns_names.first().copied().unwrap_or("leaf"), dns_names)
    }

    /// A certificate authority (no subjectAltName).
    pub fn ca(common_name: &str) -> Self {
        Self {
            ca: true,
            until: 3650 * DAY,
            ..Self::new(common_name, &[])
        }
    }

    /// With this key type.
    pub fn key(mut self, key: KeyKind) -> Self {
        self.key = key;
        self
    }

    /// Signed with this digest.
    pub fn digest(mut self, digest: Digest) -> Self {
        self.digest = digest;
        self
    }

    /// For this purpose only (extendedKeyUsage).
    pub fn usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    /// With an organization in the subject.
    pub fn organization(mut self, organization: &str) -> Self {
        self.organization = Some(organization.to_string());
        self
    }

    /// Valid from `from_days` to `until_days` days from now (negative: in the past).
    pub fn valid_days(mut self, from_days: i64, until_days: i64) -> Self {
        self.from = from_days * DAY;
        self.until = until_days * DAY;
        self
    }

    /// Self-signed.
    pub fn self_signed(self) -> Issued {
        let key = new_key(self.key);
        let cert = self.build(&key, None);
        Issued { cert, key }
    }

    /// Signed by `issuer`.
    pub fn signed_by(self, issuer: &Issued) -> Issued {
        let key = new_key(self.key);
        let cert = self.build(&key, Some(issuer));
        Issued { cert, key }
    }

    fn build(&self, key: &PKey<Private>, issuer: Option<&Issued>) -> X509 {
        let mut name = X509NameBuilder::new().expect("name");
        if let Some(organization) = &self.organization {
            name.append_entry_by_nid(Nid::ORGANIZATIONNAME, organization)
                .expect("O");
        }
        name.append_entry_by_nid(Nid::COMMONNAME, &self.common_name)
            .expect("CN");
        let name = name.build();
        let mut builder = X509::builder().expect("builder");
        builder.set_version(2).expect("version");
        let mut serial = BigNum::new().expect("bn");
        serial
            .rand(64, MsbOption::MAYBE_ZERO, false)
            .expect("serial");
        builder
            .set_serial_number(&serial.to_asn1_integer().expect("serial"))
            .expect("serial");
        builder.set_subject_name(&name).expect("subject");
        builder
            .set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
            .expect("issuer");
        builder.set_pubkey(key).expect("pubkey");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        builder
            .set_not_before(&Asn1Time::from_unix(now + self.from).expect("time"))
            .expect("not before");
        builder
            .set_not_after(&Asn1Time::from_unix(now + self.until).expect("time"))
            .expect("not after");
        if self.ca {
            builder
                .append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
                .expect("bc");
            builder
                .append_extension(
                    KeyUsage::new()
                        .critical()
                        .key_cert_sign()
                        .crl_sign()
                        .build()
                        .expect("ku"),
                )
                .expect("ku");
        }
        match self.usage {
            Usage::Any => {}
            Usage::Server => builder
                .append_extension(ExtendedKeyUsage::new().server_auth().build().expect("eku"))
                .expect("eku"),
            Usage::Client => builder
                .append_extension(ExtendedKeyUsage::new().client_auth().build().expect("eku"))
                .expect("eku"),
        }
        if !self.dns_names.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for dns in &self.dns_names {
                san.dns(dns);
            }
            let context = builder.x509v3_context(issuer.map(|i| i.cert.as_ref()), None);
            let extension = san.build(&context).expect("san");
            builder.append_extension(extension).expect("san");
        }
        let signer = issuer.map_or(key, |i| &i.key);
        let digest = match (signer.id(), self.digest) {
            // EdDSA hashes inside the signature: OpenSSL takes no separate digest for it.
            (Id::ED25519 | Id::ED448, _) => MessageDigest::null(),
            (_, Digest::Sha256) => MessageDigest::sha256(),
            (_, Digest::Sha512) => MessageDigest::sha512(),
        };
        builder.sign(signer, digest).expect("sign");
        builder.build()
    }
}

/// A PEM chain of these certificates, in the order given.
pub fn chain_pem(certificates: &[&Issued]) -> String {
    certificates.iter().map(|c| c.cert_pem()).collect()
}

/// A certificate and its private key in PEM.
#[derive(Debug, Clone)]
pub struct TlsIdentity {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
}

/// Everything a TLS test needs: a CA, a server certificate for `localhost` and a client
/// certificate it signed, and an unrelated CA with a client certificate of its own.
pub struct Pki {
    /// The CA that signed the server and client certificates.
    pub ca_pem: String,
    /// The server certificate (for `localhost`).
    pub server: TlsIdentity,
    /// A client certificate.
    pub client: TlsIdentity,
    /// A CA that signed neither.
    pub other_ca_pem: String,
    /// A client certificate signed by the other CA.
    pub rogue_client: TlsIdentity,
}

impl Pki {
    /// A fresh set of certificates (ECDSA P-256 keys: quick to make).
    pub fn new() -> Self {
        let ca = CertSpec::ca("Dispatch test CA")
            .key(KeyKind::P256)
            .self_signed();
        let other = CertSpec::ca("Some other CA")
            .key(KeyKind::P256)
            .self_signed();
        let server = CertSpec::leaf(&["localhost"])
            .key(KeyKind::P256)
            .usage(Usage::Server)
            .signed_by(&ca);
        let client = CertSpec::leaf(&["terraform"])
            .key(KeyKind::P256)
            .usage(Usage::Client)
            .signed_by(&ca);
        let rogue = CertSpec::leaf(&["terraform"])
            .key(KeyKind::P256)
            .usage(Usage::Client)
            .signed_by(&other);
        Pki {
            ca_pem: ca.cert_pem(),
            server: server.identity(),
            client: client.identity(),
            other_ca_pem: other.cert_pem(),
            rogue_client: rogue.identity(),
        }
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}
