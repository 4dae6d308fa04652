//! Plugins made by curl that only look like the provider's: authentication without the shape
//! `dispatch_api` gives it (a jwt with no issuer's group, an openid-connect with Kong's
//! defaults, an acl alone), a request-termination, a prometheus. What the declaration expresses
//! is adopted and round-trips; the rest is named and left alone, and the generated
//! configuration always plans.

use kong_sandbox::{Edition, SandboxConfig};
use serde_json::{json, Value as Json};

use super::{edit_generated, generate_config, has_ownership_tag, only_plugin};
use crate::harness::{needs_sandbox, Kong, Workspace};

/// A service `name` and its route `/name`, as an operator makes them by hand.
fn service(kong: &Kong, name: &str, url: &str) {
    kong.send("POST", "/services", json!({"name": name, "url": url}));
    kong.send(
        "POST",
        &format!("/services/{name}/routes"),
        json!({"name": name, "paths": [format!("/{name}")]}),
    );
}

fn imports(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("import {{\n  to = dispatch_api.{n}\n  id = \"{n}\"\n}}\n"))
        .collect()
}

fn id(entity: &Json) -> &str {
    entity["id"].as_str().expect("id")
}

#[track_caller]
fn names_not_expressed(out: &str, plugin: &Json) {
    let expected = format!(
        "plugin `{}` (id {}) on the API's service: its settings are not what dispatch_api sets",
        plugin["name"].as_str().expect("name"),
        id(plugin)
    );
    assert!(out.contains(&expected), "{expected}\nin:\n{out}");
}

/// The generated configuration applies, then plans empty while still naming what it leaves out.
#[track_caller]
fn applies_and_replans_empty(ws: &Workspace, named: &[&Json]) {
    ws.apply().success();
    let replan = ws.plan();
    assert_eq!(replan.code, 0, "{}", replan.output());
    for plugin in named {
        names_not_expressed(&replan.output(), plugin);
    }
}

