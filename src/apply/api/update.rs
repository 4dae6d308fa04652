//! Updating an API: the issuer's keys first (open source), the issuer it leaves released, then
//! the service, the route and the plugins that changed. A failure half-way leaves Kong
//! somewhere between the two declarations: the update says what Kong holds then.

use super::issuer::{self, IssuerError};
use super::read::observe;
use super::routing::{self, InTheWay};
use super::{Found, Ids, WriteError};
use crate::apply::ownership::{self, Foreign, Guarded};
use crate::apply::Context;
use crate::kong::{plugins, ForeignKey, KongError, PluginFields};
use crate::model::api::adopt::{Adopted, AdoptedPlugin};
use crate::model::api::routing::Routing;
use crate::model::api::{self, ApiSpec, DesiredApi};
use crate::model::Issue;

/// Why an API could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The declaration cannot become Kong entities, which only the provider configuration shows.
    /// Nothing was written.
    #[error("the API cannot be made of Kong entities")]
    Invalid(Vec<Issue>),
    /// The issuer's keys could not be stored; none of the API's entities was written.
    #[error("{error}")]
    Issuer {
        /// What went wrong.
        error: IssuerError,
        /// Why the issuer's consumer could not be removed again, when it could not.
        left: Option<KongError>,
    },
    /// The issuer the API no longer uses could not be released; nothing else was written.
    #[error("{error}")]
    Release {
        issuer: String,
        /// What went wrong.
        error: KongError,
    },
    /// Writing the API's entities failed.
    #[error("{0}")]
    Write(WriteError),
    /// The service or route at the state's ids belongs to another organization; nothing was
    /// written.
    #[error("{0}")]
    Foreign(Foreign),
    /// Another API of this configuration would receive the same requests; nothing was written.
    #[error("another API of this configuration receives the same requests")]
    Routing(InTheWay),
}

/// A failed update, and what Kong holds after it.
#[derive(Debug)]
pub struct UpdateFailure {
    /// What went wrong.
    pub error: UpdateError,
    /// What Kong holds now; `None` when it could not be read (or nothing was written).
    pub now: Option<Found>,
}

/// Brings the API at `ids`, last declared as `prior`, to `spec`. The ids the API has after it.
pub async fn update(
    context: &Context,
    spec: &ApiSpec,
    prior: Option<&ApiSpec>,
    ids: Ids,
) -> Result<Ids, UpdateFailure> {
    let env = &context.environment;
    let desired = api::desired(spec, env, &ids.service).map_err(|issues| UpdateFailure {
        error: UpdateError::Invalid(issues),
        now: None,
    })?;
    let unwritten = |error| UpdateFailure { error, now: None };
    let before = prior.and_then(|p| api::desired(p, env, &ids.service).ok());
    let moves = before
        .as_ref()
        .is_none_or(|b| Routing::of_fields(&b.route) != Routing::of_fields(&desired.route));
    if let Err(other) = routing::claim(context, &spec.name, &desired.route, moves) {
        return Err(unwritten(UpdateError::Routing(other)));
    }
    match ownership::check_api(context, &ids.service, ids.route.as_deref()).await {
        Ok(()) => {}
        Err(Guarded::Foreign(foreign)) => return Err(unwritten(UpdateError::Foreign(foreign))),
        Err(Guarded::Failed(error)) => {
            let error = WriteError {
                error,
                conflict: None,
            };
            return Err(unwritten(UpdateError::Write(error)));
        }
    }
    let prior_auth = prior.map(|p| &p.auth);
    // A route deleted out of band is put back under the id derived from the service, so that
    // whatever happens to the request, a later read looks for it where it may be.
    let route_exists = ids.route.is_some();
    let ids = Ids {
        route: Some(ids.route.unwrap_or_else(|| api::route_id(&ids.service))),
        kong_name: desired.service.name.clone(),
        ..ids
    };
    // Some of the issuer's keys or the API's entities may have changed before a failure.
    let failed = |error: UpdateError| failure(context, &ids, prior, spec, error);
    if let Err(error) = issuer::prepare(context, &spec.auth, prior_auth).await {
        let left = issuer::undo_prepare(context, &spec.auth, &error, prior_auth).await;
        return Err(failed(UpdateError::Issuer { error, left }).await);
    }
    // An issuer the API leaves is released before the API's plugins change, while they still
    // record it: if the release fails, the next apply releases it again.
    if let Some(issuer) = issuer::abandoned(prior_auth, Some(&spec.auth)) {
        if let Err(error) = issuer::release(context, issuer, Some(&ids.service)).await {
            let issuer = issuer.to_string();
            return Err(failed(UpdateError::Release { issuer, error }).await);
        }
    }
    match update_entities(context, &desired, before.as_ref(), &ids, route_exists).await {
        Ok(()) => Ok(Ids {
            plugins: adopted_after(&ids, &desired, before.as_ref()),
            ..ids
        }),
        Err(error) => {
            let error = WriteError::explained(context, spec, error).await;
            Err(failed(UpdateError::Write(error)).await)
        }
    }
}

