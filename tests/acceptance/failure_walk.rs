//! A failure walked through every Admin API request of a create, an update and a delete.
//!
//! For each scenario (a configuration applied cleanly first, then the configuration whose apply
//! is walked), a clean run records the Admin API requests that apply makes. Then, for each of
//! those requests and each way a request can fail, a fresh sandbox fails exactly that request
//! (through every retry), and the test checks that:
//! - the apply fails with a diagnostic that says what happened;
//! - Kong holds no orphaned managed entity: every managed service, route and plugin belongs to
//!   an API in the state, and the state agrees with Kong (a refresh-only plan is empty);
//! - with the failure gone, `plan` and `apply` converge, the next plan is empty, and Kong holds
//!   exactly what the clean run left, with no manual clean-up.
//!
//! A new resource joins by adding a [`Scenario`] (its configuration) and, in [`owners`], the
//! state attributes that name its Kong entities.

use std::collections::BTreeSet;

use kong_sandbox::{FaultAction, FaultRule, RequestRecord};
use serde_json::Value as Json;

use crate::harness::{Kong, Workspace};

/// Attempts of one request: the harness configures `max_retries = 1`.
const ATTEMPTS: usize = 2;

/// One walked apply.
pub struct Scenario {
    /// Name, for messages.
    pub name: &'static str,
    /// Configuration applied cleanly before the walked apply ("" for none).
    pub before: String,
    /// Done to Kong between the two applies (out-of-band changes the walked apply repairs).
    pub prepare: Option<fn(&Kong)>,
    /// Configuration whose apply is walked.
    pub after: String,
    /// The walked apply deletes. Terraform keeps the prior state of an object whose delete
    /// failed (the protocol has no partial state for a delete), so the state may still name
    /// entities that were deleted before the failure, until the next refresh drops them.
    pub deletes: bool,
}

/// The ways one request fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Kong answers 500 without doing anything, on every attempt.
    ServerError,
    /// Kong does the write but the answer is lost (a 502 from a proxy), on every attempt.
    LostAnswer,
    /// The connection is closed before Kong answers or does anything, on every attempt.
    Reset,
}

impl Failure {
    const ALL: [Failure; 3] = [Failure::ServerError, Failure::LostAnswer, Failure::Reset];

    fn action(self) -> FaultAction {
        match self {
            Failure::ServerError => FaultAction::Status {
                status: 500,
                retry_after_secs: None,
            },
            Failure::LostAnswer => FaultAction::StatusAfterApply { status: 502 },
            Failure::Reset => FaultAction::Reset,
        }
    }

    /// A lost answer to a read is just a failed read: walked once, as a server error.
    fn matters_for(self, method: &str) -> bool {
        self != Failure::LostAnswer || method != "GET"
    }

    /// What the diagnostic must say.
    fn phrase(self) -> &'static str {
        match self {
            Failure::ServerError => "Kong answered 500",
            Failure::LostAnswer => "Kong answered 502",
            Failure::Reset => "Cannot reach Kong",
        }
    }

    /// The status the sandbox records for the failed request.
    fn recorded_status(self) -> u16 {
        match self {
            Failure::ServerError => 500,
            Failure::LostAnswer => 502,
            Failure::Reset => 0,
        }
    }
}

/// One request of the clean run, and how to pick the same request out of another run: the
/// ids in paths differ between runs (the provider chooses new ones), so a request is known by
/// its method, its collection and how many requests of that kind came before it.
#[derive(Debug, Clone)]
pub struct Point {
    /// HTTP method.
    pub method: String,
    /// Path in the clean run.
    pub path: String,
    /// `/services`, `/routes`, `/plugins`, ...
    pub collection: String,
    /// Earlier requests with the same method whose path holds the collection.
    pub skip: usize,
}

impl Point {
    fn rule(&self, failure: Failure) -> FaultRule {
        FaultRule {
            method: Some(self.method.clone()),
            path_contains: Some(self.collection.clone()),
            skip: self.skip,
            times: ATTEMPTS,
            action: failure.action(),
        }
    }
}

