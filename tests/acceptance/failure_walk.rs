//! A failure walked through every Admin API request of a create, an update and a delete.
//!
//! For each scenario (a configuration applied cleanly first, then the configuration whose apply
//! is walked), a clean run records the Admin API requests that apply makes. Then, for each of
//! those requests and each way a request can fail, a fresh sandbox fails exactly that request
//! (through every retry), and the test checks that:
//! - the apply fails with a diagnostic that says what happened;
//! - Kong holds no orphaned managed entity: every managed entity (services, routes, plugins,
//!   certificates and their SNIs, consumers and their credentials and ACLs) belongs to a
//!   resource in the state, and the state agrees with Kong (a refresh-only plan is empty);
//! - with the failure gone, `plan` and `apply` converge, the next plan is empty, and Kong holds
//!   exactly what the clean run left, with no manual clean-up.
//!
//! A new resource joins by adding [`Scenario`]s (its configurations), its Kong collections to
//! [`COLLECTIONS`], and its check to [`assert_names_only_what_was_deleted`].

use std::collections::BTreeSet;

use kong_sandbox::{FaultAction, FaultRule, RequestRecord};
use serde_json::Value as Json;

use crate::certs::{CertSpec, Issued, KeyKind};
use crate::harness::{is_configure_probe, needs_sandbox, Kong, Workspace};
use crate::idp::{FakeIdp, Key};

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

    /// A read that fails is a failed read, however it fails (the client's tests cover how
    /// each way is told apart): reads are walked once, as a server error. Writes are walked
    /// with every failure, since a lost answer (done, but not known to be) and a refused
    /// request leave Kong in different places.
    fn matters_for(self, method: &str) -> bool {
        method != "GET" || self == Failure::ServerError
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

/// The failure points of a clean run's requests. Configure's check of Kong is none: its
/// failures are left to the requests that need Kong (`configure.rs` proves it).
pub fn points(requests: &[RequestRecord]) -> Vec<Point> {
    let requests: Vec<RequestRecord> = requests
        .iter()
        .filter(|r| !is_configure_probe(r))
        .cloned()
        .collect();
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
/// an entity belongs to another one.
const COLLECTIONS: &[&str] = &[
    "services",
    "routes",
    "plugins",
    "certificates",
    "snis",
    "consumers",
    "basic-auths",
    "acls",
    "jwts",
];
const FOREIGN_KEYS: &[&str] = &["service", "route", "consumer", "certificate"];

/// Collections whose entities Kong creates untagged for the provider: the SNIs a certificate's
/// `snis` field makes (`kong/db/dao/snis.lua` `insert_list` sets only the name and the
/// certificate). They belong to their certificate, and go with it.
const UNTAGGED: &[(&str, &str)] = &[("snis", "certificate")];

/// What identifies an entity across runs: its name, else its username, else (a certificate)
/// its PEM, else its id.
fn stable_key(entity: &Json) -> Json {
    ["name", "username", "cert"]
        .iter()
        .map(|k| &entity[*k])
        .find(|v| v.is_string())
        .cloned()
        .unwrap_or_else(|| entity["id"].clone())
}

/// Every managed entity, with its collection: the tagged ones, and the untagged children of
/// tagged entities (see [`UNTAGGED`]).
fn managed_entities(kong: &Kong) -> Vec<(&'static str, Json)> {
    let mut all: Vec<(&'static str, Json)> = COLLECTIONS
        .iter()
        .flat_map(|c| kong.managed(c).into_iter().map(move |e| (*c, e)))
        .collect();
    for (collection, parent_key) in UNTAGGED {
        let children: Vec<Json> = kong
            .list(collection)
            .into_iter()
            .filter(|child| {
                !all.iter().any(|(_, e)| e["id"] == child["id"])
                    && all.iter().any(|(_, e)| e["id"] == child[*parent_key]["id"])
            })
            .collect();
        all.extend(children.into_iter().map(|c| (*collection, c)));
    }
    all
}

/// Kong's managed entities with what differs between runs (ids, timestamps, a basic-auth
/// password's hash, salted with the consumer's id, and the secret Kong generates for a jwt
/// credential) taken out, and references written as the
/// stable key of what they reference: what two runs of one configuration share. (Whether
/// Kong holds the declared password is checked by the empty plan: a refresh compares it.)
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
            match *collection {
                "basic-auths" => {
                    object.remove("password");
                }
                // Kong makes up a shared secret for a jwt credential that has none; the
                // provider's are public keys, and never send one.
                "jwts" => {
                    object.remove("secret");
                }
                _ => {}
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

/// The tags that name an OpenID Connect issuer's entities (its consumer, and the plugins of
/// every API using it).
fn issuer_tags(entity: &Json) -> Vec<&str> {
    entity["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(Json::as_str)
                .filter(|t| t.starts_with("dispatch-oidc-issuer:"))
                .collect()
        })
        .unwrap_or_default()
}

/// Every managed entity Kong holds belongs to something in the state: by its own id, through a
/// foreign key to an entity that does (a plugin to its service, an SNI to its certificate, an
/// ACL to its consumer, ...), or, for an issuer's consumer shared by the APIs that trust the
/// issuer, through a plugin that belongs and carries the issuer's tag.
fn assert_no_orphans(kong: &Kong, ws: &Workspace, context: &str) {
    let resources = ws.state_resources();
    let owned = owners(&resources);
    let all = managed_entities(kong);
    let by_keys = |entity: &Json| {
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
    let shared_with_an_owner = |entity: &Json| {
        issuer_tags(entity).iter().any(|tag| {
            all.iter().any(|(collection, plugin)| {
                *collection == "plugins" && issuer_tags(plugin).contains(tag) && by_keys(plugin)
            })
        })
    };
    let belongs = |entity: &Json| {
        let mut current = entity.clone();
        for _ in 0..4 {
            if by_keys(&current) || shared_with_an_owner(&current) {
                return true;
            }
            let Some(parent) = FOREIGN_KEYS
                .iter()
                .filter_map(|k| current[*k]["id"].as_str())
                .find_map(|id| all.iter().find(|(_, e)| e["id"] == id))
            else {
                return false;
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

/// Sorted strings of a JSON array (null: none).
fn sorted_strings(value: &Json) -> Vec<String> {
    let mut out: Vec<String> = value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// After a failed delete: what Kong still holds is exactly as the state says (the state may
/// also name entities already deleted, see [`Scenario::deletes`]).
fn assert_names_only_what_was_deleted(kong: &Kong, ws: &Workspace, context: &str) {
    for resource in ws.state_resources() {
        let values = &resource["values"];
        let Some(id) = values["id"].as_str() else {
            continue;
        };
        match resource["type"].as_str().unwrap_or_default() {
            "dispatch_api" => {
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
            "dispatch_certificate" => {
                let (status, certificate) = kong.call("GET", &format!("/certificates/{id}"), None);
                if status == 404 {
                    continue;
                }
                assert_eq!(
                    sorted_strings(&certificate["snis"]),
                    sorted_strings(&values["hostnames"]),
                    "{context}: {certificate}"
                );
                assert_eq!(
                    certificate["cert"], values["certificate"],
                    "{context}: the certificate in state"
                );
            }
            "dispatch_basic_auth_user" => {
                let (status, consumer) = kong.call("GET", &format!("/consumers/{id}"), None);
                if status == 404 {
                    continue;
                }
                assert_eq!(
                    consumer["username"], values["username"],
                    "{context}: {consumer}"
                );
                let groups: Vec<String> = kong.get(&format!("/consumers/{id}/acls"))["data"]
                    .as_array()
                    .map(|acls| acls.iter().map(|a| a["group"].clone()).collect::<Vec<_>>())
                    .map(|groups| sorted_strings(&Json::Array(groups)))
                    .unwrap_or_default();
                assert_eq!(groups, sorted_strings(&values["groups"]), "{context}");
            }
            other => panic!("{context}: no delete check for {other}"),
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
    // Listing the SNIs only checks that HTTPS hosts have a certificate, after the API is
    // applied; listing every route (no id in the path) only checks that no other route
    // receives the same requests, when the API is planned. Their failures are warnings, and
    // Kong holds what the run declared.
    let warning = match (point.method.as_str(), point.path.as_str()) {
        ("GET", "/snis") => Some("Could not check the hosts' certificates"),
        ("GET", "/routes") => Some("Routing conflicts not checked"),
        _ => None,
    };
    if let Some(warning) = warning {
        assert_eq!(run.code, 0, "{context}: the apply succeeds: {out}");
        assert!(
            out.contains(warning),
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
    let points = points(&requests);
    eprintln!(
        "{}: {} requests walked: {:?}",
        scenario.name,
        points.len(),
        points
            .iter()
            .map(|p| format!("{} {}", p.method, p.path))
            .collect::<Vec<_>>()
    );
    for point in points {
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
    if needs_sandbox("fault injection, request counts") {
        return;
    }
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
    if needs_sandbox("fault injection, request counts") {
        return;
    }
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
    if needs_sandbox("fault injection, request counts") {
        return;
    }
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
    if needs_sandbox("fault injection, request counts") {
        return;
    }
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
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "delete",
        before: UNLINKED.into(),
        prepare: None,
        after: String::new(),
        deletes: true,
    });
}

/// A `dispatch_certificate` with its PEM inline (heredocs), hostnames from its DNS names.
fn certificate(issued: &Issued) -> String {
    format!(
        "resource \"dispatch_certificate\" \"walk\" {{\n  certificate = <<EOT\n{}EOT\n  private_key = <<EOT\n{}EOT\n}}\n",
        issued.cert_pem(),
        issued.key_pem()
    )
}

fn leaf(dns_names: &[&str]) -> Issued {
    CertSpec::leaf(dns_names).key(KeyKind::P256).self_signed()
}

#[test]
fn certificate_create_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "certificate create",
        before: String::new(),
        prepare: None,
        after: certificate(&leaf(&["walk.example.com"])),
        deletes: false,
    });
}

#[test]
fn certificate_rotation_with_new_hostnames_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "certificate rotation",
        before: certificate(&leaf(&["walk.example.com"])),
        prepare: None,
        after: certificate(&leaf(&["walk.example.com", "www.walk.example.com"])),
        deletes: false,
    });
}

#[test]
fn certificate_delete_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "certificate delete",
        before: certificate(&leaf(&["walk.example.com"])),
        prepare: None,
        after: String::new(),
        deletes: true,
    });
}

fn user(password: &str, groups: &str) -> String {
    format!(
        r#"
resource "dispatch_basic_auth_user" "walk" {{
  username = "walker"
  password = "{password}"
  groups   = [{groups}]
}}
"#
    )
}

#[test]
fn user_create_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "user create",
        before: String::new(),
        prepare: None,
        after: user("first-password", r#""walkers""#),
        deletes: false,
    });
}

#[test]
fn user_password_and_groups_change_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "user update",
        before: user("first-password", r#""walkers""#),
        prepare: None,
        after: user("second-password", r#""runners""#),
        deletes: false,
    });
}

#[test]
fn user_delete_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "user delete",
        before: user("first-password", r#""walkers""#),
        prepare: None,
        after: String::new(),
        deletes: true,
    });
}

