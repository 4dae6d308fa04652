//! `dispatch_api` through its whole life: create, no-change plan, update, rename, drift,
//! out-of-band delete, import, destroy, and the failures that must leave nothing behind.

use serde_json::json;

use crate::harness::{strings, Kong};

const HELLO: &str = r#"
resource "dispatch_api" "hello" {
  name     = "hello"
  function = "hello-fn"
  hosts    = ["hello.example.com"]
  methods  = ["GET", "POST"]
}

output "urls" { value = dispatch_api.hello.urls }
"#;

#[test]
fn create_then_plan_shows_no_changes() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(HELLO);
    ws.apply().success();

    let state = ws.resource("dispatch_api.hello").expect("in state");
    let service_id = state["kong_service_id"].as_str().expect("service id");
    assert_eq!(state["id"], state["kong_service_id"]);
    assert_eq!(state["https"], "optional");
    assert_eq!(state["paths"], json!(["/hello"]));
    assert_eq!(
        state["urls"],
        json!([
            "http://hello.example.com/hello",
            "https://hello.example.com/hello"
        ])
    );

    let service = kong.get(&format!("/services/{service_id}"));
    assert_eq!(service["name"], "hello");
    assert_eq!(service["host"], "dispatch-function-manager");
    assert_eq!(service["path"], "/v1/functions/hello-fn/runs");
    assert!(
        strings(&service["tags"]).contains(&"managed-by:terraform-provider-dispatch".to_string())
    );
    let route = kong.get(&format!(
        "/routes/{}",
        state["kong_route_id"].as_str().expect("route id")
    ));
    assert_eq!(route["name"], "hello");
    assert_eq!(route["service"]["id"], service_id);
    assert_eq!(strings(&route["hosts"]), vec!["hello.example.com"]);
    assert_eq!(strings(&route["methods"]), vec!["GET", "POST"]);
    assert_eq!(strings(&route["protocols"]), vec!["http", "https"]);

    assert_eq!(ws.plan().code, 0, "no-change plan");
}

#[test]
fn update_and_rename_in_place_keep_the_id() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(HELLO);
    ws.apply().success();
    let before = ws.resource("dispatch_api.hello").expect("in state");

    ws.write(
        r#"
resource "dispatch_api" "hello" {
  name                       = "greeting"
  upstream_url               = "https://backend.example.com:8443/v2"
  hosts                      = ["greet.example.com", "*.greet.example.com"]
  https                      = "required"
  https_redirect_status_code = 308
  strip_path                 = false
  tags                       = ["team:web"]
}
"#,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);
    ws.apply().success();

    let after = ws.resource("dispatch_api.hello").expect("in state");
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["kong_route_id"], before["kong_route_id"]);
    assert_eq!(after["paths"], json!(["/greeting"]));
    assert_eq!(after["urls"], json!(["https://greet.example.com/greeting"]));

    let service = kong.get(&format!("/services/{}", after["id"].as_str().expect("id")));
    assert_eq!(service["name"], "greeting");
    assert_eq!(service["protocol"], "https");
    assert_eq!(service["host"], "backend.example.com");
    assert_eq!(service["port"], 8443);
    assert_eq!(service["path"], "/v2");
    assert!(strings(&service["tags"]).contains(&"team:web".to_string()));
    assert!(strings(&service["tags"]).contains(&"dispatch-api:greeting".to_string()));
    let route = kong.get("/routes/greeting");
    assert_eq!(strings(&route["protocols"]), vec!["https"]);
    assert_eq!(route["https_redirect_status_code"], 308);
    assert_eq!(route["strip_path"], false);
    assert_eq!(route["methods"], json!(null));
    assert!(kong.missing("/services/hello"));

    assert_eq!(ws.plan().code, 0, "no-change plan after update");
}

