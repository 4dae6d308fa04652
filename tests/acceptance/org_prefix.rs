//! An organization's APIs serve nothing outside `/<organization>/`: through terraform, what
//! lands in Kong is routed (as Kong's default router routes it, see `kong_sandbox::router`)
//! only under the prefix, whatever regex the paths hold.

use kong_sandbox::router::{self, Request};
use serde_json::{json, Value as Json};

use crate::harness::Kong;

const ORG: &str = "  organization = \"shop\"";

fn get(path: &str) -> Request<'_> {
    Request {
        method: "GET",
        host: "gateway.example.com",
        path,
    }
}

/// The names of the routes in Kong that take `path`.
fn routed(kong: &Kong, path: &str) -> Vec<String> {
    let routes = kong.list("routes");
    router::matching(&routes, &get(path))
        .into_iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect()
}

fn api(name: &str, paths: &str) -> String {
    format!(
        "resource \"dispatch_api\" \"{name}\" {{\n  name     = \"{name}\"\n  function = \"{name}\"\n  paths    = {paths}\n}}\n"
    )
}

#[test]
fn a_regex_path_cannot_route_requests_outside_the_organization() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(
        ORG,
        &api(
            "escape",
            r#"["~/a|/admin", "~/(?x) b # )|/other\n", "/plain"]"#,
        ),
    );
    ws.apply().success();
    let route = kong.get("/routes/shop.escape");
    assert_eq!(
        route["paths"],
        json!([
            "~/shop/(?:a|/admin)",
            "~/shop/(?:(?x) b # )|/other\n)",
            "/shop/plain"
        ])
    );
    for outside in [
        "/admin",
        "/admin/users",
        "/x/admin",
        "/other",
        "/plain",
        "/shopping",
    ] {
        assert!(
            routed(&kong, outside).is_empty(),
            "{outside} must not reach the organization's API"
        );
    }
    for inside in ["/shop/a", "/shop//admin", "/shop/b", "/shop/plain/x"] {
        assert_eq!(routed(&kong, inside), ["shop.escape"], "{inside}");
    }
    assert_eq!(ws.plan().code, 0, "the plan after apply is empty");
}

#[test]
fn a_path_that_cannot_stay_under_the_prefix_is_refused_at_plan_time() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(ORG, &api("q", r#"["/ok", "~/?admin"]"#));
    let run = ws.run(&["plan", "-json", "-input=false"]).failure();
    let error = run
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .find(|m| m["diagnostic"]["severity"] == "error")
        .unwrap_or_else(|| panic!("no error diagnostic:\n{}", run.output()));
    let diagnostic = &error["diagnostic"];
    assert_eq!(
        diagnostic["summary"],
        "Path cannot be kept under the organization's prefix"
    );
    assert!(
        diagnostic["detail"]
            .as_str()
            .is_some_and(|d| d.contains("optional or repeated")),
        "{diagnostic}"
    );
    // Terraform highlights the element the error is on: paths[1].
    let snippet = &diagnostic["snippet"];
    let code = snippet["code"].as_str().unwrap_or_default();
    let start = snippet["highlight_start_offset"].as_u64().unwrap_or(0) as usize;
    let end = snippet["highlight_end_offset"].as_u64().unwrap_or(0) as usize;
    assert_eq!(code.get(start..end), Some("\"~/?admin\""), "{diagnostic}");
    assert!(kong.managed("routes").is_empty());
    // Without an organization the same path is the user's own business.
    ws.write(&api("q", r#"["/ok", "~/?admin"]"#));
    ws.apply().success();
}

#[test]
fn an_unsafe_route_in_kong_shows_as_drift_and_apply_confines_it() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(ORG, &api("cart", r#"["~/a|/admin"]"#));
    ws.apply().success();
    // What an earlier version wrote (or someone by hand): the alternative reaches /admin.
    kong.send(
        "PATCH",
        "/routes/shop.cart",
        json!({"paths": ["~/shop/a|/admin"]}),
    );
    assert_eq!(routed(&kong, "/admin"), ["shop.cart"]);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        plan.output()
            .contains("(not kept under /shop/) ~/shop/a|/admin"),
        "{}",
        plan.output()
    );
    ws.apply().success();
    assert_eq!(
        kong.get("/routes/shop.cart")["paths"],
        json!(["~/shop/(?:a|/admin)"])
    );
    assert!(routed(&kong, "/admin").is_empty());
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn no_paths_serves_the_prefix_and_not_a_longer_organization() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(ORG, &api("root", "[]"));
    ws.apply().success();
    let paths: Json = kong.get("/routes/shop.root")["paths"].clone();
    assert_eq!(paths, json!(["/shop/", "~/shop$"]));
    for inside in ["/shop", "/shop/", "/shop/anything"] {
        assert_eq!(routed(&kong, inside), ["shop.root"], "{inside}");
    }
    for outside in ["/shopping", "/shopping/cart", "/", "/sho"] {
        assert!(routed(&kong, outside).is_empty(), "{outside}");
    }
    assert_eq!(ws.plan().code, 0);
    let state = ws.resource("dispatch_api.root").expect("state");
    assert_eq!(state["paths"], json!([]));
}
