//! What the unit tests build against a sandbox, in one place: the Admin API client (a test names
//! only the settings it is about: `ClientOptions { max_retries: 2, ..ClientOptions::for_tests(url) }`)
//! and a service.

use std::time::Duration;

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
