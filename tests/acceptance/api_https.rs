//! HTTPS on APIs: a warning at apply time for each host of an HTTPS API that no certificate in
//! Kong serves; none when a certificate (exact or wildcard) does; no extra request for APIs
//! without hosts or without HTTPS; `https = "required"` and its redirect code.

use serde_json::json;

use crate::certs::CertSpec;
use crate::harness::{needs_sandbox, strings, Kong};

/// The Admin API requests since the last reset but configure's check of Kong, as "METHOD path".
fn requests(kong: &Kong) -> Vec<String> {
    kong.requests_past_configure()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn hosts_without_a_certificate_are_warned_about_at_apply() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(
        r#"
resource "dispatch_api" "secure" {
  name                       = "secure"
  function                   = "hello"
  hosts                      = ["secure.example.com", "api.example.com:8443"]
  https                      = "required"
  https_redirect_status_code = 301
}
"#,
    );
    let plan = ws.plan();
    assert!(
        !plan.output().contains("No certificate for the HTTPS host"),
        "plan does not ask Kong about certificates"
    );
    kong.sandbox.controls().reset_requests();
    let output = ws.apply().success().output();
    assert!(
        output.contains("No certificate for the HTTPS host `secure.example.com`"),
        "{output}"
    );
    assert!(output.contains("No certificate for the HTTPS host `api.example.com:8443`"));
    assert!(output.contains("whose `hostnames` include `api.example.com`;"));
    assert!(
        output.contains("on `secure.example.com`, but Kong has no certificate for it"),
        "{output}"
    );
    assert!(output.contains("on `api.example.com:8443`, but Kong has no certificate for it"));
    assert!(output.contains("(no SNI among `api.example.com`, `*.example.com`, `api.example.*`)"));
    assert!(output.contains("depends_on = [dispatch_certificate.<name>]"));
    assert_eq!(
        requests(&kong).iter().filter(|r| *r == "GET /snis").count(),
        1
    );

    let state = ws.resource("dispatch_api.secure").expect("state");
    let route = kong.get(&format!(
        "/routes/{}",
        state["kong_route_id"].as_str().expect("route")
    ));
    assert_eq!(strings(&route["protocols"]), vec!["https"]);
    assert_eq!(route["https_redirect_status_code"], 301);
    assert_eq!(
        state["urls"],
        json!([
            "https://api.example.com:8443/secure",
            "https://secure.example.com/secure"
        ])
    );

    // Reads never ask.
    kong.sandbox.controls().reset_requests();
    assert_eq!(ws.plan().code, 0);
    assert!(!requests(&kong).iter().any(|r| r.contains("/snis")));
}

#[test]
fn a_certificate_applied_first_silences_the_warning() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["*.example.com"]).self_signed();
    ws.write_file("site.crt", &issued.cert_pem());
    ws.write_file("site.key", &issued.key_pem());
    ws.write(
        r#"
resource "dispatch_certificate" "wildcard" {
  certificate = file("${path.module}/site.crt")
  private_key = file("${path.module}/site.key")
}

resource "dispatch_api" "shop" {
  name       = "shop"
  function   = "shop"
  hosts      = ["shop.example.com"]
  https      = "optional"
  depends_on = [dispatch_certificate.wildcard]
}
"#,
    );
    let output = ws.apply().success().output();
    assert!(
        !output.contains("No certificate for the HTTPS host"),
        "{output}"
    );

    // An update that adds a host the wildcard does not cover warns about that host only.
    ws.write(
        r#"
resource "dispatch_certificate" "wildcard" {
  certificate = file("${path.module}/site.crt")
  private_key = file("${path.module}/site.key")
}

resource "dispatch_api" "shop" {
  name       = "shop"
  function   = "shop"
  hosts      = ["shop.example.com", "shop.example.org"]
  https      = "optional"
  depends_on = [dispatch_certificate.wildcard]
}
"#,
    );
    let output = ws.apply().success().output();
    assert!(
        output.contains("on `shop.example.org`, but Kong has no certificate"),
        "{output}"
    );
    assert!(!output.contains("on `shop.example.com`, but"));
}

#[test]
fn apis_without_hosts_or_https_cost_no_extra_request() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(
        r#"
resource "dispatch_api" "public" {
  name     = "public"
  function = "hello"
}

resource "dispatch_api" "plain" {
  name     = "plain"
  function = "hello"
  hosts    = ["plain.example.com"]
  https    = "disabled"
}
"#,
    );
    kong.sandbox.controls().reset_requests();
    let output = ws.apply().success().output();
    assert!(!output.contains("No certificate"), "{output}");
    let made = requests(&kong);
    assert_eq!(made.len(), 4, "two requests per API: {made:?}");
    assert!(made.iter().all(|r| r.starts_with("PUT ")), "{made:?}");
}
