//! The schema of `dispatch_api`: its own attributes, then its policies' and authentication's.

use tf_provider::schema::Schema;

use super::{auth, policies};
use crate::schema::*;

/// The schema of `dispatch_api`.
pub fn api_schema() -> Schema {
    schema(block(
        "An API that exposes a function over HTTP and HTTPS through Kong: one Kong service (the upstream) and one route (hosts, paths, methods, schemes), both named after the API and tagged as managed by this provider. Two APIs whose routes would receive exactly the same requests (a host and a path in common, the same methods or none on both) are an error on `paths` (`hosts` without paths) naming the other route: Kong would accept both and let one win by an order no configuration decides. Prefix overlaps (`/a` and `/a/b`) and routes Kong orders (one with methods and one without, other hosts) are normal routing.",
        [
            ("id", computed(string(), "Stable identifier of the API (the Kong service's id); it survives renames.")),
            ("name", required(string(), "Name of the API: letters, digits, `-` and `_`, starting with a letter or digit; unique in the organization. Renaming updates the Kong entities in place.")),
            ("function", optional(string(), "The function the API invokes; its upstream URL comes from the provider's `function_upstream_url`. Conflicts with `upstream_url`. With neither, the API answers 503 \"no function linked\".")),
            ("upstream_url", optional(string(), "Any other `http://` or `https://` upstream URL (no query, fragment or credentials). Conflicts with `function`.")),
            ("hosts", optional(set_of_strings(), "Hostnames the API is served on, optionally with a port; one `*` is allowed as the whole leftmost or rightmost label (`*.example.com`, `example.*`).")),
            ("paths", optional_computed(list_of_strings(), "Path prefixes (`/…`, in Kong's normalised form) or regular expressions (`~/…`). Default `[\"/<name>\"]`. With an `organization` and no `hosts`, Kong serves them under `/<organization>`.")),
            ("methods", optional(set_of_strings(), "Upper-case HTTP methods the API answers. Absent: every method.")),
            ("https", optional_computed(string(), "`\"disabled\"` (HTTP only), `\"optional\"` (HTTP and HTTPS) or `\"required\"` (HTTPS only). Default `\"optional\"`.")),
            ("https_redirect_status_code", optional_computed(number(), "With `https = \"required\"`, Kong's answer to plain HTTP: 426 (\"Please use HTTPS\") or 301, 302, 307, 308 (a redirect to HTTPS). Default 426.")),
            ("strip_path", optional_computed(boolean(), "Whether the matched path prefix is removed before calling the upstream (Kong `strip_path`). Default `true`.")),
            ("enabled", optional_computed(boolean(), "`false` keeps the API declared but unreachable (Kong `service.enabled = false`). Default `true`.")),
            ("tags", optional(set_of_strings(), "Extra Kong tags on the service and route (no `,` or `/`), besides the ownership tags the provider adds itself. Reserved for those, and refused at plan time: `managed-by:terraform-provider-dispatch` and any tag starting with `dispatch-org:`, `dispatch-api:` or `dispatch-oidc-issuer:`.")),
            ("kong_service_id", computed(string(), "Id of the Kong service.")),
            ("kong_route_id", computed(string(), "Id of the Kong route.")),
            ("kong_name", computed(string(), "Name of the Kong service and route: `<organization>.<name>`, or `name` without an organization. Read back from Kong, so an API left outside the configured organization shows as a change.")),
            ("urls", computed(list_of_strings(), "Every URL the API can be invoked on: scheme × host (or the provider's `gateway_url`) × plain path. Wildcard hosts and regex paths are left out.")),
        ]
        .into_iter()
        .chain(policies::schema_attributes())
        .chain(auth::attributes()),
        policies::schema_blocks().into_iter().chain(auth::blocks()),
    ))
}
