use openssl::asn1::Asn1Time;
use openssl::dsa::Dsa;
use openssl::ec::{Asn1Flag, EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509Builder, X509NameBuilder};

use super::*;
use crate::model::certificate::parse_chain;

/// Every key type OpenSSL loads (and Kong with it), by the name tests use.
fn key(kind: &str) -> PKey<Private> {
    let ec = |nid: Nid| {
        let group = EcGroup::from_curve_name(nid).expect("curve");
        PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("pkey")
    };
    match kind {
        "rsa" => PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey"),
        "p256" => ec(Nid::X9_62_PRIME256V1),
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

/// A self-signed certificate for `key`.
fn certificate(key: &PKey<Private>) -> String {
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "keys.example.com")
        .expect("cn");
    let name = name.build();
    let mut builder = X509Builder::new().expect("builder");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&name).expect("subject");
    builder.set_issuer_name(&name).expect("issuer");
    builder.set_pubkey(key).expect("pubkey");
    builder
        .set_not_before(&Asn1Time::days_from_now(0).expect("time"))
        .expect("not before");
    builder
        .set_not_after(&Asn1Time::days_from_now(90).expect("time"))
        .expect("not after");
    let digest = match key.id() {
        Id::ED25519 | Id::ED448 => MessageDigest::null(),
        _ => MessageDigest::sha256(),
    };
    builder.sign(key, digest).expect("sign");
    String::from_utf8(builder.build().to_pem().expect("pem")).expect("utf-8")
}

fn pem(key: &PKey<Private>) -> String {
    String::from_utf8(key.private_key_to_pem_pkcs8().expect("pkcs8")).expect("utf-8")
}

#[test]
fn every_key_type_openssl_loads_is_read_and_matches_its_certificate() {
    for (kind, described) in [
        ("rsa", "RSA 2048-bit"),
        ("p256", "ECDSA P-256"),
        ("p521", "ECDSA P-521"),
        ("secp256k1", "ECDSA secp256k1"),
        ("brainpool", "ECDSA brainpoolP256r1"),
        // OpenSSL recognises explicit parameters equal to a named curve's.
        ("explicit", "ECDSA P-256"),
        ("ed25519", "Ed25519"),
        ("ed448", "Ed448"),
        ("dsa", "DSA 2048-bit"),
        ("rsa-pss", "RSA-PSS 2048-bit"),
    ] {
        let key = key(kind);
        let public = private_key_public_half(&pem(&key)).expect(kind);
        assert_eq!(public.describe(), described, "{kind}");
        let leaf = parse_chain(&certificate(&key)).expect(kind).leaf;
        assert_eq!(leaf.public_key, public, "{kind}");
        let other = private_key_public_half(&pem(&self::key(kind))).expect(kind);
        assert_ne!(
            leaf.public_key, other,
            "{kind}: another key of the same type"
        );
    }
}

#[test]
fn traditional_encodings_load_too() {
    let rsa = key("rsa");
    let pkcs1 = String::from_utf8(rsa.rsa().expect("rsa").private_key_to_pem().expect("pem"))
        .expect("utf-8");
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    assert_eq!(
        private_key_public_half(&pkcs1),
        private_key_public_half(&pem(&rsa))
    );
    let ec = key("secp256k1");
    let sec1 = String::from_utf8(ec.ec_key().expect("ec").private_key_to_pem().expect("pem"))
        .expect("utf-8");
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    assert_eq!(
        private_key_public_half(&sec1).map(|k| k.describe()),
        Ok("ECDSA secp256k1".to_string())
    );
}

#[test]
fn what_openssl_cannot_load_is_refused_without_quoting_it() {
    let garbage =
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
    let why = private_key_public_half(garbage).expect_err("not a key");
    assert_eq!(why, KeyError::Unreadable("PRIVATE KEY".into()));
    assert!(!why.to_string().contains("bm90"));
    let odd_label =
        "-----BEGIN SECRET THING-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END SECRET THING-----\n";
    assert_eq!(
        private_key_public_half(odd_label),
        Err(KeyError::Unreadable("SECRET THING".into()))
    );
    let public =
        String::from_utf8(key("ed25519").public_key_to_pem().expect("pem")).expect("utf-8");
    assert_eq!(
        private_key_public_half(&public),
        Err(KeyError::Public("PUBLIC KEY".into())),
        "stricter on purpose: Kong would store a certificate it cannot serve"
    );
    let two = format!("{}{}", pem(&key("p256")), pem(&key("p256")));
    assert_eq!(private_key_public_half(&two), Err(KeyError::Several(2)));
}

#[test]
fn articles_read_well() {
    assert_eq!(article("RSA 2048-bit"), "an");
    assert_eq!(article("ECDSA P-256"), "an");
    assert_eq!(article("Ed25519"), "an");
    assert_eq!(article("DSA 2048-bit"), "a");
}
