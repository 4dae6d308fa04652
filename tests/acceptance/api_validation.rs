//! Bad input is refused at plan time, on the attribute that caused it, before Kong is asked
//! anything; and Kong's own refusals at apply time leave nothing behind.

use kong_sandbox::{FaultAction, FaultRule};
use serde_json::json;

use crate::harness::{needs_sandbox, Kong};

/// Plans `body` and returns the flattened output; asserts the plan failed without touching Kong.
fn refused_at_plan(kong: &Kong, body: &str) -> String {
    let ws = kong.workspace();
    ws.write(body);
    kong.sandbox.controls().reset_requests();
    let run = ws.plan();
    assert_eq!(run.code, 1, "plan should fail:\n{}", run.output());
    assert_eq!(
        kong.requests_past_configure().len(),
        0,
        "a plan-time refusal must not reach Kong (but for configure's check of it)"
    );
    run.output()
}

#[test]
fn each_bad_attribute_is_named_at_plan_time() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "name = \"bad name\"",
            "name",
            &["Invalid API name", "`bad name`"],
        ),
        (
            "name = \"a\"\n  hosts = [\"a.*.example.com\"]",
            "hosts",
            &["Invalid host", "wildcard in the wrong place"],
        ),
        (
            "name = \"a\"\n  hosts = [\"example.com:99999\"]",
            "hosts",
            &["Invalid host", "port"],
        ),
        (
            "name = \"a\"\n  paths = [\"/ok\", \"/a/../b\"]",
            "paths[1]",
            &["Invalid path", "write `/b`"],
        ),
        (
            "name = \"a\"\n  paths = [\"~/items/(\"]",
            "paths[0]",
            &["Invalid path", "not a valid regular expression"],
        ),
        (
            "name = \"a\"\n  methods = [\"get\"]",
            "methods",
            &["Invalid method", "write `GET`"],
        ),
        (
            "name = \"a\"\n  https = \"always\"",
            "https",
            &["Invalid https mode"],
        ),
        (
            "name = \"a\"\n  https_redirect_status_code = 301",
            "https_redirect_status_code",
            &["only applies when `https = \"required\"`"],
        ),
        (
            "name = \"a\"\n  https = \"required\"\n  https_redirect_status_code = 303",
            "https_redirect_status_code",
            &["303 is not one of"],
        ),
        (
            "name = \"a\"\n  function = \"f\"\n  upstream_url = \"http://x\"",
            "upstream_url",
            &["Conflicting upstream"],
        ),
        (
            "name = \"a\"\n  upstream_url = \"http://x/a?b=c\"",
            "upstream_url",
            &["Invalid upstream URL", "query"],
        ),
        ("name = \"a\"\n  tags = [\"a,b\"]", "tags", &["Invalid tag"]),
        (
            "name = \"a\"\n  paths = []",
            "paths",
            &["The API matches no request"],
        ),
    ];
    for (attributes, attribute, phrases) in cases {
        let out = refused_at_plan(
            &kong,
            &format!("resource \"dispatch_api\" \"x\" {{\n  {attributes}\n}}\n"),
        );
        // Terraform points at the attribute's line in the configuration.
        let line = attribute.split('[').next().unwrap_or(attribute);
        assert!(out.contains(&format!("{line} =")), "{attribute}: {out}");
        for phrase in *phrases {
            assert!(
                out.contains(phrase),
                "{attribute}: expected `{phrase}` in {out}"
            );
        }
    }
}

#[test]
fn bad_provider_settings_are_named_at_plan_time() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(
        "  function_upstream_url = \"http://fm/run\"\n  organization = \"-shop\"",
        "resource \"dispatch_api\" \"x\" {\n  name = \"x\"\n}\n",
    );
    let out = ws.plan().failure().output();
    assert!(
        out.contains("Invalid function upstream URL template"),
        "{out}"
    );
    assert!(out.contains("no `{function}` placeholder"), "{out}");
    assert!(out.contains("Invalid organization"), "{out}");
}

#[test]
fn a_create_that_fails_half_way_leaves_nothing_behind() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write("resource \"dispatch_api\" \"x\" {\n  name = \"x\"\n  function = \"f\"\n}\n");
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/routes/".into()),
        skip: 0,
        times: 10,
        action: FaultAction::Status {
            status: 500,
            retry_after_secs: None,
        },
    });
    let out = ws.apply().failure().output();
    assert!(out.contains("Kong refused to create the API `x`"), "{out}");
    assert!(kong.managed("services").is_empty(), "service rolled back");
    assert!(kong.managed("routes").is_empty());
    assert!(ws.state_list().is_empty());

    kong.sandbox.controls().clear_faults();
    ws.apply().success();
    assert_eq!(kong.managed("services").len(), 1);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_route_kong_refuses_is_reported_and_rolled_back() {
    let kong = Kong::start();
    // A route name held by an unmanaged route, while the service name is free.
    let other = kong.send(
        "POST",
        "/services",
        json!({"name": "other", "url": "http://o/"}),
    );
    kong.send(
        "POST",
        "/routes",
        json!({"name": "x", "paths": ["/legacy"], "service": {"id": other["id"]}}),
    );
    let ws = kong.workspace();
    ws.write("resource \"dispatch_api\" \"x\" {\n  name = \"x\"\n}\n");
    let out = ws.apply().failure().output();
    assert!(out.contains("Kong route named `x` already exists"), "{out}");
    assert!(kong.managed("services").is_empty());
    assert!(kong.managed("plugins").is_empty());
    assert_eq!(kong.get("/routes/x")["paths"], json!(["/legacy"]));
}

#[test]
fn a_failed_update_keeps_the_api_in_state_and_converges_later() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write("resource \"dispatch_api\" \"x\" {\n  name = \"x\"\n  function = \"f\"\n}\n");
    ws.apply().success();
    let id = ws.resource("dispatch_api.x").expect("state")["id"].clone();

    ws.write("resource \"dispatch_api\" \"x\" {\n  name = \"x\"\n  function = \"g\"\n  methods = [\"GET\"]\n}\n");
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PATCH".into()),
        path_contains: Some("/routes/".into()),
        skip: 0,
        times: 10,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    });
    ws.apply().failure();
    let state = ws.resource("dispatch_api.x").expect("still tracked");
    assert_eq!(state["id"], id);
    assert_eq!(
        state["function"], "g",
        "the service change that landed is recorded"
    );

    kong.sandbox.controls().clear_faults();
    assert_eq!(ws.plan().code, 2, "the route change is still to do");
    ws.apply().success();
    assert_eq!(kong.get("/routes/x")["methods"], json!(["GET"]));
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn renaming_onto_a_taken_name_is_refused_and_nothing_changes() {
    let kong = Kong::start();
    kong.send(
        "POST",
        "/services",
        json!({"name": "taken", "url": "http://t/"}),
    );
    let ws = kong.workspace();
    ws.write("resource \"dispatch_api\" \"x\" {\n  name = \"x\"\n}\n");
    ws.apply().success();
    ws.write("resource \"dispatch_api\" \"x\" {\n  name = \"taken\"\n}\n");
    let out = ws.apply().failure().output();
    assert!(out.contains("API name already taken in Kong"), "{out}");
    assert_eq!(kong.get("/services/x")["name"], "x");
    assert_eq!(ws.resource("dispatch_api.x").expect("state")["name"], "x");
}
