//! Round trips to Kong are pinned, so a regression fails CI; and the shared listing that makes
//! refreshes cheap never hides drift.

use serde_json::json;

use crate::harness::{is_configure_probe, needs_sandbox, Kong};

const APIS: usize = 12;

fn many_apis() -> String {
    (0..APIS)
        .map(|i| {
            format!(
                "resource \"dispatch_api\" \"a{i}\" {{\n  name     = \"api-{i}\"\n  function = \"fn-{i}\"\n}}\n"
            )
        })
        .collect()
}

fn count(kong: &Kong, method: &str) -> usize {
    kong.sandbox
        .controls()
        .requests()
        .iter()
        .filter(|r| r.method == method && !is_configure_probe(r))
        .count()
}

/// (requests for the APIs, configure's probes) since the last reset.
fn costs(kong: &Kong) -> (usize, usize) {
    let requests = kong.sandbox.controls().requests();
    let probes = requests.iter().filter(|r| is_configure_probe(r)).count();
    (requests.len() - probes, probes)
}

#[test]
fn create_refresh_and_destroy_cost_what_they_should() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&many_apis());

    kong.sandbox.controls().reset_requests();
    ws.apply().success();
    // Each of the apply's two provider processes (its plan, then its apply, which plans each
    // change again) lists Kong's routes once for all its new APIs, to find routes that would
    // receive the same requests: one more request per process, whatever the number of APIs.
    let route_listings = 2;
    assert_eq!(
        costs(&kong),
        (2 * APIS + route_listings, 2),
        "creating a public API is one PUT of its service and one of its route; apply configures \
         the provider twice (its plan, then its apply), each checking Kong once: {:?}",
        kong.sandbox.controls().requests()
    );
    assert_eq!(count(&kong, "PUT"), 2 * APIS);
    let listings = kong
        .requests_past_configure()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/routes" && !r.query.contains("tags"))
        .count();
    assert_eq!(
        listings, route_listings,
        "one listing of every route per process"
    );

    kong.sandbox.controls().reset_requests();
    assert_eq!(ws.plan().code, 0);
    let (refresh, probes) = costs(&kong);
    assert_eq!(probes, 1, "a plan checks Kong once");
    // The first lookups go straight to Kong; then one listing of services and one of routes
    // serves every other read.
    let direct = dispatch_provider::kong::inventory::DIRECT_READS;
    assert_eq!(
        refresh,
        direct + 2,
        "{:?}",
        kong.sandbox.controls().requests()
    );
    assert!(refresh <= APIS, "at most one request per API on average");
    assert_eq!(count(&kong, "GET"), refresh, "a refresh only reads");
    assert!(
        kong.requests_past_configure()
            .iter()
            .all(|r| r.path != "/routes" || r.query.contains("tags")),
        "a plan that changes no routing never lists every route"
    );

    kong.sandbox.controls().reset_requests();
    ws.destroy().success();
    // Destroy refreshes first, then deletes each route and service.
    assert_eq!(count(&kong, "DELETE"), 2 * APIS);
}

#[test]
fn drift_between_two_plans_is_always_seen() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&many_apis());
    ws.apply().success();
    assert_eq!(ws.plan().code, 0, "the listing serves a clean plan");

    // Out-of-band changes to APIs that the listing (not a direct read) serves.
    kong.send("PATCH", "/routes/api-9", json!({"methods": ["DELETE"]}));
    kong.send("PATCH", "/services/api-10", json!({"enabled": false}));
    kong.call("DELETE", "/routes/api-11", None);
    kong.call("DELETE", "/services/api-11", None);

    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    let out = plan.output();
    assert!(
        out.contains("# dispatch_api.a9 will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("# dispatch_api.a10 will be updated in-place"),
        "{out}"
    );
    assert!(out.contains("# dispatch_api.a11 will be created"), "{out}");
    assert!(
        out.contains("Plan: 1 to add, 2 to change, 0 to destroy"),
        "{out}"
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
}
