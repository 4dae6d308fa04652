//! How a `terraform plan` reads what Kong holds for N APIs with O(N) work, whatever else Kong
//! holds (many teams, one Kong).
//!
//! A refresh looks each API's service, route and (when its declaration involves plugins)
//! plugins up by id. Reading each directly costs a round trip per lookup, which a remote Kong
//! makes slow; listing the managed entities costs a round trip per page of 1000, but grows
//! with everything the organization holds in Kong, also what other Terraform states manage.
//! So the inventory does both, and what the run has seen decides:
//!
//! - The first [`DIRECT_READS`] lookups of a process go straight to Kong: a small
//!   configuration never lists anything.
//! - Then each collection (services, routes, plugins) is listed a page at a time (Kong's
//!   largest, 1000), filtered by the ownership tags ANDed (`managed-by` and the
//!   organization's), so other organizations' entities never cross the wire. A page serves
//!   every lookup it holds.
//! - A collection's next page is fetched only while what it has listed is at most
//!   [`LISTED_PER_LOOKUP`] entities per lookup seen: a process never lists more than one page
//!   plus `LISTED_PER_LOOKUP` entities per lookup of each collection. When the state is most of what its
//!   organization holds (the usual case, and the remote one), the first pages cover it in a
//!   round trip each; when it is a small part of a crowded organization, the listing stops
//!   after its first page and the rest is read directly. Either way the work is O(N) plus one
//!   page.
//! - What the pages fetched do not hold is read directly: an entity beyond them, deleted, or
//!   stripped of its ownership tags, so absence from a listing never hides anything. A
//!   service's plugins may be spread over pages (Kong orders pages by plugin id), so a plugin
//!   listing answers only once complete.
//! - A listing Kong refuses (credentials that may read but not list, say) is not tried again
//!   in that process; direct reads report Kong's real error if there is one. A refusal for
//!   lack of permission (401, 403) is logged at debug, any other failure of a listing (pages
//!   that repeat or never end, an answer over the cap) at warn.
//!
//! Kong's facts behind this (Kong 3.9, the same in 3.10): `size` is 1..1000
//! (kong/api/endpoints.lua `extract_options`, `max_page_size`); pages are in primary key order
//! (kong/db/strategies/postgres/init.lua, `page_by_tags_and_first`/`_next`: `tags @> $1 ...
//! ORDER BY id`) and ids are random UUIDs, so a page holds an even sample of the
//! organization. Narrower filters do not help: `tags=a,b` ANDs and `tags=a/b` ORs, never both,
//! and at most five tags (kong/db/dao/init.lua `validate_options_value`, "cannot query more
//! than 5 tags"), so an OR of the APIs' own `dispatch-api:` tags covers five APIs a request.
//! That saves requests but not waits: Terraform sends reads ten at a time, and each wave would
//! still wait for an answer, where a listing waits once per 1000 entities.
//!
//! Correctness before speed: a listing is never used across a write made through the client
//! (the client's write generation), nor after [`FRESHNESS`]; each Terraform command runs a new
//! provider process, so a plan that follows an out-of-band change always reads Kong again.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::client::Client;
use super::entities::{Plugin, Route, Service};
use super::error::KongError;
pub use super::listing::FRESHNESS;
use super::listing::{Answer, Listed, Listing};

/// Lookups (of a service, a route or plugins) served directly before a listing is worth
/// fetching.
pub const DIRECT_READS: usize = 4;
/// Entities a collection's listing may have fetched per lookup the process has seen before it
/// fetches another page. A listed entity costs the provider and Kong about a fifth of a direct
/// read (callgrind: some 16 k instructions to decode one from a page against some 100 k for a
/// request and its answer), so at this rate the pages never cost more than the direct reads
/// they could have saved.
pub const LISTED_PER_LOOKUP: usize = 4;

/// The listings and shared reads of one provider process.
pub struct Inventory {
    client: Client,
    tags: Vec<String>,
    lookups: AtomicUsize,
    services: Listing<Service>,
    routes: Listing<Route>,
    plugins: Listing<Plugin>,
}

impl Inventory {
    /// An inventory of the entities carrying all of `tags` (the ownership tags).
    pub fn new(client: Client, tags: Vec<String>) -> Self {
        Self {
            client,
            tags,
            lookups: AtomicUsize::new(0),
            services: Listing::default(),
            routes: Listing::default(),
            plugins: Listing::default(),
        }
    }

    /// A service by id.
    pub async fn service(&self, id: &str) -> Result<Option<Service>, KongError> {
        match self.listed(&self.services, id, false).await {
            Some(mut found) => Ok(found.pop()),
            None => self.client.service(id).await,
        }
    }

    /// A route by id.
    pub async fn route(&self, id: &str) -> Result<Option<Route>, KongError> {
        match self.listed(&self.routes, id, false).await {
            Some(mut found) => Ok(found.pop()),
            None => self.client.route(id).await,
        }
    }

