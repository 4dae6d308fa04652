use super::*;
use crate::model::Severity;

use test_support::certs::{chain_pem, CertSpec, Issued, KeyKind};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn draft(cert: &str, key: &str, hostnames: Option<&[&str]>) -> CertificateDraft {
    CertificateDraft {
        certificate: Field::Value(cert.to_string()),
        private_key: Field::Value(Secret::new(key)),
        hostnames: match hostnames {
            Some(names) => Field::Value(names.iter().map(|n| Some(n.to_string())).collect()),
            None => Field::Null,
        },
        tags: Field::Null,
    }
}

fn check_issued(issued: &Issued, hostnames: Option<&[&str]>) -> Checked {
    check(
        &draft(&issued.cert_pem(), &issued.key_pem(), hostnames),
        now(),
    )
}

/// (severity, attribute, summary) of each issue.
fn summaries(checked: &Checked) -> Vec<(Severity, String, String)> {
    checked
        .issues
        .iter()
        .map(|i| (i.severity, i.path.to_string(), i.summary.clone()))
        .collect()
}

fn error(attr: &str, summary: &str) -> (Severity, String, String) {
    (Severity::Error, attr.to_string(), summary.to_string())
}

fn warning(attr: &str, summary: &str) -> (Severity, String, String) {
    (Severity::Warning, attr.to_string(), summary.to_string())
}

#[test]
fn a_self_signed_rsa_leaf_is_described() {
    let issued = CertSpec::new(
        "hello.example.com",
        &["hello.example.com", "www.example.com"],
    )
    .organization("Example, Inc.")
    .self_signed();
    let checked = check_issued(&issued, None);
    assert_eq!(summaries(&checked), vec![]);
    let info = checked.info.expect("parsed");
    assert_eq!(info.subject, "CN=hello.example.com,O=Example\\, Inc.");
    assert_eq!(info.issuer, info.subject);
    assert_eq!(info.dns_names, vec!["hello.example.com", "www.example.com"]);
    assert_eq!(info.fingerprint_sha256, issued.fingerprint_sha256());
    let asn1_unix = |t: &openssl::asn1::Asn1TimeRef| {
        let epoch = openssl::asn1::Asn1Time::from_unix(0).expect("epoch");
        let diff = epoch.diff(t).expect("diff");
        i64::from(diff.days) * 86_400 + i64::from(diff.secs)
    };
    assert_eq!(info.not_before, asn1_unix(issued.cert.not_before()));
    assert_eq!(info.not_after, asn1_unix(issued.cert.not_after()));
    assert_eq!(info.public_key.describe(), "RSA 2048-bit");
}

