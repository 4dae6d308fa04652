//! Sharing one Kong (issue 14): two APIs whose routes would receive exactly the same requests
//! are an error naming the other route, at plan time when the other is in Kong or in the same
//! configuration, at apply time when the routing was unknown at plan; nothing is left behind.
//! Prefix overlaps and routes Kong orders (methods, hosts) stay allowed.

use kong_sandbox::{FaultAction, FaultRule, PagingFault};
use serde_json::json;

use crate::harness::{needs_sandbox, Kong, Workspace};

const SUMMARY: &str = "Another route receives the same requests";

/// A `dispatch_api` with these hosts, paths and methods (HCL lists).
fn api(address: &str, name: &str, hosts: &str, paths: &str, methods: &str) -> String {
    let methods = if methods.is_empty() {
        String::new()
    } else {
        format!("  methods  = [{methods}]\n")
    };
    format!(
        "resource \"dispatch_api\" \"{address}\" {{\n  name     = \"{name}\"\n  function = \"fn-{name}\"\n  hosts    = [{hosts}]\n  paths    = [{paths}]\n{methods}}}\n"
    )
}

/// Asserts that nothing of the provider's is in Kong.
#[track_caller]
fn assert_nothing_written(kong: &Kong) {
    assert!(
        kong.managed("services").is_empty(),
        "{:?}",
        kong.managed("services")
    );
    assert!(
        kong.managed("routes").is_empty(),
        "{:?}",
        kong.managed("routes")
    );
}

