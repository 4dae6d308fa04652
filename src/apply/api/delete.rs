//! Deleting an API: its route, the issuer's keys it uses, its service (its plugins go with the
//! service and the route: Kong cascades them). Routes of the service that are not the API's are
//! never deleted: they serve traffic the API's declaration knows nothing about, and Kong refuses
//! to delete a service that routes still use.

use super::{issuer, Ids};
use crate::apply::ownership::{self, Foreign, Guarded};
use crate::apply::Context;
use crate::kong::KongError;
use crate::model::api::adopt::{self, Outside};
use crate::model::auth::Authentication;

/// Why an API could not be deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    /// Kong refused or failed a delete.
    #[error("{0}")]
    Kong(#[from] KongError),
    /// The service or the route belongs to another organization: nothing was deleted.
    #[error("{0}")]
    Foreign(Foreign),
    /// Routes that are not the API's use its service, so the service cannot go.
    #[error("routes that are not the API's use its Kong service")]
    RoutesInTheWay {
        /// Those routes.
        routes: Vec<Outside>,
        /// Whether the API's own route (and the plugins on it) was deleted before Kong refused
        /// to delete the service: only for an API not known to have such routes, which learns
        /// of them from Kong's refusal.
        route_deleted: bool,
    },
}

/// Deletes the API's entities. With `look` (the API is known to have, or may have, routes that
/// are not its own: an adopted one), those are looked for first, and found ones stop the delete
/// before anything is deleted. An issuer's keys go while the service's plugins still record the
/// issuer, so a release that fails is retried with the rest of the delete. Nothing is deleted
/// when the service or the route belongs to another organization.
pub async fn delete(
    context: &Context,
    ids: &Ids,
    prior: Option<&Authentication>,
    look: bool,
) -> Result<(), DeleteError> {
    let client = &context.client;
    ownership::check_api(context, &ids.service, ids.route.as_deref())
        .await
        .map_err(|guarded| match guarded {
            Guarded::Foreign(foreign) => DeleteError::Foreign(foreign),
            Guarded::Failed(error) => DeleteError::Kong(error),
        })?;
    if look {
        let routes = client.service_routes(&ids.service).await?;
        let in_the_way = adopt::extra_routes(&routes, ids.route.as_deref());
        if !in_the_way.is_empty() {
            return Err(DeleteError::RoutesInTheWay {
                routes: in_the_way,
                route_deleted: false,
            });
        }
    }
    if let Some(route) = &ids.route {
        client.delete_route(route).await?;
    }
    if let Some(issuer) = prior.and_then(Authentication::jwt_issuer) {
        issuer::release(context, issuer, Some(&ids.service)).await?;
    }
    // Its plugins (the request-termination one included) are deleted with it.
    match client.delete_service(&ids.service).await {
        Ok(()) => Ok(()),
        Err(error) if referenced_by_routes(&error) => {
            // Routes added since the last look: name them. The lookup only explains the error
            // being reported; if it fails, Kong's error says what it can.
            match client.service_routes(&ids.service).await {
                Ok(routes) => Err(DeleteError::RoutesInTheWay {
                    routes: adopt::extra_routes(&routes, ids.route.as_deref()),
                    route_deleted: ids.route.is_some(),
                }),
                Err(_) => Err(DeleteError::Kong(error)),
            }
        }
        Err(error) => Err(DeleteError::Kong(error)),
    }
}

/// Whether Kong refused to delete a service because routes use it: a foreign key violation
/// naming `routes` (`fields["@referenced_by"]`, `kong/db/errors.lua` `foreign_key_violation`,
/// Kong 3.9: routes' `service` has no cascade).
pub(super) fn referenced_by_routes(error: &KongError) -> bool {
    error
        .body()
        .and_then(|b| b.fields.as_ref())
        .and_then(|f| f.get("@referenced_by"))
        .and_then(|r| r.as_str())
        == Some("routes")
}