/// The failure points of a clean run's requests.
pub fn points(requests: &[RequestRecord]) -> Vec<Point> {
    requests
        .iter()
        .enumerate()
        .map(|(i, request)| {
            let first = request
                .path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            let collection = format!("/{first}");
            let skip = requests[..i]
                .iter()
                .filter(|r| r.method == request.method && r.path.contains(&collection))
                .count();
            Point {
                method: request.method.clone(),
                path: request.path.clone(),
                collection,
                skip,
            }
        })
        .collect()
}

/// The Kong collections the provider manages entities in, and the foreign keys through which
/// an entity belongs to another one. New resources add theirs (certificates and `snis` by
/// `certificate`, consumers and their credentials and ACLs by `consumer`, ...).
const COLLECTIONS: &[&str] = &["services", "routes", "plugins"];
const FOREIGN_KEYS: &[&str] = &["service", "route", "consumer", "certificate"];

/// What identifies an entity across runs: its name, else its username, else its id.
fn stable_key(entity: &Json) -> Json {
    ["name", "username"]
        .iter()
        .map(|k| &entity[*k])
        .find(|v| v.is_string())
        .cloned()
        .unwrap_or_else(|| entity["id"].clone())
}

/// Every managed entity, with its collection.
fn managed_entities(kong: &Kong) -> Vec<(&'static str, Json)> {
    COLLECTIONS
        .iter()
        .flat_map(|c| kong.managed(c).into_iter().map(move |e| (*c, e)))
        .collect()
}

/// Kong's managed entities with what differs between runs (ids, timestamps) taken out, and
/// references written as the stable key of what they reference: what two runs of one
/// configuration share.
pub fn managed_snapshot(kong: &Kong) -> Vec<Json> {
    let all = managed_entities(kong);
    let key_of = |reference: &Json| -> Json {
        all.iter()
            .find(|(_, e)| e["id"] == reference["id"])
            .map(|(_, e)| stable_key(e))
            .unwrap_or_else(|| Json::String(format!("missing entity {}", reference["id"])))
    };
    let mut out: Vec<Json> = all
        .iter()
        .map(|(collection, entity)| {
            let mut entity = entity.clone();
            let object = entity.as_object_mut().expect("entities are objects");
            for field in ["id", "created_at", "updated_at"] {
                object.remove(field);
            }
            for field in FOREIGN_KEYS {
                if let Some(reference) = object.get(*field).filter(|r| !r.is_null()).cloned() {
                    object.insert((*field).into(), key_of(&reference));
                }
            }
            object.insert("collection".into(), Json::String((*collection).into()));
            entity
        })
        .collect();
    out.sort_by_key(|e| e.to_string());
    out
}

/// Every id the state holds (any attribute whose value is a UUID).
fn owners(resources: &[Json]) -> BTreeSet<String> {
    resources
        .iter()
        .filter_map(|r| r["values"].as_object())
        .flat_map(|values| values.values())
        .filter_map(Json::as_str)
        .filter(|v| uuid::Uuid::parse_str(v).is_ok())
        .map(str::to_string)
        .collect()
}

/// Every managed entity Kong holds belongs to something in the state: by its own id, or
/// through a foreign key to an entity that does (a plugin to its service, ...).
fn assert_no_orphans(kong: &Kong, ws: &Workspace, context: &str) {
    let resources = ws.state_resources();
    let owned = owners(&resources);
    let all = managed_entities(kong);
    let belongs = |entity: &Json| {
        let mut current = entity.clone();
        for _ in 0..4 {
            if current["id"].as_str().is_some_and(|id| owned.contains(id)) {
                return true;
            }
            let Some(parent) = FOREIGN_KEYS
                .iter()
                .filter_map(|k| current[*k]["id"].as_str())
                .find_map(|id| all.iter().find(|(_, e)| e["id"] == id))
            else {
                return FOREIGN_KEYS.iter().any(|k| {
                    current[*k]["id"]
                        .as_str()
                        .is_some_and(|id| owned.contains(id))
                });
            };
            current = parent.1.clone();
        }
        false
    };
    for (collection, entity) in &all {
        assert!(
            belongs(entity),
            "{context}: orphaned {collection} entity {entity}\nstate: {resources:?}"
        );
    }
}