#[test]
fn keys_in_every_usual_encoding_match_their_certificate() {
    for kind in [KeyKind::Rsa, KeyKind::P256, KeyKind::P384] {
        let issued = CertSpec::leaf(&["a.example.com"]).key(kind).self_signed();
        let leaf = parse_chain(&issued.cert_pem())
            .expect("chain")
            .leaf
            .public_key;
        for key in [issued.key_pem(), issued.key_pem_traditional()] {
            assert_eq!(
                private_key_public_half(&key).expect("key"),
                leaf,
                "{kind:?}"
            );
        }
    }
    let p256 = CertSpec::leaf(&["a.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    assert_eq!(
        parse_chain(&p256.cert_pem())
            .expect("chain")
            .leaf
            .public_key
            .describe(),
        "ECDSA P-256"
    );
    // `openssl ecparam -genkey` writes the curve's parameters before the key.
    let with_parameters = format!(
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
        p256.key_pem_traditional()
    );
    assert!(
        check(&draft(&p256.cert_pem(), &with_parameters, None), now())
            .issues
            .is_empty()
    );
}

#[test]
fn a_chain_is_described_by_its_leaf_and_checked_for_order() {
    let root = CertSpec::ca("Test Root CA").self_signed();
    let intermediate = CertSpec::ca("Test Intermediate CA").signed_by(&root);
    let leaf = CertSpec::leaf(&["shop.example.com"])
        .key(KeyKind::P256)
        .signed_by(&intermediate);
    let chain = chain_pem(&[&leaf, &intermediate, &root]);
    let checked = check(&draft(&chain, &leaf.key_pem(), None), now());
    assert_eq!(summaries(&checked), vec![]);
    let info = checked.info.expect("parsed");
    assert_eq!(info.subject, "CN=shop.example.com");
    assert_eq!(info.issuer, "CN=Test Intermediate CA");
    assert_eq!(parse_chain(&chain).expect("chain").length, 3);

    let swapped = chain_pem(&[&leaf, &root, &intermediate]);
    let checked = check(&draft(&swapped, &leaf.key_pem(), None), now());
    assert_eq!(
        summaries(&checked),
        vec![warning("certificate", "Certificate chain out of order")]
    );
    assert!(checked.issues[0]
        .detail
        .contains("`CN=Test Intermediate CA`"));

    // The key of the intermediate is not the leaf's.
    let checked = check(&draft(&chain, &intermediate.key_pem(), None), now());
    assert_eq!(
        summaries(&checked),
        vec![error(
            "private_key",
            "Private key does not match the certificate"
        )]
    );
}

#[test]
fn a_key_of_another_certificate_is_an_error_on_private_key() {
    let issued = CertSpec::leaf(&["a.example.com"]).self_signed();
    let other_rsa = CertSpec::leaf(&["a.example.com"]).self_signed();
    let other_ec = CertSpec::leaf(&["a.example.com"])
        .key(KeyKind::P384)
        .self_signed();
    let checked = check(
        &draft(&issued.cert_pem(), &other_rsa.key_pem(), None),
        now(),
    );
    assert_eq!(
        summaries(&checked),
        vec![error(
            "private_key",
            "Private key does not match the certificate"
        )]
    );
    assert!(checked.issues[0]
        .detail
        .contains("both are RSA 2048-bit keys"));
    let checked = check(&draft(&issued.cert_pem(), &other_ec.key_pem(), None), now());
    assert!(checked.issues[0].detail.contains(
        "the certificate holds an RSA 2048-bit key and private_key is an ECDSA P-384 key"
    ));
    for issue in &checked.issues {
        assert!(!issue.detail.contains(&other_ec.key_body()[..40]));
    }
}

#[test]
fn unparsable_certificates_are_errors_on_certificate() {
    let issued = CertSpec::leaf(&["a.example.com"]).self_signed();
    let key = issued.key_pem();
    let reason = |cert: &str| {
        let checked = check(&draft(cert, &key, None), now());
        assert_eq!(
            summaries(&checked),
            vec![error("certificate", "Invalid certificate")],
            "{cert}"
        );
        assert!(checked.info.is_none());
        checked.issues[0].detail.clone()
    };
    assert!(reason("not a certificate").starts_with("no PEM certificate found"));
    assert!(reason("").starts_with("no PEM certificate found"));
    assert!(reason(
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    )
    .starts_with("certificate 1 of the chain is not a valid X.509 certificate"));
    assert!(
        reason("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .starts_with("the PEM text is malformed")
    );
    let with_key = format!("{}{}", issued.cert_pem(), key);
    let why = reason(&with_key);
    assert!(why.starts_with("PEM block 2 is a `PRIVATE KEY`"), "{why}");
    assert!(!why.contains(&issued.key_body()[..40]));
    // A bundle whose certificate's END line lost its dashes, and whose key lost its BEGIN
    // line: the PEM parser reads the key's lines as the END label (found by fuzzing). The
    // message quotes none of it.
    let broken = with_key.replacen(
        "-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----",
        "-----END CERTIFICATE",
        1,
    );
    assert_ne!(broken, with_key);
    let why = reason(&broken);
    assert!(why.starts_with("the PEM text is malformed"), "{why}");
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!why.contains(line), "{why}");
    }
}

#[test]
fn unusable_private_keys_are_errors_on_private_key_that_never_quote_it() {
    let issued = CertSpec::leaf(&["a.example.com"]).self_signed();
    let cert = issued.cert_pem();
    let body = issued.key_body();
    let reason = |key: &str| {
        let checked = check(&draft(&cert, key, None), now());
        assert_eq!(
            summaries(&checked),
            vec![error("private_key", "Invalid private key")]
        );
        let detail = checked.issues[0].detail.clone();
        assert!(!detail.contains(&body[..40]), "{detail}");
        detail
    };
    assert!(reason("").starts_with("no PEM private key found"));
    assert!(reason(&cert).starts_with("private_key holds a certificate"));
    assert!(reason(&issued.key_pem_encrypted()).contains("encrypted with a passphrase"));
    let truncated: String = issued
        .key_pem()
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(reason(&truncated).starts_with("no PEM private key found"));
    let corrupt = issued.key_pem().replacen(&body[10..20], "AAAAAAAAAA", 1);
    assert!(reason(&corrupt).contains("malformed"));
    let two = format!("{}{}", issued.key_pem(), issued.key_pem());
    assert!(reason(&two).contains("2 private keys"));
    let public = String::from_utf8(issued.key.public_key_to_pem().expect("pem")).expect("utf-8");
    assert!(reason(&public).contains("public key"));
}

