//! Drift detection in CI (`terraform plan -refresh-only -detailed-exitcode`) must say 0 when
//! nothing changed in Kong, and 2 when something did.

use serde_json::json;

use crate::harness::{Kong, Workspace};

/// Configurations covering every attribute kind of every resource (numbers above all: see
/// `values::number_as_text`). New resources add theirs here.
const EVERY_KIND: &[&str] = &[
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
}
"#,
    r#"
resource "dispatch_api" "unlinked" {
  name  = "unlinked"
  https = "required"
}
"#,
];

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
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&EVERY_KIND.concat());
    ws.apply().success();
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
}
