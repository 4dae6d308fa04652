//! Carrying declarations out against Kong: create, read, update, delete and import for each
//! resource family, with the sagas that keep Kong and Terraform's state in agreement when a step
//! fails half-way (undo what was created, or say what is left so that it stays in state).
//!
//! It takes the [`Context`] and the model's declarations, and returns the model's results and
//! typed errors. It knows nothing of Terraform: the glue (`resources/`, `data_sources/`) turns
//! state into declarations before calling it, and its results and errors into state and
//! diagnostics after.

pub mod api;
pub mod certificate;
mod context;
mod issuer_secrets;
pub mod ownership;
mod routing_claims;
pub mod user;

pub use context::Context;
pub use issuer_secrets::IssuerSecrets;
pub use routing_claims::{ListedRoutings, RoutingClaims};

use crate::kong::KongError;

/// After a create failed with `error` and its entities were removed again (`undone`): whether
/// the resource must still be kept in state (tainted), so that the next apply deletes it. So it
/// must when the removal failed, and when the failed write timed out, since Kong may still
/// carry it out after the removal.
pub(crate) fn keep_after_undo(
    error: &KongError,
    undone: Result<(), KongError>,
    what: &str,
) -> bool {
    match undone {
        Ok(()) => error.may_land_later(),
        Err(cleanup) => {
            tracing::warn!(%cleanup, "could not remove a half-created {what}");
            true
        }
    }
}
