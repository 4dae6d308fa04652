//! Terraform resources: thin glue between tf-provider and the apply layer: each resource's
//! schema, its state ⇄ the model's declarations, and errors turned into diagnostics.

pub mod api;
pub mod basic_auth_user;
pub mod certificate;
pub mod traced;

use crate::values::{known_strings, TfStringSet};

/// The strings of a known set, sorted and without duplicates, so that a spec compares equal
/// however Terraform ordered them; `None` when something is unknown. A null set is empty.
pub(crate) fn known_sorted(value: &TfStringSet) -> Option<Vec<String>> {
    known_strings(value).map(crate::model::sorted)
}
