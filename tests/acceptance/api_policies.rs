//! The gateway policies of `dispatch_api` through their whole life with real Terraform: added,
//! changed, drifted in Kong (declared fields show, Kong's defaults never do), removed; refused
//! at plan time on the attribute at fault; imported.

use serde_json::{json, Value as Json};

use crate::harness::{needs_sandbox, strings, Kong, Workspace};

/// An API named `p` with these extra lines.
pub(crate) fn api(body: &str) -> String {
    format!(
        "resource \"dispatch_api\" \"p\" {{\n  name     = \"p\"\n  function = \"f\"\n{body}\n}}\n"
    )
}

/// The API's plugin of that name, if any.
pub(crate) fn plugin(kong: &Kong, name: &str) -> Option<Json> {
    kong.get("/services/p/plugins")["data"]
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
}

#[track_caller]
pub(crate) fn plugin_config(kong: &Kong, name: &str) -> Json {
    plugin(kong, name).unwrap_or_else(|| panic!("no {name} plugin"))["config"].clone()
}

#[track_caller]
pub(crate) fn apply_then_no_changes(ws: &Workspace) {
    ws.apply().success();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "plan after apply: {}", plan.output());
}

/// Plans and asserts drift shows, naming `field`; applies; asserts the next plan is empty.
#[track_caller]
pub(crate) fn drift_shows_and_is_repaired(ws: &Workspace, field: &str) {
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "drift must show: {}", plan.output());
    assert!(
        plan.stdout.contains(field),
        "plan should name {field}:\n{}",
        plan.stdout
    );
    apply_then_no_changes(ws);
}

#[track_caller]
pub(crate) fn patch_plugin(kong: &Kong, name: &str, config: Json) {
    let id = plugin(kong, name).expect("plugin")["id"]
        .as_str()
        .expect("id")
        .to_string();
    kong.send(
        "PATCH",
        &format!("/plugins/{id}"),
        json!({ "config": config }),
    );
}