    /// The managed plugins attached to a service.
    pub async fn service_plugins(&self, service_id: &str) -> Result<Vec<Plugin>, KongError> {
        if let Some(plugins) = self.listed(&self.plugins, service_id, true).await {
            return Ok(plugins);
        }
        let all = self.client.service_plugins(service_id).await?;
        Ok(all
            .into_iter()
            .filter(|p| {
                let tags = p.tags.as_deref().unwrap_or_default();
                self.tags.iter().all(|t| tags.contains(t))
            })
            .collect())
    }

    /// What `listing` holds for `key`, fetching pages while the budget allows; `None` means
    /// "ask Kong directly". With `whole`, only a complete listing answers (see
    /// [`Answer`]). Each lookup is one debug line: served by the listing (a hit) or not (a
    /// miss, and why).
    async fn listed<T: Listed>(
        &self,
        listing: &Listing<T>,
        key: &str,
        whole: bool,
    ) -> Option<Vec<T>> {
        let (found, why) = self.look_up(listing, key, whole).await;
        let cache = if found.is_some() { "hit" } else { "miss" };
        tracing::debug!(collection = T::PATH, key, cache, why, "listing lookup");
        found
    }

    async fn look_up<T: Listed>(
        &self,
        listing: &Listing<T>,
        key: &str,
        whole: bool,
    ) -> (Option<Vec<T>>, &'static str) {
        let seen = self.lookups.fetch_add(1, Ordering::SeqCst) + 1;
        if seen <= DIRECT_READS {
            return (None, "one of the first lookups, read directly");
        }
        if listing.refused() {
            return (None, "Kong refused to list this collection");
        }
        let mut pages = listing.lock().await;
        loop {
            match pages.answer(&self.client, key, whole) {
                Answer::Listed(found) => return (Some(found), "listed"),
                Answer::Absent => return (None, "not in the listing, read directly"),
                Answer::NotYet => {}
            }
            let budget = LISTED_PER_LOOKUP * self.lookups.load(Ordering::SeqCst);
            if pages.listed > budget {
                // The rest of the organization costs more than it has been worth so far.
                return (None, "listing budget spent, read directly");
            }
            if let Err(error) = pages.fetch_next(&self.client, &self.tags).await {
                listing.refuse(&error);
                return (None, "listing failed, read directly");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kong::ServiceFields;
    use kong_sandbox::Sandbox;

    const TAG: &str = "managed-by:test";

    fn fields(name: &str, host: &str) -> ServiceFields {
        ServiceFields::for_tests(name, host, &[TAG])
    }

    async fn services(client: &Client, count: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..count {
            let id = uuid::Uuid::new_v4().to_string();
            client
                .put_service(&id, &fields(&format!("s{i}"), "up.internal"))
                .await
                .expect("created");
            ids.push(id);
        }
        ids
    }

    #[tokio::test]
    async fn reads_share_one_listing_after_the_first_few() {
        let sandbox = Sandbox::start();
        let client = Client::for_tests(&sandbox.url());
        let ids = services(&client, 10).await;
        let inventory = Inventory::new(client.clone(), vec![TAG.into()]);
        sandbox.controls().reset_requests();
        for id in &ids {
            let service = inventory.service(id).await.expect("read").expect("exists");
            assert_eq!(&service.id, id);
        }
        // DIRECT_READS direct GETs, then one listing of services (routes are listed only once
        // a route is looked up).
        assert_eq!(sandbox.controls().request_count(), DIRECT_READS + 1);
    }

    #[tokio::test]
    async fn a_write_invalidates_the_listing() {
        let sandbox = Sandbox::start();
        let client = Client::for_tests(&sandbox.url());
        let ids = services(&client, 6).await;
        let inventory = Inventory::new(client.clone(), vec![TAG.into()]);
        for id in &ids {
            inventory.service(id).await.expect("read");
        }
        client
            .patch_service(&ids[5], &fields("s5", "changed.internal"))
            .await
            .expect("patched");
        let service = inventory
            .service(&ids[5])
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(
            service.host, "changed.internal",
            "never served across a write"
        );
    }

    #[tokio::test]
    async fn what_the_listing_lacks_is_read_directly() {
        let sandbox = Sandbox::start();
        let client = Client::for_tests(&sandbox.url());
        let ids = services(&client, 6).await;
        let inventory = Inventory::new(client.clone(), vec![TAG.into()]);
        for id in &ids {
            inventory.service(id).await.expect("read");
        }
        // An entity whose ownership tag was removed out of band is not in the listing...
        let untagged = uuid::Uuid::new_v4().to_string();
        let mut plain = fields("plain", "plain.internal");
        plain.tags = vec![];
        client
            .put_service(&untagged, &plain)
            .await
            .expect("created");
        // ...(the write above invalidated the listing; read enough to list again)...
        for id in &ids {
            inventory.service(id).await.expect("read");
        }
        sandbox.controls().reset_requests();
        let found = inventory.service(&untagged).await.expect("read");
        assert_eq!(found.map(|s| s.host), Some("plain.internal".to_string()));
        assert_eq!(sandbox.controls().request_count(), 1, "one direct GET");
        // ...and a deleted one is reported gone.
        assert!(inventory
            .service(&uuid::Uuid::new_v4().to_string())
            .await
            .expect("read")
            .is_none());
    }
}