#[test]
fn drift_in_kong_shows_in_plan_and_apply_restores_it() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(HELLO);
    ws.apply().success();

    kong.send(
        "PATCH",
        "/routes/hello",
        json!({"methods": ["DELETE"], "strip_path": false, "paths": ["/other"], "hosts": null}),
    );
    kong.send(
        "PATCH",
        "/services/hello",
        json!({"enabled": false, "host": "evil.example.com"}),
    );

    let plan = ws.plan();
    assert_eq!(plan.code, 2, "drift must show: {}", plan.output());
    for field in [
        "methods",
        "strip_path",
        "paths",
        "hosts",
        "enabled",
        "function",
        "upstream_url",
    ] {
        assert!(
            plan.stdout.contains(field),
            "plan should mention {field}:\n{}",
            plan.stdout
        );
    }
    ws.apply().success();

    let route = kong.get("/routes/hello");
    assert_eq!(strings(&route["methods"]), vec!["GET", "POST"]);
    assert_eq!(route["strip_path"], true);
    assert_eq!(route["paths"], json!(["/hello"]));
    assert_eq!(strings(&route["hosts"]), vec!["hello.example.com"]);
    let service = kong.get("/services/hello");
    assert_eq!(service["enabled"], true);
    assert_eq!(service["host"], "dispatch-function-manager");
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn an_api_deleted_outside_terraform_is_created_again() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(HELLO);
    ws.apply().success();
    let before = ws.resource("dispatch_api.hello").expect("in state");

    kong.call("DELETE", "/routes/hello", None);
    kong.call("DELETE", "/services/hello", None);
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);
    ws.apply().success();
    let after = ws.resource("dispatch_api.hello").expect("in state");
    assert_ne!(after["id"], before["id"]);
    assert_eq!(kong.get("/services/hello")["id"], after["id"]);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_deleted_route_alone_is_put_back() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(HELLO);
    ws.apply().success();
    let before = ws.resource("dispatch_api.hello").expect("in state");
    kong.call("DELETE", "/routes/hello", None);

    assert_eq!(ws.plan().code, 2);
    ws.apply().success();
    let after = ws.resource("dispatch_api.hello").expect("in state");
    assert_eq!(after["id"], before["id"]);
    let route = kong.get("/routes/hello");
    assert_eq!(route["service"]["id"], after["id"]);
    assert_eq!(after["kong_route_id"], route["id"]);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn import_by_name_or_id_then_plan_is_empty() {
    let kong = Kong::start();
    let original = kong.workspace();
    original.write(HELLO);
    original.apply().success();
    let id = original.resource("dispatch_api.hello").expect("in state")["id"]
        .as_str()
        .expect("id")
        .to_string();

    for key in ["hello", id.as_str()] {
        let ws = kong.workspace();
        ws.write(HELLO);
        ws.import("dispatch_api.hello", key).success();
        let imported = ws.resource("dispatch_api.hello").expect("imported");
        assert_eq!(imported["id"], id.as_str());
        let plan = ws.plan();
        assert_eq!(
            plan.code,
            0,
            "plan after import by {key}: {}",
            plan.output()
        );
    }

    let ws = kong.workspace();
    ws.write(HELLO);
    let missing = ws.import("dispatch_api.hello", "nope").failure();
    assert!(
        missing.output().contains("API not found in Kong"),
        "{}",
        missing.output()
    );
}