#[test]
fn expired_is_an_error_expiring_soon_or_not_yet_valid_a_warning() {
    let expired = CertSpec::leaf(&["a.example.com"])
        .valid_days(-30, -1)
        .self_signed();
    let checked = check_issued(&expired, None);
    assert_eq!(
        summaries(&checked),
        vec![error("certificate", "Certificate expired")]
    );
    assert!(checked.issues[0].detail.contains("expired at 20"));

    let soon = CertSpec::leaf(&["a.example.com"])
        .valid_days(-300, 10)
        .self_signed();
    let checked = check_issued(&soon, None);
    assert_eq!(
        summaries(&checked),
        vec![warning("certificate", "Certificate expires soon")]
    );
    assert!(
        checked.issues[0].detail.contains("(in 9 days)")
            || checked.issues[0].detail.contains("(in 10 days)"),
        "{}",
        checked.issues[0].detail
    );

    let later = CertSpec::leaf(&["a.example.com"])
        .valid_days(2, 400)
        .self_signed();
    assert_eq!(
        summaries(&check_issued(&later, None)),
        vec![warning("certificate", "Certificate not valid yet")]
    );

    let fine = CertSpec::leaf(&["a.example.com"])
        .valid_days(-1, 31)
        .self_signed();
    assert_eq!(summaries(&check_issued(&fine, None)), vec![]);
}

#[test]
fn hostnames_default_to_the_dns_names_and_are_checked_against_them() {
    let issued = CertSpec::leaf(&["b.example.com", "*.example.com", "a.example.com"]).self_signed();
    let checked = check_issued(&issued, None);
    assert_eq!(summaries(&checked), vec![]);
    assert_eq!(
        default_hostnames(&checked.info.expect("parsed")),
        vec!["*.example.com", "a.example.com", "b.example.com"]
    );

    // Covered by the wildcard, exactly, or not at all.
    let checked = check_issued(
        &issued,
        Some(&[
            "api.example.com",
            "*.example.com",
            "other.test",
            "a.b.example.com",
        ]),
    );
    assert_eq!(
        summaries(&checked),
        vec![
            warning(
                "hostnames",
                "Hostname `other.test` not covered by the certificate"
            ),
            warning(
                "hostnames",
                "Hostname `a.b.example.com` not covered by the certificate"
            ),
        ]
    );
    assert!(checked.issues[0]
        .detail
        .starts_with("`other.test` is not among"));
    assert!(checked.issues[1]
        .detail
        .starts_with("`a.b.example.com` is not among"));

    let checked = check_issued(
        &issued,
        Some(&["a.example.com:443", "10.0.0.1", "a.*.example.com"]),
    );
    assert_eq!(
        summaries(&checked),
        vec![
            error("hostnames", "Invalid hostname"),
            error("hostnames", "Invalid hostname"),
            error("hostnames", "Invalid hostname"),
        ]
    );
    assert_eq!(
        summaries(&check_issued(&issued, Some(&[]))),
        vec![error("hostnames", "No hostname")]
    );
}

#[test]
fn a_certificate_without_dns_names_needs_explicit_hostnames() {
    let issued = CertSpec::new("legacy.example.com", &[]).self_signed();
    assert_eq!(
        summaries(&check_issued(&issued, None)),
        vec![error("hostnames", "No hostname")]
    );
    assert_eq!(
        summaries(&check_issued(&issued, Some(&["legacy.example.com"]))),
        vec![warning(
            "hostnames",
            "Hostname `legacy.example.com` not covered by the certificate"
        )]
    );
}

#[test]
fn unknown_values_are_checked_later() {
    let issued = CertSpec::leaf(&["a.example.com"]).self_signed();
    let checked = check(
        &CertificateDraft {
            certificate: Field::Unknown,
            private_key: Field::Value(Secret::new(issued.key_pem())),
            hostnames: Field::Value(vec![None, Some("b.example.com".into())]),
            tags: Field::Value(vec![Some("a,b".into())]),
        },
        now(),
    );
    assert_eq!(summaries(&checked), vec![error("tags", "Invalid tag")]);
    assert!(checked.info.is_none());
}

#[test]
fn ownership_tags_are_refused_on_tags() {
    let checked = check(
        &CertificateDraft {
            certificate: Field::Unknown,
            private_key: Field::Unknown,
            hostnames: Field::Unknown,
            tags: Field::Value(vec![Some("dispatch-api:x".into()), Some("team:web".into())]),
        },
        now(),
    );
    assert_eq!(summaries(&checked), vec![error("tags", "Reserved tag")]);
}

