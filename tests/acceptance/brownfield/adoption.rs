//! Import brings in everything the declaration can express: plugins of the API's service and
//! route whatever their ids and tags, a user's credential and groups, a certificate's SNIs; later
//! writes go to what was adopted.

use serde_json::json;

use super::{
    edit_generated, generate_config, has_ownership_tag, legacy_service, only_plugin, plugins_named,
    IMPORT_LEGACY,
};
use crate::certs::CertSpec;
use crate::harness::Kong;

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
    // (Terraform aligns the `=` of a block's attributes: whatever the padding.)
    assert!(
        generated
            .lines()
            .any(|l| l.trim_start().starts_with("origins ")
                && l.ends_with("= [\"https://a.example\"]")),
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
