//! The Kong paths of an API and back: under `/<organization>` when it has no hosts.

use super::ApiSpec;
use crate::model::naming::Naming;

/// The Kong paths of an API: its own, under `/<organization>` when it has no hosts.
pub fn kong_paths(spec: &ApiSpec, naming: &Naming) -> Vec<String> {
    match (spec.hosts.is_empty(), naming.path_prefix()) {
        (true, Some(prefix)) if spec.paths.is_empty() => vec![prefix],
        (true, Some(prefix)) => spec
            .paths
            .iter()
            .map(|p| match p.strip_prefix('~') {
                Some(regex) => format!("~{prefix}{regex}"),
                None => format!("{prefix}{p}"),
            })
            .collect(),
        _ => spec.paths.clone(),
    }
}

/// The API's own paths behind Kong's paths (the inverse of [`kong_paths`]).
pub(super) fn api_paths(kong: &[String], has_hosts: bool, naming: &Naming) -> Vec<String> {
    let Some(prefix) = naming.path_prefix().filter(|_| !has_hosts) else {
        return kong.to_vec();
    };
    if kong.len() == 1 && kong[0] == prefix {
        return Vec::new();
    }
    kong.iter()
        .map(|p| {
            let (regex, plain) = match p.strip_prefix('~') {
                Some(rest) => ("~", rest),
                None => ("", p.as_str()),
            };
            match plain.strip_prefix(prefix.as_str()) {
                Some(rest) if rest.starts_with('/') => format!("{regex}{rest}"),
                _ => p.clone(),
            }
        })
        .collect()
}
