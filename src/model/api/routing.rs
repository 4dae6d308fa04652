//! When two routes would receive exactly the same requests: a conflict Kong accepts silently and
//! settles by an order no declaration controls. The rule is read from Kong 3.9's router:
//!
//! - Kong tries routes by priority, highest first (kong/router/transform.lua `get_priority`).
//!   The priority packs: the number of non-empty match fields among `sources`, `destinations`,
//!   `methods`, `hosts`, `headers`, `snis` and `paths`; whether every host is plain (no `*`);
//!   the number of headers; whether the paths are regexes; `regex_priority` (regex paths
//!   only); and the length of the prefix paths (a route whose prefix paths differ in length is
//!   split into one route per length, `split_routes_and_services_by_path`).
//! - Equal priorities are settled by the route id under the default `traditional_compatible`
//!   and `expressions` flavors (the ATC router keeps matchers in a map keyed by priority then
//!   route UUID: atc-router src/router.rs `MatcherKey`), by `created_at` under `traditional`
//!   (kong/router/traditional.lua `sort_routes`): neither is something a declaration decides.
//! - Protocols do not separate HTTP routes: the expression Kong matches an HTTP route by
//!   (transform.lua `get_expression`) has no protocol condition, and a plain-HTTP request that
//!   matches an HTTPS-only route gets its redirect answer (kong/runloop/handler.lua, the
//!   `https_redirect_status_code` branch) instead of reaching another route. So an HTTPS-only
//!   route and an HTTP-only one with the same hosts, paths and methods take each other's
//!   requests: a conflict, whatever their protocols (gRPC routes share the HTTP router too).
//!
//! Hence two routes conflict when some request matches both at the same priority: hosts both
//! empty, or a host in common (case-insensitive) with the same plainness; paths both empty, or
//! a path in common (a regex path only at the same `regex_priority`); methods both empty, or a
//! method in common. Prefix overlaps (`/a` and `/a/b`) are ordered by length, and a route with
//! methods always wins over one without: neither is a conflict.
//!
//! Not detected (documented, on purpose): routes with headers, SNIs, sources, destinations or an
//! expression, and stream routes (the APIs this provider writes never have them, so such a route
//! always has a different priority from an API's, or is in another router); hosts that overlap
//! only through a wildcard or a port (`*.example.com` and `*.example.com:8000`, say);
//! regexes that match the same requests without being the same string.

mod index;

use std::collections::BTreeSet;

pub use index::RoutingIndex;

use crate::kong::{Route, RouteFields};
use crate::model::naming::{self, Naming, API_TAG_PREFIX, ORG_TAG_PREFIX};

/// What decides which requests a route receives and at which priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// Host rules, lower-cased (Kong matches hosts case-insensitively).
    pub hosts: BTreeSet<String>,
    /// Path rules, as Kong holds them (organization prefix included).
    pub paths: BTreeSet<String>,
    /// Method rules.
    pub methods: BTreeSet<String>,
    /// Order among regex paths (Kong's `regex_priority`).
    pub regex_priority: i64,
    /// Whether the route also matches on headers, SNIs, sources, destinations or an expression,
    /// or is a stream route: it is never compared (see the module comment).
    pub other_rules: bool,
}

/// The protocols of Kong's stream router (kong/router/transform.lua `is_stream_route`, Kong 3.9):
/// routes with them never share requests with an HTTP route.
const STREAM_PROTOCOLS: [&str; 4] = ["tcp", "tls", "udp", "tls_passthrough"];

impl Routing {
    /// The routing of a route this provider is about to write.
    pub fn of_fields(route: &RouteFields) -> Self {
        Self::new(
            route.hosts.as_deref(),
            route.paths.as_deref(),
            route.methods.as_deref(),
            0,
            false,
        )
    }