#[test]
fn cors_added_changed_drifted_and_removed() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api(r#"
  cors {
    origins     = ["https://app\\.example\\.com"]
    methods     = ["GET", "POST"]
    credentials = true
    max_age     = 60
  }"#));
    apply_then_no_changes(&ws);
    let created = plugin(&kong, "cors").expect("cors plugin");
    let config = &created["config"];
    assert_eq!(config["origins"], json!(["https://app\\.example\\.com"]));
    assert_eq!(config["methods"], json!(["GET", "POST"]));
    assert_eq!(config["credentials"], true);
    assert_eq!(config["max_age"], 60);
    assert_eq!(config["private_network"], false, "Kong's default kept");
    assert!(strings(&created["tags"]).contains(&"dispatch-api:p".to_string()));

    ws.write(&api(r#"
  cors {
    origins         = ["*", "https://b\\.example\\.com"]
    exposed_headers = ["X-Trace"]
  }"#));
    apply_then_no_changes(&ws);
    let changed = plugin(&kong, "cors").expect("cors plugin");
    assert_eq!(changed["id"], created["id"], "updated in place");
    let config = &changed["config"];
    assert_eq!(config["origins"], json!(["*", "https://b\\.example\\.com"]));
    assert_eq!(config["exposed_headers"], json!(["X-Trace"]));
    assert_eq!(config["credentials"], false, "back to Kong's default");
    assert_eq!(config["max_age"], json!(null));

    // Fields the user left out may change in Kong without a diff.
    patch_plugin(
        &kong,
        "cors",
        json!({"private_network": true, "credentials": true, "methods": ["GET"]}),
    );
    assert_eq!(ws.plan().code, 0, "undeclared fields never show");

    // A declared field changed in Kong is drift, and apply restores it.
    patch_plugin(
        &kong,
        "cors",
        json!({"origins": ["https://evil\\.example"]}),
    );
    drift_shows_and_is_repaired(&ws, "evil");
    assert_eq!(
        plugin_config(&kong, "cors")["origins"],
        json!(["*", "https://b\\.example\\.com"])
    );

    // The plugin deleted in Kong is put back.
    let id = plugin(&kong, "cors").expect("cors")["id"].clone();
    kong.call(
        "DELETE",
        &format!("/plugins/{}", id.as_str().expect("id")),
        None,
    );
    drift_shows_and_is_repaired(&ws, "cors");
    assert_eq!(plugin(&kong, "cors").expect("back")["id"], id);

    ws.write(&api(""));
    apply_then_no_changes(&ws);
    assert!(
        plugin(&kong, "cors").is_none(),
        "removing the block removes the plugin"
    );
}

#[test]
fn rate_limit_added_changed_drifted_and_removed() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api(
        "  rate_limit {\n    per_second = 5\n    per_minute = 100\n  }",
    ));
    apply_then_no_changes(&ws);
    let config = plugin_config(&kong, "rate-limiting");
    assert_eq!(config["second"], 5);
    assert_eq!(config["minute"], 100);
    assert_eq!(config["hour"], json!(null));
    assert_eq!(config["limit_by"], "consumer", "Kong's default");

    ws.write(&api(
        "  rate_limit {\n    per_minute  = 200\n    per_day     = 5000\n    per_month   = 100000\n    per_year    = 1000000\n    limit_by    = \"header\"\n    header_name = \"X-Client\"\n  }",
    ));
    apply_then_no_changes(&ws);
    let config = plugin_config(&kong, "rate-limiting");
    assert_eq!(config["second"], json!(null));
    assert_eq!(config["minute"], 200);
    assert_eq!(config["day"], 5000);
    assert_eq!(config["month"], 100000);
    assert_eq!(config["year"], 1000000);
    assert_eq!(config["limit_by"], "header");
    assert_eq!(config["header_name"], "X-Client");

    patch_plugin(
        &kong,
        "rate-limiting",
        json!({"hour": 1000, "hide_client_headers": true}),
    );
    assert_eq!(ws.plan().code, 0, "undeclared limits never show");

    patch_plugin(
        &kong,
        "rate-limiting",
        json!({"minute": 1, "limit_by": "ip"}),
    );
    drift_shows_and_is_repaired(&ws, "per_minute");
    let config = plugin_config(&kong, "rate-limiting");
    assert_eq!(config["minute"], 200);
    assert_eq!(config["limit_by"], "header");

    ws.write(&api(""));
    apply_then_no_changes(&ws);
    assert!(plugin(&kong, "rate-limiting").is_none());
}

#[test]
fn timeout_added_changed_drifted_and_removed() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let timeouts = |kong: &Kong| {
        let service = kong.get("/services/p");
        [
            service["connect_timeout"].clone(),
            service["read_timeout"].clone(),
            service["write_timeout"].clone(),
        ]
    };
    ws.write(&api("  timeout_ms = 5000"));
    apply_then_no_changes(&ws);
    assert_eq!(timeouts(&kong), [json!(5000), json!(5000), json!(5000)]);
    assert!(
        kong.get("/services/p/plugins")["data"]
            .as_array()
            .expect("list")
            .is_empty(),
        "a timeout is no plugin"
    );

    ws.write(&api("  timeout_ms = 7000"));
    apply_then_no_changes(&ws);
    assert_eq!(timeouts(&kong), [json!(7000), json!(7000), json!(7000)]);

    kong.send("PATCH", "/services/p", json!({"read_timeout": 10}));
    drift_shows_and_is_repaired(&ws, "timeout_ms");
    assert_eq!(timeouts(&kong), [json!(7000), json!(7000), json!(7000)]);

    ws.write(&api(""));
    apply_then_no_changes(&ws);
    assert_eq!(timeouts(&kong), [json!(60000), json!(60000), json!(60000)]);

    // The provider writes Kong's default when none is declared: another value is drift.
    kong.send("PATCH", "/services/p", json!({"connect_timeout": 10}));
    drift_shows_and_is_repaired(&ws, "timeout_ms");
    assert_eq!(timeouts(&kong)[0], json!(60000));
}