fn kong_certificate(cert: &str, key: Option<&str>, snis: &[&str], tags: &[&str]) -> Certificate {
    Certificate {
        id: "c".into(),
        cert: cert.into(),
        key: key.map(Secret::new),
        snis: Some(snis.iter().map(|s| s.to_string()).collect()),
        tags: Some(tags.iter().map(|s| s.to_string()).collect()),
    }
}

#[test]
fn desired_sends_sorted_snis_and_ownership_tags() {
    let spec = CertificateSpec {
        certificate: "CERT".into(),
        private_key: Secret::new("KEY"),
        hostnames: vec!["b.example.com".into(), "a.example.com".into()],
        tags: vec!["team:web".into()],
    };
    let fields = desired(&spec, &Naming::new(Some("shop".into())));
    assert_eq!(fields.snis, vec!["a.example.com", "b.example.com"]);
    assert_eq!(
        fields.tags,
        vec![
            "managed-by:terraform-provider-dispatch",
            "dispatch-org:shop",
            "team:web"
        ]
    );
    assert_eq!(fields.key.expose(), "KEY");
}

#[test]
fn read_back_keeps_equivalent_spellings_and_shows_real_drift() {
    let issued = CertSpec::leaf(&["a.example.com"]).self_signed();
    let other = CertSpec::leaf(&["a.example.com"]).self_signed();
    let cert = issued.cert_pem();
    let key = Secret::new(issued.key_pem());
    let crlf_cert = cert.replace('\n', "\r\n");
    let crlf_key = issued.key_pem().replace('\n', "\r\n");
    let tags = ["managed-by:terraform-provider-dispatch", "team:web"];

    // Same certificate and key, spelled differently: the prior text stays.
    let kong = kong_certificate(&crlf_cert, Some(&crlf_key), &["b.test", "a.test"], &tags);
    let read = read_back(&kong, Some(&cert), Some(&key));
    assert_eq!(read.certificate, cert);
    assert_eq!(read.private_key.as_ref(), Some(&key));
    assert_eq!(read.hostnames, vec!["a.test", "b.test"]);
    assert_eq!(read.tags, vec!["team:web"]);
    assert_eq!(
        read.info.expect("parsed").fingerprint_sha256,
        issued.fingerprint_sha256()
    );

    // Changed outside Terraform: Kong's values show.
    let kong = kong_certificate(&other.cert_pem(), Some(&other.key_pem()), &[], &[]);
    let read = read_back(&kong, Some(&cert), Some(&key));
    assert_eq!(read.certificate, other.cert_pem());
    assert_eq!(read.private_key, Some(Secret::new(other.key_pem())));
    assert_eq!(read.hostnames, Vec::<String>::new());

    // A key Kong does not give back in clear (Enterprise keyring, vault reference, nothing):
    // the prior key stays, and there is nothing to import.
    for hidden in [
        Some("{vault://env/cert-key}"),
        Some("AAAAencrypted=="),
        None,
    ] {
        let kong = kong_certificate(&cert, hidden, &["a.test"], &[]);
        assert_eq!(
            read_back(&kong, Some(&cert), Some(&key)).private_key,
            Some(key.clone())
        );
        assert_eq!(read_back(&kong, None, None).private_key, None);
    }

    // On import there is no prior: Kong's text as is.
    let kong = kong_certificate(&crlf_cert, Some(&crlf_key), &["a.test"], &[]);
    let read = read_back(&kong, None, None);
    assert_eq!(read.certificate, crlf_cert);
    assert_eq!(read.private_key, Some(Secret::new(crlf_key)));
}

#[test]
fn kong_hostname_conflicts_name_the_certificate() {
    assert_eq!(
        hostname_conflict(
            "a.example.com already associated with existing certificate '7c2a0b7e-1111-4c1e-9c54-0a7b2c7e0001'"
        ),
        Some(HostnameConflict {
            hostname: "a.example.com".into(),
            certificate_id: "7c2a0b7e-1111-4c1e-9c54-0a7b2c7e0001".into(),
        })
    );
    assert_eq!(hostname_conflict("a.example.com is duplicated"), None);
}

