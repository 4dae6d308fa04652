//! Creating an API: the issuer's keys first (open source), then the service, its plugins and
//! the route; on a failure, what was created is removed again, or said to be left.

use super::issuer::{self, IssuerError};
use super::routing::{self, InTheWay};
use super::{Ids, WriteError};
use crate::apply::{keep_after_undo, Context};
use crate::kong::KongError;
use crate::model::api::adopt::Adopted;
use crate::model::api::{self, ApiSpec, DesiredApi};
use crate::model::Issue;

/// Why an API could not be created, and what the attempt left in Kong.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The declaration cannot become Kong entities, which only the provider configuration shows.
    #[error("the API cannot be made of Kong entities")]
    Invalid(Vec<Issue>),
    /// Another API of this configuration would receive the same requests; nothing was written.
    #[error("another API of this configuration receives the same requests")]
    Routing(InTheWay),
    /// The issuer's keys could not be stored; nothing of the API was written.
    #[error("{error}")]
    Issuer {
        /// What went wrong.
        error: IssuerError,
        /// Why the issuer's consumer could not be removed again, when it could not.
        left: Option<KongError>,
    },
    /// Writing the API's entities failed.
    #[error("{error}")]
    Write {
        /// What went wrong.
        error: WriteError,
        /// The ids to keep in state (tainted) when something could not be removed.
        leftover: Option<Ids>,
        /// Why the issuer's consumer could not be removed when no API entity is left to record
        /// it.
        issuer_left: Option<KongError>,
    },
}

/// Creates the API's entities under a new id.
pub async fn create(context: &Context, spec: &ApiSpec) -> Result<Ids, CreateError> {
    let service_id = uuid::Uuid::new_v4().to_string();
    let route_id = api::route_id(&service_id);
    let desired =
        api::desired(spec, &context.environment, &service_id).map_err(CreateError::Invalid)?;
    routing::claim(context, &spec.name, &desired.route, true).map_err(CreateError::Routing)?;
    if let Err(error) = issuer::prepare(context, &spec.auth, None).await {
        let left = issuer::undo_prepare(context, &spec.auth, &error, None).await;
        routing::release(context, &spec.name, &desired.route);
        return Err(CreateError::Issuer { error, left });
    }
    let ids = Ids {
        service: service_id,
        route: Some(route_id),
        kong_name: desired.service.name.clone(),
        plugins: Adopted::new(),
    };
    match create_entities(context, &desired, &ids, spec.auth.jwt_issuer()).await {
        Ok(()) => Ok(ids),
        Err(failure) => {
            if failure.leftover.is_none() {
                routing::release(context, &spec.name, &desired.route);
            }
            Err(CreateError::Write {
                error: WriteError::explained(context, spec, failure.error).await,
                leftover: failure.leftover,
                issuer_left: failure.issuer_left,
            })
        }
    }
}

/// How far a create may have got in Kong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Progress {
    Nothing,
    Service,
    Route,
}

/// Records that `step` may exist in Kong after this request: it succeeded, or failed in a way
/// that may still have been carried out (a lost answer).
fn reach<T>(
    progress: &mut Progress,
    step: Progress,
    result: Result<T, KongError>,
) -> Result<T, KongError> {
    if result
        .as_ref()
        .map_or_else(KongError::may_have_been_done, |_| true)
    {
        *progress = step;
    }
    result
}

/// Why creating the entities failed, and what it left.
struct CreateFailure {
    error: KongError,
    leftover: Option<Ids>,
    issuer_left: Option<KongError>,
}

/// Creates the entities in order; on failure removes them again, and releases `issuer` (whose
/// keys were written for this API) before the service, so that the service's plugins still
/// record the issuer when the release fails.
async fn create_entities(
    context: &Context,
    desired: &DesiredApi,
    ids: &Ids,
    issuer: Option<&str>,
) -> Result<(), CreateFailure> {
    let client = &context.client;
    let (service_id, route_id) = (&ids.service, ids.route.as_deref().unwrap_or_default());
    let mut progress = Progress::Nothing;
    let created = async {
        let service = client.put_service(service_id, &desired.service).await;
        reach(&mut progress, Progress::Service, service)?;
        context.continue_create()?;
        // The plugins come before the route, so that an API is never reachable without its
        // authentication, not even for the moment between two requests.
        for plugin in &desired.plugins {
            client
                .put_plugin(&api::plugin_id(service_id, &plugin.name), plugin)
                .await?;
            context.continue_create()?;
        }
        let route = client.put_route(route_id, &desired.route).await;
        reach(&mut progress, Progress::Route, route)?;
        context.continue_create()?;
        Ok::<(), KongError>(())
    }
    .await;
    let Err(error) = created else {
        return Ok(());
    };
    // A write that failed may still have been done (its answer lost on the way back), so the
    // undo covers it too; the ids are ours, and deleting one that does not exist is a no-op.
    // Reverse order: plugins go with the service.
    let mut issuer_left = None;
    let undone = async {
        if progress >= Progress::Route {
            client.delete_route(route_id).await?;
        }
        if let Some(issuer) = issuer {
            match issuer::release(context, issuer, Some(service_id)).await {
                Ok(()) => {}
                Err(cleanup) if progress >= Progress::Service => return Err(cleanup),
                Err(cleanup) => issuer_left = Some(cleanup),
            }
        }
        if progress >= Progress::Service {
            client.delete_service(service_id).await?;
        }
        Ok::<(), KongError>(())
    };
    let tracked = Ids {
        route: ids.route.clone().filter(|_| progress >= Progress::Route),
        ..ids.clone()
    };
    // Kept ids taint the resource: the next refresh finds whatever landed, and the next apply
    // replaces it.
    let leftover = keep_after_undo(&error, undone.await, "API").then_some(tracked);
    Err(CreateFailure {
        error,
        leftover,
        issuer_left,
    })
}
