//! Adopting a Kong that already serves traffic (issue 14): an API made outside Terraform (by
//! curl, shaped as decK or the community provider leave it) is imported with its plugins, whatever
//! their ids and tags; later writes go to those plugins; what the declaration cannot express is
//! named at import and at every plan, and never blocks a destroy without being named.

use serde_json::{json, Value as Json};

use crate::certs::CertSpec;
use crate::harness::{Kong, Workspace};

/// An `import {}` block for `dispatch_api.legacy`.
const IMPORT_LEGACY: &str = "import {\n  to = dispatch_api.legacy\n  id = \"legacy\"\n}\n";

/// A service `legacy` and its route `legacy` (`/legacy`), made as an operator would by hand.
fn legacy_service(kong: &Kong) -> Json {
    let service = kong.send(
        "POST",
        "/services",
        json!({"name": "legacy", "url": "http://legacy.internal/"}),
    );
    kong.send(
        "POST",
        "/services/legacy/routes",
        json!({"name": "legacy", "paths": ["/legacy"]}),
    );
    service
}

/// Every plugin named `name` in Kong.
fn plugins_named(kong: &Kong, name: &str) -> Vec<Json> {
    kong.list("plugins")
        .into_iter()
        .filter(|p| p["name"] == name)
        .collect()
}

/// The only plugin named `name` in Kong.
#[track_caller]
fn only_plugin(kong: &Kong, name: &str) -> Json {
    let found = plugins_named(kong, name);
    assert_eq!(found.len(), 1, "one {name} plugin: {found:?}");
    found[0].clone()
}

#[track_caller]
fn has_ownership_tag(entity: &Json) -> bool {
    entity["tags"].as_array().is_some_and(|t| {
        t.iter()
            .any(|t| t == "managed-by:terraform-provider-dispatch")
    })
}

/// `terraform plan -generate-config-out=generated.tf`; returns the plan's output and the file.
#[track_caller]
fn generate_config(ws: &Workspace) -> (String, String) {
    let run = ws
        .run(&[
            "plan",
            "-input=false",
            "-no-color",
            "-generate-config-out=generated.tf",
        ])
        .success();
    let generated =
        std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf written");
    (run.output(), generated)
}

/// Edits `generated.tf` in place.
#[track_caller]
fn edit_generated(ws: &Workspace, from: &str, to: &str) {
    let path = ws.path().join("generated.tf");
    let text = std::fs::read_to_string(&path).expect("generated.tf");
    assert!(text.contains(from), "generated.tf holds {from:?}:\n{text}");
    std::fs::write(&path, text.replace(from, to)).expect("write generated.tf");
}

