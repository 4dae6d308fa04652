//! TLS to the Admin API, end to end: the sandbox serves HTTPS with certificates made at test
//! time, and the provider trusts exactly what it is told to.

use kong_sandbox::SandboxConfig;

use crate::harness::{needs_sandbox, Kong};
use crate::pki::{write_files, Pki};

const API: &str =
    "resource \"dispatch_api\" \"secure\" {\n  name     = \"secure\"\n  function = \"vault\"\n}\n";

#[test]
fn a_trusted_ca_bundle_is_enough_to_reach_an_https_admin_api() {
    if needs_sandbox("a sandbox serving HTTPS with certificates the test made") {
        return;
    }
    let pki = Pki::new();
    let kong = pki.kong(false, SandboxConfig::default());
    assert!(kong.url().starts_with("https://localhost:"));
    let ws = kong.workspace();
    // A bundle: an unrelated CA first, then the one that signed the server.
    write_files(
        &ws,
        &[("ca.pem", &format!("{}{}", pki.other_ca_pem, pki.ca_pem))],
    );
    ws.write_with_provider("  tls_ca_certificate = file(\"ca.pem\")", API);
    let out = ws.apply().success().output();
    assert!(!out.contains("TLS verification"), "no warning: {out}");
    assert_eq!(kong.get("/services/secure")["name"], "secure");
    assert_eq!(ws.plan().code, 0);
    ws.destroy().success();
    assert!(kong.managed("services").is_empty());
}

#[test]
fn a_server_signed_by_another_ca_is_refused_with_a_clear_error() {
    if needs_sandbox("a sandbox serving HTTPS with certificates the test made, request counts") {
        return;
    }
    let pki = Pki::new();
    let kong = pki.kong(false, SandboxConfig::default());
    let ws = kong.workspace();
    write_files(&ws, &[("ca.pem", &pki.other_ca_pem)]);
    ws.write_with_provider("  tls_ca_certificate = file(\"ca.pem\")", API);
    let out = ws.apply().failure().output();
    assert!(
        out.contains("No trusted TLS connection to Kong to create the API `secure`"),
        "{out}"
    );
    assert!(out.contains(&kong.url()), "names the URL: {out}");
    assert!(out.contains("UnknownIssuer"), "says why: {out}");
    assert!(
        out.contains("tls_ca_certificate"),
        "says what to check: {out}"
    );
    assert_eq!(
        kong.sandbox.controls().request_count(),
        0,
        "nothing reached the Admin API"
    );
    assert!(
        ws.state_list().is_empty(),
        "nothing was created, so nothing is in state"
    );
}

#[test]
fn the_system_roots_do_not_trust_a_private_ca() {
    if needs_sandbox("a sandbox serving HTTPS with certificates the test made, request counts") {
        return;
    }
    let pki = Pki::new();
    let kong = pki.kong(false, SandboxConfig::default());
    let ws = kong.workspace();
    ws.write(API);
    let out = ws.apply().failure().output();
    assert!(out.contains("No trusted TLS connection to Kong"), "{out}");
    assert_eq!(kong.sandbox.controls().request_count(), 0);
}

#[test]
fn an_https_url_never_falls_back_to_plain_http() {
    if needs_sandbox("request counts") {
        return;
    }
    // An Admin API that speaks plain HTTP only, addressed with https://: a fallback would
    // reach it and be recorded.
    let kong = Kong::start();
    let port = kong.sandbox.addr().port();
    let ws = crate::harness::Workspace::new(&format!("https://127.0.0.1:{port}"));
    ws.write(API);
    let out = ws.apply().failure().output();
    assert!(out.contains("No trusted TLS connection to Kong"), "{out}");
    assert_eq!(
        kong.sandbox.controls().request_count(),
        0,
        "no request was sent in plain HTTP"
    );
}

#[test]
fn mutual_tls_sends_the_client_certificate_and_its_absence_is_refused() {
    if needs_sandbox("a sandbox serving HTTPS with certificates the test made, request counts") {
        return;
    }
    let pki = Pki::new();
    let kong = pki.kong(true, SandboxConfig::default());
    let ws = kong.workspace();
    write_files(
        &ws,
        &[
            ("ca.pem", &pki.ca_pem),
            ("client.pem", &pki.client.cert_pem),
            ("client.key", &pki.client.key_pem),
        ],
    );
    // Several APIs, so that refreshes open concurrent connections that resume the TLS session.
    let many = "resource \"dispatch_api\" \"many\" {\n  count    = 8\n  name     = \"many-${count.index}\"\n  function = \"vault\"\n}\n";
    ws.write_with_provider(
        "  tls_ca_certificate     = file(\"ca.pem\")\n  tls_client_certificate = file(\"client.pem\")\n  tls_client_key         = file(\"client.key\")",
        &format!("{API}{many}"),
    );
    ws.apply().success();
    let served = kong.sandbox.controls().requests();
    assert!(
        served
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/services/") && r.status == 200),
        "Kong served the provider over mutual TLS: {served:?}"
    );
    for _ in 0..3 {
        let plan = ws.plan();
        assert_eq!(plan.code, 0, "{}", plan.output());
    }

    // The same configuration without the client certificate.
    let anonymous = kong.workspace();
    write_files(&anonymous, &[("ca.pem", &pki.ca_pem)]);
    anonymous.write_with_provider(
        "  tls_ca_certificate = file(\"ca.pem\")",
        &API.replace("secure", "anonymous"),
    );
    kong.sandbox.controls().reset_requests();
    let out = anonymous.apply().failure().output();
    assert!(
        out.contains("Kong to create the API `anonymous`"),
        "the failed action is named: {out}"
    );
    assert!(out.contains(&kong.url()), "{out}");
    assert!(out.contains("tls_client_certificate"), "{out}");
    assert_eq!(kong.sandbox.controls().request_count(), 0);
    assert!(anonymous.state_list().is_empty());
}

#[test]
fn tls_skip_verify_works_and_warns() {
    if needs_sandbox("a sandbox serving HTTPS with certificates the test made") {
        return;
    }
    let pki = Pki::new();
    let kong = pki.kong(false, SandboxConfig::default());
    let ws = kong.workspace();
    ws.write_with_provider("  tls_skip_verify = true", API);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        plan.output()
            .contains("Warning: TLS verification of the Admin API is off"),
        "{}",
        plan.output()
    );
    let out = ws.apply().success().output();
    assert!(
        out.contains("TLS verification of the Admin API is off"),
        "{out}"
    );
    assert!(
        out.contains("tls_skip_verify"),
        "points at the setting: {out}"
    );
    assert_eq!(kong.get("/services/secure")["name"], "secure");
}

#[test]
fn a_ca_bundle_that_is_no_certificate_is_an_error_on_its_attribute() {
    if needs_sandbox("a sandbox serving HTTPS with certificates the test made, request counts") {
        return;
    }
    let pki = Pki::new();
    let kong = pki.kong(false, SandboxConfig::default());
    let ws = kong.workspace();
    ws.write_with_provider("  tls_ca_certificate = \"not a certificate\"", API);
    let out = ws.plan().failure().output();
    assert!(out.contains("Invalid Kong connection settings"), "{out}");
    // Terraform shows the attribute a diagnostic is on with its source line.
    assert!(
        out.contains("tls_ca_certificate = \"not a certificate\""),
        "on the attribute: {out}"
    );
    assert!(out.contains("CA bundle holds no PEM certificate"), "{out}");
    assert_eq!(kong.sandbox.controls().request_count(), 0);
}
