//! The standalone `kong-sandbox` binary: listening line, control listener.

mod common;
use common::*;
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
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    Client {
        addr,
        tls: None,
        headers: vec![],
    }
}

#[test]
fn binary_serves_admin_api_and_controls() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kong-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--control-listen",
            "127.0.0.1:0",
            "--edition",
            "enterprise",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Kill(child);
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
    let a = client_for(&admin);
    let ctl = client_for(&control);
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