/// An API whose callers need a password and one of the groups: an acl and a basic-auth
/// plugin.
const BASIC: &str = r#"
resource "dispatch_api" "walk" {
  name           = "walk"
  function       = "walker"
  authentication = "basic"
  basic_auth {
    allowed_groups = ["walkers"]
  }
}
"#;

/// An API whose callers need a token of the issuer: the issuer's consumer with its group and
/// key, then an acl and a jwt plugin (open-source Kong).
fn oidc(issuer: &str) -> String {
    format!(
        r#"
resource "dispatch_api" "walk" {{
  name           = "walk"
  function       = "walker"
  authentication = "oidc"
  oidc {{
    issuer = "{issuer}"
  }}
}}
"#
    )
}

/// One signing key keeps the issuer's requests few.
fn identity_provider() -> FakeIdp {
    FakeIdp::with_keys(vec![Key::ec("walk-1")])
}

#[test]
fn basic_authentication_create_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "basic API create",
        before: String::new(),
        prepare: None,
        after: BASIC.into(),
        deletes: false,
    });
}

#[test]
fn oidc_create_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    let idp = identity_provider();
    walk(&Scenario {
        name: "OIDC API create",
        before: String::new(),
        prepare: None,
        after: oidc(&idp.issuer()),
        deletes: false,
    });
}

