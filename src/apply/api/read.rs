//! Reading APIs from Kong: a refresh of one API, an import, the data sources' lookups.
//!
//! A refresh reads through the inventory (one listing of the managed entities shared by a plan)
//! and sees only what carries the ownership tags. An import, and a refresh of an API that may
//! have entities outside its declaration (`look`), read every plugin of the service and of the
//! route and every route of the service directly: three more requests, paid only by those APIs.

use std::collections::HashMap;

use super::{issuer, Found, Ids};
use crate::apply::ownership::{self, Guarded};
use crate::apply::Context;
use crate::kong::{KongError, Plugin, Route, Service};
use crate::model::api::adopt::{self, Outside, Trust};
use crate::model::api::{self, ApiSpec, Observed};
use crate::model::naming;

/// What Kong holds for an API at `ids` (last declared as `prior`): `None` when its service is
/// gone. With `look`, also what Kong attaches to it outside its declaration.
pub async fn read(
    context: &Context,
    ids: &Ids,
    prior: Option<&ApiSpec>,
    look: bool,
) -> Result<Option<Found>, KongError> {
    match observe(context, ids, prior, None, look).await? {
        Some(snapshot) => Ok(Some(snapshot.found(context, ids, prior).await?)),
        None => Ok(None),
    }
}

/// The API behind a Kong service with this id or (in the organization) this name, as an
/// import reads it: with no declaration to compare with, every plugin of a modelled kind on its
/// service or route taken as the API's (tagged or not), and what it cannot express named.
/// A service or route of another organization is refused.
pub async fn import(context: &Context, id: &str) -> Result<Option<Found>, Guarded<KongError>> {
    let client = &context.client;
    let service = if uuid::Uuid::parse_str(id).is_ok() {
        client.service(id).await?
    } else {
        None
    };
    let service = match service {
        Some(service) => service,
        None => match client
            .service(&context.environment.naming.kong_name(id))
            .await?
        {
            Some(service) => service,
            None => return Ok(None),
        },
    };
    let shown = service.name.as_deref().unwrap_or(&service.id);
    ownership::check(context, "service", shown, service.tags.as_deref())?;
    let routes = client.service_routes(&service.id).await?;
    let route = api_route(&service, routes.iter()).cloned();
    if let Some(route) = &route {
        let shown = route.name.as_deref().unwrap_or(&route.id);
        ownership::check(context, "route", shown, route.tags.as_deref())?;
    }
    let mut plugins = client.service_plugins(&service.id).await?;
    if let Some(route) = &route {
        plugins.extend(client.route_plugins(&route.id).await?);
    }
    let snapshot = Snapshot {
        service,
        route,
        plugins,
        routes: Some(routes),
    };
    Ok(Some(snapshot.imported(context).await?))
}

/// What a lookup of an API by name finds.
#[derive(Debug)]
pub enum Lookup {
    /// The organization's API.
    Found(Box<Found>),
    /// No Kong service has the API's name.
    Missing,
    /// A service has the name, but not as an API of this organization; `managed` when this
    /// provider manages it (for another organization).
    Foreign {
        /// Whether this provider manages it.
        managed: bool,
    },
}

/// The organization's API named `name`, as an import reads it (the plugins of its service).
pub async fn find(context: &Context, name: &str) -> Result<Lookup, KongError> {
    let naming = &context.environment.naming;
    let client = &context.client;
    let Some(service) = client.service(&naming.kong_name(name)).await? else {
        return Ok(Lookup::Missing);
    };
    if !naming.owns(service.tags.as_deref()) {
        return Ok(Lookup::Foreign {
            managed: naming::is_managed(service.tags.as_deref()),
        });
    }
    let routes = client.service_routes(&service.id).await?;
    let route = api_route(&service, routes.iter()).cloned();
    let plugins = if api::needs_plugins(None, &service) {
        client.service_plugins(&service.id).await?
    } else {
        Vec::new()
    };
    let snapshot = Snapshot {
        service,
        route,
        plugins,
        routes: None,
    };
    Ok(Lookup::Found(Box::new(snapshot.imported(context).await?)))
}

