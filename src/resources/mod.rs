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

/// Reports an operation (`action`, such as "import the API") refused because its Kong entity
/// belongs to another organization. Nothing was written.
pub(crate) fn report_foreign(
    diags: &mut tf_provider::Diagnostics,
    action: &str,
    foreign: &crate::apply::ownership::Foreign,
) {
    let crate::apply::ownership::Foreign {
        kind,
        entity,
        owner,
        ours,
    } = foreign;
    let configured = match ours {
        Some(ours) => format!("for the organization `{ours}`"),
        None => "without an organization".to_string(),
    };
    diags.root_error(
        format!("Cannot {action}: it belongs to another organization"),
        format!(
            "The Kong {kind} `{entity}` is tagged for the organization `{owner}` (`{}{owner}`), and this provider is configured {configured}. An organization never imports, changes or deletes another organization's entities: manage it from a configuration of `{owner}`; if this state should not track it, `terraform state rm <resource address>`. Nothing was changed in Kong.",
            crate::model::naming::ORG_TAG_PREFIX
        ),
    );
}
