//! The inventory against hostile answers (the sandbox's paging and huge-body faults), on the
//! path a refresh of more than [`DIRECT_READS`] APIs takes: the tag-filtered listing. A listing
//! that repeats a page ends with a clear error at the repeat, one whose pages never end costs
//! no more than the lookups pay for, and one too large to hold is refused at the cap; either
//! way the listing is not tried again in the process and each lookup reads its entity
//! directly, so what a refresh returns is still Kong's. Only when the direct read is hostile
//! too does the read fail, with the error naming it. Each lookup runs under a timeout, so
//! that an inventory that pages forever fails instead of hanging the suite.

use std::time::Duration;

use kong_sandbox::{FaultAction, FaultRule, PagingFault, Sandbox};

use super::body::MAX_ANSWER_BYTES;
use super::client::MAX_PAGE_SIZE;
use super::inventory::{DIRECT_READS, LISTED_PER_LOOKUP};
use super::listing::{Answer, Listing};
use super::testing::{listings, seed_services};
use super::{Client, ClientOptions, Inventory, KongError, Service};

const MANAGED: &str = "managed-by:test";
const ORG: &str = "dispatch-org:team";

fn ownership() -> Vec<String> {
    vec![MANAGED.into(), ORG.into()]
}

/// A client with time to read an answer as large as the cap.
fn client(sandbox: &Sandbox) -> Client {
    Client::new(ClientOptions {
        timeout: Duration::from_secs(30),
        ..ClientOptions::for_tests(&sandbox.url())
    })
    .expect("client")
}

/// `action` on the `GET`s of `/services` (the listing and the direct reads) after the first
/// `skip` of them.
fn hostile(sandbox: &Sandbox, skip: usize, times: usize, action: FaultAction) {
    sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/services".into()),
        skip,
        times,
        action,
    });
}

/// Looks the service up, failing the test if that takes more than a minute.
async fn look_up(inventory: &Inventory, id: &str) -> Result<Option<Service>, KongError> {
    tokio::time::timeout(Duration::from_secs(60), inventory.service(id))
        .await
        .expect("the lookup ends")
}

/// Looks every id up; each must be found as Kong holds it.
async fn look_up_all(inventory: &Inventory, ids: &[String]) {
    for id in ids {
        let service = look_up(inventory, id).await.expect("read").expect("exists");
        assert_eq!(&service.id, id);
    }
}

#[tokio::test]
async fn a_repeated_page_ends_the_listing_and_the_lookups_read_directly() {
    for fault in [PagingFault::DropOffset, PagingFault::FreshOffset] {
        let sandbox = Sandbox::start();
        // Two pages: a lookup that page 1 lacks asks for page 2, which is page 1 again.
        let ours = seed_services(&sandbox, MAX_PAGE_SIZE + 500, &[MANAGED, ORG]);
        let inventory = Inventory::new(client(&sandbox), ownership());
        hostile(&sandbox, 0, usize::MAX, FaultAction::Paging(fault));
        sandbox.controls().reset_requests();

        look_up_all(&inventory, &ours).await;

        let requests = sandbox.controls().requests();
        let listed = listings(&requests, "/services");
        assert_eq!(
            listed.len(),
            2,
            "{fault:?}: the first page and its repeat, never again"
        );
        for listing in &listed {
            assert!(
                listing.query.contains("managed-by%3Atest")
                    && listing.query.contains("dispatch-org%3Ateam"),
                "the tag-filtered listing: {}",
                listing.query
            );
        }
        assert!(
            requests.len() <= ours.len() + 2,
            "{fault:?}: at most a direct read per lookup besides the two pages: {}",
            requests.len()
        );
    }
}

