//! The Kong paths of an API and back: under `/<organization>/` when it has no hosts.

use super::ApiSpec;
use crate::model::naming::Naming;
use crate::model::validate::KongRules;
use crate::model::{org_prefix, AttrPath, Issue};

/// The Kong paths of an API: its own, under `/<organization>/` when it has no hosts (see
/// [`org_prefix`]: a path that cannot be kept under the prefix is an error on `paths[i]`).
pub fn kong_paths(
    spec: &ApiSpec,
    naming: &Naming,
    rules: KongRules,
) -> Result<Vec<String>, Vec<Issue>> {
    match naming.path_prefix().filter(|_| spec.hosts.is_empty()) {
        Some(prefix) => org_prefix::kong_paths(&prefix, &spec.paths, rules).map_err(|errors| {
            errors
                .into_iter()
                .map(|(i, e)| {
                    Issue::error(
                        AttrPath::attr("paths").index(i),
                        "Path cannot be kept under the organization's prefix",
                        e.to_string(),
                    )
                })
                .collect()
        }),
        None => Ok(spec.paths.clone()),
    }
}

/// The API's own paths behind Kong's paths (the inverse of [`kong_paths`]).
pub(super) fn api_paths(kong: &[String], has_hosts: bool, naming: &Naming) -> Vec<String> {
    match naming.path_prefix().filter(|_| !has_hosts) {
        Some(prefix) => org_prefix::api_paths(&prefix, kong),
        None => kong.to_vec(),
    }
}
