//! Certificate PEM chains and private keys, and the plan-time checks of a
//! `dispatch_certificate`: no input panics, no message about a key quotes it, and what the
//! checks accept has the properties the mapping relies on.
//!
//! The input is split at its first NUL byte: the certificate text before it, the key text
//! after it (without one, the same text is tried as both). Seed the corpus with real PEM files
//! to reach past the parsers' first checks (see README.md).

#![no_main]

use dispatch_provider::kong::Secret;
use dispatch_provider::model::certificate::{self, CertificateDraft};
use dispatch_provider::model::Field;
use libfuzzer_sys::fuzz_target;

/// The base64 lines of a PEM text long enough to be worth looking for.
fn secret_lines(pem: &str) -> impl Iterator<Item = &str> {
    pem.lines().map(str::trim).filter(|l| {
        l.len() >= 16
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (cert, key) = text.split_once('\0').unwrap_or((text, text));

    if let Ok(chain) = certificate::parse_chain(cert) {
        let ders = certificate::chain_ders(cert).expect("a chain that parses has DER blocks");
        assert!(!ders.is_empty(), "a parsed chain has a leaf");
        assert_eq!(
            chain.leaf.fingerprint_sha256.len(),
            64,
            "a SHA-256 fingerprint is 64 hex digits"
        );
        let _ = certificate::default_hostnames(&chain.leaf);
    }
    match certificate::private_key_public_half(key) {
        Ok(public) => {
            assert!(
                certificate::same_private_key(key, key),
                "a key that reads is the same key as itself"
            );
            let _ = public.describe();
        }
        Err(error) => {
            let message = error.to_string();
            for line in secret_lines(key) {
                assert!(!message.contains(line), "{message} quotes the key");
            }
        }
    }

    let draft = CertificateDraft {
        certificate: Field::Value(cert.to_string()),
        private_key: Field::Value(Secret::new(key)),
        hostnames: Field::Null,
        tags: Field::Null,
    };
    let checked = certificate::check(&draft, 1_800_000_000);
    for issue in &checked.issues {
        for line in secret_lines(key) {
            assert!(
                !issue.summary.contains(line) && !issue.detail.contains(line),
                "{issue:?} quotes the key"
            );
        }
    }
    if !checked.issues.iter().any(|i| i.is_error()) {
        let info = checked.info.expect("an accepted certificate is described");
        let hostnames = certificate::default_hostnames(&info);
        assert!(
            !hostnames.is_empty(),
            "an accepted certificate serves a name"
        );
        assert!(
            certificate::private_key_public_half(key).is_ok_and(|k| k == info.public_key),
            "an accepted key is the leaf's"
        );
    }
});
