//! `dispatch_api` against Kong: one service and one route named after the API, the plugins of
//! its policies and authentication on the service, and on open-source Kong the OIDC issuer's
//! consumer it shares with the other APIs of that issuer ([`issuer`]).

mod create;
mod issuer;
mod update;

use std::collections::HashMap;

use crate::apply::ownership::{self, Guarded};
use crate::apply::Context;
use crate::kong::{KongError, Plugin, Route, Service};
use crate::model::api::{self, ApiSpec, HttpsMode, Observed, Upstream};
use crate::model::auth::Authentication;
use crate::model::{certificate, naming};

pub use create::{create, CreateError};
pub use issuer::{plan_oidc, IssuerError, PlanError};
pub use update::{update, UpdateError, UpdateFailure};

/// The Kong ids and name of an API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The service's id (the API's id).
    pub service: String,
    /// The route's id, unless the route is gone.
    pub route: Option<String>,
    /// The name of the service (and route).
    pub kong_name: String,
}

impl Ids {
    fn of_kong(service: &Service, route: Option<&Route>) -> Ids {
        Ids {
            service: service.id.clone(),
            route: route.map(|r| r.id.clone()),
            kong_name: service.name.clone().unwrap_or_default(),
        }
    }
}

/// An API as Kong holds it: the declaration its entities amount to, and their ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The declaration, the issuer's keys included.
    pub spec: ApiSpec,
    /// The entities' ids.
    pub ids: Ids,
}

/// Who holds the name of an API Kong refused to write because the name is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameHolder {
    /// `service` or `route`.
    pub kind: &'static str,
    /// The name they hold.
    pub kong_name: String,
    /// Whether this provider manages it (from another state, probably).
    pub managed: bool,
}

/// A write of the API's entities that Kong refused or that failed.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct WriteError {
    /// What went wrong.
    pub error: KongError,
    /// Who holds the API's name, when Kong refused the write as a name already taken.
    pub taken: Option<NameHolder>,
}

impl WriteError {
    /// The error, with the holder of the API's name looked up when Kong refused it as taken.
    async fn explained(context: &Context, spec: &ApiSpec, error: KongError) -> Self {
        let taken = if error.is_unique_violation() {
            name_holder(context, &spec.name).await
        } else {
            None
        };
        Self { error, taken }
    }
}

/// The Kong service (else route) named like the API `name`, if any. Lookup failures count as
/// none: this only explains an error already being reported.
async fn name_holder(context: &Context, name: &str) -> Option<NameHolder> {
    let kong_name = context.environment.naming.kong_name(name);
    let client = &context.client;
    let (kind, tags) = match client.service(&kong_name).await.ok().flatten() {
        Some(service) => ("service", service.tags),
        None => ("route", client.route(&kong_name).await.ok().flatten()?.tags),
    };
    Some(NameHolder {
        kind,
        managed: naming::is_managed(tags.as_deref()),
        kong_name,
    })
}

/// What Kong holds for an API at `ids` (last declared as `prior`): `None` when its service is
/// gone.
pub async fn read(
    context: &Context,
    ids: &Ids,
    prior: Option<&ApiSpec>,
) -> Result<Option<Found>, KongError> {
    match observe(context, ids, prior, None).await? {
        Some(snapshot) => Ok(Some(snapshot.found(context, prior).await?)),
        None => Ok(None),
    }
}

/// Deletes the API's entities. An issuer's keys go while the service's plugins still record the
/// issuer, so a release that fails is retried with the rest of the delete. Nothing is deleted
/// when the service or the route belongs to another organization.
pub async fn delete(
    context: &Context,
    ids: &Ids,
    prior: Option<&Authentication>,
) -> Result<(), Guarded<KongError>> {
    ownership::check_api(context, &ids.service, ids.route.as_deref()).await?;
    Ok(delete_entities(context, ids, prior).await?)
}

async fn delete_entities(
    context: &Context,
    ids: &Ids,
    prior: Option<&Authentication>,
) -> Result<(), KongError> {
    let client = &context.client;
    if let Some(route) = &ids.route {
        client.delete_route(route).await?;
    }
    if let Some(issuer) = prior.and_then(Authentication::jwt_issuer) {
        issuer::release(context, issuer, Some(&ids.service)).await?;
    }
    // Its plugins (the request-termination one included) are deleted with it.
    client.delete_service(&ids.service).await
}

/// The API behind a Kong service with this id or (in the organization) this name, as an
/// import reads it: with no declaration to compare with. A service (or its route) of another
/// organization is refused.
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
    let found = from_service(context, service).await?;
    if let Some(route) = &found.ids.route {
        ownership::check_route(context, route).await?;
    }
    Ok(Some(found))
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

