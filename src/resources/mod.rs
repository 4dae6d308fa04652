//! Terraform resources: thin glue between tf-provider, the mapping and the Kong client.

pub mod api;
pub mod basic_auth_user;
pub mod certificate;

use crate::values::{known_strings, TfStringSet};

/// The strings of a known set, sorted and without duplicates, so that a spec compares equal
/// however Terraform ordered them; `None` when something is unknown. A null set is empty.
pub(crate) fn known_sorted(value: &TfStringSet) -> Option<Vec<String>> {
    let mut strings = known_strings(value)?;
    strings.sort();
    strings.dedup();
    Some(strings)
}
