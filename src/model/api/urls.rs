//! The URLs an API is invoked on.

use url::Url;

use super::{ApiSpec, Environment, HttpsMode};

/// Every URL the API can be invoked on: scheme × host (or the gateway) × plain path.
/// Wildcard hosts and regex paths name no single URL and are left out.
pub fn invoke_urls(spec: &ApiSpec, env: &Environment) -> Vec<String> {
    let plain_paths: Vec<&str> = if spec.paths.is_empty() {
        vec!["/"]
    } else {
        spec.paths
            .iter()
            .filter(|p| !p.starts_with('~'))
            .map(String::as_str)
            .collect()
    };
    let mut urls = Vec::new();
    if spec.hosts.is_empty() {
        let prefix = env.naming.path_prefix().unwrap_or_default();
        for base in gateway_bases(&env.gateway_url, spec.https) {
            for path in &plain_paths {
                let path = if spec.paths.is_empty() && !prefix.is_empty() {
                    String::new()
                } else {
                    (*path).to_string()
                };
                urls.push(format!("{base}{prefix}{path}"));
            }
        }
    } else {
        for host in spec.hosts.iter().filter(|h| !h.contains('*')) {
            for scheme in spec.https.schemes() {
                for path in &plain_paths {
                    urls.push(format!("{scheme}://{host}{path}"));
                }
            }
        }
    }
    urls
}

/// The gateway's base URL for each scheme the API is served on. The other scheme's port is
/// Kong's usual pairing (8000/8443, 80/443); for other ports only the gateway's own scheme is known.
fn gateway_bases(gateway: &Url, https: HttpsMode) -> Vec<String> {
    let own = gateway.scheme().to_string();
    let port = gateway.port_or_known_default();
    let mut bases = Vec::new();
    for scheme in https.schemes() {
        let base = if *scheme == own {
            Some(gateway.clone())
        } else {
            let other_port = match (own.as_str(), port) {
                ("http", Some(80)) => Some(443),
                ("http", Some(8000)) => Some(8443),
                ("https", Some(443)) => Some(80),
                ("https", Some(8443)) => Some(8000),
                _ => None,
            };
            other_port.and_then(|p| {
                let mut other = gateway.clone();
                other.set_scheme(scheme).ok()?;
                let default = if *scheme == "https" { 443 } else { 80 };
                other.set_port((p != default).then_some(p)).ok()?;
                Some(other)
            })
        };
        if let Some(base) = base {
            bases.push(base.as_str().trim_end_matches('/').to_string());
        }
    }
    bases
}
