//! The boundary between organizations: an entity Kong's tags give to another organization is
//! never imported, changed or deleted by this one. Import checks what it found; update and
//! delete read the entities at the state's ids first and check them again before any write (a
//! state may hold an id imported before this guard existed, or edited by hand). An entity
//! without an organization tag has no other owner: an unmanaged one can be imported, as
//! documented, and APIs created without an organization can be moved into one.

use crate::apply::Context;
use crate::kong::KongError;

/// A Kong entity that belongs to another organization.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Kong {kind} `{entity}` belongs to the organization `{owner}`")]
pub struct Foreign {
    /// The kind of entity: `service`, `route`, `certificate`, `consumer`.
    pub kind: &'static str,
    /// Its name, else its id.
    pub entity: String,
    /// The organization its tags name.
    pub owner: String,
    /// The organization this provider is configured for, if any.
    pub ours: Option<String>,
}

/// An operation refused because its entity belongs to another organization (nothing was
/// written), or that failed otherwise.
#[derive(Debug, thiserror::Error)]
pub enum Guarded<E> {
    /// Another organization's entity: nothing was written.
    #[error("{0}")]
    Foreign(Foreign),
    /// The operation's own failure.
    #[error("{0}")]
    Failed(E),
}

impl From<KongError> for Guarded<KongError> {
    fn from(error: KongError) -> Self {
        Guarded::Failed(error)
    }
}

impl From<Foreign> for Guarded<KongError> {
    fn from(foreign: Foreign) -> Self {
        Guarded::Foreign(foreign)
    }
}

/// `Err` when Kong's `tags` give the entity (`kind`, shown as `entity`) to another
/// organization.
pub fn check(
    context: &Context,
    kind: &'static str,
    entity: &str,
    tags: Option<&[String]>,
) -> Result<(), Foreign> {
    let naming = &context.environment.naming;
    match naming.foreign_owner(tags) {
        None => Ok(()),
        Some(owner) => Err(Foreign {
            kind,
            entity: entity.to_string(),
            owner: owner.to_string(),
            ours: naming.organization().map(str::to_string),
        }),
    }
}

/// Checks the service and route at these ids (read directly, not from a listing: a listing
/// holds only this organization's entities). Gone is fine: the write reports it, or a delete
/// has nothing to do.
pub async fn check_api(
    context: &Context,
    service_id: &str,
    route_id: Option<&str>,
) -> Result<(), Guarded<KongError>> {
    let client = &context.client;
    if let Some(service) = client.service(service_id).await? {
        let shown = service.name.as_deref().unwrap_or(service_id);
        check(context, "service", shown, service.tags.as_deref())?;
    }
    match route_id {
        Some(route_id) => check_route(context, route_id).await,
        None => Ok(()),
    }
}

/// Checks the route with this id (gone is fine).
pub async fn check_route(context: &Context, id: &str) -> Result<(), Guarded<KongError>> {
    if let Some(route) = context.client.route(id).await? {
        let shown = route.name.as_deref().unwrap_or(id);
        check(context, "route", shown, route.tags.as_deref())?;
    }
    Ok(())
}

/// Checks the certificate with this id (gone is fine).
pub async fn check_certificate(context: &Context, id: &str) -> Result<(), Guarded<KongError>> {
    if let Some(certificate) = context.client.certificate(id).await? {
        check(context, "certificate", id, certificate.tags.as_deref())?;
    }
    Ok(())
}

/// Checks the consumer with this id (gone is fine).
pub async fn check_consumer(context: &Context, id: &str) -> Result<(), Guarded<KongError>> {
    if let Some(consumer) = context.client.consumer(id).await? {
        let shown = consumer.username.as_deref().unwrap_or(id);
        check(context, "consumer", shown, consumer.tags.as_deref())?;
    }
    Ok(())
}