#[test]
fn import_adopts_the_plugins_of_the_service_and_route_and_later_writes_go_to_them() {
    let kong = Kong::start();
    legacy_service(&kong);
    // On the service, counting in Redis (which dispatch_api does not model), tagged by decK.
    let limit = kong.send(
        "POST",
        "/services/legacy/plugins",
        json!({"name": "rate-limiting", "tags": ["managed-by-deck"],
               "config": {"minute": 100, "policy": "redis", "redis": {"host": "redis.internal"}}}),
    );
    // On the route.
    let cors = kong.send(
        "POST",
        "/routes/legacy/plugins",
        json!({"name": "cors", "config": {"origins": ["https://a.example"]}}),
    );
    // Disabled: not part of the declaration, but declaring the feature must write this one.
    let size = kong.send(
        "POST",
        "/services/legacy/plugins",
        json!({"name": "request-size-limiting", "enabled": false,
               "config": {"allowed_payload_size": 10}}),
    );

    let ws = kong.workspace();
    ws.write(IMPORT_LEGACY);
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(generated.contains("per_minute  = 100"), "{generated}");
    assert!(
        generated.contains("origins         = [\"https://a.example\"]"),
        "{generated}"
    );
    assert!(
        generated.contains("request_size_limit_kb      = null"),
        "the disabled plugin is not part of the declaration:\n{generated}"
    );
    assert!(
        plan.contains(&format!(
            "plugin `request-size-limiting` (id {}) on the API's service, disabled",
            size["id"].as_str().expect("id")
        )),
        "the disabled plugin is named: {plan}"
    );

    ws.apply().success();
    let after_import = ws.plan();
    assert_eq!(after_import.code, 0, "{}", after_import.output());

    edit_generated(&ws, "per_minute  = 100", "per_minute  = 200");
    edit_generated(&ws, "\"https://a.example\"", "\"https://b.example\"");
    edit_generated(
        &ws,
        "request_size_limit_kb      = null",
        "request_size_limit_kb = 64",
    );
    ws.apply().success();

    // The adopted plugins were written where they are: no second plugin, same ids, now tagged.
    let written = only_plugin(&kong, "rate-limiting");
    assert_eq!(written["id"], limit["id"]);
    assert_eq!(written["config"]["minute"], 200);
    assert_eq!(
        written["config"]["policy"], "redis",
        "what dispatch_api does not model is kept"
    );
    assert_eq!(written["config"]["redis"]["host"], "redis.internal");
    assert!(has_ownership_tag(&written), "{written}");
    let written = only_plugin(&kong, "cors");
    assert_eq!(written["id"], cors["id"]);
    assert_eq!(written["route"], cors["route"], "still on the route");
    assert_eq!(written["config"]["origins"], json!(["https://b.example"]));
    assert!(has_ownership_tag(&written), "{written}");
    let written = only_plugin(&kong, "request-size-limiting");
    assert_eq!(written["id"], size["id"]);
    assert_eq!(written["enabled"], true);
    assert_eq!(written["config"]["allowed_payload_size"], 64);
    assert_eq!(written["config"]["size_unit"], "kilobytes");

    let replan = ws.plan();
    assert_eq!(replan.code, 0, "{}", replan.output());

    // Dropping a feature deletes the adopted plugin, not one at the derived id.
    edit_generated(&ws, "request_size_limit_kb = 64", "");
    ws.apply().success();
    assert!(plugins_named(&kong, "request-size-limiting").is_empty());
    assert_eq!(ws.plan().code, 0);

    ws.destroy().success();
    assert!(
        kong.list("plugins").is_empty(),
        "the plugins went with the API"
    );
    assert!(kong.list("services").is_empty());
}

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