/// A failed update with what Kong holds after it.
async fn failure(
    context: &Context,
    ids: &Ids,
    before: Option<&ApiSpec>,
    after: &ApiSpec,
    error: UpdateError,
) -> UpdateFailure {
    let now = now_in_kong(context, ids, before, after).await;
    UpdateFailure { error, now }
}

/// What Kong holds for an API whose update failed somewhere between `before` and `after`;
/// `None` when Kong cannot be read (or the service is gone).
async fn now_in_kong(
    context: &Context,
    ids: &Ids,
    before: Option<&ApiSpec>,
    after: &ApiSpec,
) -> Option<Found> {
    let snapshot = observe(context, ids, before, Some(after), false)
        .await
        .ok()??;
    snapshot.found(context, ids, before).await.ok()
}

/// Brings Kong to `desired`. The service and route are always written (an update only runs
/// when something differs, and what differs may be a field `before` cannot see, such as a name
/// outside the organization); the route is put (at its derived id) when it does not exist.
/// Plugins are written only when they differ from `before` (or are adopted and do not carry
/// the ownership tags yet), and removed in reverse order, so that an `acl` goes after the
/// authentication it restricts. An adopted plugin is written and removed where it is.
async fn update_entities(
    context: &Context,
    desired: &DesiredApi,
    before: Option<&DesiredApi>,
    ids: &Ids,
    route_exists: bool,
) -> Result<(), KongError> {
    let client = &context.client;
    let service_id = &ids.service;
    let route_id = ids.route.as_deref().unwrap_or_default();
    client.patch_service(service_id, &desired.service).await?;
    if route_exists {
        client.patch_route(route_id, &desired.route).await?;
    } else {
        client.put_route(route_id, &desired.route).await?;
    }
    let had = |name: &str| before.and_then(|b| b.plugins.iter().find(|p| p.name == name));
    for plugin in &desired.plugins {
        let adopted = ids.plugins.get(&plugin.name);
        if had(&plugin.name) != Some(plugin) || adopted.is_some_and(|a| !a.tagged) {
            write_plugin(context, service_id, plugin, adopted).await?;
        }
    }
    for old in before
        .map(|b| b.plugins.as_slice())
        .unwrap_or_default()
        .iter()
        .rev()
    {
        if !desired.plugins.iter().any(|p| p.name == old.name) {
            let id = match ids.plugins.get(&old.name) {
                Some(adopted) => adopted.id.clone(),
                None => api::plugin_id(service_id, &old.name),
            };
            client.delete_plugin(&id).await?;
        }
    }
    Ok(())
}

/// Writes one of the API's plugins: at its derived id on the service, or where the adopted one
/// is, keeping what the provider does not model of it (see [`plugins::keeping`]): adopting a
/// `rate-limiting` plugin that counts in Redis must not make it count on each node.
async fn write_plugin(
    context: &Context,
    service_id: &str,
    plugin: &PluginFields,
    adopted: Option<&AdoptedPlugin>,
) -> Result<(), KongError> {
    let client = &context.client;
    let Some(adopted) = adopted else {
        let id = api::plugin_id(service_id, &plugin.name);
        return client.put_plugin(&id, plugin).await.map(drop);
    };
    let body = match client.plugin_as_is(&adopted.id).await? {
        Some(found) => plugins::keeping(&found, plugin),
        None => {
            // Deleted since it was read: put it back where it was.
            let fields = PluginFields {
                service: adopted.service.clone().map(ForeignKey::new),
                route: adopted.route.clone().map(ForeignKey::new),
                ..plugin.clone()
            };
            serde_json::to_value(&fields).unwrap_or_default()
        }
    };
    client.put_plugin_as_is(&adopted.id, &body).await.map(drop)
}

/// The adopted plugins after a successful update: those of the declaration were written with
/// the ownership tags, those `before` had and the declaration dropped were deleted, the others
/// (outside the declaration) are as they were.
fn adopted_after(ids: &Ids, desired: &DesiredApi, before: Option<&DesiredApi>) -> Adopted {
    let has = |api: Option<&DesiredApi>, name: &str| {
        api.is_some_and(|a| a.plugins.iter().any(|p| p.name == name))
    };
    ids.plugins
        .iter()
        .filter(|(name, _)| has(Some(desired), name) || !has(before, name))
        .map(|(name, adopted)| {
            let tagged = adopted.tagged || has(Some(desired), name);
            (
                name.clone(),
                AdoptedPlugin {
                    tagged,
                    ..adopted.clone()
                },
            )
        })
        .collect()
}