    /// The routing of a route Kong holds.
    pub fn of_route(route: &Route) -> Self {
        let present = |v: Option<usize>| v.is_some_and(|n| n > 0);
        let stream = route
            .protocols
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|p| STREAM_PROTOCOLS.contains(&p.as_str()));
        let other_rules = stream
            || present(route.headers.as_ref().map(|h| h.len()))
            || present(route.snis.as_ref().map(Vec::len))
            || present(route.sources.as_ref().map(Vec::len))
            || present(route.destinations.as_ref().map(Vec::len))
            || route.expression.as_deref().is_some_and(|e| !e.is_empty());
        Self::new(
            route.hosts.as_deref(),
            route.paths.as_deref(),
            route.methods.as_deref(),
            route.regex_priority,
            other_rules,
        )
    }

    fn new(
        hosts: Option<&[String]>,
        paths: Option<&[String]>,
        methods: Option<&[String]>,
        regex_priority: i64,
        other_rules: bool,
    ) -> Self {
        let set = |v: Option<&[String]>, f: fn(&String) -> String| {
            v.unwrap_or_default().iter().map(f).collect()
        };
        Self {
            hosts: set(hosts, |h| h.to_ascii_lowercase()),
            paths: set(paths, String::clone),
            methods: set(methods, String::clone),
            regex_priority,
            other_rules,
        }
    }

    /// Whether every host is plain (no `*`): part of Kong's priority.
    fn plain_hosts_only(&self) -> bool {
        !self.hosts.iter().any(|h| h.contains('*'))
    }
}

/// A regex path (Kong 3.9: a path starting with `~`, kong/router/utils.lua `is_regex_magic`).
fn is_regex(path: &str) -> bool {
    path.starts_with('~')
}

/// Whether some request would match both routes at the same priority, so that which one gets
/// it depends on their ids (or creation order), not on what they declare.
pub fn same_requests(a: &Routing, b: &Routing) -> bool {
    if a.other_rules || b.other_rules {
        return false;
    }
    let hosts = if a.hosts.is_empty() || b.hosts.is_empty() {
        a.hosts.is_empty() && b.hosts.is_empty()
    } else {
        a.plain_hosts_only() == b.plain_hosts_only() && a.hosts.intersection(&b.hosts).any(|_| true)
    };
    let methods = if a.methods.is_empty() || b.methods.is_empty() {
        a.methods.is_empty() && b.methods.is_empty()
    } else {
        a.methods.intersection(&b.methods).any(|_| true)
    };
    let paths = if a.paths.is_empty() || b.paths.is_empty() {
        a.paths.is_empty() && b.paths.is_empty()
    } else {
        a.paths
            .intersection(&b.paths)
            .any(|p| !is_regex(p) || a.regex_priority == b.regex_priority)
    };
    hosts && methods && paths
}

/// Who a route in Kong belongs to, as its tags and name say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// An API this provider manages, of this organization or of none (one created without an
    /// organization): from this state or another.
    Api {
        /// The API's name (its `dispatch-api:` tag, else its Kong name without the prefix).
        name: String,
        /// Its organization.
        organization: Option<String>,
    },
    /// An entity of another organization: only its owner and id are shown.
    Foreign {
        /// The organization its tags name.
        organization: String,
        /// The route's id.
        route_id: String,
    },
    /// A route this provider does not manage.
    Unmanaged {
        /// The route's id.
        route_id: String,
        /// Its name, if it has one.
        route_name: Option<String>,
        /// The id of its service, if it has one.
        service_id: Option<String>,
    },
}

/// Who `route` belongs to, for this provider configuration's `naming`.
pub fn holder(naming: &Naming, route: &Route) -> Holder {
    let tags = route.tags.as_deref();
    if let Some(owner) = naming.foreign_owner(tags) {
        return Holder::Foreign {
            organization: owner.to_string(),
            route_id: route.id.clone(),
        };
    }
    if !naming::is_managed(tags) {
        return Holder::Unmanaged {
            route_id: route.id.clone(),
            route_name: route.name.clone(),
            service_id: route.service.as_ref().map(|s| s.id.clone()),
        };
    }
    let tagged = tags
        .unwrap_or_default()
        .iter()
        .find_map(|t| t.strip_prefix(API_TAG_PREFIX));
    let name = match (tagged, &route.name) {
        (Some(name), _) => name.to_string(),
        (None, Some(kong_name)) => naming.shown_name(kong_name),
        (None, None) => route.id.clone(),
    };
    Holder::Api {
        name,
        organization: tags
            .unwrap_or_default()
            .iter()
            .find_map(|t| t.strip_prefix(ORG_TAG_PREFIX))
            .map(str::to_string),
    }
}

#[cfg(test)]
mod tests;
