//! The `dispatch_certificate` data source: by hostname (exact, then wildcard, as Kong picks),
//! by id, for certificates this provider manages or not; a missing one is a clear error.

use serde_json::json;

use crate::certificate_lifecycle::write_certificate;
use crate::certs::CertSpec;
use crate::harness::{needs_sandbox, Kong};

#[test]
fn finds_a_managed_certificate_by_hostname_wildcard_or_id() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["*.example.com", "example.com"]).self_signed();
    write_certificate(&ws, &issued, "");
    ws.apply().success();
    let managed = ws.resource("dispatch_certificate.site").expect("state");
    let id = managed["id"].as_str().expect("id");

    let lookups = r#"
resource "dispatch_certificate" "site" {
  certificate = file("${path.module}/site.crt")
  private_key = file("${path.module}/site.key")
}

data "dispatch_certificate" "exact" {
  hostname   = "example.com"
  depends_on = [dispatch_certificate.site]
}

data "dispatch_certificate" "wildcard" {
  hostname   = "api.example.com"
  depends_on = [dispatch_certificate.site]
}

data "dispatch_certificate" "by_id" {
  id = dispatch_certificate.site.id
}

output "ids" {
  value = [data.dispatch_certificate.exact.id, data.dispatch_certificate.wildcard.id, data.dispatch_certificate.by_id.id]
}
"#;
    ws.write(lookups);
    ws.apply().success();
    let run = ws.run(&["output", "-json", "ids"]).success();
    let ids: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(ids, json!([id, id, id]));
    let found = ws
        .resource("data.dispatch_certificate.wildcard")
        .expect("read");
    for attribute in [
        "subject",
        "issuer",
        "dns_names",
        "not_before",
        "not_after",
        "fingerprint_sha256",
        "hostnames",
    ] {
        assert_eq!(found[attribute], managed[attribute], "{attribute}");
    }
    assert_eq!(found["certificate"], issued.cert_pem());
    assert!(
        found.get("private_key").is_none(),
        "the data source never reads the key"
    );
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn finds_an_unmanaged_certificate_and_names_a_missing_one() {
    let kong = Kong::start();
    let issued = CertSpec::leaf(&["legacy.example.com"])
        .organization("Legacy")
        .self_signed();
    let existing = kong.send(
        "POST",
        "/certificates",
        json!({"cert": issued.cert_pem(), "key": issued.key_pem(), "snis": ["legacy.example.com"], "tags": ["owner:ops"]}),
    );
    let ws = kong.workspace();
    ws.write(
        r#"
data "dispatch_certificate" "legacy" {
  hostname = "legacy.example.com"
}
"#,
    );
    ws.apply().success();
    let found = ws
        .resource("data.dispatch_certificate.legacy")
        .expect("read");
    assert_eq!(found["id"], existing["id"]);
    assert_eq!(found["subject"], "CN=legacy.example.com,O=Legacy");
    assert_eq!(found["tags"], json!(["owner:ops"]));
    assert_eq!(found["fingerprint_sha256"], issued.fingerprint_sha256());

    ws.write(
        r#"
data "dispatch_certificate" "missing" {
  hostname = "nowhere.example.com"
}
"#,
    );
    let output = ws.plan().failure().output();
    assert!(output.contains("Certificate not found"), "{output}");
    assert!(output.contains(
        "Kong serves no certificate for `nowhere.example.com`: no SNI is `nowhere.example.com` or `*.example.com` or `nowhere.example.*`"
    ));

    ws.write(
        r#"
data "dispatch_certificate" "missing" {
  id = "6f1c1f5e-0000-4000-8000-000000000000"
}
"#,
    );
    let output = ws.plan().failure().output();
    assert!(
        output.contains("Kong has no certificate with the id"),
        "{output}"
    );
}

#[test]
fn the_lookup_is_checked_before_kong_is_asked() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let cases = [
        ("", "Missing lookup"),
        (
            "hostname = \"a.example.com\"\n  id = \"6f1c1f5e-0000-4000-8000-000000000000\"",
            "Conflicting lookup",
        ),
        ("id = \"a.example.com\"", "is not a Kong certificate id"),
        ("hostname = \"a.example.com:443\"", "has a port"),
    ];
    for (body, expected) in cases {
        ws.write(&format!(
            "data \"dispatch_certificate\" \"x\" {{\n  {body}\n}}\n"
        ));
        kong.sandbox.controls().reset_requests();
        let output = ws.plan().failure().output();
        assert!(output.contains(expected), "{expected}: {output}");
        assert_eq!(kong.sandbox.controls().request_count(), 0);
    }
}
