//! What the declaration cannot express is named (at import, at every plan, when Kong refuses a
//! write, when it stands in the way of a destroy) and left alone; only imported APIs pay for
//! looking.

use serde_json::json;

use super::{generate_config, legacy_service, only_plugin, IMPORT_LEGACY};
use crate::harness::{needs_sandbox, Kong, Workspace};

#[test]
fn what_the_declaration_cannot_express_is_named_and_destroy_names_the_routes_in_the_way() {
    let kong = Kong::start();
    let service = legacy_service(&kong);
    let extra = kong.send(
        "POST",
        "/services/legacy/routes",
        json!({"name": "legacy-admin", "paths": ["/legacy/admin"]}),
    );
    let key_auth = kong.send(
        "POST",
        "/services/legacy/plugins",
        json!({"name": "key-auth"}),
    );
    let consumer = kong.send("POST", "/consumers", json!({"username": "partner"}));
    let per_consumer = kong.send(
        "POST",
        "/services/legacy/plugins",
        json!({"name": "rate-limiting", "consumer": {"id": consumer["id"]},
               "config": {"minute": 1000}}),
    );

    let ws = kong.workspace();
    ws.write(IMPORT_LEGACY);
    let (plan, generated) = generate_config(&ws);
    assert!(
        !generated.contains("rate_limit {"),
        "a consumer's plugin is not the API's:\n{generated}"
    );
    let named = |out: &str| {
        for (what, id) in [
            ("route `legacy-admin`", &extra["id"]),
            ("plugin `key-auth`", &key_auth["id"]),
            ("plugin `rate-limiting`", &per_consumer["id"]),
        ] {
            let id = id.as_str().expect("id");
            assert!(
                out.contains(&format!("{what} (id {id}")),
                "{what} {id} is named:\n{out}"
            );
        }
        assert!(out.contains("Terraform apply leaves them alone"), "{out}");
    };
    named(&plan);
    ws.apply().success();
    // At every plan while they are there.
    let again = ws.plan();
    assert_eq!(again.code, 0, "{}", again.output());
    named(&again.output());

    let refused = ws.destroy().failure().output();
    assert!(
        refused.contains(&format!(
            "route `legacy-admin` (id {}; paths /legacy/admin)",
            extra["id"].as_str().expect("id")
        )),
        "{refused}"
    );
    assert!(refused.contains("Nothing was deleted"), "{refused}");
    assert!(refused.contains("destroy = false"), "{refused}");
    assert_eq!(kong.get("/services/legacy")["id"], service["id"]);
    assert_eq!(kong.list("routes").len(), 2, "nothing was deleted");
    assert_eq!(kong.list("plugins").len(), 2);
    assert_eq!(ws.state_list(), vec!["dispatch_api.legacy".to_string()]);

    // Once the route serves another service, the destroy goes through and leaves it alone.
    kong.send(
        "POST",
        "/services",
        json!({"name": "admin", "url": "http://admin.internal/"}),
    );
    kong.send(
        "PATCH",
        &format!("/routes/{}", extra["id"].as_str().expect("id")),
        json!({"service": {"name": "admin"}}),
    );
    let quiet = ws.plan();
    assert!(
        !quiet.output().contains("legacy-admin"),
        "{}",
        quiet.output()
    );
    ws.destroy().success();
    assert!(kong.missing("/services/legacy"));
    assert_eq!(
        kong.get(&format!("/routes/{}", extra["id"].as_str().expect("id")))["name"],
        "legacy-admin"
    );
    assert!(
        kong.list("plugins").is_empty(),
        "they went with the service"
    );
}

#[test]
fn destroy_names_a_route_added_to_a_created_api_behind_terraforms_back() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(
        "resource \"dispatch_api\" \"hello\" {\n  name     = \"hello\"\n  function = \"f\"\n}\n",
    );
    ws.apply().success();
    let service = ws.resource("dispatch_api.hello").expect("in state")["kong_service_id"]
        .as_str()
        .expect("service id")
        .to_string();
    let extra = kong.send(
        "POST",
        &format!("/services/{service}/routes"),
        json!({"name": "sneaky", "paths": ["/sneaky"]}),
    );

    let refused = ws.destroy().failure().output();
    assert!(
        refused.contains(&format!(
            "route `sneaky` (id {}; paths /sneaky)",
            extra["id"].as_str().expect("id")
        )),
        "{refused}"
    );
    assert!(
        refused.contains("The API's own route and its plugins were deleted"),
        "{refused}"
    );
    assert!(!kong.missing(&format!("/services/{service}")));
    assert!(!kong.missing("/routes/sneaky"), "never deleted");
}

#[test]
fn a_plugin_added_behind_terraforms_back_is_named_when_kong_refuses_the_apis_own() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let api = |extra: &str| {
        format!("resource \"dispatch_api\" \"hello\" {{\n  name     = \"hello\"\n  function = \"f\"\n{extra}\n}}\n")
    };
    ws.write(&api(""));
    ws.apply().success();
    let theirs = kong.send(
        "POST",
        "/services/hello/plugins",
        json!({"name": "rate-limiting", "config": {"minute": 7}}),
    );

    ws.write(&api("  rate_limit {\n    per_minute = 200\n  }"));
    let refused = ws.apply().failure().output();
    assert!(
        refused.contains("A `rate-limiting` plugin is already on the API `hello`"),
        "{refused}"
    );
    assert!(
        refused.contains(&format!(
            "the plugin `rate-limiting` with id {} is already on the API's Kong service",
            theirs["id"].as_str().expect("id")
        )),
        "{refused}"
    );
    assert!(!refused.contains("API name already taken"), "{refused}");
    assert_eq!(only_plugin(&kong, "rate-limiting"), theirs, "left alone");
}

/// The paths a `terraform plan` reads, in order.
fn plan_reads(kong: &Kong, ws: &Workspace) -> Vec<String> {
    kong.sandbox.controls().reset_requests();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.output());
    kong.sandbox
        .controls()
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn only_an_imported_api_with_something_outside_pays_for_the_watch() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let service = legacy_service(&kong);
    let service_id = service["id"].as_str().expect("id");
    let key_auth = kong.send(
        "POST",
        "/services/legacy/plugins",
        json!({"name": "key-auth"}),
    );
    let ws = kong.workspace();
    ws.write(&format!(
        "{IMPORT_LEGACY}resource \"dispatch_api\" \"legacy\" {{\n  name         = \"legacy\"\n  upstream_url = \"http://legacy.internal/\"\n  paths        = [\"/legacy\"]\n}}\n"
    ));
    ws.apply().success();

    let watched = plan_reads(&kong, &ws);
    for read in [
        format!("GET /services/{service_id}/routes"),
        format!("GET /services/{service_id}/plugins"),
    ] {
        assert!(watched.contains(&read), "{read} in {watched:?}");
    }
    assert_eq!(
        watched.iter().filter(|r| r.ends_with("/plugins")).count(),
        2,
        "the service's plugins and the route's: {watched:?}"
    );

    // Once nothing is outside, the next refresh that is saved stops the watch.
    kong.call(
        "DELETE",
        &format!("/plugins/{}", key_auth["id"].as_str().expect("id")),
        None,
    );
    ws.apply().success();
    let quiet = plan_reads(&kong, &ws);
    assert_eq!(
        quiet.len() + 3,
        watched.len(),
        "three reads less: {quiet:?} / {watched:?}"
    );
    assert!(
        !quiet
            .iter()
            .any(|r| r.contains("/plugins") || r.ends_with("/routes")),
        "{quiet:?}"
    );
}
