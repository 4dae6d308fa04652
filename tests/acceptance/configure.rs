//! Configuring the provider (issue 15): settings from the environment name their variable,
//! configure's one check of Kong catches a missing workspace and a refused token with what to
//! change, and Admin API failures show the path with its workspace and the attempts made.

use kong_sandbox::{Edition, FaultAction, FaultRule, SandboxConfig};
use serde_json::json;

use crate::harness::{needs_sandbox, Kong, Workspace};

const API: &str = r#"
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders"
}
"#;

/// `main.tf` with a provider block of these lines only (the rest comes from the environment).
pub fn write_bare(ws: &Workspace, provider: &str) {
    ws.write_file(
        "main.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    dispatch = {{ source = \"dispatchframework/dispatch\" }}\n  }}\n}}\n\nprovider \"dispatch\" {{\n{provider}\n}}\n{API}"
        ),
    );
}

fn enterprise(admin_token: Option<&str>) -> Kong {
    Kong::with(SandboxConfig {
        edition: Edition::Enterprise,
        admin_token: admin_token.map(str::to_string),
        ..SandboxConfig::default()
    })
}

fn add_workspace(kong: &Kong, name: &str) {
    let (status, body) = kong.call("POST", "/workspaces", Some(json!({ "name": name })));
    assert_eq!(status, 201, "{body}");
}

#[test]
fn a_missing_workspace_is_an_error_naming_kong_workspace_and_the_visible_ones() {
    if needs_sandbox("request counts and fault injection") {
        return;
    }
    let kong = enterprise(None);
    add_workspace(&kong, "teama");
    let ws = kong.workspace();
    ws.write_with_provider("  kong_workspace = \"teama\"", API);
    ws.apply().success();

    // The issue's case: the APIs must not plan as "will be created" under a wrong workspace.
    ws.write_with_provider("  kong_workspace = \"teamc\"", API);
    kong.sandbox.controls().reset_requests();
    let out = ws.plan().failure().output();
    assert!(out.contains("No Kong workspace `teamc`"), "{out}");
    assert!(
        out.contains("`default`, `teama`"),
        "the visible ones: {out}"
    );
    assert!(
        out.contains("kong_workspace = \"teamc\""),
        "on the attribute: {out}"
    );
    assert!(!out.contains("will be created"), "{out}");
    let entity_reads: Vec<_> = kong
        .requests_past_configure()
        .into_iter()
        .filter(|r| r.path.starts_with("/teamc/"))
        .collect();
    assert!(entity_reads.is_empty(), "{entity_reads:?}");

    // From the environment, the message names the variable.
    let env_ws = kong.workspace();
    write_bare(&env_ws, &format!("  kong_admin_url = \"{}\"", kong.url()));
    let run = env_ws.run_with_env(&["plan", "-no-color"], &[("KONG_WORKSPACE", "teamc")]);
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(out.contains("No Kong workspace `teamc`"), "{out}");
    assert!(
        out.contains("the environment variable KONG_WORKSPACE")
            && out.contains("Set KONG_WORKSPACE"),
        "{out}"
    );
}

#[test]
fn a_workspace_on_the_open_source_edition_is_an_error_that_says_so() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider("  kong_workspace = \"teama\"", API);
    let out = ws.plan().failure().output();
    assert!(out.contains("Kong has no workspaces"), "{out}");
    assert!(out.contains("open-source edition"), "{out}");
    assert!(out.contains("Remove kong_workspace"), "{out}");
}

#[test]
fn a_bad_setting_from_the_environment_names_its_variable() {
    let ws = Workspace::new("http://127.0.0.1:9");
    write_bare(&ws, "");
    let run = ws.run_with_env(
        &["plan", "-no-color"],
        &[("KONG_ADMIN_URL", "localhost:8001")],
    );
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(
        out.contains("Invalid Admin API URL in KONG_ADMIN_URL"),
        "{out}"
    );
    assert!(out.contains("`localhost:8001`"), "{out}");
    assert!(!out.contains("<empty>"), "no made-up location: {out}");

    let run = ws.run_with_env(
        &["plan", "-no-color"],
        &[
            ("KONG_ADMIN_URL", "http://127.0.0.1:9"),
            ("DISPATCH_ORGANIZATION", "-shop"),
        ],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.output()
            .contains("Invalid organization in DISPATCH_ORGANIZATION"),
        "{}",
        run.output()
    );
}

