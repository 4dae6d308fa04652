//! URLs: upstream URLs (a Kong service's protocol, host, port and path), the http-log
//! endpoint, and the URLs of the provider configuration.
//!
//! The URLs Kong stores are read as written, the way Kong's `socket.url` splits them
//! (`scheme://authority/path?query#fragment`), not the way a browser's URL parser would: that
//! parser lower-cases hosts, punycodes them, reads `1.2.3` as `1.2.0.3` and refuses
//! `worker.01`, none of which Kong does.

use super::hosts::{host, HostKind};
use super::paths::service_path;
use super::{vault_reference, KongRules};

/// The parts of an `http://` or `https://` URL, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts<'a> {
    /// `http` or `https`, lower case.
    scheme: &'static str,
    /// What is before `@` in the authority.
    userinfo: Option<&'a str>,
    /// The host as written (brackets included).
    host: &'a str,
    /// The text after the host's `:`.
    port: Option<&'a str>,
    /// From the first `/` after the authority to `?` or `#`.
    path: Option<&'a str>,
    /// Whether a `?` or `#` follows.
    query_or_fragment: bool,
}

/// Splits an `http://` or `https://` URL written plainly: no white space, control character or
/// backslash (which a URL parser would drop or read as `/`), and `scheme://` spelled out.
fn parts(raw: &str) -> Result<Parts<'_>, String> {
    if let Some(c) = raw
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || *c == '\\')
    {
        return Err(format!(
            "`{}` has {}: write the URL plainly, %-encoding what needs it",
            raw.escape_debug(),
            match c {
                '\\' => "a backslash".to_string(),
                c if c.is_whitespace() => "white space".to_string(),
                c => format!("the control character {:?}", c),
            }
        ));
    }
    let (scheme, rest) = match raw.split_once(':') {
        Some((s, rest)) if s.eq_ignore_ascii_case("http") => ("http", rest),
        Some((s, rest)) if s.eq_ignore_ascii_case("https") => ("https", rest),
        _ => return Err(format!("`{raw}` must be an http:// or https:// URL")),
    };
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(format!("`{raw}` must start with `{scheme}://`"));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    let (host, port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(i) => match &host_port[i + 1..] {
                "" => (&host_port[..=i], None),
                after => match after.strip_prefix(':') {
                    Some(port) => (&host_port[..=i], Some(port)),
                    None => return Err(format!("`{raw}` has text after its `[IPv6]` host")),
                },
            },
            None => return Err(format!("`{raw}` has an unclosed `[`")),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = (path_end > 0).then(|| &tail[..path_end]);
    Ok(Parts {
        scheme,
        userinfo,
        host,
        port,
        path,
        query_or_fragment: path_end < tail.len(),
    })
}

