//! Many APIs applied at once, with transient faults on the way; and two Terraform working
//! directories racing for one API name.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use kong_sandbox::{FaultAction, FaultRule};

use crate::certs::{CertSpec, KeyKind};
use crate::harness::{needs_sandbox, Kong, Run, Workspace};

/// How many APIs the load test applies.
const APIS: usize = 500;
/// How many certificates the load test applies beside them.
const CERTIFICATES: usize = 500;

/// Writes `main.tf` with a provider that retries more than the harness's default, so that the
/// faults injected under load are always absorbed by retries.
fn write_patient(ws: &Workspace, body: &str) {
    let provider = ws
        .provider_block("")
        .replace("max_retries    = 1", "max_retries    = 6");
    std::fs::write(ws.path().join("main.tf"), format!("{provider}\n{body}\n")).expect("write");
}

/// `APIS` APIs from one block: every tenth without a function (so with a plugin); and
/// `CERTIFICATES` certificates, each serving its own hostname. They share one wildcard
/// certificate and key (`load.crt`, `load.key`), made once, which covers every hostname, so
/// the load costs no key generation and no warning. New resources join the load with blocks
/// of their own.
fn load_config() -> String {
    format!(
        r#"
resource "dispatch_api" "load" {{
  count    = {APIS}
  name     = "load-${{count.index}}"
  function = count.index % 10 == 0 ? null : "fn-${{count.index}}"
  hosts    = ["load-${{count.index}}.example.com"]
}}

resource "dispatch_certificate" "load" {{
  count       = {CERTIFICATES}
  certificate = file("${{path.module}}/load.crt")
  private_key = file("${{path.module}}/load.key")
  hostnames   = ["cert-${{count.index}}.load.example.com"]
}}
"#
    )
}

/// Writes the shared wildcard certificate and its key beside `main.tf`.
fn write_load_certificate(ws: &Workspace) {
    let issued = CertSpec::leaf(&["*.load.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    ws.write_file("load.crt", &issued.cert_pem());
    ws.write_file("load.key", &issued.key_pem());
}

fn transient(method: &str, collection: &str, skip: usize, action: FaultAction) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path_contains: Some(collection.into()),
        skip,
        times: 5,
        action,
    }
}

#[test]
fn five_hundred_apis_and_certificates_apply_with_parallelism_50_through_transient_faults() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    write_load_certificate(&ws);
    write_patient(&ws, &load_config());
    let controls = kong.sandbox.controls();
    controls.inject(transient(
        "PUT",
        "/services/",
        100,
        FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    ));
    controls.inject(transient(
        "PUT",
        "/routes/",
        200,
        FaultAction::Status {
            status: 429,
            retry_after_secs: Some(0),
        },
    ));
    controls.inject(transient("PUT", "/plugins/", 10, FaultAction::Reset));
    controls.inject(transient(
        "PUT",
        "/routes/",
        300,
        FaultAction::StatusAfterApply { status: 502 },
    ));
    controls.inject(transient(
        "PUT",
        "/certificates/",
        50,
        FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    ));
    controls.inject(transient(
        "PUT",
        "/certificates/",
        250,
        FaultAction::StatusAfterApply { status: 502 },
    ));

    let started = Instant::now();
    let apply = ws.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=50",
    ]);
    let took = started.elapsed();
    assert_eq!(apply.code, 0, "{}", tail(&apply));
    eprintln!(
        "apply of {APIS} APIs and {CERTIFICATES} certificates with -parallelism=50: {took:?}"
    );

    let failed = controls
        .requests()
        .iter()
        .filter(|r| r.status >= 429 || r.status == 0)
        .count();
    assert_eq!(failed, 30, "every injected fault was met and retried");
    let services = kong.managed("services");
    let routes = kong.managed("routes");
    let plugins = kong.managed("plugins");
    assert_eq!(services.len(), APIS);
    assert_eq!(routes.len(), APIS);
    assert_eq!(plugins.len(), APIS / 10);
    let names: BTreeSet<&str> = services.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names.len(), APIS, "one service per API, no twins");
    let service_ids: BTreeSet<&str> = services.iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(
        routes
            .iter()
            .all(|r| service_ids.contains(r["service"]["id"].as_str().unwrap_or_default())),
        "every route belongs to one of the services"
    );
    let certificates = kong.managed("certificates");
    assert_eq!(
        certificates.len(),
        CERTIFICATES,
        "one certificate each, no twins"
    );
    let snis = kong.list("snis");
    let hostnames: BTreeSet<&str> = snis.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(hostnames.len(), CERTIFICATES);
    let certificate_ids: BTreeSet<&str> = certificates
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        snis.iter()
            .all(|s| certificate_ids.contains(s["certificate"]["id"].as_str().unwrap_or_default())),
        "every SNI belongs to one of the certificates"
    );
    assert!(
        certificates
            .iter()
            .all(|c| c["snis"].as_array().map(Vec::len) == Some(1)),
        "every certificate serves its one hostname"
    );
    assert_eq!(ws.state_list().len(), APIS + CERTIFICATES);

    controls.clear_faults();
    let plan = ws.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-parallelism=50",
    ]);
    assert_eq!(plan.code, 0, "{}", tail(&plan));

    let destroy = ws.run(&[
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=50",
    ]);
    assert_eq!(destroy.code, 0, "{}", tail(&destroy));
    assert!(kong.managed("services").is_empty());
    assert!(kong.managed("routes").is_empty());
    assert!(kong.managed("plugins").is_empty());
    assert!(kong.managed("certificates").is_empty());
    assert!(kong.list("snis").is_empty());
}

