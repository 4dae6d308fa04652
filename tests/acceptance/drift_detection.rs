//! Drift detection in CI (`terraform plan -refresh-only -detailed-exitcode`) must say 0 when
//! nothing changed in Kong, and 2 when something did.

use serde_json::json;

use crate::certs::{CertSpec, Issued, KeyKind};
use crate::harness::{Kong, Workspace};
use crate::idp::FakeIdp;

/// Configurations covering every resource and every attribute kind of each (numbers above
/// all, blocks' numbers included: see `values::number_as_text`). New resources add theirs
/// here. `issuer` is an OpenID Connect issuer's URL; `certificate` a certificate for
/// `full.example.com` and `*.full.example.com`.
fn every_kind(issuer: &str, certificate: &Issued) -> Vec<String> {
    vec![
        r#"
resource "dispatch_api" "full" {
  name                       = "full"
  upstream_url               = "https://backend.example.com:8443/v2"
  hosts                      = ["full.example.com", "*.full.example.com"]
  paths                      = ["/full", "~/full/\\d+$"]
  methods                    = ["GET", "POST"]
  https                      = "required"
  https_redirect_status_code = 308
  strip_path                 = false
  enabled                    = false
  tags                       = ["team:web"]
  timeout_ms                 = 2500
  request_size_limit_kb      = 512
  authentication             = "basic"
  basic_auth {
    allowed_groups = ["staff"]
  }
  cors {
    origins         = ["https://shop.example.com"]
    methods         = ["GET"]
    headers         = ["X-Request-Id"]
    exposed_headers = ["X-Trace"]
    credentials     = true
    max_age         = 600
  }
  rate_limit {
    per_second = 5
    per_minute = 100
    per_hour   = 1000
    per_day    = 10000
    limit_by   = "header"
    header_name = "X-Client"
  }
  logging {
    http_endpoint = "http://logs.example.com/in"
  }
  monitoring {
    per_consumer = true
  }
  depends_on = [dispatch_certificate.full]
}
"#
        .to_string(),
        r#"
resource "dispatch_api" "unlinked" {
  name  = "unlinked"
  https = "required"
}
"#
        .to_string(),
        format!(
            r#"
resource "dispatch_api" "tokens" {{
  name           = "tokens"
  function       = "tokens"
  authentication = "oidc"
  oidc {{
    issuer    = "{issuer}"
    audiences = ["shop"]
  }}
}}
"#
        ),
        format!(
            "resource \"dispatch_certificate\" \"full\" {{\n  certificate = <<EOT\n{}EOT\n  private_key = <<EOT\n{}EOT\n  tags        = [\"team:web\"]\n}}\n",
            certificate.cert_pem(),
            certificate.key_pem()
        ),
        r#"
resource "dispatch_basic_auth_user" "alice" {
  username = "alice"
  password = "correct horse battery staple"
  groups   = ["staff"]
}
"#
        .to_string(),
    ]
}

fn refresh_only(ws: &Workspace) -> i32 {
    let run = ws.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
    ]);
    assert_ne!(run.code, 1, "{}", run.output());
    run.code
}

#[test]
fn a_refresh_only_plan_is_empty_until_kong_changes() {
    let idp = FakeIdp::start();
    let certificate = CertSpec::leaf(&["full.example.com", "*.full.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&every_kind(&idp.issuer(), &certificate).concat());
    let applied = ws.apply().success();
    assert!(
        !applied.output().contains("No certificate for"),
        "every resource applied cleanly: {}",
        applied.output()
    );
    assert_eq!(ws.state_list().len(), 5);
    assert_eq!(refresh_only(&ws), 0, "nothing changed in Kong");
    assert_eq!(ws.plan().code, 0);

    kong.send(
        "PATCH",
        "/routes/full",
        json!({"https_redirect_status_code": 301}),
    );
    assert_eq!(refresh_only(&ws), 2, "a change in Kong is drift");
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
        .success();
    assert_eq!(refresh_only(&ws), 0, "the drift is recorded");
    assert_eq!(
        ws.plan().code,
        2,
        "and the next apply restores the declaration"
    );
    ws.apply().success();
    assert_eq!(kong.get("/routes/full")["https_redirect_status_code"], 308);
    assert_eq!(refresh_only(&ws), 0);

    // A number in a block.
    let plugins = kong.get("/services/full/plugins");
    let rate_limit = plugins["data"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "rate-limiting"))
        .expect("rate-limiting plugin")["id"]
        .as_str()
        .expect("id")
        .to_string();
    kong.send(
        "PATCH",
        &format!("/plugins/{rate_limit}"),
        json!({"config": {"minute": 200}}),
    );
    assert_eq!(refresh_only(&ws), 2, "a change in Kong is drift");
    ws.apply().success();
    assert_eq!(
        kong.get(&format!("/plugins/{rate_limit}"))["config"]["minute"],
        100
    );
    assert_eq!(refresh_only(&ws), 0);
}
