use test_support::certs::{CertSpec, Issued, KeyKind};

use super::*;
use crate::model::certificate::parse_chain;

/// A self-signed certificate with a fresh key of this kind.
fn issued(kind: KeyKind) -> Issued {
    CertSpec::new("keys.example.com", &[])
        .key(kind)
        .valid_days(0, 90)
        .self_signed()
}

#[test]
fn every_key_type_openssl_loads_is_read_and_matches_its_certificate() {
    for (kind, described) in [
        (KeyKind::Rsa, "RSA 2048-bit"),
        (KeyKind::P256, "ECDSA P-256"),
        (KeyKind::P521, "ECDSA P-521"),
        (KeyKind::Secp256k1, "ECDSA secp256k1"),
        (KeyKind::BrainpoolP256, "ECDSA brainpoolP256r1"),
        // OpenSSL recognises explicit parameters equal to a named curve's.
        (KeyKind::ExplicitP256, "ECDSA P-256"),
        (KeyKind::Ed25519, "Ed25519"),
        (KeyKind::Ed448, "Ed448"),
        (KeyKind::Dsa, "DSA 2048-bit"),
        (KeyKind::RsaPss, "RSA-PSS 2048-bit"),
    ] {
        let made = issued(kind);
        let public = private_key_public_half(&made.key_pem()).expect(described);
        assert_eq!(public.describe(), described, "{kind:?}");
        let leaf = parse_chain(&made.cert_pem()).expect(described).leaf;
        assert_eq!(leaf.public_key, public, "{kind:?}");
        let other = private_key_public_half(&issued(kind).key_pem()).expect(described);
        assert_ne!(
            leaf.public_key, other,
            "{kind:?}: another key of the same type"
        );
    }
}

#[test]
fn traditional_encodings_load_too() {
    let rsa = issued(KeyKind::Rsa);
    let pkcs1 = rsa.key_pem_traditional();
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    assert_eq!(
        private_key_public_half(&pkcs1),
        private_key_public_half(&rsa.key_pem())
    );
    let sec1 = issued(KeyKind::Secp256k1).key_pem_traditional();
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
    let public = issued(KeyKind::Ed25519).public_key_pem();
    assert_eq!(
        private_key_public_half(&public),
        Err(KeyError::Public("PUBLIC KEY".into())),
        "stricter on purpose: Kong would store a certificate it cannot serve"
    );
    let two = format!(
        "{}{}",
        issued(KeyKind::P256).key_pem(),
        issued(KeyKind::P256).key_pem()
    );
    assert_eq!(private_key_public_half(&two), Err(KeyError::Several(2)));
}

#[test]
fn articles_read_well() {
    assert_eq!(article("RSA 2048-bit"), "an");
    assert_eq!(article("ECDSA P-256"), "an");
    assert_eq!(article("Ed25519"), "an");
    assert_eq!(article("DSA 2048-bit"), "a");
}