#[test]
fn import_blocks_work_too() {
    let kong = Kong::start();
    let original = kong.workspace();
    original.write(HELLO);
    original.apply().success();

    let ws = kong.workspace();
    ws.write(&format!(
        "import {{\n  to = dispatch_api.hello\n  id = \"hello\"\n}}\n{HELLO}"
    ));
    let plan = ws.plan();
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.output()
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn destroy_removes_every_managed_entity_and_nothing_else() {
    let kong = Kong::start();
    let foreign = kong.send(
        "POST",
        "/services",
        json!({"name": "legacy", "url": "http://legacy.internal/", "tags": ["owner:ops"]}),
    );
    kong.send(
        "POST",
        "/services/legacy/routes",
        json!({"name": "legacy", "paths": ["/legacy"]}),
    );
    let ws = kong.workspace();
    ws.write(&format!(
        "{HELLO}\nresource \"dispatch_api\" \"soon\" {{\n  name = \"soon\"\n}}\n"
    ));
    ws.apply().success();
    assert_eq!(kong.managed("services").len(), 2);
    assert_eq!(
        kong.managed("plugins").len(),
        1,
        "the no-function API answers 503"
    );

    ws.destroy().success();
    assert!(kong.managed("services").is_empty());
    assert!(kong.managed("routes").is_empty());
    assert!(kong.managed("plugins").is_empty());
    assert_eq!(kong.get("/services/legacy"), foreign);
    assert_eq!(kong.get("/routes/legacy")["paths"], json!(["/legacy"]));
    assert!(ws.state_list().is_empty());
}

#[test]
fn a_name_held_by_an_unmanaged_service_is_refused_with_how_to_import() {
    let kong = Kong::start();
    let foreign = kong.send(
        "POST",
        "/services",
        json!({"name": "hello", "url": "http://legacy.internal/"}),
    );
    let ws = kong.workspace();
    ws.write(HELLO);
    let run = ws.apply().failure();
    let out = run.output();
    assert!(out.contains("API name already taken in Kong"), "{out}");
    assert!(out.contains("not managed by this provider"), "{out}");
    assert!(out.contains("terraform import"), "{out}");
    assert!(kong.managed("services").is_empty());
    assert!(kong.managed("routes").is_empty());
    assert_eq!(kong.get("/services/hello"), foreign);
    assert!(ws.state_list().is_empty());
}

#[test]
fn an_unreachable_kong_is_named_with_its_cause() {
    let ws = crate::harness::Workspace::new("http://127.0.0.1:9");
    ws.write_with_provider("  request_timeout_ms = 2000", HELLO);
    let run = ws.apply().failure();
    let out = run.output();
    assert!(out.contains("Cannot reach Kong"), "{out}");
    assert!(out.contains("http://127.0.0.1:9/services/"), "{out}");
    assert!(out.to_lowercase().contains("connection refused"), "{out}");
    assert!(
        !out.contains("stack backtrace") && !out.contains("rust_begin_unwind"),
        "{out}"
    );
}

#[test]
fn an_api_without_function_answers_503_until_one_is_linked() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write("resource \"dispatch_api\" \"soon\" {\n  name = \"soon\"\n}\n");
    ws.apply().success();
    let id = ws.resource("dispatch_api.soon").expect("state")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let plugins = kong.get(&format!("/services/{id}/plugins"))["data"].clone();
    assert_eq!(plugins[0]["name"], "request-termination");
    assert_eq!(plugins[0]["config"]["status_code"], 503);
    assert_eq!(plugins[0]["config"]["message"], "no function linked");
    assert_eq!(ws.plan().code, 0);

    // The plugin removed out of band is drift.
    let plugin_id = plugins[0]["id"].as_str().expect("plugin id").to_string();
    kong.call("DELETE", &format!("/plugins/{plugin_id}"), None);
    assert_eq!(ws.plan().code, 2);
    ws.apply().success();
    assert!(!kong.missing(&format!("/plugins/{plugin_id}")));

    ws.write(
        "resource \"dispatch_api\" \"soon\" {\n  name     = \"soon\"\n  function = \"ready\"\n}\n",
    );
    ws.apply().success();
    assert!(kong.get(&format!("/services/{id}/plugins"))["data"]
        .as_array()
        .expect("list")
        .is_empty());
    assert_eq!(
        kong.get("/services/soon")["path"],
        "/v1/functions/ready/runs"
    );
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn organization_prefixes_names_paths_and_tags() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(
        "  organization = \"shop\"\n  gateway_url = \"https://gw.example.com\"",
        "resource \"dispatch_api\" \"cart\" {\n  name     = \"cart\"\n  function = \"cart\"\n}\n",
    );
    ws.apply().success();
    let service = kong.get("/services/shop.cart");
    assert!(strings(&service["tags"]).contains(&"dispatch-org:shop".to_string()));
    assert_eq!(
        kong.get("/routes/shop.cart")["paths"],
        json!(["/shop/cart"])
    );
    let state = ws.resource("dispatch_api.cart").expect("state");
    assert_eq!(state["paths"], json!(["/cart"]));
    assert_eq!(
        state["urls"],
        json!([
            "http://gw.example.com/shop/cart",
            "https://gw.example.com/shop/cart"
        ])
    );
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn moving_apis_into_an_organization_renames_and_retags_them() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let body =
        "resource \"dispatch_api\" \"cart\" {\n  name     = \"cart\"\n  function = \"cart\"\n}\n";
    ws.write(body);
    ws.apply().success();
    assert_eq!(
        ws.resource("dispatch_api.cart").expect("state")["kong_name"],
        "cart"
    );

    ws.write_with_provider("  organization = \"shop\"", body);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        plan.output()
            .contains("~ kong_name = \"cart\" -> \"shop.cart\""),
        "{}",
        plan.output()
    );
    ws.apply().success();
    assert!(kong.missing("/services/cart"));
    let service = kong.get("/services/shop.cart");
    assert!(strings(&service["tags"]).contains(&"dispatch-org:shop".to_string()));
    assert_eq!(
        kong.get("/routes/shop.cart")["paths"],
        json!(["/shop/cart"])
    );
    assert_eq!(ws.plan().code, 0);
}