#[test]
fn leaving_an_issuer_for_basic_authentication_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    let idp = identity_provider();
    walk(&Scenario {
        name: "OIDC to basic",
        before: oidc(&idp.issuer()),
        prepare: None,
        after: BASIC.into(),
        deletes: false,
    });
}

#[test]
fn oidc_delete_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    let idp = identity_provider();
    walk(&Scenario {
        name: "OIDC API delete",
        before: oidc(&idp.issuer()),
        prepare: None,
        after: String::new(),
        deletes: true,
    });
}

#[test]
fn removing_every_policy_survives_a_failure_at_any_request() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    walk(&Scenario {
        name: "policies removed",
        before: r#"
resource "dispatch_api" "walk" {
  name                  = "walk"
  function              = "walker"
  timeout_ms            = 5000
  request_size_limit_kb = 64
  cors {
    origins = ["https://shop.example.com"]
    max_age = 600
  }
  rate_limit {
    per_minute = 100
  }
  logging {
    http_endpoint = "http://logs.example.com/in"
  }
  monitoring {
    per_consumer = true
  }
}
"#
        .into(),
        prepare: None,
        after: r#"
resource "dispatch_api" "walk" {
  name     = "walk"
  function = "walker"
}
"#
        .into(),
        deletes: false,
    });
}

