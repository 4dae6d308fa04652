//! Terraform resources: thin glue between tf-provider, the mapping and the Kong client.

pub mod api;
pub mod basic_auth_user;
pub mod certificate;

use crate::kong::KongError;
use crate::values::{known_strings, TfStringSet};

/// The strings of a known set, sorted and without duplicates, so that a spec compares equal
/// however Terraform ordered them; `None` when something is unknown. A null set is empty.
pub(crate) fn known_sorted(value: &TfStringSet) -> Option<Vec<String>> {
    known_strings(value).map(crate::model::sorted)
}

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