/// The end of a long output.
fn tail(run: &Run) -> String {
    let out = run.output();
    let start = out.len().saturating_sub(4000);
    let start = (start..out.len())
        .find(|i| out.is_char_boundary(*i))
        .unwrap_or(0);
    out[start..].to_string()
}

#[test]
fn two_states_racing_for_one_name_end_with_one_clear_conflict_and_nothing_lost() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    let kong = Kong::start();
    // Kong holds the first service creation it gets for a while, so that the other apply's
    // arrives while it is in flight: Kong's unique name decides, not the order of arrival.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: 1,
        action: FaultAction::Delay(Duration::from_secs(2)),
    });
    let team_a = kong.workspace();
    let team_b = kong.workspace();
    team_a.write(
        "resource \"dispatch_api\" \"race\" {\n  name     = \"race\"\n  function = \"team-a\"\n}\n",
    );
    team_b.write(
        "resource \"dispatch_api\" \"mine\" {\n  name     = \"race\"\n  function = \"team-b\"\n}\n",
    );
    let args = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let start = |ws: &Workspace| {
        ws.command(&args, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("terraform starts")
    };
    let (first, second) = (start(&team_a), start(&team_b));
    let runs = [
        Run::of(first.wait_with_output().expect("terraform ends")),
        Run::of(second.wait_with_output().expect("terraform ends")),
    ];
    let winners: Vec<usize> = (0..2).filter(|i| runs[*i].code == 0).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one apply wins:\n{}\n---\n{}",
        runs[0].output(),
        runs[1].output()
    );
    let (winner, loser) = if winners[0] == 0 {
        (&team_a, &team_b)
    } else {
        (&team_b, &team_a)
    };
    let lost = &runs[1 - winners[0]].output();
    assert!(lost.contains("API name already taken in Kong"), "{lost}");
    assert!(
        lost.contains("already exists and is managed by terraform-provider-dispatch, probably from another Terraform state"),
        "{lost}"
    );
    let conflicts: Vec<_> = kong
        .sandbox
        .controls()
        .requests()
        .into_iter()
        .filter(|r| r.status == 409)
        .collect();
    assert_eq!(conflicts.len(), 1, "one 409: {conflicts:?}");

    // Nothing lost: the winner's API is whole and its state agrees; the loser holds nothing.
    let state = winner.state_resources();
    assert_eq!(state.len(), 1);
    let service = kong.get("/services/race");
    assert_eq!(service["id"], state[0]["values"]["kong_service_id"]);
    assert_eq!(
        kong.get("/routes/race")["id"],
        state[0]["values"]["kong_route_id"]
    );
    assert_eq!(kong.managed("services").len(), 1);
    assert_eq!(kong.managed("routes").len(), 1);
    assert_eq!(winner.plan().code, 0);
    assert!(loser.state_list().is_empty());
}