#[test]
fn a_jwt_without_an_issuers_group_and_an_acl_alone_are_named_and_left_alone() {
    let kong = Kong::start();
    service(&kong, "tokens", "http://tokens.internal/");
    service(&kong, "staff", "http://staff.internal/");
    // The provider's jwt settings, but no acl restricting tokens to one issuer: any jwt secret
    // of the workspace signs a token it accepts. `oidc { issuer = "" }` would be no declaration.
    let jwt = kong.send(
        "POST",
        "/services/tokens/plugins",
        json!({"name": "jwt", "config": {"key_claim_name": "kid", "claims_to_verify": ["exp"],
               "uri_param_names": [], "cookie_names": [], "header_names": ["authorization"]}}),
    );
    // An acl with no authentication beside it: no caller is an authenticated consumer, so Kong
    // refuses them all (`kong/plugins/acl/handler.lua`, Kong 3.9).
    let acl = kong.send(
        "POST",
        "/services/staff/plugins",
        json!({"name": "acl", "config": {"allow": ["staff"]}}),
    );

    let ws = kong.workspace();
    ws.write(&imports(&["tokens", "staff"]));
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("2 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(!generated.contains("issuer"), "{generated}");
    assert!(!generated.contains("oidc"), "{generated}");
    assert!(!generated.contains("allowed_groups"), "{generated}");
    names_not_expressed(&plan, &jwt);
    names_not_expressed(&plan, &acl);
    applies_and_replans_empty(&ws, &[&jwt, &acl]);

    // A changing apply writes what the declaration expresses and leaves the two plugins alone.
    edit_generated(
        &ws,
        "\"http://tokens.internal/\"",
        "\"http://tokens-v2.internal/\"",
    );
    ws.apply().success();
    assert!(has_ownership_tag(&kong.get("/services/tokens")));
    for before in [&jwt, &acl] {
        let after = only_plugin(&kong, before["name"].as_str().expect("name"));
        assert_eq!(&after, before, "left alone");
    }
    applies_and_replans_empty(&ws, &[&jwt, &acl]);
}

#[test]
fn an_openid_connect_plugin_made_by_curl_is_adopted_when_shaped_as_the_providers() {
    if needs_sandbox("an Enterprise sandbox") {
        return;
    }
    let kong = Kong::with(SandboxConfig {
        edition: Edition::Enterprise,
        ..SandboxConfig::default()
    });
    service(&kong, "shop", "http://shop.internal/");
    service(&kong, "portal", "http://portal.internal/");
    let issuer = "https://login.example.com/realms/shop";
    let shaped = kong.send(
        "POST",
        "/services/shop/plugins",
        json!({"name": "openid-connect", "config": {"issuer": issuer,
               "auth_methods": ["bearer"], "bearer_token_param_type": ["header"],
               "audience_required": ["api://shop"]}}),
    );
    // Kong's defaults: every auth method, tokens from the query string and the body too.
    let defaults = kong.send(
        "POST",
        "/services/portal/plugins",
        json!({"name": "openid-connect", "config": {"issuer": issuer}}),
    );

    let ws = kong.workspace();
    ws.write(&imports(&["shop", "portal"]));
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("2 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert_eq!(
        generated.matches(&format!("\"{issuer}\"")).count(),
        1,
        "only shop reads as oidc:\n{generated}"
    );
    assert!(generated.contains("\"api://shop\""), "{generated}");
    assert!(
        !plan.contains(id(&shaped)),
        "shop's plugin is adopted: {plan}"
    );
    names_not_expressed(&plan, &defaults);
    applies_and_replans_empty(&ws, &[&defaults]);

    edit_generated(&ws, "\"api://shop\"", "\"api://shop\", \"api://all\"");
    ws.apply().success();
    let written = kong.get(&format!("/plugins/{}", id(&shaped)));
    assert!(has_ownership_tag(&written), "{written}");
    let mut audiences: Vec<&str> = written["config"]["audience_required"]
        .as_array()
        .expect("audiences")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    audiences.sort_unstable();
    assert_eq!(audiences, ["api://all", "api://shop"]);
    let left = kong.get(&format!("/plugins/{}", id(&defaults)));
    assert_eq!(left, defaults, "left alone");
    applies_and_replans_empty(&ws, &[&defaults]);
}

#[test]
fn request_termination_and_prometheus_made_by_curl_round_trip() {
    let kong = Kong::start();
    // A function-less API as the provider leaves one, remade by hand: its placeholder upstream
    // and the 503 that answers for it.
    service(&kong, "soon", "http://no-function.dispatch.invalid");
    let answer = kong.send(
        "POST",
        "/services/soon/plugins",
        json!({"name": "request-termination",
               "config": {"status_code": 503, "message": "no function linked"}}),
    );
    // A maintenance answer in front of a real upstream: no declaration says that.
    service(&kong, "closed", "http://closed.internal/");
    let maintenance = kong.send(
        "POST",
        "/services/closed/plugins",
        json!({"name": "request-termination",
               "config": {"status_code": 503, "message": "down for maintenance"}}),
    );
    // Metrics with the three families `monitoring` turns on.
    service(&kong, "metered", "http://metered.internal/");
    let prometheus = kong.send(
        "POST",
        "/services/metered/plugins",
        json!({"name": "prometheus", "config": {"status_code_metrics": true,
               "latency_metrics": true, "bandwidth_metrics": true}}),
    );

    let ws = kong.workspace();
    ws.write(&imports(&["soon", "closed", "metered"]));
    let (plan, generated) = generate_config(&ws);
    assert!(
        plan.contains("3 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(generated.contains("monitoring {"), "{generated}");
    assert!(
        !generated.contains("no-function.dispatch.invalid"),
        "soon is function-less, not an upstream URL:\n{generated}"
    );
    assert!(!plan.contains(id(&answer)), "soon's 503 is adopted: {plan}");
    assert!(!plan.contains(id(&prometheus)), "adopted: {plan}");
    names_not_expressed(&plan, &maintenance);
    applies_and_replans_empty(&ws, &[&maintenance]);

    // A changing apply on every API tags what it writes; the maintenance answer is left alone.
    edit_generated(
        &ws,
        "\"http://metered.internal/\"",
        "\"http://metered-v2.internal/\"",
    );
    edit_generated(
        &ws,
        "\"http://closed.internal/\"",
        "\"http://closed-v2.internal/\"",
    );
    // (Terraform pads the `=`: replace the whole line.)
    let text = std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf");
    let per_consumer = text
        .lines()
        .find(|l| l.trim_start().starts_with("per_consumer"))
        .unwrap_or_else(|| panic!("per_consumer in:\n{text}"));
    edit_generated(&ws, per_consumer, "    per_consumer = true");
    ws.apply().success();
    let written = only_plugin(&kong, "prometheus");
    assert_eq!(written["id"], prometheus["id"]);
    assert!(has_ownership_tag(&written), "{written}");
    assert_eq!(written["config"]["per_consumer"], true);
    assert!(has_ownership_tag(&kong.get("/services/closed")));
    let left = kong.get(&format!("/plugins/{}", id(&maintenance)));
    assert_eq!(left, maintenance, "left alone");
    let still = kong.get(&format!("/plugins/{}", id(&answer)));
    assert_eq!(still["config"]["message"], "no function linked");
    applies_and_replans_empty(&ws, &[&maintenance]);
}