/// After a failed delete: what Kong still holds is exactly as the state says (the state may
/// also name entities already deleted, see [`Scenario::deletes`]).
fn assert_names_only_what_was_deleted(kong: &Kong, ws: &Workspace, context: &str) {
    for resource in ws.state_resources() {
        let values = &resource["values"];
        let Some(service_id) = values["kong_service_id"].as_str() else {
            continue;
        };
        let (status, service) = kong.call("GET", &format!("/services/{service_id}"), None);
        if status == 404 {
            continue;
        }
        assert_eq!(service["name"], values["name"], "{context}: {service}");
        if let Some(route_id) = values["kong_route_id"].as_str() {
            let (status, route) = kong.call("GET", &format!("/routes/{route_id}"), None);
            if status != 404 {
                assert_eq!(route["name"], values["name"], "{context}: {route}");
                assert_eq!(route["service"]["id"], service_id, "{context}: {route}");
            }
        }
    }
}

/// The clean run: applies `before`, then records the requests of applying `after`. Returns
/// those requests and what Kong holds at the end.
fn clean_run(scenario: &Scenario) -> (Vec<RequestRecord>, Vec<Json>) {
    let kong = Kong::start();
    let ws = kong.workspace();
    setup(&kong, &ws, scenario);
    kong.sandbox.controls().reset_requests();
    ws.apply().success();
    let requests = kong.sandbox.controls().requests();
    assert_eq!(
        ws.plan().code,
        0,
        "{}: the clean run converges",
        scenario.name
    );
    (requests, managed_snapshot(&kong))
}

fn setup(kong: &Kong, ws: &Workspace, scenario: &Scenario) {
    if !scenario.before.is_empty() {
        ws.write(&scenario.before);
        ws.apply().success();
    }
    if let Some(prepare) = scenario.prepare {
        prepare(kong);
        // Record the out-of-band change, so that the state agrees with Kong before the walk.
        ws.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
            .success();
    }
    ws.write(&scenario.after);
}

/// One failure at one point: the invariants after the failure, then convergence.
fn fail_at(scenario: &Scenario, point: &Point, failure: Failure, expected: &[Json]) {
    let context = format!(
        "{}: {failure:?} at {} {} (#{} of its kind)",
        scenario.name, point.method, point.path, point.skip
    );
    let kong = Kong::start();
    let ws = kong.workspace();
    setup(&kong, &ws, scenario);
    let controls = kong.sandbox.controls();
    controls.reset_requests();
    controls.inject(point.rule(failure));

    let run = ws.apply();
    let out = run.output();
    if point.method == "GET" && point.path == "/snis" {
        // Listing the SNIs only checks that HTTPS hosts have a certificate, after the API is
        // applied: its failure is a warning, and Kong already holds what the run declared.
        assert_eq!(run.code, 0, "{context}: the apply succeeds: {out}");
        assert!(
            out.contains("Could not check the hosts' certificates"),
            "{context}: the warning says so: {out}"
        );
        controls.clear_faults();
        assert_eq!(ws.plan().code, 0, "{context}: nothing is left to do");
        assert_eq!(
            managed_snapshot(&kong),
            expected,
            "{context}: Kong holds what the clean run left"
        );
        return;
    }
    assert_ne!(run.code, 0, "{context}: the apply must fail: {out}");
    assert!(
        out.contains(failure.phrase()),
        "{context}: the diagnostic says what happened: {out}"
    );
    let failed = controls
        .requests()
        .iter()
        .filter(|r| r.method == point.method && r.status == failure.recorded_status())
        .count();
    assert!(
        failed >= ATTEMPTS,
        "{context}: the request failed on every attempt: {:?}",
        controls.requests()
    );
    controls.clear_faults();

    assert_no_orphans(&kong, &ws, &context);
    if scenario.deletes {
        assert_names_only_what_was_deleted(&kong, &ws, &context);
    }
    let refresh = ws.run(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
    ]);
    if !scenario.deletes {
        assert_eq!(
            refresh.code,
            0,
            "{context}: the state must agree with Kong: {}",
            refresh.output()
        );
    }

    let plan = ws.plan();
    assert!(
        plan.code == 0 || plan.code == 2,
        "{context}: plan after the failure: {}",
        plan.output()
    );
    let apply = ws.apply();
    assert_eq!(
        apply.code,
        0,
        "{context}: apply converges: {}",
        apply.output()
    );
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        0,
        "{context}: the next plan is empty: {}",
        plan.output()
    );
    assert_eq!(
        managed_snapshot(&kong),
        expected,
        "{context}: Kong holds what the clean run left"
    );
}