#[test]
fn request_size_limit_added_changed_drifted_and_removed() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api("  request_size_limit_kb = 64"));
    apply_then_no_changes(&ws);
    let config = plugin_config(&kong, "request-size-limiting");
    assert_eq!(config["allowed_payload_size"], 64);
    assert_eq!(config["size_unit"], "kilobytes");

    ws.write(&api("  request_size_limit_kb = 2048"));
    apply_then_no_changes(&ws);
    assert_eq!(
        plugin_config(&kong, "request-size-limiting")["allowed_payload_size"],
        2048
    );

    patch_plugin(
        &kong,
        "request-size-limiting",
        json!({"require_content_length": true}),
    );
    assert_eq!(ws.plan().code, 0, "undeclared fields never show");

    // The same number in megabytes is a different limit.
    patch_plugin(
        &kong,
        "request-size-limiting",
        json!({"size_unit": "megabytes"}),
    );
    drift_shows_and_is_repaired(&ws, "request_size_limit_kb");
    let config = plugin_config(&kong, "request-size-limiting");
    assert_eq!(config["size_unit"], "kilobytes");
    assert_eq!(config["allowed_payload_size"], 2048);

    ws.write(&api(""));
    apply_then_no_changes(&ws);
    assert!(plugin(&kong, "request-size-limiting").is_none());
}

#[test]
fn logging_added_changed_drifted_and_removed() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api(
        "  logging {\n    http_endpoint = \"http://logs.internal:9880/kong\"\n  }",
    ));
    apply_then_no_changes(&ws);
    let config = plugin_config(&kong, "http-log");
    assert_eq!(config["http_endpoint"], "http://logs.internal:9880/kong");
    assert_eq!(config["method"], "POST", "Kong's default");

    ws.write(&api(
        "  logging {\n    http_endpoint = \"https://collector.example.com/in\"\n  }",
    ));
    apply_then_no_changes(&ws);
    assert_eq!(
        plugin_config(&kong, "http-log")["http_endpoint"],
        "https://collector.example.com/in"
    );

    patch_plugin(&kong, "http-log", json!({"method": "PUT", "timeout": 1}));
    assert_eq!(ws.plan().code, 0, "undeclared fields never show");

    patch_plugin(
        &kong,
        "http-log",
        json!({"http_endpoint": "http://elsewhere.example"}),
    );
    drift_shows_and_is_repaired(&ws, "elsewhere");
    assert_eq!(
        plugin_config(&kong, "http-log")["http_endpoint"],
        "https://collector.example.com/in"
    );

    ws.write(&api(""));
    apply_then_no_changes(&ws);
    assert!(plugin(&kong, "http-log").is_none());
}