/// The organization's API named `name`, as an import reads it.
pub async fn find(context: &Context, name: &str) -> Result<Lookup, KongError> {
    let naming = &context.environment.naming;
    let Some(service) = context.client.service(&naming.kong_name(name)).await? else {
        return Ok(Lookup::Missing);
    };
    if !naming.owns(service.tags.as_deref()) {
        return Ok(Lookup::Foreign {
            managed: naming::is_managed(service.tags.as_deref()),
        });
    }
    Ok(Lookup::Found(Box::new(
        from_service(context, service).await?,
    )))
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
        let plugins = plugins_of
            .get(service.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        found.push(from_kong(context, service, route, plugins).await?);
    }
    found.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    Ok(found)
}

/// The hosts of an API served over HTTPS that Kong has no certificate for. Only then (not for
/// APIs without hosts or without HTTPS) does it cost a request (`GET /snis`).
pub async fn hosts_without_certificate(
    context: &Context,
    spec: &ApiSpec,
) -> Result<Vec<String>, KongError> {
    if spec.https == HttpsMode::Disabled || spec.hosts.is_empty() {
        return Ok(Vec::new());
    }
    let snis: Vec<String> = context
        .client
        .snis()
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok(certificate::hosts_without_certificate(&spec.hosts, &snis))
}

/// What Kong holds for one API.
struct Snapshot {
    service: Service,
    route: Option<Route>,
    plugins: Vec<Plugin>,
}

impl Snapshot {
    /// The declaration the snapshot amounts to (`prior` decides between equivalent spellings).
    async fn found(&self, context: &Context, prior: Option<&ApiSpec>) -> Result<Found, KongError> {
        let observed = Observed {
            service: &self.service,
            route: self.route.as_ref(),
            plugins: &self.plugins,
        };
        Ok(Found {
            spec: read_spec(context, observed, prior).await?,
            ids: Ids::of_kong(&self.service, self.route.as_ref()),
        })
    }
}

/// Fetches what Kong holds for an API that is at `before`, or anywhere between `before` and
/// `after` when an update failed half-way: `None` when the service is gone.
async fn observe(
    context: &Context,
    ids: &Ids,
    before: Option<&ApiSpec>,
    after: Option<&ApiSpec>,
) -> Result<Option<Snapshot>, KongError> {
    let kong = &context.inventory;
    let Some(service) = kong.service(&ids.service).await? else {
        return Ok(None);
    };
    let route = match &ids.route {
        Some(route_id) => kong.route(route_id).await?,
        None => None,
    };
    let plugins = if api::needs_plugins_between(before, after, &service) {
        kong.service_plugins(&service.id).await?
    } else {
        Vec::new()
    };
    Ok(Some(Snapshot {
        service,
        route,
        plugins,
    }))
}

/// The declaration Kong holds for an API, the issuer's keys included.
async fn read_spec(
    context: &Context,
    observed: Observed<'_>,
    prior: Option<&ApiSpec>,
) -> Result<ApiSpec, KongError> {
    let mut spec = api::read_back(observed, prior, &context.environment);
    issuer::observe_keys(context, &mut spec.auth).await?;
    Ok(spec)
}

/// The API behind a Kong service, read from Kong (its route and plugins) with no declaration to
/// compare with.
async fn from_service(context: &Context, service: Service) -> Result<Found, KongError> {
    let client = &context.client;
    let routes = client.service_routes(&service.id).await?;
    let route = api_route(&service, routes.iter()).cloned();
    let plugins = if api::needs_plugins(None, &service) {
        client.service_plugins(&service.id).await?
    } else {
        Vec::new()
    };
    from_kong(context, &service, route.as_ref(), &plugins).await
}

/// What Kong's entities amount to, with no declaration to compare with.
async fn from_kong(
    context: &Context,
    service: &Service,
    route: Option<&Route>,
    plugins: &[Plugin],
) -> Result<Found, KongError> {
    let observed = Observed {
        service,
        route,
        plugins,
    };
    Ok(Found {
        spec: read_spec(context, observed, None).await?,
        ids: Ids::of_kong(service, route),
    })
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

/// The issuer an API's OIDC settings name (for messages).
pub fn issuer_of(spec: &ApiSpec) -> &str {
    match &spec.auth {
        Authentication::Oidc(oidc) => &oidc.issuer,
        _ => "",
    }
}

/// Whether an API invokes `function` (for filters).
pub fn invokes(spec: &ApiSpec, function: &str) -> bool {
    matches!(&spec.upstream, Upstream::Function(f) if f == function)
}