#[test]
fn an_unmanaged_route_with_the_same_routing_fails_the_plan() {
    let kong = Kong::start();
    kong.send(
        "POST",
        "/services",
        json!({"name": "legacy-orders", "url": "http://legacy.internal/"}),
    );
    let route = kong.send(
        "POST",
        "/services/legacy-orders/routes",
        json!({"hosts": ["unmanaged.conflict.test"], "paths": ["/orders"]}),
    );
    let route_id = route["id"].as_str().expect("id");
    let ws = kong.workspace();
    ws.write(&api(
        "orders",
        "orders",
        "\"unmanaged.conflict.test\"",
        "\"/orders\"",
        "",
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 1, "{}", plan.output());
    let out = plan.output();
    assert!(out.contains(SUMMARY), "{out}");
    assert!(
        out.contains(&format!(
            "the route `{route_id}` (with no name) of the service `legacy-orders`"
        )),
        "{out}"
    );
    assert!(
        out.contains("remove that route from Kong, or adopt its service"),
        "{out}"
    );
    assert!(out.contains("Nothing was written to Kong"), "{out}");
    // On the attribute: Terraform quotes its line.
    assert!(out.contains("paths = [\"/orders\"]"), "{out}");
    assert_nothing_written(&kong);

    // A longer path is normal routing: the plan goes through, and so does the apply.
    ws.write(&api(
        "orders",
        "orders",
        "\"unmanaged.conflict.test\"",
        "\"/orders/v2\"",
        "",
    ));
    ws.apply().success();
    assert_eq!(kong.managed("routes").len(), 1);
}

#[test]
fn an_api_of_another_state_with_the_same_routing_is_named() {
    let kong = Kong::start();
    let first = kong.workspace();
    first.write(&api(
        "orders",
        "orders",
        "\"other.conflict.test\"",
        "\"/orders\"",
        "",
    ));
    first.apply().success();

    let second = Workspace::new(&kong.url());
    second.write(&api(
        "copy",
        "orders-copy",
        "\"other.conflict.test\"",
        "\"/orders\"",
        "",
    ));
    let plan = second.plan();
    assert_eq!(plan.code, 1, "{}", plan.output());
    let out = plan.output();
    assert!(out.contains(SUMMARY), "{out}");
    assert!(
        out.contains("the API `orders` without an organization, already in Kong"),
        "{out}"
    );
    assert!(
        out.contains("or remove `orders` from the configuration that manages it first"),
        "{out}"
    );
    assert_eq!(kong.managed("services").len(), 1, "nothing written");

    // Changing the routing of an existing API into the other's is refused as well.
    second.write(&api(
        "copy",
        "orders-copy",
        "\"other.conflict.test\"",
        "\"/orders/copy\"",
        "",
    ));
    second.apply().success();
    second.write(&api(
        "copy",
        "orders-copy",
        "\"other.conflict.test\"",
        "\"/orders\"",
        "",
    ));
    let plan = second.plan();
    assert_eq!(plan.code, 1, "{}", plan.output());
    assert!(
        plan.output()
            .contains("the API `orders` without an organization"),
        "{}",
        plan.output()
    );
    // Re-planning an API whose routing does not change is never a conflict with itself.
    first.plan().success();
}

#[test]
fn the_api_of_another_organization_is_named_by_its_owner_and_route_id() {
    let kong = Kong::start();
    let blog = kong.workspace();
    blog.write_with_provider(
        "  organization = \"blog\"",
        &api("feed", "feed", "\"org.conflict.test\"", "\"/feed\"", ""),
    );
    blog.apply().success();
    let route_id = kong.managed("routes")[0]["id"]
        .as_str()
        .expect("id")
        .to_string();

    let shop = Workspace::new(&kong.url());
    shop.write_with_provider(
        "  organization = \"shop\"",
        &api(
            "feed",
            "shop-feed",
            "\"org.conflict.test\"",
            "\"/feed\"",
            "",
        ),
    );
    let plan = shop.plan();
    assert_eq!(plan.code, 1, "{}", plan.output());
    let out = plan.output();
    assert!(
        out.contains(&format!(
            "a route of the organization `blog` (route id `{route_id}`)"
        )),
        "{out}"
    );
    assert!(
        !out.contains("fn-feed"),
        "nothing else of the other organization: {out}"
    );
}

#[test]
fn two_apis_of_one_configuration_fail_the_plan_naming_each_other() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&format!(
        "{}{}",
        api(
            "a",
            "first",
            "\"pair.conflict.test\"",
            "\"/pay\"",
            "\"GET\", \"POST\""
        ),
        api(
            "b",
            "second",
            "\"pair.conflict.test\"",
            "\"/pay\"",
            "\"POST\""
        ),
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 1, "{}", plan.output());
    let out = plan.output();
    assert_eq!(
        out.matches(SUMMARY).count(),
        1,
        "one of the two fails: {out}"
    );
    assert!(
        out.contains("The API `second` would receive exactly the same requests as the API `first` of this configuration")
            || out.contains("The API `first` would receive exactly the same requests as the API `second` of this configuration"),
        "{out}"
    );
    assert_nothing_written(&kong);
}

#[test]
fn routing_unknown_at_plan_fails_one_api_at_apply_and_leaves_nothing_behind() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let body = format!(
        "resource \"terraform_data\" \"host\" {{\n  input = \"late.conflict.test\"\n}}\n{}{}",
        api("a", "first", "terraform_data.host.output", "\"/late\"", ""),
        api("b", "second", "terraform_data.host.output", "\"/late\"", ""),
    );
    ws.write(&body);
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        2,
        "unknown hosts cannot be compared at plan: {}",
        plan.output()
    );
    let apply = ws.apply();
    assert_ne!(apply.code, 0, "{}", apply.output());
    let out = apply.output();
    assert_eq!(out.matches(SUMMARY).count(), 1, "{out}");
    let (failed, created) = if out.contains("The API `second` would receive") {
        ("second", "first")
    } else {
        ("first", "second")
    };
    assert!(
        out.contains(&format!("as the API `{created}` of this configuration"))
            || out.contains(&format!("as the API `{created}` without an organization")),
        "{out}"
    );
    // Kong holds exactly the one that was created, and the state agrees.
    let services = kong.managed("services");
    assert_eq!(services.len(), 1, "{services:?}");
    assert_eq!(services[0]["name"], created);
    assert_eq!(kong.managed("routes").len(), 1);
    let apis: Vec<_> = ws
        .state_list()
        .into_iter()
        .filter(|a| a.starts_with("dispatch_api."))
        .collect();
    assert_eq!(apis.len(), 1, "{apis:?}");
    let address = if created == "first" {
        "dispatch_api.a"
    } else {
        "dispatch_api.b"
    };
    assert_eq!(apis[0], address);
    assert_ne!(created, failed);
}

