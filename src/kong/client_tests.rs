//! The client against a Kong sandbox: Kong's errors, pages, retries, workspaces, tokens.

use std::time::{Duration, Instant};

use kong_sandbox::{Edition, FaultAction, FaultRule, Sandbox, SandboxConfig};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::secret::Secret;

fn options(url: &str) -> ClientOptions {
    ClientOptions {
        max_retries: 2,
        retry_base_delay: Duration::from_millis(5),
        ..ClientOptions::for_tests(url)
    }
}

fn service(name: &str) -> ServiceFields {
    ServiceFields::for_tests(name, "up.internal", &["t"])
}

fn fault(method: &str, path: &str, times: usize, action: FaultAction) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        skip: 0,
        times,
        action,
    }
}

#[tokio::test]
async fn unique_violations_and_field_errors_come_back_typed() {
    let sandbox = Sandbox::start();
    let client = Client::new(options(&sandbox.url())).expect("client");
    client
        .put_service("00000000-0000-4000-8000-000000000001", &service("a"))
        .await
        .expect("created");
    let err = client
        .put_service("00000000-0000-4000-8000-000000000002", &service("a"))
        .await
        .expect_err("name taken");
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(err.body().and_then(|b| b.code), Some(5));

    let mut bad = service("b");
    bad.host = "bad host".into();
    let err = client
        .put_service("00000000-0000-4000-8000-000000000003", &bad)
        .await
        .expect_err("bad host");
    assert_eq!(err.status(), Some(400));
    let fields = err.field_errors();
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].path, vec!["host"]);
    assert!(err
        .to_string()
        .starts_with("PUT /services/00000000-0000-4000-8000-000000000003: Kong answered 400"));
}

#[tokio::test]
async fn missing_entities_are_none_and_deletes_are_idempotent() {
    let sandbox = Sandbox::start();
    let client = Client::new(options(&sandbox.url())).expect("client");
    assert!(client.service("nope").await.expect("answer").is_none());
    client
        .delete_service("nope")
        .await
        .expect("204 even when missing");
}

#[tokio::test]
async fn lists_follow_every_page() {
    let sandbox = Sandbox::start();
    let client = Client::new(options(&sandbox.url())).expect("client");
    for i in 0..1005 {
        let mut fields = service(&format!("s{i}"));
        fields.tags = vec![if i % 2 == 0 { "even" } else { "odd" }.into()];
        client
            .put_service(&uuid::Uuid::new_v4().to_string(), &fields)
            .await
            .expect("created");
    }
    sandbox.controls().reset_requests();
    assert_eq!(client.services(&[]).await.expect("listed").len(), 1005);
    assert_eq!(sandbox.controls().request_count(), 2, "two pages of 1000");
    assert_eq!(
        client
            .services(&["even".into()])
            .await
            .expect("listed")
            .len(),
        503
    );
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_5xx_and_429_honouring_retry_after() {
    let sandbox = Sandbox::start();
    let client = Client::new(options(&sandbox.url())).expect("client");
    sandbox.controls().inject(fault(
        "GET",
        "/services/x",
        1,
        FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    ));
    sandbox.controls().inject(fault(
        "GET",
        "/services/x",
        1,
        FaultAction::Status {
            status: 429,
            retry_after_secs: Some(1),
        },
    ));
    let started = Instant::now();
    assert!(client
        .service("x")
        .await
        .expect("third attempt answers")
        .is_none());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(sandbox.controls().request_count(), 3);
}

#[tokio::test]
async fn retries_give_up_after_max_retries() {
    let sandbox = Sandbox::start();
    let client = Client::new(options(&sandbox.url())).expect("client");
    sandbox.controls().inject(fault(
        "PUT",
        "/services/",
        10,
        FaultAction::Status {
            status: 500,
            retry_after_secs: None,
        },
    ));
    let err = client
        .put_service("00000000-0000-4000-8000-000000000001", &service("a"))
        .await
        .expect_err("always 500");
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        sandbox.controls().request_count(),
        3,
        "one attempt and two retries"
    );
}

#[tokio::test]
async fn post_is_never_retried() {
    let sandbox = Sandbox::start();
    let client = Client::new(options(&sandbox.url())).expect("client");
    sandbox.controls().inject(fault(
        "POST",
        "/services",
        1,
        FaultAction::StatusAfterApply { status: 502 },
    ));
    let err = client
        .post::<_, Service>("/services", &service("a"))
        .await
        .expect_err("lost answer");
    assert_eq!(err.status(), Some(502));
    assert_eq!(sandbox.controls().request_count(), 1);
    assert_eq!(
        client.services(&[]).await.expect("listed").len(),
        1,
        "no twin"
    );
}

