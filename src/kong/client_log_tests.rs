//! The client's log: one line per attempt, at the level of what it is (writes at info, reads at
//! debug, a failure about to be retried at warn), with the path as sent (workspace included);
//! and errors that say how a failure worth retrying was tried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kong_sandbox::{Edition, FaultAction, FaultRule, Sandbox, SandboxConfig};
use serde_json::{Map, Value};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

use super::*;
use crate::logging::JsonLayer;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("sink").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = Sink;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Sink {
    fn lines(&self) -> Vec<Map<String, Value>> {
        let bytes = self.0.lock().expect("sink").clone();
        String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }
}

fn calls(lines: &[Map<String, Value>]) -> Vec<&Map<String, Value>> {
    lines
        .iter()
        .filter(|l| {
            l["@message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Admin API call"))
        })
        .collect()
}

fn client(sandbox: &Sandbox, workspace: Option<&str>, max_retries: u32) -> Client {
    Client::new(ClientOptions {
        workspace: workspace.map(str::to_string),
        max_retries,
        retry_base_delay: Duration::from_millis(5),
        ..ClientOptions::for_tests(&sandbox.url())
    })
    .expect("client")
}

fn service(name: &str) -> ServiceFields {
    ServiceFields::for_tests(name, "up.internal", &["t"])
}

const ID: &str = "00000000-0000-4000-8000-000000000001";

#[tokio::test]
async fn every_attempt_is_one_line_at_the_level_of_what_it_is() {
    let sandbox = Sandbox::spawn(SandboxConfig {
        edition: Edition::Enterprise,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let client = client(&sandbox, Some("default"), 2);
    sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: 1,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    });
    let sink = Sink::default();
    let _log = tracing::subscriber::set_default(
        tracing_subscriber::registry().with(JsonLayer::new(sink.clone())),
    );
    client
        .put_service(ID, &service("a"))
        .await
        .expect("second attempt");
    client.service(ID).await.expect("read").expect("found");
    client.services(&["t".into()]).await.expect("listed");

    let lines = sink.lines();
    let calls = calls(&lines);
    assert_eq!(
        calls.len(),
        sandbox.controls().request_count(),
        "one line per request Kong saw: {lines:?}"
    );
    let path = format!("/default/services/{ID}");
    let summary: Vec<(String, String, u64, Value)> = calls
        .iter()
        .map(|l| {
            (
                l["@level"].as_str().unwrap_or("").to_string(),
                l["path"].as_str().unwrap_or("").to_string(),
                l["attempt"].as_u64().unwrap_or(0),
                l["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("warn".into(), path.clone(), 1, 503.into()),
            ("info".into(), path.clone(), 2, 200.into()),
            ("debug".into(), path.clone(), 1, 200.into()),
            ("debug".into(), "/default/services".into(), 1, 200.into()),
        ]
    );
    assert!(calls[0]["retry_in_ms"].is_u64(), "{:?}", calls[0]);
    assert!(calls
        .iter()
        .all(|l| l["method"].is_string() && l["duration_ms"].is_u64()));
    assert_eq!(calls[0]["@module"], "dispatch.kong");
    assert!(calls[3]["query"]
        .as_str()
        .is_some_and(|q| q.contains("tags=t")));
}

#[tokio::test]
async fn a_failure_after_retries_names_the_path_as_sent_and_how_it_was_tried() {
    let sandbox = Sandbox::spawn(SandboxConfig {
        edition: Edition::Enterprise,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let client = client(&sandbox, Some("default"), 2);
    sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: None,
        skip: 0,
        times: usize::MAX,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    });
    let error = client
        .put_service(ID, &service("a"))
        .await
        .expect_err("always 503")
        .to_string();
    assert!(
        error.starts_with(&format!(
            "PUT /default/services/{ID}: Kong answered 503 after 3 attempts over "
        )),
        "{error}"
    );

    sandbox.controls().clear_faults();
    let mut invalid = service("a");
    invalid.protocol = "gopher".into();
    let refused = client.put_service(ID, &invalid).await;
    let refused = refused.expect_err("refused").to_string();
    assert!(
        refused.starts_with(&format!("PUT /default/services/{ID}: Kong answered 400: ")),
        "{refused}"
    );
    assert!(
        !refused.contains("attempt"),
        "a refusal is not retried: {refused}"
    );
}