#[test]
fn a_refused_token_points_at_where_it_came_from() {
    let kong = enterprise(Some("right-token-5d1c"));
    let ws = kong.workspace();
    write_bare(&ws, &format!("  kong_admin_url = \"{}\"", kong.url()));
    let wrong = "wrong-token-8f2e4a";
    let run = ws.run_with_env(&["plan", "-no-color"], &[("KONG_ADMIN_TOKEN", wrong)]);
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(out.contains("Kong refused the credentials"), "{out}");
    assert!(
        out.contains("the environment variable KONG_ADMIN_TOKEN"),
        "{out}"
    );
    assert!(out.contains("RBAC"), "{out}");
    assert!(!out.contains(wrong), "the token is never shown: {out}");

    // No token at all says so.
    let out = ws.plan().failure().output();
    assert!(out.contains("No token was sent"), "{out}");
}

#[test]
fn admin_api_failures_show_the_path_with_its_workspace_and_the_attempts() {
    if needs_sandbox("request counts and fault injection") {
        return;
    }
    let kong = enterprise(None);
    add_workspace(&kong, "teama");
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: 100,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    });
    let ws = kong.workspace();
    ws.write_with_provider("  kong_workspace = \"teama\"", API);
    let out = ws.apply().failure().output();
    assert!(out.contains("PUT /teama/services/"), "{out}");
    // The harness sets max_retries = 1.
    assert!(out.contains("after 2 attempts over"), "{out}");
    assert!(ws.state_list().is_empty());
}

#[test]
fn a_check_kong_does_not_answer_leaves_the_work_to_the_requests_that_need_kong() {
    if needs_sandbox("request counts and fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(API);
    // The first GET of the apply is the check of the plan's configure: its connection drops.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        skip: 0,
        times: 1,
        action: FaultAction::Reset,
    });
    let run = ws.run_with_env(
        &["apply", "-auto-approve", "-no-color"],
        &[("TF_LOG_PROVIDER", "warn")],
    );
    assert_eq!(run.code, 0, "{}", run.output());
    let requests = kong.sandbox.controls().requests();
    assert_eq!(
        (
            requests[0].method.as_str(),
            requests[0].path.as_str(),
            requests[0].status
        ),
        ("GET", "/", 0),
        "{requests:?}"
    );
    assert!(
        run.stderr.contains("cannot check Kong's Admin API now"),
        "a warning in the log: {}",
        run.stderr
    );
    assert_eq!(kong.get("/services/orders")["name"], "orders");
}

#[test]
fn a_plan_without_refresh_needs_no_kong() {
    if needs_sandbox("stopping Kong") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider("  request_timeout_ms = 2000", API);
    ws.apply().success();
    drop(kong);

    // Configure cannot check Kong, and says so in the log, but a plan that reads nothing goes on.
    let run = ws.run_with_env(
        &["plan", "-refresh=false", "-detailed-exitcode", "-no-color"],
        &[("TF_LOG_PROVIDER", "warn")],
    );
    assert_eq!(run.code, 0, "no change: {}", run.output());
    assert!(
        run.stderr.contains("cannot check Kong's Admin API now"),
        "{}",
        run.stderr
    );
    // A refresh needs Kong, and names it.
    let out = ws.plan().failure().output();
    assert!(out.contains("Cannot reach Kong"), "{out}");
}

/// A write Kong refuses with 403 (Enterprise RBAC: the token is known, its roles do not allow
/// this) says so, names the full path with its workspace, and points at the roles to check.
#[test]
fn a_write_refused_by_rbac_points_at_the_roles_of_the_token() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: usize::MAX,
        action: FaultAction::Status {
            status: 403,
            retry_after_secs: None,
        },
    });
    let ws = kong.workspace();
    ws.write(API);
    let out = ws.apply().failure().output();
    assert!(
        out.contains("Kong refused the credentials while trying to"),
        "{out}"
    );
    assert!(out.contains("PUT /services/"), "{out}");
    assert!(
        out.contains("accepted the token but its RBAC roles do not allow"),
        "{out}"
    );
    assert!(out.contains("/rbac/roles/"), "{out}");
    assert!(
        kong.managed("services").is_empty(),
        "nothing written: {out}"
    );
}
