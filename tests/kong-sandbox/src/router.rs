//! Which routes Kong's proxy would send a request to, from the routes' `paths`, `hosts` and
//! `methods`, so that tests can prove what a route really serves. The sandbox has no proxy;
//! this reads routes as Kong 3.9's default router does (`router_flavor =
//! traditional_compatible`, kong/router/transform.lua and kong/router/atc.lua):
//! - a route matches when each of its non-empty fields matches (`&&` between fields, `||`
//!   between the values of one field);
//! - a plain path is a prefix (`http.path ^= "<path>"`);
//! - a regex path (`~…`) is the Rust `regex` crate on `"^" .. regex` with `?<` read as `?P<`
//!   (`path_val_transform`), matched anywhere in the request path (`http.path ~ …`), which
//!   the `^` turns into "at the start";
//! - a host matches exactly (case-insensitively), `*.example.com` as a suffix and `example.*`
//!   as a prefix (`host_val_transform`); a host with a port also needs that port;
//! - a method matches exactly.
//!
//! Priorities between several matching routes are not modelled: callers get every match.

use serde_json::Value;

/// A request, as the router sees it. `path` is already normalised (Kong matches on the
/// normalised path).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Method, such as `GET`.
    pub method: &'a str,
    /// `Host` header, with an optional `:port`.
    pub host: &'a str,
    /// Path, starting with `/`.
    pub path: &'a str,
}

fn strings(route: &Value, field: &str) -> Vec<String> {
    route
        .get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the regex path `regex` (without its `~`) matches `path` as Kong's default router
/// matches it. A regex Rust cannot compile builds no route, so it matches nothing.
pub fn regex_path_matches(regex: &str, path: &str) -> bool {
    regex::Regex::new(&format!("^{}", regex.replace("?<", "?P<"))).is_ok_and(|re| re.is_match(path))
}

/// Whether the route path `rule` (plain prefix or `~regex`) matches `path`.
pub fn path_matches(rule: &str, path: &str) -> bool {
    match rule.strip_prefix('~') {
        Some(regex) => regex_path_matches(regex, path),
        None => path.starts_with(rule),
    }
}

fn host_matches(rule: &str, host: &str) -> bool {
    let (rule_name, rule_port) = split_port(rule);
    let (name, port) = split_port(host);
    if rule_port.is_some() && rule_port != port {
        return false;
    }
    let (rule_name, name) = (rule_name.to_ascii_lowercase(), name.to_ascii_lowercase());
    if let Some(suffix) = rule_name.strip_prefix('*') {
        name.ends_with(suffix)
    } else if let Some(prefix) = rule_name.strip_suffix('*') {
        name.starts_with(prefix)
    } else {
        name == rule_name
    }
}

fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            (name, Some(port))
        }
        _ => (host, None),
    }
}

/// Whether `route` (a route as the Admin API returns it) takes `request`.
pub fn route_matches(route: &Value, request: &Request<'_>) -> bool {
    let paths = strings(route, "paths");
    let hosts = strings(route, "hosts");
    let methods = strings(route, "methods");
    if paths.is_empty() && hosts.is_empty() && methods.is_empty() {
        return false;
    }
    (paths.is_empty() || paths.iter().any(|p| path_matches(p, request.path)))
        && (hosts.is_empty() || hosts.iter().any(|h| host_matches(h, request.host)))
        && (methods.is_empty() || methods.iter().any(|m| m == request.method))
}

/// The routes among `routes` that take `request`.
pub fn matching<'r>(routes: &'r [Value], request: &Request<'_>) -> Vec<&'r Value> {
    routes
        .iter()
        .filter(|r| route_matches(r, request))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get(path: &str) -> Request<'_> {
        Request {
            method: "GET",
            host: "example.com",
            path,
        }
    }

    #[test]
    fn regex_paths_are_anchored_at_the_start_only() {
        let route = json!({"paths": ["~/shop/a|/admin"]});
        assert!(route_matches(&route, &get("/shop/a")));
        assert!(route_matches(&route, &get("/admin")));
        assert!(
            route_matches(&route, &get("/x/admin")),
            "the alternative is unanchored"
        );
        let grouped = json!({"paths": ["~/shop/(?:a|/admin)"]});
        assert!(!route_matches(&grouped, &get("/admin")));
        assert!(route_matches(&grouped, &get("/shop/ab")));
        assert!(route_matches(
            &json!({"paths": ["~/(?<id>\\d+)$"]}),
            &get("/12")
        ));
    }

    #[test]
    fn fields_combine_with_and_values_with_or() {
        let route = json!({"paths": ["/a", "/b"], "hosts": ["*.example.com"], "methods": ["GET"]});
        let mut request = Request {
            method: "GET",
            host: "api.example.com:8000",
            path: "/b/c",
        };
        assert!(route_matches(&route, &request));
        request.method = "POST";
        assert!(!route_matches(&route, &request));
        request.method = "GET";
        request.host = "example.org";
        assert!(!route_matches(&route, &request));
        assert!(!route_matches(&json!({}), &get("/")));
        assert!(route_matches(&json!({"hosts": ["example.*"]}), &get("/")));
        assert!(!route_matches(
            &json!({"hosts": ["example.com:8443"]}),
            &get("/")
        ));
    }
}