#[test]
fn monitoring_added_changed_drifted_and_removed() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api("  monitoring {}"));
    apply_then_no_changes(&ws);
    let config = plugin_config(&kong, "prometheus");
    for metric in [
        "status_code_metrics",
        "latency_metrics",
        "bandwidth_metrics",
    ] {
        assert_eq!(config[metric], true, "{metric} is always on");
    }
    assert_eq!(config["per_consumer"], false, "Kong's default");
    assert_eq!(
        config["upstream_health_metrics"], false,
        "not the API's to set"
    );

    ws.write(&api("  monitoring {\n    per_consumer = true\n  }"));
    apply_then_no_changes(&ws);
    assert_eq!(plugin_config(&kong, "prometheus")["per_consumer"], true);

    // Fields the block does not hold never show.
    patch_plugin(
        &kong,
        "prometheus",
        json!({"upstream_health_metrics": true, "ai_metrics": true}),
    );
    assert_eq!(ws.plan().code, 0, "undeclared fields never show");

    patch_plugin(&kong, "prometheus", json!({"per_consumer": false}));
    drift_shows_and_is_repaired(&ws, "per_consumer");
    assert_eq!(plugin_config(&kong, "prometheus")["per_consumer"], true);

    // A metric the block promises, turned off in Kong: the block shows as missing and the
    // apply turns it back on.
    patch_plugin(&kong, "prometheus", json!({"latency_metrics": false}));
    drift_shows_and_is_repaired(&ws, "monitoring");
    let config = plugin_config(&kong, "prometheus");
    assert_eq!(config["latency_metrics"], true);
    assert_eq!(config["per_consumer"], true);

    let id = plugin(&kong, "prometheus").expect("plugin")["id"]
        .as_str()
        .expect("id")
        .to_string();
    kong.call("DELETE", &format!("/plugins/{id}"), None);
    drift_shows_and_is_repaired(&ws, "monitoring");
    assert_eq!(plugin_config(&kong, "prometheus")["per_consumer"], true);

    // An import reads it back whole: the plan after it is empty.
    let imported = kong.workspace();
    imported.write(&api("  monitoring {\n    per_consumer = true\n  }"));
    imported.import("dispatch_api.p", "p").success();
    let plan = imported.plan();
    assert_eq!(plan.code, 0, "plan after import: {}", plan.output());

    ws.write(&api(""));
    apply_then_no_changes(&ws);
    assert!(plugin(&kong, "prometheus").is_none());
}

const EVERY_POLICY: &str = r#"
  timeout_ms            = 2500
  request_size_limit_kb = 16

  cors {
    origins         = ["https://app\\.example\\.com"]
    methods         = ["POST"]
    headers         = ["Content-Type"]
    exposed_headers = ["X-Request-Id"]
    credentials     = true
    max_age         = 600
  }

  rate_limit {
    per_second = 5
    per_hour   = 1000
    limit_by   = "path"
    path       = "/p/orders"
  }

  logging {
    http_endpoint = "http://logs.internal/kong"
  }"#;

#[test]
fn an_api_with_every_policy_imports_with_an_empty_plan() {
    let kong = Kong::start();
    let original = kong.workspace();
    original.write(&api(EVERY_POLICY));
    apply_then_no_changes(&original);
    assert_eq!(kong.managed("plugins").len(), 4);

    let ws = kong.workspace();
    ws.write(&api(EVERY_POLICY));
    ws.import("dispatch_api.p", "p").success();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "plan after import: {}", plan.output());
    let state = ws.resource("dispatch_api.p").expect("imported");
    assert_eq!(state["rate_limit"][0]["path"], "/p/orders");
    assert_eq!(state["cors"][0]["max_age"], 600);

    original.destroy().success();
    assert!(kong.managed("plugins").is_empty());
}