#[test]
fn authentication_and_logging_plugins_are_adopted_and_an_inexpressible_one_is_named() {
    let kong = Kong::start();
    for name in ["b", "c"] {
        kong.send(
            "POST",
            "/services",
            json!({"name": name, "url": format!("http://{name}.internal/")}),
        );
        kong.send(
            "POST",
            &format!("/services/{name}/routes"),
            json!({"name": name, "paths": [format!("/{name}")]}),
        );
    }
    kong.send(
        "POST",
        "/services/b/plugins",
        json!({"name": "basic-auth", "config": {"hide_credentials": true}}),
    );
    let acl = kong.send(
        "POST",
        "/services/b/plugins",
        json!({"name": "acl", "config": {"allow": ["staff"]}}),
    );
    // Passes the caller's password on to the function: not what dispatch_api sets.
    let leaky = kong.send(
        "POST",
        "/services/c/plugins",
        json!({"name": "basic-auth", "config": {"hide_credentials": false}}),
    );
    kong.send(
        "POST",
        "/services/c/plugins",
        json!({"name": "http-log", "config": {"http_endpoint": "http://logs.internal/x"}}),
    );

    let ws = kong.workspace();
    ws.write(
        "import {\n  to = dispatch_api.b\n  id = \"b\"\n}\nimport {\n  to = dispatch_api.c\n  id = \"c\"\n}\n",
    );
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("2 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(
        generated.contains("allowed_groups = [\"staff\"]"),
        "{generated}"
    );
    assert!(
        generated.contains("http_endpoint = \"http://logs.internal/x\""),
        "{generated}"
    );
    assert!(
        plan.contains(&format!(
            "plugin `basic-auth` (id {}) on the API's service: its settings are not what dispatch_api sets",
            leaky["id"].as_str().expect("id")
        )),
        "{plan}"
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);

    edit_generated(
        &ws,
        "allowed_groups = [\"staff\"]",
        "allowed_groups = [\"admins\", \"staff\"]",
    );
    ws.apply().success();
    let acls = plugins_named(&kong, "acl");
    assert_eq!(acls.len(), 1, "{acls:?}");
    assert_eq!(acls[0]["id"], acl["id"]);
    assert_eq!(acls[0]["config"]["allow"], json!(["admins", "staff"]));
    assert_eq!(
        plugins_named(&kong, "basic-auth").len(),
        2,
        "one per service"
    );
    assert_eq!(ws.plan().code, 0);
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

#[test]
fn a_certificate_and_a_user_made_by_curl_round_trip_through_generated_configuration() {
    let kong = Kong::start();
    let issued = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    kong.send(
        "POST",
        "/certificates",
        json!({"cert": issued.cert_pem(), "key": issued.key_pem(),
               "snis": ["www.example.com", "hello.example.com"]}),
    );
    kong.send("POST", "/consumers", json!({"username": "alice"}));
    kong.send(
        "POST",
        "/consumers/alice/basic-auth",
        json!({"username": "alice", "password": "old-secret"}),
    );
    kong.send("POST", "/consumers/alice/acls", json!({"group": "staff"}));

    let ws = kong.workspace();
    ws.write_file("site.key", &issued.key_pem());
    ws.write(
        "import {\n  to = dispatch_certificate.site\n  id = \"www.example.com\"\n}\nimport {\n  to = dispatch_basic_auth_user.alice\n  id = \"alice\"\n}\n",
    );
    let run = ws.run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=generated.tf",
    ]);
    let generated =
        std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf written");
    // Kong never returns the key or the password: the plan says so, on them, and nothing else.
    let out = run.failure().output();
    assert!(out.contains("private_key"), "{out}");
    assert!(out.contains("password"), "{out}");
    assert!(!out.contains("Internal error"), "{out}");
    assert!(generated.contains("groups   = [\"staff\"]"), "{generated}");
    assert!(
        generated.contains("hostnames"),
        "the SNIs are part of the certificate:\n{generated}"
    );

    edit_generated(
        &ws,
        "private_key = null # sensitive",
        "private_key = file(\"${path.module}/site.key\")",
    );
    edit_generated(
        &ws,
        "password = null # sensitive",
        "password = \"new-secret\"",
    );
    let plan = ws.plan();
    assert!(
        plan.output()
            .contains("2 to import, 0 to add, 1 to change, 0 to destroy"),
        "only the password is written: {}",
        plan.output()
    );
    ws.apply().success();
    let replan = ws.plan();
    assert_eq!(replan.code, 0, "{}", replan.output());
}

#[test]
fn entities_left_by_deck_are_adopted_and_its_select_tag_dropped_as_the_guide_says() {
    let kong = Kong::start();
    // decK (`_info.select_tags: [team-a]`) tags every entity it syncs, names them, and puts
    // plugins on the service.
    kong.send(
        "POST",
        "/services",
        json!({"name": "orders", "url": "http://orders.internal:8080/", "tags": ["team-a"]}),
    );
    kong.send(
        "POST",
        "/services/orders/routes",
        json!({"name": "orders", "paths": ["/orders"], "tags": ["team-a"]}),
    );
    let limit = kong.send(
        "POST",
        "/services/orders/plugins",
        json!({"name": "rate-limiting", "config": {"minute": 60}, "tags": ["team-a"]}),
    );

    let ws = kong.workspace();
    ws.write("import {\n  to = dispatch_api.orders\n  id = \"orders\"\n}\n");
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(
        generated.contains("tags                       = [\"team-a\"]"),
        "{generated}"
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);

    // The guide: drop decK's select tag so that decK no longer selects them, then apply.
    edit_generated(
        &ws,
        "tags                       = [\"team-a\"]",
        "tags                       = null",
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
    for path in ["/services/orders", "/routes/orders"] {
        let entity = kong.get(path);
        assert!(has_ownership_tag(&entity), "{entity}");
        assert!(!entity["tags"].to_string().contains("team-a"), "{entity}");
    }
    let written = only_plugin(&kong, "rate-limiting");
    assert_eq!(written["id"], limit["id"]);
    assert!(has_ownership_tag(&written), "{written}");
    assert!(!written["tags"].to_string().contains("team-a"), "{written}");
}