#[tokio::test]
async fn a_slow_kong_hits_the_timeout_with_a_clear_error() {
    let sandbox = Sandbox::start();
    let mut opts = options(&sandbox.url());
    opts.timeout = Duration::from_millis(200);
    opts.max_retries = 0;
    let client = Client::new(opts).expect("client");
    sandbox.controls().set_latency(Duration::from_millis(600));
    let err = client.service("x").await.expect_err("too slow");
    assert!(matches!(err, KongError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string().contains("did not answer within 200 ms"),
        "{err}"
    );
}

#[tokio::test]
async fn a_reset_connection_is_reported_as_unreachable() {
    let sandbox = Sandbox::start();
    let mut opts = options(&sandbox.url());
    opts.max_retries = 0;
    let client = Client::new(opts).expect("client");
    sandbox
        .controls()
        .inject(fault("GET", "/services/x", 1, FaultAction::Reset));
    let err = client.service("x").await.expect_err("reset");
    assert!(matches!(err, KongError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&sandbox.url()),
        "names the URL: {err}"
    );
}

#[tokio::test]
async fn enterprise_workspaces_prefix_paths_and_the_token_is_sent() {
    let sandbox = Sandbox::spawn(SandboxConfig {
        edition: Edition::Enterprise,
        admin_token: Some("s3cret".into()),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let mut opts = options(&sandbox.url());
    opts.workspace = Some("default".into());
    let anonymous = Client::new(opts.clone()).expect("client");
    let err = anonymous.node_info().await.expect_err("no token");
    assert_eq!(err.status(), Some(401));

    opts.admin_token = Some(Secret::new("s3cret"));
    let client = Client::new(opts).expect("client");
    assert!(client.node_info().await.expect("info").is_enterprise());
    client
        .put_service("00000000-0000-4000-8000-000000000001", &service("a"))
        .await
        .expect("created");
    let paths: Vec<String> = sandbox
        .controls()
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(
        paths.contains(&"/default/services/00000000-0000-4000-8000-000000000001".to_string()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn extra_headers_reach_kong() {
    // An authenticating proxy's header stands in for Kong's own: without it Kong says 401.
    let sandbox = Sandbox::spawn(SandboxConfig {
        edition: Edition::Enterprise,
        admin_token: Some("proxy-secret".into()),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let mut opts = options(&sandbox.url());
    assert_eq!(
        Client::new(opts.clone())
            .expect("client")
            .node_info()
            .await
            .expect_err("401")
            .status(),
        Some(401)
    );
    opts.extra_headers = vec![("Kong-Admin-Token".into(), Secret::new("proxy-secret"))];
    let client = Client::new(opts).expect("client");
    let info: serde_json::Value = client.get("/").await.expect("answer").expect("found");
    assert_eq!(info["edition"], json!("enterprise"));
}

#[tokio::test]
async fn a_stop_from_terraform_ends_the_wait_for_a_retry_at_once() {
    let sandbox = Sandbox::start();
    let stop = CancellationToken::new();
    let client = Client::new(options(&sandbox.url()))
        .expect("client")
        .stopped_by(stop.clone());
    // Kong asks for a minute's patience: without the stop, the retry would wait that long.
    sandbox.controls().inject(fault(
        "PUT",
        "/services/",
        1,
        FaultAction::Status {
            status: 503,
            retry_after_secs: Some(60),
        },
    ));
    let request = tokio::spawn(async move {
        client
            .put_service("00000000-0000-4000-8000-000000000001", &service("a"))
            .await
    });
    while sandbox.controls().request_count() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.cancel();
    let err = tokio::time::timeout(Duration::from_secs(30), request)
        .await
        .expect("the stop ended the wait")
        .expect("task")
        .expect_err("stopped");
    let KongError::Stopped { after } = &err else {
        panic!("not a stop: {err:?}");
    };
    assert_eq!(after.status(), Some(503));
    assert!(
        err.to_string()
            .ends_with("(not retried: Terraform asked the provider to stop)"),
        "{err}"
    );
    assert!(!err.is_transient());
    assert_eq!(sandbox.controls().request_count(), 1, "no retry was sent");
}

#[tokio::test]
async fn after_a_stop_requests_are_still_sent_but_never_retried() {
    let sandbox = Sandbox::start();
    let stop = CancellationToken::new();
    stop.cancel();
    let client = Client::new(options(&sandbox.url()))
        .expect("client")
        .stopped_by(stop);
    client
        .put_service("00000000-0000-4000-8000-000000000001", &service("a"))
        .await
        .expect("an operation in flight still finishes (or undoes) after a stop");
    sandbox.controls().inject(fault(
        "DELETE",
        "/services/",
        1,
        FaultAction::Status {
            status: 502,
            retry_after_secs: None,
        },
    ));
    let err = client
        .delete_service("00000000-0000-4000-8000-000000000001")
        .await
        .expect_err("not retried");
    assert!(matches!(err, KongError::Stopped { .. }), "{err:?}");
    assert_eq!(sandbox.controls().request_count(), 2);
}