/// A create whose first write (`PUT` of a path holding `path`) Kong carries out only after
/// the provider gave up on it and undid it: the resource stays tracked (tainted), so nothing
/// is left behind, and the next apply replaces it.
fn a_timed_out_create_stays_tracked(body: &str, path: &str, collection: &str) {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider("  request_timeout_ms = 300", body);
    // Kong takes a second over every attempt of the write, and does it anyway.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some(path.into()),
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
            .filter(|r| r.method == "PUT" && r.path.contains(path) && r.status == 200)
            .count()
    };
    let started = std::time::Instant::now();
    while landed() < ATTEMPTS && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(landed(), ATTEMPTS, "{:?}", controls.requests());
    assert_eq!(kong.managed(collection).len(), 1, "the late write landed");
    assert_no_orphans(&kong, &ws, "timed-out create");
    let state = ws.state_resources();
    assert_eq!(
        state[0]["tainted"], true,
        "tracked, to be replaced: {state:?}"
    );
    controls.clear_faults();
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
    assert_eq!(kong.managed(collection).len(), 1);
    assert_no_orphans(&kong, &ws, "after the next apply");
}

#[test]
fn a_create_that_times_out_leaves_nothing_behind_even_when_kong_finishes_it_later() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    a_timed_out_create_stays_tracked(LINKED, "/services/", "services");
}

#[test]
fn a_certificate_or_user_create_that_times_out_leaves_nothing_behind() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    a_timed_out_create_stays_tracked(
        &certificate(&leaf(&["walk.example.com"])),
        "/certificates/",
        "certificates",
    );
    a_timed_out_create_stays_tracked(
        &user("first-password", r#""walkers""#),
        "/consumers/",
        "consumers",
    );
}
