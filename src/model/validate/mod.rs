//! Kong's validation rules, as small named functions, so that bad input is caught at plan
//! time with a message on the attribute that caused it (rules from `kong/db/schema/typedefs.lua`,
//! `kong/tools/utils.lua` and `kong/tools/uri.lua`). Each returns the message Kong would give,
//! phrased for a Terraform user.

mod hosts;
mod names;
mod paths;
mod urls;

pub use hosts::{route_host, sni_name};
pub use names::{api_name, function_name, header_name, method, organization, tag, workspace};
pub use paths::{kong_pcre, normalize_path, route_path, service_path};
pub use urls::{base_url, plain_http_url, raw_path, upstream_url};

#[cfg(test)]
mod tests;