#[tokio::test]
async fn the_listing_says_which_page_repeats() {
    let sandbox = Sandbox::start();
    seed_services(&sandbox, MAX_PAGE_SIZE + 1, &[MANAGED, ORG]);
    let client = client(&sandbox);
    hostile(
        &sandbox,
        0,
        usize::MAX,
        FaultAction::Paging(PagingFault::DropOffset),
    );
    let listing = Listing::<Service>::default();
    let mut pages = listing.lock().await;
    pages
        .fetch_next(&client, &ownership())
        .await
        .expect("the first page");
    let error = pages
        .fetch_next(&client, &ownership())
        .await
        .expect_err("the first page again");
    assert!(matches!(error, KongError::Paging { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with("GET /services: stopped following Kong's pages: page 2 lists `"),
        "{text}"
    );
    assert!(text.contains("does not follow the offset"), "{text}");
    // What page 1 held is dropped with it: nothing of a listing that went wrong answers.
    assert_eq!(
        pages.answer(&client, "any", false),
        Answer::NotYet,
        "the pages are dropped"
    );
}

#[tokio::test]
async fn pages_that_never_end_cost_what_the_lookups_pay_for() {
    let sandbox = Sandbox::start();
    let per_page = 10;
    let ours = seed_services(&sandbox, per_page, &[MANAGED, ORG]);
    let inventory = Inventory::new(client(&sandbox), ownership());
    // Every page has new ids and a new offset: none of them is ever one of ours.
    hostile(
        &sandbox,
        0,
        usize::MAX,
        FaultAction::Paging(PagingFault::FreshEntities),
    );
    sandbox.controls().reset_requests();

    look_up_all(&inventory, &ours).await;

    let requests = sandbox.controls().requests();
    let pages = listings(&requests, "/services").len();
    assert!(pages >= 1, "the listing was tried");
    assert!(
        pages <= LISTED_PER_LOOKUP * ours.len() / per_page + 1,
        "the listing budget stops the pages: {pages}"
    );
    assert_eq!(
        requests.len(),
        ours.len() + pages,
        "every lookup read directly"
    );
}

/// Eight of our services, and a Kong whose answers to the `GET`s of `/services` after the
/// direct reads of the first lookups are twice the cap (`times` of them), unannounced: the
/// client reads up to the cap and stops.
fn oversized_after_the_first_lookups(times: usize) -> (Sandbox, Vec<String>, Inventory) {
    let sandbox = Sandbox::start();
    let ours = seed_services(&sandbox, 8, &[MANAGED, ORG]);
    let inventory = Inventory::new(client(&sandbox), ownership());
    hostile(
        &sandbox,
        DIRECT_READS,
        times,
        FaultAction::HugeBody {
            bytes: 2 * MAX_ANSWER_BYTES as u64,
            declared: false,
        },
    );
    sandbox.controls().reset_requests();
    (sandbox, ours, inventory)
}

#[tokio::test]
async fn an_oversized_listing_is_refused_at_the_cap_and_the_lookups_read_directly() {
    // Only the listing is oversized.
    let (sandbox, ours, inventory) = oversized_after_the_first_lookups(1);
    look_up_all(&inventory, &ours).await;

    let requests = sandbox.controls().requests();
    assert_eq!(listings(&requests, "/services").len(), 1, "never again");
    assert_eq!(requests.len(), ours.len() + 1);
}

#[tokio::test]
async fn a_kong_whose_every_answer_is_oversized_fails_the_read_naming_it() {
    let (sandbox, ours, inventory) = oversized_after_the_first_lookups(usize::MAX);
    look_up_all(&inventory, &ours[..DIRECT_READS]).await;

    let id = &ours[DIRECT_READS];
    let error = look_up(&inventory, id).await.expect_err("too large");
    let KongError::TooLarge {
        ref method,
        ref path,
        limit,
        declared,
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("GET", format!("/services/{id}").as_str())
    );
    assert_eq!((limit, declared), (MAX_ANSWER_BYTES as u64, None));
    assert!(
        error.to_string().starts_with(&format!(
            "GET /services/{id}: Kong's answer is larger than 33554432 bytes (32 MiB)"
        )),
        "{error}"
    );
    let requests = sandbox.controls().requests();
    assert_eq!(
        requests.len(),
        DIRECT_READS + 2,
        "the listing, then the direct read, each once"
    );

    // The next lookup does not list again.
    let next = &ours[DIRECT_READS + 1];
    look_up(&inventory, next).await.expect_err("too large");
    let requests = sandbox.controls().requests();
    assert_eq!(listings(&requests, "/services").len(), 1);
    assert_eq!(requests.len(), DIRECT_READS + 3);
}
