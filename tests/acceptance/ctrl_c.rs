//! Ctrl-C in the terminal during an apply: SIGINT to Terraform's whole process group, the
//! provider included, while creates are in flight against a slow Kong. Once: Terraform stops
//! gracefully. Twice: Terraform exits at once. Either way Kong holds exactly what the state
//! records, and the next apply converges by itself. During a plan, the reads waiting for Kong
//! are abandoned at once.

use std::collections::BTreeSet;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use kong_sandbox::{FaultAction, FaultRule};

use crate::harness::{needs_sandbox, Kong, Run, Workspace};

/// How many APIs the interrupted apply creates.
const APIS: usize = 300;
/// How many services Kong must hold before the interrupt: the apply is well under way.
const CREATED_BEFORE_INTERRUPT: usize = 30;

fn config() -> String {
    format!(
        r#"
resource "dispatch_api" "load" {{
  count    = {APIS}
  name     = "load-${{count.index}}"
  function = count.index % 10 == 0 ? null : "fn-${{count.index}}"
  hosts    = ["load-${{count.index}}.example.com"]
}}
"#
    )
}

/// Kong answers every PUT slowly, so that creates (two or three PUTs each) are in flight when
/// the interrupt comes.
fn slow_kong() -> Kong {
    let kong = Kong::start();
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: None,
        skip: 0,
        times: usize::MAX,
        action: FaultAction::Delay(Duration::from_millis(400)),
    });
    kong
}

/// `terraform apply` in a process group of its own (as a terminal's foreground job), its
/// output going to files in the workspace.
fn start_apply(ws: &Workspace) -> Child {
    start(
        ws,
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=20",
        ],
    )
}

/// `terraform` with `args` in a process group of its own, its output going to files in the
/// workspace.
fn start(ws: &Workspace, args: &[&str]) -> Child {
    let output = |name: &str| File::create(ws.path().join(name)).expect("output file");
    ws.command(args, &[])
        .process_group(0)
        .stdout(Stdio::from(output("apply.out")))
        .stderr(Stdio::from(output("apply.err")))
        .spawn()
        .expect("terraform starts")
}

/// What a terminal's Ctrl-C does: SIGINT to every process of the group.
fn ctrl_c(group: &Child) {
    let group = rustix::process::Pid::from_child(group);
    rustix::process::kill_process_group(group, rustix::process::Signal::INT)
        .expect("SIGINT sent to the process group");
}

/// The end of a long output (300 planned APIs come first).
fn tail(run: &Run) -> String {
    let out = run.output();
    let start = out.len().saturating_sub(3000);
    let start = (start..out.len())
        .find(|i| out.is_char_boundary(*i))
        .unwrap_or(0);
    out[start..].to_string()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for Terraform, then for every process of its group (the provider) to be gone.
fn wait_for_group(mut terraform: Child, ws: &Workspace) -> Run {
    let group = rustix::process::Pid::from_child(&terraform);
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = terraform.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "terraform did not end");
        std::thread::sleep(Duration::from_millis(50));
    };
    // Signal 0 only checks whether a process of the group is left.
    wait_until("the provider has exited", Duration::from_secs(60), || {
        rustix::process::test_kill_process_group(group).is_err()
    });
    let read = |name: &str| std::fs::read_to_string(ws.path().join(name)).unwrap_or_default();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: read("apply.out"),
        stderr: read("apply.err"),
    }
}

/// Kong holds exactly what the state records: the same services and routes, and plugins
/// only on those services. Returns how many APIs that is.
fn assert_kong_matches_state(kong: &Kong, ws: &Workspace, run: &Run) -> usize {
    let state = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap_or_default();
    assert!(
        serde_json::from_str::<serde_json::Value>(&state).is_ok(),
        "the state file is whole JSON: {state:?}\n{}",
        tail(run)
    );
    let apis = ws.state_resources();
    let in_state = |key: &str| -> BTreeSet<String> {
        apis.iter()
            .filter_map(|api| api["values"][key].as_str().map(str::to_string))
            .collect()
    };
    let in_kong = |collection: &str, id: fn(&serde_json::Value) -> Option<&str>| {
        kong.managed(collection)
            .iter()
            .filter_map(|entity| id(entity).map(str::to_string))
            .collect::<BTreeSet<String>>()
    };
    let services = in_kong("services", |s| s["id"].as_str());
    assert_eq!(
        services,
        in_state("kong_service_id"),
        "services in Kong and in state\n{}",
        tail(run)
    );
    assert_eq!(
        in_kong("routes", |r| r["id"].as_str()),
        in_state("kong_route_id"),
        "routes in Kong and in state"
    );
    let plugin_services = in_kong("plugins", |p| p["service"]["id"].as_str());
    assert!(
        plugin_services.is_subset(&services),
        "every plugin belongs to an API in state"
    );
    assert!(
        apis.iter().all(|api| api["tainted"] != true),
        "nothing half-made"
    );
    apis.len()
}

