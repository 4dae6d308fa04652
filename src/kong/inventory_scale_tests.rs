//! The inventory against a crowded Kong: what a lookup costs depends on the lookups a process
//! makes, not on what else Kong holds.

use std::collections::BTreeSet;
use std::sync::Arc;

use kong_sandbox::{FaultAction, FaultRule, Sandbox, SeedRequest};
use serde_json::json;
use tokio::task::JoinSet;

use super::inventory::{DIRECT_READS, LISTED_PER_LOOKUP};
use super::testing::{listings, seed_services};
use super::{Client, Inventory};
use crate::kong::client::MAX_PAGE_SIZE;

const MANAGED: &str = "managed-by:test";
const ORG: &str = "dispatch-org:team";
const OTHER_ORG: &str = "dispatch-org:other";

fn ownership() -> Vec<String> {
    vec![MANAGED.into(), ORG.into()]
}

#[tokio::test]
async fn a_small_state_in_a_crowded_organization_lists_one_page() {
    let sandbox = Sandbox::start();
    // Other states of the same organization, and another organization altogether.
    let neighbours = seed_services(&sandbox, 3000, &[MANAGED, ORG]);
    seed_services(&sandbox, 2000, &[MANAGED, OTHER_ORG]);
    let ours = seed_services(&sandbox, 40, &[MANAGED, ORG]);
    let inventory = Inventory::new(Client::for_tests(&sandbox.url()), ownership());
    sandbox.controls().reset_requests();
    for id in &ours {
        let service = inventory.service(id).await.expect("read").expect("exists");
        assert_eq!(&service.id, id);
    }
    let requests = sandbox.controls().requests();
    let listed = listings(&requests, "/services");
    assert_eq!(listed.len(), 1, "one page, never the whole organization");
    assert!(
        listed[0].query.contains("dispatch-org%3Ateam"),
        "filtered by the organization: {}",
        listed[0].query
    );
    // The first page holds the organization's smallest ids; what it lacks is read directly.
    let first_page: BTreeSet<&String> = neighbours
        .iter()
        .chain(&ours)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(MAX_PAGE_SIZE)
        .collect();
    let direct = ours[DIRECT_READS..]
        .iter()
        .filter(|id| !first_page.contains(id))
        .count();
    assert_eq!(requests.len(), DIRECT_READS + 1 + direct, "{requests:?}");
}

#[tokio::test]
async fn a_state_that_is_its_whole_organization_is_listed_whole() {
    let sandbox = Sandbox::start();
    let ours = seed_services(&sandbox, 2500, &[MANAGED, ORG]);
    let inventory = Inventory::new(Client::for_tests(&sandbox.url()), ownership());
    sandbox.controls().reset_requests();
    for id in &ours {
        let service = inventory.service(id).await.expect("read").expect("exists");
        assert_eq!(&service.id, id);
    }
    let requests = sandbox.controls().requests();
    assert_eq!(
        listings(&requests, "/services").len(),
        3,
        "every page, once"
    );
    // A further page waits until the lookups pay for it: page 2 after 1000 / 4 lookups,
    // page 3 after 2000 / 4; before that, what the pages lack is read directly.
    let before_page_2 = MAX_PAGE_SIZE / LISTED_PER_LOOKUP;
    let before_page_3 = 2 * MAX_PAGE_SIZE / LISTED_PER_LOOKUP;
    assert!(
        requests.len() <= DIRECT_READS + 3 + before_page_2 + (before_page_3 - before_page_2),
        "{} requests",
        requests.len()
    );
    assert!(
        requests.len() < ours.len() / 5,
        "most lookups are served by the listing"
    );
}

#[tokio::test]
async fn concurrent_lookups_wait_for_one_page() {
    let sandbox = Sandbox::start();
    let ours = seed_services(&sandbox, 30, &[MANAGED, ORG]);
    let inventory = Arc::new(Inventory::new(
        Client::for_tests(&sandbox.url()),
        ownership(),
    ));
    sandbox.controls().reset_requests();
    let mut reads = JoinSet::new();
    for id in ours {
        let inventory = inventory.clone();
        reads.spawn(async move { inventory.service(&id).await });
    }
    while let Some(found) = reads.join_next().await {
        assert!(found.expect("joined").expect("read").is_some());
    }
    let requests = sandbox.controls().requests();
    assert_eq!(listings(&requests, "/services").len(), 1);
    assert_eq!(requests.len(), DIRECT_READS + 1);
}

#[tokio::test]
async fn a_refused_listing_is_not_tried_again() {
    let sandbox = Sandbox::start();
    let ours = seed_services(&sandbox, 10, &[MANAGED, ORG]);
    let inventory = Inventory::new(Client::for_tests(&sandbox.url()), ownership());
    sandbox.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/services".into()),
        skip: DIRECT_READS,
        times: 1,
        action: FaultAction::Status {
            status: 403,
            retry_after_secs: None,
        },
    });
    sandbox.controls().reset_requests();
    for id in &ours {
        assert!(inventory.service(id).await.expect("read").is_some());
    }
    let requests = sandbox.controls().requests();
    assert_eq!(listings(&requests, "/services").len(), 1, "tried once");
    assert_eq!(
        requests.len(),
        ours.len() + 1,
        "every other lookup is direct"
    );
}

#[tokio::test]
async fn plugins_are_served_by_a_complete_listing_only() {
    let sandbox = Sandbox::start();
    let services = seed_services(&sandbox, 8, &[MANAGED, ORG]);
    let plugin = |service: &str, name: &str, tags: &[&str]| SeedRequest {
        method: "POST".into(),
        path: "/plugins".into(),
        body: json!({ "name": name, "service": { "id": service }, "tags": tags }),
    };
    // Every service but the last has a managed plugin; the first also one added out of band.
    let mut requests: Vec<SeedRequest> = services[..7]
        .iter()
        .map(|s| plugin(s, "cors", &[MANAGED, ORG]))
        .collect();
    requests.push(plugin(&services[0], "request-size-limiting", &[]));
    sandbox.seeder().seed(&requests).expect("seeded");
    let inventory = Inventory::new(Client::for_tests(&sandbox.url()), ownership());
    sandbox.controls().reset_requests();
    for (i, service) in services.iter().enumerate() {
        let names: Vec<String> = inventory
            .service_plugins(service)
            .await
            .expect("read")
            .into_iter()
            .map(|p| p.name)
            .collect();
        let expected: &[&str] = if i < 7 { &["cors"] } else { &[] };
        assert_eq!(names, expected, "service {i}: the managed plugins only");
    }
    let requests = sandbox.controls().requests();
    assert_eq!(listings(&requests, "/plugins").len(), 1);
    assert_eq!(requests.len(), DIRECT_READS + 1, "{requests:?}");
}
