//! Kong versions end to end (`kong::support`, checked by configure): a Kong older than 3.0 is
//! refused before anything is read from it, and a later major version is worked with, with a
//! warning. The sandbox reports the version it is started with (`SandboxConfig::version`); the
//! Admin API behind it stays Kong 3.9's, which is what these tests need: only the version
//! decides.

use crate::configure::write_bare;
use crate::harness::{is_configure_probe, needs_sandbox, Kong};

const API: &str = r#"
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders"
}
"#;

#[test]
fn kong_2_is_refused_at_configure_before_anything_is_read() {
    if needs_sandbox("a Kong that reports another version") {
        return;
    }
    // A state that a refresh would have to read from Kong: the API, applied on a Kong 3.
    let kong3 = Kong::start();
    let applied = kong3.workspace();
    applied.write(API);
    applied.apply().success();

    let kong2 = Kong::reporting("2.8.4");
    let ws = kong2.workspace();
    ws.write(API);
    std::fs::copy(
        applied.path().join("terraform.tfstate"),
        ws.path().join("terraform.tfstate"),
    )
    .expect("copy the state");
    let out = ws.plan().failure().output();
    assert!(out.contains("Unsupported Kong version"), "{out}");
    assert!(out.contains("Kong 2.8.4 is older than 3.0"), "{out}");
    assert!(out.contains("Use Kong Gateway 3.x"), "{out}");
    assert!(
        out.contains(&format!("kong_admin_url = \"{}\"", kong2.url())),
        "on the URL that points at this Kong: {out}"
    );
    assert!(
        out.contains("`kong_admin_url` in the provider block"),
        "where the URL came from: {out}"
    );
    assert!(!out.contains("will be"), "no plan at all: {out}");

    let requests = kong2.sandbox.controls().requests();
    assert!(!requests.is_empty(), "configure asked Kong");
    assert!(
        requests.iter().all(is_configure_probe),
        "nothing past GET /: {requests:?}"
    );

    // A URL from the environment: the message names the variable.
    write_bare(&ws, "");
    let run = ws.run_with_env(&["plan", "-no-color"], &[("KONG_ADMIN_URL", &kong2.url())]);
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(out.contains("Kong 2.8.4 is older than 3.0"), "{out}");
    assert!(
        out.contains("the environment variable KONG_ADMIN_URL"),
        "{out}"
    );
}

#[test]
fn a_later_major_version_is_worked_with_and_warned_about() {
    if needs_sandbox("a Kong that reports another version") {
        return;
    }
    let kong = Kong::reporting("4.0.0");
    let ws = kong.workspace();
    ws.write(API);
    let plan = ws.plan();
    let out = plan.output();
    assert_eq!(plan.code, 2, "a plan with changes: {out}");
    assert!(out.contains("Warning: Untested Kong version"), "{out}");
    assert!(
        out.contains("Kong 4.0.0 is newer than the Kong 3.x"),
        "{out}"
    );
    assert!(out.contains("dispatch_api.orders will be created"), "{out}");

    let out = ws.apply().success().output();
    assert!(out.contains("Untested Kong version"), "{out}");
    assert_eq!(kong.get("/services/orders")["name"], "orders");
}