#[test]
fn certificate_names_cover_hostnames_like_rfc_6125() {
    let cases = [
        ("a.example.com", "a.example.com", true),
        ("A.Example.com", "a.example.COM", true),
        ("*.example.com", "a.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "a.b.example.com", false),
        ("*.example.com", "*.example.com", true),
        ("*.example.com", ".example.com", false),
        ("a.example.com", "*.example.com", false),
        ("*.com", "example.com", true),
        ("example.com.", "example.com", true),
    ];
    for (name, host, covered) in cases {
        assert_eq!(name_covers(name, host), covered, "{name} covers {host}");
    }
}

#[test]
fn kong_looks_snis_up_exactly_then_by_wildcard() {
    assert_eq!(
        sni_lookup_names("A.example.com"),
        vec!["a.example.com", "*.example.com", "a.example.*"]
    );
    assert_eq!(sni_lookup_names("*.example.com"), vec!["*.example.com"]);
    assert_eq!(sni_lookup_names("localhost"), vec!["localhost"]);
    assert_eq!(sni_lookup_names("10.0.0.1:8443"), vec!["10.0.0.1"]);
    assert_eq!(
        sni_lookup_names("api.example.com:8443"),
        vec!["api.example.com", "*.example.com", "api.example.*"]
    );
}

#[test]
fn api_hosts_without_an_sni_are_listed() {
    let snis = vec![
        "exact.example.com".to_string(),
        "*.wild.example.com".to_string(),
        "suffix.*".to_string(),
    ];
    let hosts: Vec<String> = [
        "exact.example.com",
        "Exact.Example.com:8443",
        "a.wild.example.com",
        "*.wild.example.com",
        "wild.example.com",
        "a.b.wild.example.com",
        "suffix.org",
        "10.0.0.1",
        "[::1]:8443",
        "other.example.com",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        hosts_without_certificate(&hosts, &snis),
        vec![
            "10.0.0.1",
            "[::1]:8443",
            "a.b.wild.example.com",
            "other.example.com",
            "wild.example.com"
        ]
    );
    assert_eq!(
        hosts_without_certificate(&hosts[..1], &[]),
        vec!["exact.example.com"]
    );
}

#[test]
fn times_are_rfc_3339_in_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1_900_000_000), "2030-03-17T17:46:40Z");
}

#[test]
fn a_dns_name_kong_cannot_serve_needs_explicit_hostnames() {
    let issued = CertSpec::leaf(&["good.example.com", "a.*.example.com"]).self_signed();
    let checked = check_issued(&issued, None);
    assert_eq!(
        summaries(&checked),
        vec![error(
            "certificate",
            "Certificate name unusable as a hostname"
        )]
    );
    assert!(checked.issues[0]
        .detail
        .contains("`a.*.example.com` has a wildcard in the wrong place"));
    assert_eq!(
        summaries(&check_issued(&issued, Some(&["good.example.com"]))),
        vec![]
    );
}

#[test]
fn a_certificate_or_key_too_large_for_the_plugin_protocol_is_an_error_on_it() {
    let issued = CertSpec::leaf(&["big.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    // A chain padded with copies of the leaf, one byte over the limit: too long, however valid.
    let mut chain = issued.cert_pem();
    while chain.len() <= MAX_CERTIFICATE_LEN {
        chain.push_str(&issued.cert_pem());
    }
    chain.truncate(MAX_CERTIFICATE_LEN + 1);
    let checked = check(&draft(&chain, &issued.key_pem(), None), now());
    assert_eq!(
        summaries(&checked),
        vec![error("certificate", "Value too large")]
    );
    let detail = &checked.issues[0].detail;
    assert!(
        detail.contains(&format!(
            "certificate holds {} bytes",
            MAX_CERTIFICATE_LEN + 1
        )),
        "{detail}"
    );
    assert!(
        detail.contains("at most 262144 bytes (256 KiB)"),
        "{detail}"
    );

    let key = format!("{}{}", issued.key_pem(), " ".repeat(MAX_PRIVATE_KEY_LEN));
    let checked = check(&draft(&issued.cert_pem(), &key, None), now());
    assert_eq!(
        summaries(&checked),
        vec![error("private_key", "Value too large")]
    );
    assert!(
        !checked.issues[0].detail.contains("PRIVATE KEY"),
        "the key is never quoted"
    );

    // At the limit, a chain is checked as usual.
    let mut chain = issued.cert_pem();
    while chain.len() + issued.cert_pem().len() <= MAX_CERTIFICATE_LEN {
        chain.push_str(&issued.cert_pem());
    }
    let checked = check(&draft(&chain, &issued.key_pem(), None), now());
    assert!(
        !summaries(&checked).contains(&error("certificate", "Value too large")),
        "{:?}",
        summaries(&checked)
    );
}
