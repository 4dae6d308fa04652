//! The certificate examples and the quickstart apply as written, with specific checks of what they create.

use std::path::PathBuf;

use serde_json::json;

use crate::harness::{strings, Kong};

fn example(path: &str) -> String {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

#[test]
fn the_quickstart_applies_offline_with_its_certificate() {
    let kong = Kong::start();
    let ws = kong.workspace();
    for file in [
        "main.tf",
        "hello.example.com.crt.pem",
        "hello.example.com.key.pem",
    ] {
        ws.write_file(file, &example(&format!("quickstart/{file}")));
    }
    let var = format!("kong_admin_url={}", kong.url());
    let output = ws
        .run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &var,
        ])
        .success()
        .output();
    assert!(!output.contains("Warning: No certificate"), "{output}");
    assert!(!output.contains("expires soon"), "{output}");

    let urls = ws.run(&["output", "-json", "urls"]).success();
    let urls: serde_json::Value = serde_json::from_str(&urls.stdout).expect("json");
    assert_eq!(urls["hello_secure"], json!(["https://hello.example.com/"]));

    let certificate = ws.resource("dispatch_certificate.hello").expect("state");
    assert_eq!(certificate["hostnames"], json!(["hello.example.com"]));
    assert_eq!(
        certificate["subject"],
        "CN=hello.example.com,O=Dispatch quickstart (test only)"
    );
    assert_eq!(certificate["not_after"], "2125-01-01T00:00:00Z");
    assert_eq!(
        kong.get("/certificates/hello.example.com")["id"],
        certificate["id"]
    );
    let api = ws.resource("dispatch_api.hello_secure").expect("state");
    let route = kong.get(&format!(
        "/routes/{}",
        api["kong_route_id"].as_str().expect("route")
    ));
    assert_eq!(strings(&route["protocols"]), vec!["https"]);
    assert_eq!(route["https_redirect_status_code"], 301);

    let plan = ws.run(&[
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-var",
        &var,
    ]);
    assert_eq!(plan.code, 0, "{}", plan.output());
}

/// Writes an example's `.tf` (with the provider block) and its PEM files into a workspace.
fn write_example(ws: &crate::harness::Workspace, folder: &str, tf: &str) {
    ws.write(&example(&format!("{folder}/{tf}")));
    for pem in ["api.example.com.chain.pem", "api.example.com.key.pem"] {
        ws.write_file(pem, &example(&format!("{folder}/{pem}")));
    }
}

#[test]
fn the_resource_example_applies_and_imports_by_hostname() {
    let kong = Kong::start();
    let ws = kong.workspace();
    write_example(&ws, "resources/dispatch_certificate", "resource.tf");
    let output = ws.apply().success().output();
    assert_eq!(
        output.matches("Warning:").count(),
        1,
        "only the dev_overrides warning: {output}"
    );
    let state = ws.resource("dispatch_certificate.api").expect("state");
    assert_eq!(
        state["hostnames"],
        json!(["api.example.com", "www.example.com"])
    );
    assert_eq!(
        state["issuer"],
        "CN=Dispatch Example CA,O=Dispatch examples (test only)"
    );
    assert_eq!(state["tags"], json!(["team:payments"]));
    assert_eq!(ws.plan().code, 0);

    // The import command of import.sh, in a fresh state.
    let commands = example("resources/dispatch_certificate/import.sh");
    let by_hostname = commands
        .lines()
        .find_map(|l| l.strip_prefix("terraform import dispatch_certificate.api "))
        .expect("an import command");
    assert_eq!(by_hostname, "api.example.com");
    let fresh = kong.workspace();
    write_example(&fresh, "resources/dispatch_certificate", "resource.tf");
    fresh
        .import("dispatch_certificate.api", by_hostname)
        .success();
    assert_eq!(
        fresh
            .resource("dispatch_certificate.api")
            .expect("imported")["id"],
        state["id"]
    );

    ws.destroy().success();
    assert!(kong.list("certificates").is_empty());
}

#[test]
fn the_data_source_example_applies_and_plans_empty() {
    let kong = Kong::start();
    let ws = kong.workspace();
    write_example(&ws, "data-sources/dispatch_certificate", "data-source.tf");
    ws.apply().success();
    let run = ws.run(&["output", "-json", "api_certificate"]).success();
    let found: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let managed = ws.resource("dispatch_certificate.api").expect("state");
    assert_eq!(found["id"], managed["id"]);
    assert_eq!(
        found["hostnames"],
        json!(["api.example.com", "www.example.com"])
    );
    assert_eq!(found["fingerprint"], managed["fingerprint_sha256"]);
    assert_eq!(ws.plan().code, 0);
}
