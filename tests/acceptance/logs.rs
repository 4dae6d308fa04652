//! The provider's log as Terraform shows it (issue 15): JSON lines that Terraform files under
//! their own level and module, one line per Admin API call, levels that filter, and no
//! transport noise unless asked. The secret scans at `TF_LOG=trace` are in `secrets.rs`.

use kong_sandbox::{FaultAction, FaultRule};

use crate::harness::{needs_sandbox, Kong, Run, Workspace};

const TWO_APIS: &str = r#"
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders"
}

resource "dispatch_api" "billing" {
  name     = "billing"
  function = "billing"
}
"#;

/// How go-plugin names the provider's lines in Terraform's log.
const PROVIDER: &str = "provider.terraform-provider-dispatch:";

/// The provider's lines in the log Terraform wrote on stderr.
fn provider_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.contains(PROVIDER))
        .collect()
}

/// The value of `key=` in a line as Terraform prints it (values without spaces).
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!(" {key}=");
    let at = line.find(&needle)? + needle.len();
    line[at..].split_whitespace().next()
}

/// The `@module` of every transport crate, as the provider's JSON lines name them.
fn is_transport(line: &str) -> bool {
    let module = field(line, "@module").unwrap_or("");
    dispatch_provider::logging::TRANSPORT_CRATES
        .iter()
        .any(|name| module == format!("dispatch.{name}"))
}

/// (method, path) of each Admin API call line, sorted.
fn logged_calls(lines: &[&str]) -> Vec<(String, String)> {
    let mut calls: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l.contains(": Admin API call"))
        .map(|l| {
            (
                field(l, "method").unwrap_or("?").to_string(),
                field(l, "path").unwrap_or("?").to_string(),
            )
        })
        .collect();
    calls.sort();
    calls
}

/// (method, path) of each request the sandbox served since the last reset, sorted.
fn served_calls(kong: &Kong) -> Vec<(String, String)> {
    let mut calls: Vec<(String, String)> = kong
        .sandbox
        .controls()
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    calls.sort();
    calls
}

fn applied(kong: &Kong) -> Workspace {
    let ws = kong.workspace();
    ws.write(TWO_APIS);
    ws.apply().success();
    ws
}

#[test]
fn a_debug_log_of_a_plan_has_one_line_per_admin_call_and_no_transport_line() {
    if needs_sandbox("the requests the sandbox served and fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = applied(&kong);
    // One read fails once and is retried: the failed attempt has its own line too.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: 1,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    });
    kong.sandbox.controls().reset_requests();
    let plan = ws.run_with_env(&["plan", "-no-color"], &[("TF_LOG", "debug")]);
    assert_eq!(plan.code, 0, "{}", plan.output());
    let lines = provider_lines(&plan);
    assert!(!lines.is_empty(), "the provider logged: {}", plan.stderr);

    // Every line is one of the provider's JSON events (go-plugin files a line that is not JSON
    // as it is, without @module), none from a transport crate.
    for line in &lines {
        assert!(
            field(line, "@module").is_some_and(|m| m.starts_with("dispatch")),
            "not a JSON event of the provider: {line}"
        );
        assert!(!is_transport(line), "transport noise at debug: {line}");
    }
    assert!(
        !plan.stderr.contains("h2::") && !plan.stderr.contains("tonic::"),
        "{}",
        plan.stderr
    );

    // Each request Kong served has exactly one line, with its method and path.
    let served = served_calls(&kong);
    assert!(
        served.len() >= 3,
        "configure's check and two reads: {served:?}"
    );
    assert_eq!(logged_calls(&lines), served, "one line per Admin API call");
    let retried: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("Admin API call failed; retrying"))
        .collect();
    assert_eq!(retried.len(), 1, "{retried:?}");
    assert!(retried[0].contains("[WARN]"), "{}", retried[0]);
    assert_eq!(field(retried[0], "status"), Some("503"));
    assert_eq!(field(retried[0], "attempt"), Some("1"));

    // What Kong is, once per provider process, and a shutdown that is no error.
    assert!(
        lines.iter().any(|l| l.contains("[INFO]")
            && l.contains("connected to Kong's Admin API")
            && field(l, "kong_version") == Some("3.9.3")
            && field(l, "edition") == Some("community")
            && field(l, "router_flavor") == Some("traditional_compatible")),
        "{}",
        lines.join("\n")
    );
    assert!(
        !lines.iter().any(|l| l.contains("[ERROR]")),
        "{}",
        lines.join("\n")
    );
    assert!(!plan.stderr.contains("failed serving connection"));
}

