//! Kong's validation rules, as small named functions, so that bad input is caught at plan
//! time with a message on the attribute that caused it (rules from `kong/db/schema/typedefs.lua`,
//! `kong/tools/utils.lua` and `kong/tools/uri.lua`). Each returns the message Kong would give,
//! phrased for a Terraform user.

mod hosts;
mod kong_rules;
mod names;
mod paths;
pub mod policy;
mod regex;
mod router_regex;
mod urls;

pub use hosts::{host, route_host, sni_name, HostKind};
pub use kong_rules::KongRules;
pub use names::{api_name, function_name, header_name, method, organization, tag, workspace};
pub use paths::{normalize_path, route_path, service_path};
pub use regex::RegexLibrary;
pub use router_regex::RouterRegex;
pub use urls::{base_url, http_endpoint, raw_path, upstream_url, ServiceUrl};

/// Whether a value is a Kong vault reference, `{vault://…}` (kong/pdk/vault.lua
/// `is_reference`, Kong 3.9): in a referenceable field Kong stores it as it is and checks
/// nothing else (kong/db/schema/init.lua `validate_field`, and entity checks are skipped).
pub fn vault_reference(value: &str) -> bool {
    value.starts_with("{vault://") && value.ends_with('}')
}

#[cfg(test)]
mod tests;