/// Plans `body` and returns the flattened output; asserts the plan failed without Kong.
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
fn bad_policies_are_refused_at_plan_time_on_the_attribute() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let block = |name: &str, lines: &str| format!("  {name} {{\n{lines}\n  }}");
    let cases: Vec<(String, &str, &[&str])> = vec![
        (
            block("cors", "    origins = [\"https://(unclosed\"]"),
            "origins =",
            &["Invalid CORS origin", "`https://(unclosed`"],
        ),
        (
            block("cors", "    methods = [\"get\"]"),
            "methods =",
            &["Invalid CORS method", "write `GET`"],
        ),
        (
            block("cors", "    headers = [\"X Bad\"]"),
            "headers =",
            &["Invalid CORS header"],
        ),
        (
            block("cors", "    max_age = -5"),
            "max_age =",
            &["Invalid CORS max_age"],
        ),
        (
            block("rate_limit", "    limit_by = \"ip\""),
            "rate_limit {",
            &["Rate limit without a limit"],
        ),
        (
            block("rate_limit", "    per_second = 10\n    per_minute = 5"),
            "per_minute =",
            &[
                "Rate limits must grow with the period",
                "`per_minute` (5) is lower than `per_second` (10)",
            ],
        ),
        (
            block("rate_limit", "    per_hour = 1.5"),
            "per_hour =",
            &["Invalid rate limit", "not a whole number"],
        ),
        (
            block("rate_limit", "    per_day = 10\n    limit_by = \"user\""),
            "limit_by =",
            &["Invalid limit_by", "\"header\""],
        ),
        (
            block("rate_limit", "    per_day = 10\n    limit_by = \"header\""),
            "limit_by =",
            &["Incomplete rate limit", "set `header_name`"],
        ),
        (
            block("rate_limit", "    per_day = 10\n    limit_by = \"path\""),
            "limit_by =",
            &["Incomplete rate limit", "set `path`"],
        ),
        (
            block(
                "rate_limit",
                "    per_day = 10\n    header_name = \"X-Client\"",
            ),
            "header_name =",
            &["Unused rate limit setting"],
        ),
        (
            block(
                "rate_limit",
                "    per_day = 10\n    limit_by = \"header\"\n    header_name = \"X Client\"",
            ),
            "header_name =",
            &["Invalid header name"],
        ),
        (
            block(
                "rate_limit",
                "    per_day = 10\n    limit_by = \"path\"\n    path = \"orders\"",
            ),
            "path =",
            &["Invalid rate limit path", "start with `/`"],
        ),
        (
            "  timeout_ms = 0".to_string(),
            "timeout_ms =",
            &["Invalid timeout", "between 1 and 2147483646"],
        ),
        (
            "  request_size_limit_kb = 0.5".to_string(),
            "request_size_limit_kb =",
            &["Invalid request size limit", "not a whole number"],
        ),
        (
            block("logging", "    http_endpoint = \"ftp://logs.example.com\""),
            "http_endpoint =",
            &["Invalid logging endpoint", "http:// or https://"],
        ),
        (
            block(
                "logging",
                "    http_endpoint = \"https://u:pw@logs.example.com\"",
            ),
            "http_endpoint =",
            &["Invalid logging endpoint", "holds credentials"],
        ),
    ];
    for (body, line, phrases) in cases {
        let out = refused_at_plan(&kong, &api(&body));
        // Terraform quotes the configuration line of the attribute at fault.
        assert!(out.contains(line), "{body}: expected `{line}` in {out}");
        for phrase in phrases {
            assert!(out.contains(phrase), "{body}: expected `{phrase}` in {out}");
        }
    }
}

#[test]
fn a_plugin_kong_refuses_rolls_the_api_back() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    // Kong failing on the plugin at create must leave no service or route behind.
    kong.sandbox.controls().inject(kong_sandbox::FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/plugins/".into()),
        skip: 0,
        times: 10,
        action: kong_sandbox::FaultAction::Status {
            status: 500,
            retry_after_secs: None,
        },
    });
    let ws = kong.workspace();
    ws.write(&api("  request_size_limit_kb = 10"));
    let out = ws.apply().failure().output();
    assert!(out.contains("Kong refused to create the API `p`"), "{out}");
    assert!(kong.managed("services").is_empty());
    assert!(kong.managed("routes").is_empty());
    assert!(ws.state_list().is_empty());
}

#[test]
fn a_policy_block_known_only_at_apply_time_is_planned_then_applied() {
    let kong = Kong::start();
    let ws = kong.workspace();
    // A `dynamic` block whose `for_each` depends on another resource is unknown at plan time.
    ws.write(
        r#"
resource "dispatch_api" "first" {
  name = "first"
}

resource "dispatch_api" "p" {
  name     = "p"
  function = "f"

  dynamic "rate_limit" {
    for_each = dispatch_api.first.id != "" ? [1] : []
    content {
      per_minute = 30
    }
  }
}
"#,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        plan.stdout.contains("rate_limit (known after apply)"),
        "{}",
        plan.stdout
    );
    apply_then_no_changes(&ws);
    assert_eq!(plugin_config(&kong, "rate-limiting")["minute"], 30);
}
