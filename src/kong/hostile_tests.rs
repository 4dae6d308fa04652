//! The client against hostile answers (the sandbox's paging and huge-body faults): pages that
//! never end and answers too large to hold end in a clear error naming the request, soon.
//! Each listing runs under a timeout, so that a client that pages forever fails instead of
//! hanging the suite.

use std::time::Duration;

use kong_sandbox::{FaultAction, FaultRule, PagingFault, Sandbox};

use super::body::MAX_ANSWER_BYTES;
use super::paging::MAX_PAGES;
use super::*;

fn client(sandbox: &Sandbox) -> Client {
    Client::new(ClientOptions {
        timeout: Duration::from_secs(30),
        max_retries: 2,
        retry_base_delay: Duration::from_millis(5),
        ..ClientOptions::for_tests(&sandbox.url())
    })
    .expect("client")
}

fn always(sandbox: &Sandbox, path: &str, action: FaultAction) {
    sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some(path.into()),
        skip: 0,
        times: usize::MAX,
        action,
    });
}

async fn services(client: &Client, count: usize) {
    for i in 0..count {
        let fields = ServiceFields::for_tests(&format!("s{i}"), "up.internal", &[]);
        client
            .put_service(&uuid::Uuid::new_v4().to_string(), &fields)
            .await
            .expect("created");
    }
}

/// Lists `/services`, failing the test if that takes more than a minute.
async fn list(client: &Client) -> Result<Vec<Service>, KongError> {
    tokio::time::timeout(Duration::from_secs(60), client.services(&[]))
        .await
        .expect("the listing ends")
}

#[tokio::test]
async fn a_proxy_that_drops_the_offset_is_caught_at_the_second_page() {
    let sandbox = Sandbox::start();
    let client = client(&sandbox);
    services(&client, 1001).await;
    always(
        &sandbox,
        "/services",
        FaultAction::Paging(PagingFault::DropOffset),
    );
    sandbox.controls().reset_requests();
    let error = list(&client).await.expect_err("the first page forever");
    assert!(matches!(error, KongError::Paging { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.starts_with("GET /services: "), "{text}");
    assert!(text.contains("lists `"), "{text}");
    assert_eq!(sandbox.controls().request_count(), 2, "no retry either");
}

#[tokio::test]
async fn the_same_page_under_new_offsets_ends_the_listing() {
    let sandbox = Sandbox::start();
    let client = client(&sandbox);
    services(&client, 3).await;
    always(
        &sandbox,
        "/services",
        FaultAction::Paging(PagingFault::FreshOffset),
    );
    sandbox.controls().reset_requests();
    let error = list(&client).await.expect_err("endless");
    assert!(error.to_string().contains("page 2 lists"), "{error}");
    assert_eq!(sandbox.controls().request_count(), 2);
}

#[tokio::test]
async fn pages_that_never_repeat_stop_at_the_page_budget() {
    let sandbox = Sandbox::start();
    let client = client(&sandbox);
    services(&client, 1).await;
    always(
        &sandbox,
        "/services",
        FaultAction::Paging(PagingFault::FreshEntities),
    );
    sandbox.controls().reset_requests();
    let error = list(&client).await.expect_err("endless");
    let text = error.to_string();
    assert!(
        text.contains(&format!("{MAX_PAGES} pages holding {MAX_PAGES} entities")),
        "{text}"
    );
    assert_eq!(sandbox.controls().request_count(), MAX_PAGES);
}

#[tokio::test]
async fn empty_pages_with_new_offsets_stop_at_the_page_budget() {
    let sandbox = Sandbox::start();
    let client = client(&sandbox);
    always(
        &sandbox,
        "/services",
        FaultAction::Paging(PagingFault::FreshOffset),
    );
    let error = list(&client).await.expect_err("endless");
    assert!(
        error
            .to_string()
            .contains(&format!("{MAX_PAGES} pages holding 0 entities")),
        "{error}"
    );
}

#[tokio::test]
async fn answers_beyond_the_cap_are_refused_whether_announced_or_not() {
    let sandbox = Sandbox::start();
    let client = client(&sandbox);
    for declared in [true, false] {
        sandbox.controls().reset();
        always(
            &sandbox,
            "/services",
            FaultAction::HugeBody {
                bytes: 2 * MAX_ANSWER_BYTES as u64,
                declared,
            },
        );
        let error = list(&client).await.expect_err("too large");
        let KongError::TooLarge {
            ref method,
            ref path,
            limit,
            declared: announced,
        } = error
        else {
            panic!("{error:?}");
        };
        assert_eq!((method.as_str(), path.as_str()), ("GET", "/services"));
        assert_eq!(limit, MAX_ANSWER_BYTES as u64);
        assert_eq!(announced.is_some(), declared);
        assert!(
            error
                .to_string()
                .starts_with("GET /services: Kong's answer is larger than 33554432 bytes (32 MiB)"),
            "{error}"
        );
        assert_eq!(sandbox.controls().request_count(), 1, "never retried");
    }
}

#[tokio::test]
async fn an_answer_just_under_the_cap_is_read() {
    let sandbox = Sandbox::start();
    let client = client(&sandbox);
    always(
        &sandbox,
        "/services",
        FaultAction::HugeBody {
            bytes: MAX_ANSWER_BYTES as u64,
            declared: false,
        },
    );
    assert!(list(&client).await.expect("read").is_empty());
}