/// Every API of the organization, sorted by name: three paged listings (services, routes,
/// plugins, filtered by the ownership tags) however many APIs there are, and on open-source
/// Kong one read of each OIDC issuer's keys.
pub async fn list(context: &Context) -> Result<Vec<Found>, KongError> {
    let client = &context.client;
    let naming = &context.environment.naming;
    let tags = naming.listing_tags();
    let services = client.services(&tags).await?;
    let routes = client.routes(&tags).await?;
    let plugins = client.plugins(&tags).await?;
    let mut routes_of: HashMap<&str, Vec<&Route>> = HashMap::new();
    for route in &routes {
        if let Some(service) = &route.service {
            routes_of
                .entry(service.id.as_str())
                .or_default()
                .push(route);
        }
    }
    let mut plugins_of: HashMap<String, Vec<Plugin>> = HashMap::new();
    for plugin in plugins {
        if let Some(service) = &plugin.service {
            plugins_of
                .entry(service.id.clone())
                .or_default()
                .push(plugin);
        }
    }
    let ours = services.iter().filter(|s| {
        naming.owns(s.tags.as_deref())
            && s.name
                .as_deref()
                .is_some_and(|n| naming.dispatch_name(n).is_some())
    });
    let mut found = Vec::new();
    for service in ours {
        let routes = routes_of.get(service.id.as_str());
        let route = routes.and_then(|r| api_route(service, r.iter().copied()));
        let snapshot = Snapshot {
            service: service.clone(),
            route: route.cloned(),
            plugins: plugins_of.remove(service.id.as_str()).unwrap_or_default(),
            routes: None,
        };
        found.push(snapshot.imported(context).await?);
    }
    found.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    Ok(found)
}

/// What Kong holds for one API.
pub(super) struct Snapshot {
    service: Service,
    route: Option<Route>,
    /// The plugins of the service and of the route that were read.
    plugins: Vec<Plugin>,
    /// Every route of the service, when they were read.
    routes: Option<Vec<Route>>,
}

impl Snapshot {
    /// The declaration the snapshot amounts to, for an API at `ids` (`prior` decides between
    /// equivalent spellings).
    pub(super) async fn found(
        &self,
        context: &Context,
        ids: &Ids,
        prior: Option<&ApiSpec>,
    ) -> Result<Found, KongError> {
        self.read(context, Trust::Known(&ids.plugins), prior).await
    }

    /// The declaration the snapshot amounts to with no declaration to compare with, every
    /// plugin in a slot taken as the API's.
    async fn imported(&self, context: &Context) -> Result<Found, KongError> {
        self.read(context, Trust::Import, None).await
    }

    async fn read(
        &self,
        context: &Context,
        trust: Trust<'_>,
        prior: Option<&ApiSpec>,
    ) -> Result<Found, KongError> {
        let observed = Observed {
            service: &self.service,
            route: self.route.as_ref(),
            plugins: &self.plugins,
        };
        let mut reading = api::read_kong(observed, trust, prior, &context.environment);
        issuer::observe_keys(context, &mut reading.spec.auth).await?;
        let route_id = self.route.as_ref().map(|r| r.id.as_str());
        let outside = self.routes.as_ref().map(|routes| {
            let mut outside: Vec<Outside> = adopt::extra_routes(routes, route_id);
            outside.append(&mut reading.outside);
            outside
        });
        Ok(Found {
            spec: reading.spec,
            ids: Ids {
                service: self.service.id.clone(),
                route: self.route.as_ref().map(|r| r.id.clone()),
                kong_name: self.service.name.clone().unwrap_or_default(),
                plugins: reading.adopted,
            },
            outside,
        })
    }
}

/// Fetches what Kong holds for an API that is at `before`, or anywhere between `before` and
/// `after` when an update failed half-way: `None` when the service is gone. With `look` (or an
/// adopted plugin without the ownership tags, which the inventory cannot see), every plugin of
/// the service and the route and every route of the service, read directly.
pub(super) async fn observe(
    context: &Context,
    ids: &Ids,
    before: Option<&ApiSpec>,
    after: Option<&ApiSpec>,
    look: bool,
) -> Result<Option<Snapshot>, KongError> {
    let kong = &context.inventory;
    let client = &context.client;
    let Some(service) = kong.service(&ids.service).await? else {
        return Ok(None);
    };
    let route = match &ids.route {
        Some(route_id) => kong.route(route_id).await?,
        None => None,
    };
    let look = look || ids.plugins.values().any(|p| !p.tagged);
    let mut plugins = if look {
        client.service_plugins(&service.id).await?
    } else if api::needs_plugins_between(before, after, &service) || !ids.plugins.is_empty() {
        kong.service_plugins(&service.id).await?
    } else {
        Vec::new()
    };
    // A plugin of the route alone is not listed with the service's.
    let on_route = ids.plugins.values().any(|p| p.route.is_some());
    if let (Some(route), true) = (&route, look || on_route) {
        plugins.extend(client.route_plugins(&route.id).await?);
    }
    let routes = if look {
        Some(client.service_routes(&service.id).await?)
    } else {
        None
    };
    Ok(Some(Snapshot {
        service,
        route,
        plugins,
        routes,
    }))
}

/// The API's route among its service's: the one named like the service, else the only one.
fn api_route<'a>(
    service: &Service,
    routes: impl Iterator<Item = &'a Route> + Clone,
) -> Option<&'a Route> {
    routes
        .clone()
        .find(|r| r.name.is_some() && r.name == service.name)
        .or_else(|| {
            let mut all = routes;
            match (all.next(), all.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        })
}
