//! Every route of the workspace, for the check that two APIs never receive the same requests
//! (`apply::api::routing`). Routes made outside Terraform carry no tags, so no tag filter can
//! narrow this listing: it is fetched a page of 1000 at a time, only when a plan creates an API
//! or changes an API's routing, and once per provider process for all such plans (a snapshot).
//!
//! Its rules are the inventory's listing's ([`super::inventory`]) but one: a snapshot is kept
//! for at most [`FRESHNESS`] (and each Terraform command runs a new provider process), but it
//! is served across the process's own writes, also writes made while it was being listed. The
//! routes a process writes are all dispatch_api routes, each recorded in the process's routing
//! claims before it is written and compared with them, so the snapshot plus the claims are the
//! whole picture. Dropping it at every write would list all of Kong again for each API an apply
//! creates (Terraform plans each change again just before applying it): O(N × routes in Kong)
//! instead of O(N).

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Mutex;

use super::client::Client;
use super::entities::Route;
use super::error::KongError;
use super::listing::FRESHNESS;

/// The snapshot of every route of one provider process.
pub struct AllRoutes {
    client: Client,
    held: Mutex<Option<Snapshot>>,
}

struct Snapshot {
    started: Instant,
    routes: Arc<[Route]>,
}

impl AllRoutes {
    /// No snapshot yet: the first [`AllRoutes::get`] lists.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            held: Mutex::new(None),
        }
    }

    /// Every route of the workspace: the snapshot while it is fresh, else a new listing.
    /// Concurrent callers wait for one listing instead of each fetching it.
    pub async fn get(&self) -> Result<Arc<[Route]>, KongError> {
        let mut held = self.held.lock().await;
        if let Some(snapshot) = held.as_ref() {
            if snapshot.started.elapsed() < FRESHNESS {
                tracing::debug!(routes = snapshot.routes.len(), "all routes: snapshot");
                return Ok(snapshot.routes.clone());
            }
        }
        let started = Instant::now();
        let routes: Arc<[Route]> = self.client.list_all::<Route>("/routes", &[]).await?.into();
        tracing::debug!(routes = routes.len(), "all routes: listed");
        *held = Some(Snapshot {
            started,
            routes: routes.clone(),
        });
        Ok(routes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kong::{ForeignKey, RouteFields, ServiceFields};
    use kong_sandbox::Sandbox;

    #[tokio::test]
    async fn one_listing_serves_every_check_of_a_process() {
        let sandbox = Sandbox::start();
        let client = Client::for_tests(&sandbox.url());
        let service = uuid::Uuid::new_v4().to_string();
        let fields = ServiceFields::for_tests("s", "up.internal", &[]);
        client
            .put_service(&service, &fields)
            .await
            .expect("service");
        let route = |name: &str| RouteFields {
            name: name.into(),
            protocols: vec!["http".into()],
            hosts: None,
            paths: Some(vec![format!("/{name}")]),
            methods: None,
            strip_path: true,
            https_redirect_status_code: 426,
            service: ForeignKey::new(&service),
            tags: vec![],
        };
        let first = uuid::Uuid::new_v4().to_string();
        client.put_route(&first, &route("a")).await.expect("route");
        let all = AllRoutes::new(client.clone());
        sandbox.controls().reset_requests();
        assert_eq!(all.get().await.expect("listed").len(), 1);
        assert_eq!(all.get().await.expect("listed").len(), 1);
        assert_eq!(sandbox.controls().request_count(), 1, "one listing");
    }
}
