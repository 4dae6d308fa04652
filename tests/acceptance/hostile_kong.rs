//! A Kong (or a proxy in front of it) that answers like no Kong does, through real Terraform:
//! list pages that never end and answers of a gigabyte end the command with a clear error
//! naming the request, after a bounded number of requests (the sandbox's hostile faults).

use kong_sandbox::{FaultAction, FaultRule, PagingFault};

use crate::harness::{needs_sandbox, Kong, Run};

const LISTING: &str = "data \"dispatch_apis\" \"all\" {}\n";

fn always(kong: &Kong, path: &str, action: FaultAction) {
    kong.sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some(path.into()),
        skip: 0,
        times: usize::MAX,
        action,
    });
}

/// How many list requests the provider sent for `path`.
fn listed(kong: &Kong, path: &str) -> usize {
    kong.sandbox
        .controls()
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}

/// A plan of `dispatch_apis` after one API was created.
fn plan_listing(kong: &Kong, action: FaultAction) -> Run {
    let ws = kong.workspace();
    ws.write(&format!(
        "resource \"dispatch_api\" \"a\" {{\n  name = \"a\"\n}}\n{LISTING}"
    ));
    ws.run(&[
        "apply",
        "-auto-approve",
        "-target=dispatch_api.a",
        "-no-color",
    ])
    .success();
    always(kong, "/services", action);
    kong.sandbox.controls().reset_requests();
    ws.run(&["plan", "-no-color", "-input=false"]).failure()
}

#[test]
fn the_same_page_under_a_new_offset_every_time_ends_at_the_second_page() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let run = plan_listing(&kong, FaultAction::Paging(PagingFault::FreshOffset));
    let out = run.output();
    assert!(
        out.contains("Unexpected answer from Kong while trying to"),
        "{out}"
    );
    assert!(
        out.contains("GET /services: stopped following Kong's pages: page 2 lists"),
        "{out}"
    );
    assert!(out.contains("a proxy in front of it"), "{out}");
    assert_eq!(listed(&kong, "/services"), 2, "{out}");
}

#[test]
fn pages_that_never_repeat_end_at_the_page_budget() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let run = plan_listing(&kong, FaultAction::Paging(PagingFault::FreshEntities));
    let out = run.output();
    let budget = dispatch_provider::kong::paging::MAX_PAGES;
    assert!(
        out.contains(&format!(
            "GET /services: stopped following Kong's pages: {budget} pages holding {budget} entities"
        )),
        "{out}"
    );
    assert_eq!(listed(&kong, "/services"), budget);
}

#[test]
fn a_gigabyte_answer_is_refused_at_the_cap() {
    if needs_sandbox("fault injection") {
        return;
    }
    for declared in [false, true] {
        let kong = Kong::start();
        let run = plan_listing(
            &kong,
            FaultAction::HugeBody {
                bytes: 1 << 30,
                declared,
            },
        );
        let out = run.output();
        assert!(
            out.contains(
                "GET /services: Kong's answer is larger than 33554432 bytes (32 MiB), the most the provider reads from one Admin API answer"
            ),
            "{out}"
        );
        assert_eq!(
            out.contains("(it announced 1073741824 bytes)"),
            declared,
            "{out}"
        );
        assert_eq!(listed(&kong, "/services"), 1, "not retried: {out}");
    }
}

/// A refresh of more APIs than the first direct reads goes through the inventory's listing
/// (`src/kong/inventory.rs`). Behind a proxy that makes up every page (new ids, a new offset),
/// nothing the pages hold is one of ours: the plan still reads each entity directly, shows no
/// change, and lists only as far as the listing budget allows.
///
/// The APIs have an upstream, so that reading them needs no plugins: the fault makes up every
/// list under `/services`, a service's own plugins too, and which lookups are among the first
/// (read directly) depends on how the refreshes interleave.
#[test]
fn a_refresh_behind_made_up_pages_reads_directly_and_plans_no_change() {
    if needs_sandbox("fault injection and request counts") {
        return;
    }
    use dispatch_provider::kong::inventory::LISTED_PER_LOOKUP;
    const APIS: usize = 6;
    let kong = Kong::start();
    let ws = kong.workspace();
    let body: String = (0..APIS)
        .map(|i| {
            format!(
                "resource \"dispatch_api\" \"a{i}\" {{\n  name = \"a{i}\"\n  upstream_url = \"http://up.internal\"\n}}\n"
            )
        })
        .collect();
    ws.write(&body);
    ws.apply().success();
    for path in ["/services", "/routes"] {
        always(&kong, path, FaultAction::Paging(PagingFault::FreshEntities));
    }
    kong.sandbox.controls().reset_requests();

    let plan = ws.plan();
    assert_eq!(plan.code, 0, "no change: {}", plan.output());
    let made_up = listed(&kong, "/services") + listed(&kong, "/routes");
    let requests = kong.requests_past_configure();
    assert_eq!(
        listed(&kong, "/plugins"),
        0,
        "no plugin is read: {requests:?}"
    );
    let direct = requests.len() - made_up;
    assert_eq!(
        direct,
        2 * APIS,
        "a direct read of each service and route: {requests:?}"
    );
    // A made-up page lists APIS entities; a collection's next page comes only while it has
    // listed at most LISTED_PER_LOOKUP per lookup seen (2 * APIS: a service and a route of
    // each API).
    let per_collection = LISTED_PER_LOOKUP * 2 * APIS / APIS + 1;
    assert!(made_up >= 1, "the listing was tried: {requests:?}");
    assert!(made_up <= 2 * per_collection, "{made_up} made-up pages");
}

/// Issue 12, item 8: `terraform import dispatch_api.x ..` sent `GET /`, and `.` sent
/// `GET /consumers/`: `.` and `..` (and their percent-encoded forms) are refused as import ids
/// and usernames before any request.
#[test]
fn dot_segments_are_refused_before_any_request() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(
        r#"
resource "dispatch_api" "x" {
  name     = "x"
  function = "x"
}

resource "dispatch_basic_auth_user" "x" {
  username = "x"
  password = "correct horse battery staple"
}

resource "dispatch_certificate" "x" {
  certificate = "-----BEGIN CERTIFICATE-----"
  private_key = "-----BEGIN PRIVATE KEY-----"
}
"#,
    );
    kong.sandbox.controls().reset_requests();
    for (address, id) in [
        ("dispatch_api.x", ".."),
        ("dispatch_api.x", "%2e%2E"),
        ("dispatch_basic_auth_user.x", "."),
        ("dispatch_certificate.x", ".."),
    ] {
        let out = ws.import(address, id).failure().output();
        assert!(out.contains("Invalid import id"), "{address} {id}: {out}");
        assert!(
            out.contains(&format!("`{id}` cannot be an import id")),
            "{out}"
        );
    }
    assert_eq!(kong.requests_past_configure().len(), 0, "no request");

    for username in [".", ".."] {
        ws.write(&format!(
            "resource \"dispatch_basic_auth_user\" \"dots\" {{\n  username = \"{username}\"\n  password = \"correct horse battery staple\"\n}}\n"
        ));
        let out = ws.plan().failure().output();
        assert!(out.contains("Invalid username"), "{out}");
        assert!(
            out.contains(&format!("`{username}` cannot be a username")),
            "{out}"
        );
    }
    assert_eq!(kong.requests_past_configure().len(), 0, "no request");
}
