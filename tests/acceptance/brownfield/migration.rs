//! The migration guide's steps, tested on entities shaped as decK and the community Kong provider
//! leave them.

use serde_json::json;

use super::{edit_generated, generate_config, has_ownership_tag, only_plugin};
use crate::harness::{Kong, Workspace};

/// Replaces the line of `generated.tf` whose attribute is `attribute` (Terraform pads the `=`).
#[track_caller]
fn set_generated(ws: &Workspace, attribute: &str, line: &str) {
    let text = std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf");
    let found = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(attribute))
        .unwrap_or_else(|| panic!("{attribute} in:\n{text}"));
    edit_generated(ws, found, line);
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

#[test]
fn entities_left_by_the_community_provider_are_adopted_as_the_guide_says() {
    let kong = Kong::start();
    // kevholditch/kong: `kong_service` with protocol, host, port and path, no tags; a
    // `kong_route` without `name` (optional there), so the API's route is the service's only
    // route; `kong_plugin`s on the service.
    let service = kong.send(
        "POST",
        "/services",
        json!({"name": "payments", "protocol": "http", "host": "payments.internal",
               "port": 8080, "path": "/v1"}),
    );
    let route = kong.send(
        "POST",
        "/routes",
        json!({"service": {"id": service["id"]}, "protocols": ["http", "https"],
               "paths": ["/payments"], "methods": ["GET", "POST"], "strip_path": true}),
    );
    let limit = kong.send(
        "POST",
        "/plugins",
        json!({"name": "rate-limiting", "service": {"id": service["id"]},
               "config": {"minute": 30}}),
    );
    let cors = kong.send(
        "POST",
        "/plugins",
        json!({"name": "cors", "service": {"id": service["id"]},
               "config": {"origins": ["https://shop.example"]}}),
    );

    // The guide: (the old side forgets them with `removed` blocks, destroy = false) an import
    // block here, generate, review, apply, and an empty plan.
    let ws = kong.workspace();
    ws.write("import {\n  to = dispatch_api.payments\n  id = \"payments\"\n}\n");
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(
        !plan.contains("cannot express"),
        "nothing stays outside:\n{plan}"
    );
    assert!(
        generated.contains("\"http://payments.internal:8080/v1\""),
        "{generated}"
    );
    assert!(
        generated.contains("\"https://shop.example\""),
        "{generated}"
    );
    ws.apply().success();
    let replan = ws.plan();
    assert_eq!(replan.code, 0, "{}", replan.output());
    assert!(
        !has_ownership_tag(&kong.get(&format!("/routes/{}", route["id"].as_str().expect("id")))),
        "an import alone changes nothing in Kong"
    );

    // A changing apply writes the adopted entities where they are, with the ownership tags.
    set_generated(&ws, "per_minute", "    per_minute = 60");
    set_generated(&ws, "methods", "  methods = [\"GET\"]");
    ws.apply().success();
    let replan = ws.plan();
    assert_eq!(replan.code, 0, "{}", replan.output());
    assert_eq!(kong.list("services").len(), 1);
    let routes = kong.list("routes");
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert_eq!(routes[0]["id"], route["id"]);
    assert_eq!(routes[0]["methods"], json!(["GET"]));
    assert!(has_ownership_tag(&routes[0]), "{}", routes[0]);
    assert!(has_ownership_tag(&kong.get("/services/payments")));
    let written = only_plugin(&kong, "rate-limiting");
    assert_eq!(written["id"], limit["id"]);
    assert_eq!(written["config"]["minute"], 60);
    assert!(has_ownership_tag(&written), "{written}");
    assert_eq!(only_plugin(&kong, "cors")["id"], cors["id"]);
}