#[test]
fn routes_kong_orders_are_allowed() {
    let kong = Kong::start();
    kong.send(
        "POST",
        "/services",
        json!({"name": "legacy-allowed", "url": "http://legacy.internal/"}),
    );
    // Unmanaged routes that Kong orders before or after the APIs below.
    kong.send(
        "POST",
        "/services/legacy-allowed/routes",
        json!({"hosts": ["allowed.conflict.test"], "paths": ["/a"], "headers": {"x-version": ["2"]}}),
    );
    kong.send(
        "POST",
        "/services/legacy-allowed/routes",
        json!({"hosts": ["allowed.conflict.test"], "paths": ["/r"], "methods": ["DELETE"]}),
    );
    let ws = kong.workspace();
    let host = "\"allowed.conflict.test\"";
    ws.write(
        &[
            // A prefix overlap: Kong prefers the longer path.
            api("prefix", "prefix", host, "\"/a\"", ""),
            api("longer", "longer", host, "\"/a/b\"", ""),
            // Disjoint methods.
            api("gets", "gets", host, "\"/m\"", "\"GET\""),
            api("posts", "posts", host, "\"/m\"", "\"POST\""),
            // One with methods, one without: the one with methods wins.
            api("any", "any", host, "\"/r\"", ""),
            api("put", "put", host, "\"/r\"", "\"PUT\""),
            // Different hosts.
            api(
                "other_host",
                "other-host",
                "\"elsewhere.conflict.test\"",
                "\"/a\"",
                "",
            ),
        ]
        .concat(),
    );
    ws.apply().success();
    assert_eq!(kong.managed("routes").len(), 7);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn routes_kong_will_not_list_leave_the_check_undone_with_a_warning() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api(
        "orders",
        "orders",
        "\"faults.conflict.test\"",
        "\"/orders\"",
        "",
    ));
    let fault = |action| {
        kong.sandbox.controls().clear_faults();
        kong.sandbox.controls().inject(FaultRule {
            method: Some("GET".into()),
            path_contains: Some("/routes".into()),
            skip: 0,
            times: usize::MAX,
            action,
        });
    };

    // Credentials that may not list routes (Enterprise RBAC): the plan goes on, and says so.
    fault(FaultAction::Status {
        status: 403,
        retry_after_secs: None,
    });
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    let out = plan.output();
    assert!(
        out.contains("Warning: Routing conflicts not checked"),
        "{out}"
    );
    assert!(out.contains("could not list Kong's routes to check that no other route receives the requests of the API `orders`"), "{out}");
    assert!(out.contains("403"), "{out}");
    assert!(
        out.contains("Allow the Admin API token to list `/routes`"),
        "{out}"
    );

    // Pages that never end: the same warning, naming the cause.
    fault(FaultAction::Paging(PagingFault::FreshOffset));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    let out = plan.output();
    assert!(
        out.contains("Warning: Routing conflicts not checked"),
        "{out}"
    );
    assert!(out.contains("stopped following Kong's pages"), "{out}");
    // (The test's own listing of routes would follow the endless pages too.)
    kong.sandbox.controls().clear_faults();
    assert_nothing_written(&kong);
}

#[test]
fn without_paths_the_error_is_on_hosts() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&format!(
        "{}{}",
        api("a", "whole-host", "\"hostonly.conflict.test\"", "", ""),
        api("b", "same-host", "\"hostonly.conflict.test\"", "", ""),
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 1, "{}", plan.output());
    let out = plan.output();
    assert_eq!(out.matches(SUMMARY).count(), 1, "{out}");
    assert!(
        out.contains("hosts = [\"hostonly.conflict.test\"]"),
        "on hosts: {out}"
    );
    assert_nothing_written(&kong);
}
