//! What the unit tests build against a sandbox, in one place: the Admin API client (a test names
//! only the settings it is about: `ClientOptions { max_retries: 2, ..ClientOptions::for_tests(url) }`)
//! and a service; services seeded straight into a sandbox, and the listings among its requests.

use std::time::Duration;

use kong_sandbox::{RequestRecord, Sandbox, SeedRequest};
use serde_json::json;

use super::{Client, ClientOptions, ServiceFields, TlsOptions};

impl ClientOptions {
    /// Options for a client of the Admin API at `url`: no token, workspace, extra headers or
    /// TLS settings, a 5 s timeout and no retries.
    pub(crate) fn for_tests(url: &str) -> Self {
        Self {
            base_url: url::Url::parse(url).expect("a test's Admin API URL"),
            admin_token: None,
            workspace: None,
            extra_headers: vec![],
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(5),
            max_retries: 0,
            retry_base_delay: Duration::from_millis(10),
        }
    }
}

impl Client {
    /// A client of the Admin API at `url` with [`ClientOptions::for_tests`].
    pub(crate) fn for_tests(url: &str) -> Self {
        Self::new(ClientOptions::for_tests(url)).expect("a test client")
    }
}

impl ServiceFields {
    /// A service of Kong's defaults (http, port 80, 60 s timeouts, enabled) to `host`.
    pub(crate) fn for_tests(name: &str, host: &str, tags: &[&str]) -> Self {
        Self {
            name: name.into(),
            protocol: "http".into(),
            host: host.into(),
            port: 80,
            path: None,
            enabled: true,
            connect_timeout: 60_000,
            read_timeout: 60_000,
            write_timeout: 60_000,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }
}

/// Services with these tags, written straight into the sandbox; their ids.
pub(crate) fn seed_services(sandbox: &Sandbox, count: usize, tags: &[&str]) -> Vec<String> {
    let ids: Vec<String> = (0..count)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let requests: Vec<SeedRequest> = ids
        .iter()
        .map(|id| SeedRequest {
            method: "PUT".into(),
            path: format!("/services/{id}"),
            body: json!({ "name": format!("s-{id}"), "host": "up.internal", "tags": tags }),
        })
        .collect();
    sandbox.seeder().seed(&requests).expect("seeded");
    ids
}

/// The listings of a collection among the requests served (`GET /services?...`).
pub(crate) fn listings<'a>(requests: &'a [RequestRecord], path: &str) -> Vec<&'a RequestRecord> {
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .collect()
}
