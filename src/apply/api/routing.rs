//! Two APIs whose routes would receive the same requests (`model::api::routing`): an error,
//! never something Kong settles silently.
//!
//! - At plan time, an API that is created or whose routing changes is compared with every route
//!   of the workspace ([`crate::kong::AllRoutes`]: one listing per provider process for all such
//!   plans; a no-change plan costs nothing).
//! - Two APIs of one configuration are compared with each other through the process's
//!   [`crate::apply::RoutingClaims`]: every plan and every create or update records the route it will write, under
//!   the API's name, before writing anything. Terraform plans and applies one configuration in
//!   one provider process per walk (and plans each change again just before applying it), so a
//!   second API with the same routing fails, naming the first, also when its routing was
//!   unknown at plan time.

use crate::apply::Context;
use crate::kong::{KongError, RouteFields};
use crate::model::api::routing::{holder, Holder, Routing};

/// The route in the way of an API's route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InTheWay {
    /// Another API of this configuration, planned or applied by this provider process.
    Planned {
        /// Its name.
        name: String,
    },
    /// A route Kong holds.
    InKong {
        /// Whose it is.
        holder: Holder,
        /// For an unmanaged route: its service's name (else its id), when it has one.
        service: Option<String>,
    },
}

/// Why an API's routing is refused (nothing was written), or why it could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// Another route would receive exactly the same requests.
    #[error("another route receives the same requests")]
    Conflict(InTheWay),
    /// Kong's routes could not be listed.
    #[error("{0}")]
    Kong(KongError),
}

/// Which of an API's Kong entities are its own (never in its own way).
#[derive(Debug, Clone, Copy)]
pub struct Own<'a> {
    /// The API's name.
    pub name: &'a str,
    /// Its route's id, when it has one.
    pub route_id: Option<&'a str>,
}

/// The plan-time check of an API's `route`: when the API is created or its routing changes
/// from `before`'s, against the other APIs of this configuration and then every route in Kong;
/// a plan that keeps the routing only records it, at no cost.
pub async fn plan(
    context: &Context,
    own: Own<'_>,
    route: &RouteFields,
    before: Option<&RouteFields>,
) -> Result<(), RoutingError> {
    let routing = Routing::of_fields(route);
    let check = before.is_none_or(|b| Routing::of_fields(b) != routing);
    context
        .routing_claims
        .claim(own.name, &routing, check)
        .map_err(|name| RoutingError::Conflict(InTheWay::Planned { name }))?;
    tracing::debug!(api = own.name, check, "routing claimed");
    if !check {
        return Ok(());
    }
    let found = in_kong(context, own, &route.name, &routing).await;
    if let Err(RoutingError::Conflict(_)) = found {
        // Refused: the API will not be written, so it is in no other API's way. (When Kong
        // could not be listed the plan goes on, and so does the claim.)
        context.routing_claims.release(own.name, &routing);
    }
    found
}

/// The apply-time check, before anything is written: the route is compared with the other
/// APIs of this configuration (`check`: a create, or an update that changes the routing) and
/// recorded. No request: Kong's routes were compared when this change was planned.
pub fn claim(
    context: &Context,
    name: &str,
    route: &RouteFields,
    check: bool,
) -> Result<(), InTheWay> {
    context
        .routing_claims
        .claim(name, &Routing::of_fields(route), check)
        .map_err(|name| InTheWay::Planned { name })
}

/// Forgets the claim of a create that left nothing in Kong.
pub fn release(context: &Context, name: &str, route: &RouteFields) {
    context
        .routing_claims
        .release(name, &Routing::of_fields(route));
}

/// The first route in Kong, other than the API's own (by id, or by its Kong name), that
/// receives the same requests.
async fn in_kong(
    context: &Context,
    own: Own<'_>,
    kong_name: &str,
    routing: &Routing,
) -> Result<(), RoutingError> {
    let routes = context.all_routes.get().await.map_err(RoutingError::Kong)?;
    let index = context.listed_routings.of(&routes);
    let own_route = |position: &usize| {
        routes.get(*position).is_none_or(|route| {
            Some(route.id.as_str()) == own.route_id || route.name.as_deref() == Some(kong_name)
        })
    };
    let other = index
        .in_the_way(routing, own_route)
        .and_then(|position| routes.get(*position));
    let Some(other) = other else {
        return Ok(());
    };
    let holder = holder(&context.environment.naming, other);
    let service = match &holder {
        Holder::Unmanaged {
            service_id: Some(id),
            ..
        } => Some(service_name(context, id).await),
        _ => None,
    };
    Err(RoutingError::Conflict(InTheWay::InKong { holder, service }))
}

/// A service's name, else its id (a failed lookup only makes the message plainer).
async fn service_name(context: &Context, id: &str) -> String {
    match context.client.service(id).await {
        Ok(Some(service)) => service.name.unwrap_or_else(|| id.to_string()),
        _ => id.to_string(),
    }
}