/// Walks every failure through every request of the scenario's apply.
pub fn walk(scenario: &Scenario) {
    let (requests, expected) = clean_run(scenario);
    assert!(
        !requests.is_empty(),
        "{}: the walked apply talks to Kong",
        scenario.name
    );
    for point in points(&requests) {
        for failure in Failure::ALL {
            if failure.matters_for(&point.method) {
                fail_at(scenario, &point, failure, &expected);
            }
        }
    }
}

/// An API without a function: a service, a route and a request-termination plugin.
const UNLINKED: &str = r#"
resource "dispatch_api" "walk" {
  name    = "walk"
  hosts   = ["walk.example.com"]
  methods = ["GET"]
}
"#;

/// An API with a function: a service and a route.
const LINKED: &str = r#"
resource "dispatch_api" "walk" {
  name     = "walk"
  function = "walker"
  hosts    = ["walk.example.com"]
  methods  = ["GET"]
}
"#;

/// `LINKED` renamed and changed everywhere, so that every entity is written.
const LINKED_CHANGED: &str = r#"
resource "dispatch_api" "walk" {
  name     = "walked"
  function = "runner"
  hosts    = ["walked.example.com"]
  methods  = ["GET", "POST"]
  https    = "required"
}
"#;

#[test]
fn create_survives_a_failure_at_any_request() {
    walk(&Scenario {
        name: "create",
        before: String::new(),
        prepare: None,
        after: UNLINKED.into(),
        deletes: false,
    });
}

#[test]
fn update_that_links_a_function_survives_a_failure_at_any_request() {
    walk(&Scenario {
        name: "update (link)",
        before: UNLINKED.into(),
        prepare: None,
        after: LINKED_CHANGED.into(),
        deletes: false,
    });
}

#[test]
fn update_that_unlinks_the_function_survives_a_failure_at_any_request() {
    walk(&Scenario {
        name: "update (unlink)",
        before: LINKED.into(),
        prepare: None,
        after: UNLINKED.replace("GET", "PUT"),
        deletes: false,
    });
}

#[test]
fn repair_of_a_deleted_route_survives_a_failure_at_any_request() {
    walk(&Scenario {
        name: "route repair",
        before: LINKED.into(),
        prepare: Some(|kong| {
            kong.call("DELETE", "/routes/walk", None);
        }),
        after: LINKED.into(),
        deletes: false,
    });
}

#[test]
fn delete_survives_a_failure_at_any_request() {
    walk(&Scenario {
        name: "delete",
        before: UNLINKED.into(),
        prepare: None,
        after: String::new(),
        deletes: true,
    });
}

#[test]
fn a_create_that_times_out_leaves_nothing_behind_even_when_kong_finishes_it_later() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider("  request_timeout_ms = 300", LINKED);
    // Kong takes a second over every attempt to create the service, and does it anyway.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: ATTEMPTS,
        action: FaultAction::Delay(std::time::Duration::from_secs(1)),
    });
    let out = ws.apply().failure().output();
    assert!(
        out.contains("did not answer within 300 ms (request_timeout_ms)"),
        "{out}"
    );
    // Kong finishes the slow requests after the provider gave up on them, and after its undo.
    let controls = kong.sandbox.controls();
    let landed = || {
        controls
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.status == 200)
            .count()
    };
    let started = std::time::Instant::now();
    while landed() < ATTEMPTS && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(landed(), ATTEMPTS, "{:?}", controls.requests());
    assert_eq!(kong.managed("services").len(), 1, "the late write landed");
    assert_no_orphans(&kong, &ws, "timed-out create");
    let state = ws.state_resources();
    assert_eq!(
        state[0]["tainted"], true,
        "tracked, to be replaced: {state:?}"
    );
    controls.clear_faults();
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
    assert_eq!(kong.managed("services").len(), 1);
    assert_eq!(kong.managed("routes").len(), 1);
}