fn port(raw: &str, text: &str) -> Result<u16, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{raw}` has an invalid port `{text}`"));
    }
    text.trim_start_matches('0')
        .parse::<u16>()
        .or_else(|e| {
            if text.bytes().all(|b| b == b'0') {
                Ok(0)
            } else {
                Err(e)
            }
        })
        .map_err(|_| format!("`{raw}` has a port above 65535"))
}

/// An upstream URL, as the fields of the Kong service it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrl<'a> {
    /// `http` or `https` (the service's `protocol`).
    pub scheme: &'static str,
    /// The service's `host`: without the brackets of an IPv6 address; a name in lower case
    /// and punycode (as Kong's `check_hostname` takes it, and as DNS reads it anyway).
    pub host: String,
    /// The port written, if any.
    pub port: Option<u16>,
    /// The service's `path` as written, if any.
    pub path: Option<&'a str>,
}

/// Checks an upstream URL and splits it into the fields of a Kong service (kong/db/schema/
/// entities/services.lua): `host` as `typedefs.host` takes it (kong/db/schema/typedefs.lua
/// `validate_host`), `port` 0..65535, `path` as `typedefs.path` takes it. Stricter on purpose:
/// only `http` and `https` (an API's upstream; the scheme is sent lower-cased as `protocol`),
/// and no credentials, query or fragment (a service has nowhere to keep them, and Kong's own
/// `url` shorthand drops them silently).
pub fn upstream_url(raw: &str) -> Result<ServiceUrl<'_>, String> {
    let parts = parts(raw)?;
    if parts.userinfo.is_some() {
        return Err(format!(
            "`{raw}` holds credentials: Kong cannot keep them in a service URL"
        ));
    }
    if parts.query_or_fragment {
        return Err(format!(
            "`{raw}` has a query or a fragment: Kong's service keeps only scheme, host, port and path"
        ));
    }
    let service_host = match parts
        .host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
    {
        Some(inside) => match host(inside) {
            Ok(HostKind::Ipv6) => inside.to_string(),
            Ok(_) => {
                return Err(format!(
                    "`{raw}` has brackets around a host that is not an IPv6 address"
                ))
            }
            Err(why) => return Err(format!("`{raw}`: {why}")),
        },
        None if parts.host.is_empty() => return Err(format!("`{raw}` has no host")),
        None => {
            let name = ascii_name(parts.host);
            match host(&name) {
                Ok(HostKind::Ipv6) => {
                    return Err(format!(
                        "`{raw}`: write an IPv6 host in brackets, as in `http://[::1]:8080`"
                    ))
                }
                Ok(_) => name,
                Err(why) => return Err(format!("`{raw}` has an invalid host: {why}")),
            }
        }
    };
    let port = parts.port.map(|p| port(raw, p)).transpose()?;
    if let Some(path) = parts.path {
        service_path(path).map_err(|why| format!("`{raw}`: {why}"))?;
    }
    Ok(ServiceUrl {
        scheme: parts.scheme,
        host: service_host,
        port,
        path: parts.path,
    })
}

/// A host name in lower case and punycode (IDNA's "domain to ASCII"); as written when that
/// fails, for Kong's rules to refuse.
fn ascii_name(name: &str) -> String {
    if name
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        return name.to_string();
    }
    idna::domain_to_ascii(name).unwrap_or_else(|_| name.to_string())
}

/// The path of a URL as written.
pub fn raw_path(raw: &str) -> Option<&str> {
    let after_scheme = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .map(|p| p.split(['?', '#']).next().unwrap_or(p))
}

/// Checks an http-log endpoint (kong/plugins/http-log/schema.lua `http_endpoint`:
/// `typedefs.url`, referenceable). Kong takes any URL `socket.url` finds a scheme and a host in
/// (kong/db/schema/typedefs.lua `validate_url`), and a vault reference (`{vault://…}`) as it
/// is (kong/db/schema/init.lua skips the checks of a referenceable field holding one) from
/// Kong 3.2, where the field became referenceable (`rules`).
/// Stricter on purpose: `http` or `https` only (http-log speaks HTTP), written plainly, with a
/// valid port, and no credentials (they would show in plans and state; a header can carry them).
pub fn http_endpoint(raw: &str, rules: KongRules) -> Result<(), String> {
    if vault_reference(raw) {
        return if rules.referenceable_log_endpoint {
            Ok(())
        } else {
            Err("Kong 3.0 and 3.1 take http-log's endpoint as it is written, never as a vault reference (it is referenceable since Kong 3.2): give the URL".to_string())
        };
    }
    let parts =
        parts(raw).map_err(|why| format!("{why} (Kong's http-log sends log entries over HTTP)"))?;
    if parts.host.is_empty() {
        return Err(format!("`{raw}` has no host"));
    }
    if parts.userinfo.is_some() {
        return Err(format!(
            "`{raw}` holds credentials: they would show in plans and state; use an endpoint that needs none"
        ));
    }
    if let Some(p) = parts.port {
        port(raw, p)?;
    }
    Ok(())
}

/// Checks a base URL given in the provider configuration.
/// Its messages show the URL without its userinfo, which may hold a password.
pub fn base_url(raw: &str) -> Result<url::Url, String> {
    let shown = crate::kong::redact::url(raw);
    let parsed = url::Url::parse(raw).map_err(|e| format!("`{shown}` is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{shown}` must be an http:// or https:// URL"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{shown}` has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("`{shown}` must not have a query or a fragment"));
    }
    Ok(parsed)
}
