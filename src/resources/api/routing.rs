//! `dispatch_api`'s routing conflicts (`apply::api::routing`) as diagnostics: on `paths` (on
//! `hosts` when the API has no paths), naming the route in the way and how to proceed.

use tf_provider::Diagnostics;

use super::{ApiState, PLANNED_ID};
use crate::apply::api::routing::{self, InTheWay, Own, RoutingError};
use crate::apply::Context;
use crate::diagnostics::report;
use crate::kong::{KongError, RouteFields};
use crate::model::api::routing::Holder;
use crate::model::api::{self, ApiSpec};
use crate::model::{AttrPath, Issue};

/// The plan-time check that no other route receives the requests of the API `planned` (with
/// its `prior` state on an update): compared with Kong when the API is created or its routing
/// changes, always recorded for the other APIs of the configuration. `mapped` is the route of
/// the whole declaration when it maps: the routing is mapped again only without it.
pub(super) async fn check_plan(
    diags: &mut Diagnostics,
    context: &Context,
    planned: &ApiState,
    prior: Option<&ApiState>,
    mapped: Option<&RouteFields>,
) {
    let env = &context.environment;
    let Some(spec) = planned.routing_spec() else {
        // Unknown until apply: the create or update compares it then.
        return;
    };
    let remapped;
    let route = match mapped {
        Some(route) => route,
        None => match api::desired(&spec, env, PLANNED_ID) {
            Ok(desired) => {
                remapped = desired.route;
                &remapped
            }
            Err(_) => return,
        },
    };
    // An unchanged declaration makes the same route: mapped again only when it changed.
    let prior_route;
    let before = match prior.and_then(ApiState::routing_spec) {
        Some(prior_spec) if prior_spec == spec => Some(route),
        Some(prior_spec) => match api::desired(&prior_spec, env, PLANNED_ID) {
            Ok(desired) => {
                prior_route = desired.route;
                Some(&prior_route)
            }
            Err(_) => None,
        },
        None => None,
    };
    let own = Own {
        name: &spec.name,
        route_id: prior.and_then(|p| p.kong_route_id.as_ref_option().map(String::as_str)),
    };
    match routing::plan(context, own, route, before).await {
        Ok(()) => {}
        Err(RoutingError::Conflict(other)) => report_in_the_way(diags, &spec, &other, "plan"),
        // A guard, not a step of the change: when Kong cannot list its routes (credentials
        // that may write APIs but not list every route, Kong down), the plan goes on and says
        // what was not checked; the writes that need Kong report its failure themselves.
        Err(RoutingError::Kong(error)) => diags.root_warning(
            "Routing conflicts not checked",
            format!(
                "The provider could not list Kong's routes to check that no other route receives the requests of the API `{}`: {error}. Kong would accept such a route and let one of the two win by an order no configuration decides.{}",
                spec.name,
                refused_hint(&error),
            ),
        ),
    }
}

/// What to do when Kong refused the listing to the credentials.
fn refused_hint(error: &KongError) -> &'static str {
    match error {
        KongError::Api {
            status: 401 | 403, ..
        } => " Allow the Admin API token to list `/routes` to have it checked.",
        _ => "",
    }
}

/// Reports that `other` receives the same requests as the API `spec`; nothing was written
/// (`when`: at `plan`, or at `apply`).
pub(super) fn report_in_the_way(
    diags: &mut Diagnostics,
    spec: &ApiSpec,
    other: &InTheWay,
    when: &str,
) {
    let attribute = if spec.paths.is_empty() {
        AttrPath::attr("hosts")
    } else {
        AttrPath::attr("paths")
    };
    let (who, proceed) = describe(other);
    let name = &spec.name;
    report(
        diags,
        [Issue::error(
            attribute,
            "Another route receives the same requests",
            format!(
                "The API `{name}` would receive exactly the same requests as {who}: the same hosts, a path in common and the same methods. Kong accepts both routes and lets one of them win by an order no configuration decides (the routes' ids), so one of the two would silently never be reached. Change `hosts`, `paths` or `methods` so that they differ (a longer path, or other methods, is enough: Kong prefers the longer path and the route with methods), {proceed}. Nothing was written to Kong (found at {when} time)."
            ),
        )],
    );
}

/// Who is in the way, and the way out that concerns them.
fn describe(other: &InTheWay) -> (String, String) {
    match other {
        InTheWay::Planned { name } => (
            format!("the API `{name}` of this configuration"),
            "or remove one of the two".to_string(),
        ),
        InTheWay::InKong { holder, service } => match holder {
            Holder::Api { name, organization } => {
                let organization = match organization {
                    Some(org) => format!("of the organization `{org}`"),
                    None => "without an organization".to_string(),
                };
                (
                    format!("the API `{name}` {organization}, already in Kong (managed by this provider, from this state or another)"),
                    format!("or remove `{name}` from the configuration that manages it first"),
                )
            }
            Holder::Foreign {
                organization,
                route_id,
            } => (
                format!("a route of the organization `{organization}` (route id `{route_id}`)"),
                format!("or ask the owners of `{organization}` to change theirs: an organization never changes another organization's entities"),
            ),
            Holder::Unmanaged {
                route_id,
                route_name,
                ..
            } => {
                let named = match route_name {
                    Some(route_name) => format!("named `{route_name}`"),
                    None => "with no name".to_string(),
                };
                let service = match service {
                    Some(service) => format!(" of the service `{service}`"),
                    None => " with no service".to_string(),
                };
                (
                    format!("the route `{route_id}` ({named}){service}, which this provider does not manage"),
                    "or remove that route from Kong, or adopt its service with an `import` block (its API then owns the route) and change it here".to_string(),
                )
            }
        },
    }
}