#[test]
fn the_provider_level_filters_reads_writes_and_bodies() {
    if needs_sandbox("the requests the sandbox served and fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(TWO_APIS);

    // info: one line per write, no read, no body.
    kong.sandbox.controls().reset_requests();
    let apply = ws.run_with_env(
        &["apply", "-auto-approve", "-no-color"],
        &[("TF_LOG_PROVIDER", "info")],
    );
    assert_eq!(apply.code, 0, "{}", apply.output());
    let lines = provider_lines(&apply);
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("[DEBUG]") && !l.contains("[TRACE]")),
        "{}",
        lines.join("\n")
    );
    let writes: Vec<(String, String)> = served_calls(&kong)
        .into_iter()
        .filter(|(method, _)| method != "GET")
        .collect();
    assert_eq!(writes.len(), 4, "{writes:?}");
    assert_eq!(logged_calls(&lines), writes, "one info line per write");
    for line in lines.iter().filter(|l| l.contains(": Admin API call")) {
        assert!(line.contains("[INFO]"), "{line}");
        for key in ["status", "duration_ms", "attempt"] {
            assert!(field(line, key).is_some(), "{key} in {line}");
        }
        // Terraform sends no resource address: the line names the resource's type and name.
        assert_eq!(field(line, "resource"), Some("dispatch_api"), "{line}");
        assert_eq!(field(line, "operation"), Some("create"), "{line}");
        assert!(
            matches!(field(line, "name"), Some("orders" | "billing")),
            "{line}"
        );
    }

    // TF_LOG_PROVIDER_DISPATCH lowers what Terraform asks for.
    let quiet = ws.run_with_env(
        &["plan", "-no-color"],
        &[
            ("TF_LOG_PROVIDER", "debug"),
            ("TF_LOG_PROVIDER_DISPATCH", "warn"),
        ],
    );
    assert_eq!(quiet.code, 0, "{}", quiet.output());
    assert_eq!(provider_lines(&quiet), Vec::<&str>::new());

    // trace: the answers' bodies (redacted; secrets.rs scans them), still no transport line.
    let traced = ws.run_with_env(&["plan", "-no-color"], &[("TF_LOG_PROVIDER", "trace")]);
    assert_eq!(traced.code, 0, "{}", traced.output());
    let lines = provider_lines(&traced);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[TRACE]") && l.contains("Kong answer body")),
        "{}",
        lines.join("\n")
    );
    assert!(!lines.iter().any(|l| is_transport(l)));

    // Asked for, the transport crates write, and only at trace.
    let transport = ws.run_with_env(
        &["plan", "-no-color"],
        &[
            ("TF_LOG_PROVIDER", "trace"),
            ("TF_LOG_PROVIDER_DISPATCH_TRANSPORT", "trace"),
        ],
    );
    assert_eq!(transport.code, 0, "{}", transport.output());
    let noise: Vec<&str> = provider_lines(&transport)
        .into_iter()
        .filter(|l| is_transport(l))
        .collect();
    assert!(!noise.is_empty(), "{}", transport.stderr);
    assert!(
        noise.iter().all(|l| l.contains("[TRACE]")),
        "{}",
        noise.join("\n")
    );
}

/// At debug, every lookup of the refresh says whether the shared listing served it (a hit) or
/// Kong was asked directly (a miss): the first few are read directly, the rest come from one
/// page of each collection.
#[test]
fn a_debug_log_says_which_lookups_the_listing_served() {
    const APIS: usize = 6;
    let kong = Kong::start();
    let ws = kong.workspace();
    let body: String = (0..APIS)
        .map(|i| format!("resource \"dispatch_api\" \"a{i}\" {{\n  name = \"a{i}\"\n  function = \"a{i}\"\n}}\n"))
        .collect();
    ws.write(&body);
    ws.apply().success();
    let plan = ws.run_with_env(&["plan", "-no-color"], &[("TF_LOG_PROVIDER", "debug")]);
    assert_eq!(plan.code, 0, "{}", plan.output());
    let lookups: Vec<&str> = provider_lines(&plan)
        .into_iter()
        .filter(|l| l.contains(": listing lookup"))
        .collect();
    // A service and a route for each API, one line each.
    assert_eq!(lookups.len(), 2 * APIS, "{}", lookups.join("\n"));
    let count = |collection: &str, cache: &str| {
        lookups
            .iter()
            .filter(|l| {
                field(l, "collection") == Some(collection) && field(l, "cache") == Some(cache)
            })
            .count()
    };
    for collection in ["/services", "/routes"] {
        assert_eq!(
            count(collection, "hit") + count(collection, "miss"),
            APIS,
            "{collection}: {}",
            lookups.join("\n")
        );
    }
    let first = dispatch_provider::kong::inventory::DIRECT_READS;
    assert_eq!(
        count("/services", "miss") + count("/routes", "miss"),
        first,
        "the first {first} lookups are read directly: {}",
        lookups.join("\n")
    );
    assert!(lookups.iter().all(|l| l.contains("[DEBUG]")));
}
