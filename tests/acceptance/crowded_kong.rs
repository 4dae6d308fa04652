//! Many teams, one Kong: a plan of a few APIs beside thousands of foreign managed APIs (other
//! states of the same organization, and another organization) costs what the few APIs cost,
//! and still sees every drift.
//!
//! The foreign APIs are written straight into the sandbox with ids chosen around ours, so that
//! Kong's first page of the organization (1000 entities, in id order) holds exactly the lower
//! half of our services and routes: half of the lookups are served by the listing and half
//! read directly, and both are checked.

use kong_sandbox::SeedRequest;
use serde_json::json;

use crate::harness::{Kong, Workspace};

const APIS: usize = 12;
const ORG: &str = "team";
/// Kong's largest page, which the inventory lists with.
const PAGE: usize = 1000;
/// APIs of another organization, some with the names of ours.
const OTHER_ORG_APIS: usize = 300;

fn our_apis() -> String {
    (0..APIS)
        .map(|i| {
            format!(
                "resource \"dispatch_api\" \"a{i}\" {{\n  name     = \"api-{i}\"\n  function = \"fn-{i}\"\n}}\n"
            )
        })
        .collect()
}

/// The service and route ids of our APIs, in the order of their index.
fn our_ids(ws: &Workspace) -> Vec<(String, String)> {
    (0..APIS)
        .map(|i| {
            let api = ws
                .resource(&format!("dispatch_api.a{i}"))
                .expect("in state");
            let id = |field: &str| api[field].as_str().expect(field).to_string();
            (id("kong_service_id"), id("kong_route_id"))
        })
        .collect()
}

/// A random id below `bound` (or at or above it), as a UUID string compares.
fn id_on_side(bound: &str, below: bool) -> String {
    loop {
        let id = uuid::Uuid::new_v4().to_string();
        if (id.as_str() < bound) == below {
            return id;
        }
    }
}

/// The median of ids: as many of ours below it as at or above it.
fn median(mut ids: Vec<String>) -> String {
    ids.sort();
    ids[ids.len() / 2].clone()
}

/// An API as another state would have made it: a service and a route with the ownership tags.
fn foreign_api(org: &str, name: &str, service_id: &str, route_id: &str) -> [SeedRequest; 2] {
    let tags = json!([
        "managed-by:terraform-provider-dispatch",
        format!("dispatch-org:{org}"),
        format!("dispatch-api:{name}")
    ]);
    [
        SeedRequest {
            method: "PUT".into(),
            path: format!("/services/{service_id}"),
            body: json!({ "name": format!("{org}.{name}"), "host": "dispatch-function-manager",
                          "path": format!("/v1/functions/{name}/runs"), "tags": tags }),
        },
        SeedRequest {
            method: "PUT".into(),
            path: format!("/routes/{route_id}"),
            body: json!({ "name": format!("{org}.{name}"), "paths": [format!("/{org}/{name}")],
                          "service": { "id": service_id }, "tags": tags }),
        },
    ]
}

/// Applies our APIs in organization `team`, then fills Kong around them: foreign APIs of
/// `team` whose ids put exactly the lower half of our services and routes on the first page,
/// more of `team` after it, and another organization with the same API names as ours.
/// Returns, for each of our APIs, whether its service and whether its route is on the first
/// page.
fn crowded(kong: &Kong, ws: &Workspace) -> (Vec<bool>, Vec<bool>) {
    ws.write_with_provider(&format!("  organization = \"{ORG}\""), &our_apis());
    ws.apply().success();
    let ours = our_ids(ws);
    let service_bound = median(ours.iter().map(|(s, _)| s.clone()).collect());
    let route_bound = median(ours.iter().map(|(_, r)| r.clone()).collect());
    let first_page = PAGE - APIS / 2;
    let mut requests = Vec::new();
    for i in 0..first_page + 500 {
        let below = i < first_page;
        requests.extend(foreign_api(
            ORG,
            &format!("foreign-{i}"),
            &id_on_side(&service_bound, below),
            &id_on_side(&route_bound, below),
        ));
    }
    for i in 0..OTHER_ORG_APIS {
        let name = if i < APIS {
            format!("api-{i}")
        } else {
            format!("other-{i}")
        };
        let (service, route) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        requests.extend(foreign_api(
            "elsewhere",
            &name,
            &service.to_string(),
            &route.to_string(),
        ));
    }
    kong.sandbox.seeder().seed(&requests).expect("seeded");
    let listed_services = ours.iter().map(|(s, _)| *s < service_bound).collect();
    let listed_routes = ours.iter().map(|(_, r)| *r < route_bound).collect();
    (listed_services, listed_routes)
}

