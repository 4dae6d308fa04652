//! The standalone `kong-sandbox` binary: listening line, control listener.

mod common;
use common::*;
use serde_json::Value;
use std::io::BufRead;
use std::process::{Command, Stdio};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn client_for(url: &str) -> Client {
    Client::new(url)
}

/// Starts the binary; returns its guard and clients for the Admin API and the control port.
fn spawn(edition: &str) -> (Kill, Client, Client) {
    spawn_with(&["--edition", edition])
}

/// Starts the binary with these flags besides its listen addresses.
fn spawn_with(flags: &[&str]) -> (Kill, Client, Client) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kong-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"])
        .args(flags)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Kill(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("kong-sandbox listening on http://127.0.0.1:"),
        "{line}"
    );
    let admin = line.split_whitespace().nth(3).unwrap().to_string();
    let control = line
        .split("control on ")
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(')')
        .to_string();
    (guard, client_for(&admin), client_for(&control))
}

#[test]
fn binary_serves_admin_api_and_controls() {
    let (_guard, a, ctl) = spawn("enterprise");
    assert_eq!(a.get("/").json()["edition"], "enterprise");
    let r = ctl.post("/faults", json!({ "method": "GET", "path_contains": "/services", "times": 1, "action": { "status": 500 } }));
    assert_eq!(r.status, 201);
    assert_eq!(a.get("/services").status, 500);
    assert_eq!(a.get("/services").status, 200);
    let r = ctl.get("/requests?records=true").json();
    assert_eq!(r["count"], 3);
    assert_eq!(r["by_method"]["GET"], 3);
    assert_eq!(r["records"][1]["status"], 500);
    assert_eq!(ctl.delete("/requests").status, 200);
    assert_eq!(ctl.get("/requests").json()["count"], 0);
    assert_eq!(ctl.put("/latency", json!({ "ms": 0 })).status, 200);
    assert_eq!(ctl.delete("/faults").status, 200);

    // Bulk seeding: carried out in process, not recorded as Admin API requests.
    let r = ctl.post(
        "/seed",
        json!({ "requests": [
            { "method": "PUT", "path": "/default/services/bulk-1", "body": { "host": "b1.test", "tags": ["bulk"] } },
            { "method": "PUT", "path": "/default/services/bulk-2", "body": { "host": "b2.test", "tags": ["bulk"] } },
        ] }),
    );
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["applied"], 2);
    assert_eq!(ctl.get("/requests").json()["count"], 0);
    let listed = a.get("/services?tags=bulk").json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(2));
    let r = ctl.post(
        "/seed",
        json!({ "requests": [ { "method": "PUT", "path": "/default/services/bad", "body": { "host": "" } } ] }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["index"], 0);
    assert_eq!(r.json()["status"], 400);
    assert_eq!(ctl.post("/seed", json!({ "nope": [] })).status, 400);
}

// `POST /reset` on the control port: a fresh node again (entities, workspaces, counters, faults,
// latency), for suites that share one sandbox between tests (scripts/peer-go-kong.sh).
#[test]
fn reset_drops_entities_counters_faults_and_latency() {
    let (_guard, a, ctl) = spawn("enterprise");
    let node = a.get("/").json()["node_id"].clone();
    assert_eq!(
        a.post("/services", json!({ "name": "s", "host": "example.test" }))
            .status,
        201
    );
    assert_eq!(a.post("/consumers", json!({ "username": "u" })).status, 201);
    assert_eq!(
        a.post("/plugins", json!({ "name": "key-auth" })).status,
        201
    );
    assert_eq!(a.post("/workspaces", json!({ "name": "team" })).status, 201);
    let fault = json!({ "method": "GET", "path_contains": "/routes", "times": 5, "action": { "status": 503 } });
    assert_eq!(ctl.post("/faults", fault).status, 201);
    assert_eq!(ctl.put("/latency", json!({ "ms": 200 })).status, 200);

    assert_eq!(ctl.post("/reset", json!({})).status, 200);
    assert_eq!(ctl.get("/requests").json()["count"], 0);
    let started = std::time::Instant::now();
    let routes = a.get("/routes");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(200),
        "latency removed"
    );
    assert_eq!(routes.status, 200, "faults removed");
    for col in ["/services", "/consumers", "/plugins"] {
        assert_eq!(a.get(col).json()["data"], json!([]), "{col} emptied");
    }
    assert_eq!(a.get("/team/services").status, 404, "workspace dropped");
    // the six requests since the reset, this one included
    assert_eq!(a.get("/status").json()["server"]["total_requests"], 6);
    assert_eq!(a.get("/").json()["node_id"], node, "the node stays");
    assert_eq!(
        a.post("/plugins", json!({ "name": "key-auth" })).status,
        201,
        "no leftover unique key"
    );
}

#[test]
fn binary_takes_hostile_faults_as_json() {
    let (_guard, a, ctl) = spawn("community");
    let fault = |action: Value| {
        ctl.post(
            "/faults",
            json!({ "method": "GET", "path_contains": "/services", "times": 1, "action": action }),
        )
        .status
    };
    assert_eq!(fault(json!({ "paging": "fresh_offset" })), 201);
    let page = a.get("/services").json();
    assert_eq!(page["data"], json!([]));
    assert!(page["offset"].is_string(), "{page}");
    assert_eq!(
        fault(json!({ "huge_body_bytes": 100000, "declared": true })),
        201
    );
    let huge = a.get("/services");
    assert_eq!(huge.header("content-length"), Some("100000"));
    assert_eq!(fault(json!({ "paging": "sideways" })), 400);
}

// `--kong-version`: the version `GET /` reports (for a client's version checks), kept by a reset;
// the Admin API behind it is unchanged.
#[test]
fn binary_reports_the_kong_version_it_was_started_with() {
    let (_guard, a, ctl) = spawn_with(&["--edition", "community", "--kong-version", "2.8.4"]);
    let root = a.get("/").json();
    assert_eq!(root["version"], "2.8.4");
    assert_eq!(root["edition"], "community");
    assert_eq!(
        a.post("/services", json!({ "name": "s", "host": "example.test" }))
            .status,
        201
    );
    assert_eq!(ctl.post("/reset", json!({})).status, 200);
    assert_eq!(a.get("/").json()["version"], "2.8.4", "a reset keeps it");

    let (_guard, a, _ctl) = spawn_with(&["--edition", "enterprise", "--kong-version", "4.0.0"]);
    assert_eq!(a.get("/").json()["version"], "4.0.0");
    assert_eq!(a.get("/default/kong").json()["version"], "4.0.0");

    let refused = Command::new(env!("CARGO_BIN_EXE_kong-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--kong-version", " "])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--kong-version needs a version"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
