//! Numbers that are not exact in binary reach the provider through real Terraform: cty sends
//! them as decimal text (`0.1`, `1.0000000000000000001`, `1e400`). Every number attribute takes
//! them and judges the number itself, with the error on the attribute, for resources and the
//! provider block alike; exact ones written in any spelling work.

use crate::harness::{needs_sandbox, Kong, Workspace};

/// An API named `n` with these extra lines.
fn api(body: &str) -> String {
    format!(
        "resource \"dispatch_api\" \"n\" {{\n  name     = \"n\"\n  function = \"f\"\n{body}\n}}\n"
    )
}

/// Plans and returns the output; asserts the plan failed before reaching Kong.
#[track_caller]
fn refused(kong: &Kong, ws: &Workspace) -> String {
    kong.sandbox.controls().reset_requests();
    let run = ws.plan();
    assert_eq!(run.code, 1, "plan should fail:\n{}", run.output());
    assert_eq!(
        kong.requests_past_configure().len(),
        0,
        "a plan-time refusal must not reach Kong"
    );
    let out = run.output();
    assert!(
        !out.contains("untagged enum"),
        "the number must decode: {out}"
    );
    out
}

#[test]
fn numbers_not_exact_in_binary_are_judged_on_their_attribute() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let block = |name: &str, lines: &str| format!("  {name} {{\n{lines}\n  }}");
    let cases: Vec<(String, &str, &[&str])> = vec![
        (
            "  timeout_ms = 0.1".into(),
            "timeout_ms = 0.1",
            &["Invalid timeout", "is 0.1, not a whole number"],
        ),
        (
            "  timeout_ms = 1e400".into(),
            "timeout_ms = 1e400",
            &["Invalid timeout", "outside 1..2147483646"],
        ),
        (
            "  request_size_limit_kb = 123456789012345678901234567890".into(),
            "request_size_limit_kb =",
            &[
                "Invalid request size limit",
                "is 123456789012345678901234567890, outside",
            ],
        ),
        (
            block("cors", "    max_age = 0.1"),
            "max_age = 0.1",
            &["Invalid CORS max_age", "is 0.1, not a whole number"],
        ),
        (
            // The nearest double is 1: only the exact number shows it is not whole.
            block("rate_limit", "    per_minute = 1.0000000000000000001"),
            "per_minute = 1.0000000000000000001",
            &[
                "Invalid rate limit",
                "is 1.0000000000000000001, not a whole number",
            ],
        ),
        (
            "  https = \"required\"\n  https_redirect_status_code = 301.1".into(),
            "https_redirect_status_code = 301.1",
            &["Invalid redirect status code", "301.1 is not one of"],
        ),
    ];
    for (body, line, phrases) in cases {
        let ws = kong.workspace();
        ws.write(&api(&body));
        let out = refused(&kong, &ws);
        // Terraform quotes the configuration line of the attribute at fault.
        assert!(out.contains(line), "{body}: expected `{line}` in {out}");
        for phrase in phrases {
            assert!(out.contains(phrase), "{body}: expected `{phrase}` in {out}");
        }
    }
}

#[test]
fn provider_numbers_not_exact_in_binary_are_judged_on_their_attribute() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider("  request_timeout_ms = 0.1", &api(""));
    let out = refused(&kong, &ws);
    assert!(out.contains("request_timeout_ms = 0.1"), "{out}");
    assert!(
        out.contains("0.1 is not a whole number of milliseconds between 1 and 600000"),
        "{out}"
    );

    let provider = ws
        .provider_block("")
        .replace("max_retries    = 1", "max_retries    = 1e400");
    ws.write_file("main.tf", &format!("{provider}\n{}", api("")));
    let out = refused(&kong, &ws);
    assert!(out.contains("max_retries = 1e400"), "{out}");
    assert!(
        out.contains("1e+400 is not a whole number between 0 and 10"),
        "{out}"
    );
}

#[test]
fn exact_numbers_in_any_spelling_apply_and_plan_empty() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(
        "  request_timeout_ms = 2.5e4",
        &api(
            "  timeout_ms = 2.5e3\n  request_size_limit_kb = 64.000\n  cors {\n    max_age = 1e2\n  }\n  rate_limit {\n    per_minute = 3 / 2 * 40\n  }",
        ),
    );
    ws.apply().success();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "plan after apply: {}", plan.output());
    assert_eq!(kong.get("/services/n")["read_timeout"], 2500);
    let state = ws.resource("dispatch_api.n").expect("in state");
    assert_eq!(state["timeout_ms"], 2500);
    assert_eq!(state["cors"][0]["max_age"], 100);
    assert_eq!(state["rate_limit"][0]["per_minute"], 60);
}