#[test]
fn a_plan_beside_thousands_of_foreign_apis_lists_one_page_of_each() {
    let kong = Kong::start();
    let ws = kong.workspace();
    crowded(&kong, &ws);

    kong.sandbox.controls().reset_requests();
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        0,
        "foreign APIs change nothing: {}",
        plan.output()
    );
    let requests = kong.sandbox.controls().requests();
    for collection in ["/services", "/routes"] {
        let listings: Vec<_> = requests.iter().filter(|r| r.path == collection).collect();
        assert_eq!(
            listings.len(),
            1,
            "one page of {collection}, never the whole organization: {listings:?}"
        );
        assert!(
            listings[0].query.contains("dispatch-org%3A") && listings[0].query.contains(ORG),
            "filtered by the organization: {}",
            listings[0].query
        );
    }
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "a plan only reads"
    );
    // Each lookup is served by a listing or read directly: at most one request per lookup
    // beyond the two pages, whatever the foreign APIs.
    assert!(
        requests.len() <= 2 + 2 * APIS,
        "{} requests: {requests:?}",
        requests.len()
    );
}

#[test]
fn drift_between_two_plans_is_seen_beside_thousands_of_foreign_apis() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let (listed_services, listed_routes) = crowded(&kong, &ws);
    assert_eq!(ws.plan().code, 0);

    // Out-of-band changes: a service and a route that the listing serves, and a service and a
    // route read directly (beyond the first page), and an API deleted.
    let pick = |listed: &[bool], want: bool, skip: &[usize]| {
        (0..APIS)
            .find(|i| listed[*i] == want && !skip.contains(i))
            .expect("half of our APIs on each side")
    };
    let service_listed = pick(&listed_services, true, &[]);
    let service_direct = pick(&listed_services, false, &[]);
    let route_listed = pick(&listed_routes, true, &[service_listed, service_direct]);
    let route_direct = pick(
        &listed_routes,
        false,
        &[service_listed, service_direct, route_listed],
    );
    let deleted = (0..APIS)
        .find(|i| ![service_listed, service_direct, route_listed, route_direct].contains(i))
        .expect("an API left");
    for i in [service_listed, service_direct] {
        kong.send(
            "PATCH",
            &format!("/services/{ORG}.api-{i}"),
            json!({"enabled": false}),
        );
    }
    for i in [route_listed, route_direct] {
        kong.send(
            "PATCH",
            &format!("/routes/{ORG}.api-{i}"),
            json!({"methods": ["DELETE"]}),
        );
    }
    kong.call("DELETE", &format!("/routes/{ORG}.api-{deleted}"), None);
    kong.call("DELETE", &format!("/services/{ORG}.api-{deleted}"), None);

    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    let out = plan.output();
    for i in [service_listed, service_direct, route_listed, route_direct] {
        assert!(
            out.contains(&format!("# dispatch_api.a{i} will be updated in-place")),
            "a{i}: {out}"
        );
    }
    assert!(
        out.contains(&format!("# dispatch_api.a{deleted} will be created")),
        "{out}"
    );
    assert!(
        out.contains("Plan: 1 to add, 4 to change, 0 to destroy"),
        "{out}"
    );
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
    // The foreign APIs were left alone.
    assert_eq!(
        kong.managed("services").len(),
        APIS + PAGE - APIS / 2 + 500 + OTHER_ORG_APIS
    );
}
