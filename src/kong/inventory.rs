//! One paged listing of the managed services, routes and plugins, shared by every read of a
//! `terraform plan`, so that refreshing N APIs costs a handful of requests instead of 2N.
//!
//! Correctness before speed:
//! - the first few lookups of a process go straight to Kong, so a small configuration never pays
//!   for listing a large gateway;
//! - a listing is never used across a write made through the client (the client's write
//!   generation), nor after [`FRESHNESS`]; each Terraform command runs a new provider process,
//!   so a plan that follows an out-of-band change always lists Kong again;
//! - an entity missing from the listing (deleted, created since, or stripped of its ownership
//!   tags) is fetched directly, so absence in the listing never hides anything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::client::Client;
use super::entities::{Plugin, Route, Service};
use super::error::KongError;

/// Lookups (of a service, a route or plugins) served directly before the listing is worth
/// fetching.
pub const DIRECT_READS: usize = 4;
/// How long a listing may serve reads.
pub const FRESHNESS: Duration = Duration::from_secs(10);

/// The shared listing of one provider process.
pub struct Inventory {
    client: Client,
    tags: Vec<String>,
    reads: AtomicUsize,
    listing: Mutex<Option<Arc<Listing>>>,
}

/// Kong's managed entities at one moment.
struct Listing {
    generation: u64,
    fetched: Instant,
    services: HashMap<String, Service>,
    routes: HashMap<String, Route>,
    /// Managed plugins by service id; `None` until a read needed plugins.
    plugins: Option<HashMap<String, Vec<Plugin>>>,
}

impl Listing {
    fn fresh(&self, client: &Client) -> bool {
        self.generation == client.write_generation() && self.fetched.elapsed() < FRESHNESS
    }
}

impl Inventory {
    /// An inventory of the entities carrying all of `tags` (the ownership tags).
    pub fn new(client: Client, tags: Vec<String>) -> Self {
        Self {
            client,
            tags,
            reads: AtomicUsize::new(0),
            listing: Mutex::new(None),
        }
    }

    /// A service by id.
    pub async fn service(&self, id: &str) -> Result<Option<Service>, KongError> {
        if let Some(listing) = self.listing(false).await? {
            if let Some(service) = listing.services.get(id) {
                return Ok(Some(service.clone()));
            }
        }
        self.client.service(id).await
    }

    /// A route by id.
    pub async fn route(&self, id: &str) -> Result<Option<Route>, KongError> {
        if let Some(listing) = self.listing(false).await? {
            if let Some(route) = listing.routes.get(id) {
                return Ok(Some(route.clone()));
            }
        }
        self.client.route(id).await
    }

    /// The managed plugins attached to a service.
    pub async fn service_plugins(&self, service_id: &str) -> Result<Vec<Plugin>, KongError> {
        if let Some(listing) = self.listing(true).await? {
            if listing.services.contains_key(service_id) {
                if let Some(plugins) = &listing.plugins {
                    return Ok(plugins.get(service_id).cloned().unwrap_or_default());
                }
            }
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

    /// The listing to serve a read from, fetching it when it is worth it; `None` means "ask
    /// Kong directly".
    async fn listing(&self, with_plugins: bool) -> Result<Option<Arc<Listing>>, KongError> {
        if self.reads.fetch_add(1, Ordering::SeqCst) < DIRECT_READS {
            return Ok(None);
        }
        // One fetch at a time: concurrent reads wait for it instead of listing again.
        let mut slot = self.listing.lock().await;
        if let Some(listing) = slot.as_ref() {
            if listing.fresh(&self.client) && (!with_plugins || listing.plugins.is_some()) {
                return Ok(Some(listing.clone()));
            }
        }
        let generation = self.client.write_generation();
        let fetched = async {
            let services = self.client.services(&self.tags).await?;
            let routes = self.client.routes(&self.tags).await?;
            let plugins = if with_plugins {
                Some(self.client.plugins(&self.tags).await?)
            } else {
                None
            };
            Ok::<_, KongError>((services, routes, plugins))
        };
        let (services, routes, plugins) = match fetched.await {
            Ok(lists) => lists,
            Err(error) => {
                // Credentials may be allowed to read entities but not to list them: reading
                // directly still works, and reports Kong's real error if it does not.
                tracing::debug!(%error, "cannot list the managed entities; reading one by one");
                return Ok(None);
            }
        };
        let plugins = plugins.map(|plugins| {
            let mut by_service: HashMap<String, Vec<Plugin>> = HashMap::new();
            for plugin in plugins {
                if let Some(service) = &plugin.service {
                    by_service
                        .entry(service.id.clone())
                        .or_default()
                        .push(plugin);
                }
            }
            by_service
        });
        if self.client.write_generation() != generation {
            // Something was written while listing: the listing may mix before and after.
            *slot = None;
            return Ok(None);
        }
        let listing = Arc::new(Listing {
            generation,
            fetched: Instant::now(),
            services: services.into_iter().map(|s| (s.id.clone(), s)).collect(),
            routes: routes.into_iter().map(|r| (r.id.clone(), r)).collect(),
            plugins,
        });
        tracing::debug!(
            services = listing.services.len(),
            routes = listing.routes.len(),
            "listed the managed entities for this refresh"
        );
        *slot = Some(listing.clone());
        Ok(Some(listing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kong::{ClientOptions, ServiceFields, TlsOptions};
    use kong_sandbox::Sandbox;

    const TAG: &str = "managed-by:test";

    fn client(url: &str) -> Client {
        Client::new(ClientOptions {
            base_url: url::Url::parse(url).expect("url"),
            admin_token: None,
            workspace: None,
            extra_headers: vec![],
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(5),
            max_retries: 0,
            retry_base_delay: Duration::from_millis(10),
        })
        .expect("client")
    }

    fn fields(name: &str, host: &str) -> ServiceFields {
        ServiceFields {
            name: name.into(),
            protocol: "http".into(),
            host: host.into(),
            port: 80,
            path: None,
            enabled: true,
            connect_timeout: 60_000,
            read_timeout: 60_000,
            write_timeout: 60_000,
            tags: vec![TAG.into()],
        }
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
        let client = client(&sandbox.url());
        let ids = services(&client, 10).await;
        let inventory = Inventory::new(client.clone(), vec![TAG.into()]);
        sandbox.controls().reset_requests();
        for id in &ids {
            let service = inventory.service(id).await.expect("read").expect("exists");
            assert_eq!(&service.id, id);
        }
        // DIRECT_READS direct GETs, then one listing of services and one of routes.
        assert_eq!(sandbox.controls().request_count(), DIRECT_READS + 2);
    }

    #[tokio::test]
    async fn a_write_invalidates_the_listing() {
        let sandbox = Sandbox::start();
        let client = client(&sandbox.url());
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
        let client = client(&sandbox.url());
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