/// The next apply (with Kong fast again) creates the rest, and the plan after it is empty.
fn assert_next_apply_converges(kong: &Kong, ws: &Workspace) {
    kong.sandbox.controls().clear_faults();
    ws.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=20",
    ])
    .success();
    assert_eq!(kong.managed("services").len(), APIS);
    assert_eq!(kong.managed("routes").len(), APIS);
    assert_eq!(kong.managed("plugins").len(), APIS / 10);
    assert_eq!(ws.plan().code, 0, "no changes left");
}

#[test]
fn ctrl_c_during_an_apply_stops_it_gracefully_with_kong_as_the_state_records() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = slow_kong();
    let ws = kong.workspace();
    ws.write(&config());
    let terraform = start_apply(&ws);
    wait_until("the apply is under way", Duration::from_secs(180), || {
        kong.managed("services").len() >= CREATED_BEFORE_INTERRUPT
    });
    ctrl_c(&terraform);
    let run = wait_for_group(terraform, &ws);

    assert_ne!(run.code, 0, "an interrupted apply fails");
    let output = run.output();
    assert!(output.contains("Interrupt received"), "{}", tail(&run));
    assert!(!output.contains("Plugin did not respond"), "{}", tail(&run));
    let applied = assert_kong_matches_state(&kong, &ws, &run);
    assert!(
        (CREATED_BEFORE_INTERRUPT..APIS).contains(&applied),
        "stopped part way: {applied}"
    );
    assert_next_apply_converges(&kong, &ws);
}

#[test]
fn a_second_ctrl_c_exits_at_once_and_the_creates_in_flight_leave_nothing_behind() {
    if needs_sandbox("fault injection, request counts") {
        return;
    }
    let kong = slow_kong();
    let ws = kong.workspace();
    ws.write(&config());
    let terraform = start_apply(&ws);
    wait_until("the apply is under way", Duration::from_secs(180), || {
        kong.managed("services").len() >= CREATED_BEFORE_INTERRUPT
    });
    ctrl_c(&terraform);
    // The creates in flight need three slow PUTs: they are still running.
    std::thread::sleep(Duration::from_millis(200));
    ctrl_c(&terraform);
    let run = wait_for_group(terraform, &ws);

    let output = run.output();
    assert!(output.contains("Two interrupts received"), "{}", tail(&run));
    assert!(!output.contains("Plugin did not respond"), "{}", tail(&run));
    // Creates that were in flight when Terraform shut the provider down undid what they wrote.
    let undone = kong
        .sandbox
        .controls()
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path.starts_with("/services/"))
        .count();
    assert!(undone > 0, "no create was in flight at the shutdown");
    assert_kong_matches_state(&kong, &ws, &run);
    assert_next_apply_converges(&kong, &ws);
}

/// Ctrl-C during a plan whose refresh waits for a Kong that takes two minutes to answer (and a
/// request timeout longer than that): the plan ends at once, since a read of a read-only
/// operation is abandoned on Terraform's stop; nothing was written, so nothing is left behind.
#[test]
fn ctrl_c_during_a_plan_abandons_the_reads_it_waits_for() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(
        "  request_timeout_ms = 600000",
        "resource \"dispatch_api\" \"a\" {\n  name = \"a\"\n  function = \"a\"\n}\n",
    );
    ws.apply().success();
    kong.sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: usize::MAX,
        action: FaultAction::Delay(Duration::from_secs(120)),
    });
    let terraform = start(&ws, &["plan", "-input=false", "-no-color"]);
    wait_until(
        "the refresh waits for Kong",
        Duration::from_secs(60),
        || {
            std::fs::read_to_string(ws.path().join("apply.out"))
                .is_ok_and(|out| out.contains("Refreshing state"))
        },
    );
    // The refresh's read of the service is in flight (Kong holds it for two minutes).
    std::thread::sleep(Duration::from_secs(1));
    let interrupted = Instant::now();
    ctrl_c(&terraform);
    let run = wait_for_group(terraform, &ws);
    let waited = interrupted.elapsed();

    assert_ne!(run.code, 0, "an interrupted plan fails: {}", run.output());
    assert!(
        waited < Duration::from_secs(60),
        "the plan waited {waited:?} for Kong after Ctrl-C: {}",
        run.output()
    );
    let output = run.output();
    assert!(output.contains("Interrupt received"), "{output}");
    assert!(!output.contains("Plugin did not respond"), "{output}");
}
