//! URLs: upstream URLs, the URLs of the provider configuration.

use super::hosts::hostname;
use super::paths::service_path;

/// An `http://` or `https://` URL written the way Kong reads it. The URL parser forgives what
/// Kong's fields cannot hold as written: it drops tabs and line breaks, reads `\` as `/`, and
/// takes `http:/host` (Kong's `socket.url` finds no host there). So the text must be plain:
/// no white space, control character or backslash, and `scheme://host` spelled out.
pub fn plain_http_url(raw: &str) -> Result<url::Url, String> {
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
    let parsed = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{raw}` must be an http:// or https:// URL"));
    }
    let prefix = format!("{}://", parsed.scheme());
    if !raw
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(&prefix))
    {
        return Err(format!("`{raw}` must start with `{prefix}`"));
    }
    if raw[prefix.len()..].starts_with('/') {
        return Err(format!("`{raw}` has no host after `{prefix}`"));
    }
    Ok(parsed)
}

/// Checks an upstream URL: absolute http(s), a host, no credentials, query or fragment
/// (Kong's service has nowhere to keep them), and a path Kong accepts.
pub fn upstream_url(raw: &str) -> Result<url::Url, String> {
    let parsed = plain_http_url(raw)?;
    match parsed.host() {
        None => return Err(format!("`{raw}` has no host")),
        Some(url::Host::Domain(name)) => {
            // The `url` crate takes any domain text; Kong's service host follows its hostname
            // rules (`typedefs.host`).
            hostname(name).map_err(|why| format!("`{raw}` has an invalid host `{name}`: {why}"))?;
        }
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => {}
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "`{raw}` holds credentials: Kong cannot keep them in a service URL"
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "`{raw}` has a query or a fragment: Kong's service keeps only scheme, host, port and path"
        ));
    }
    let path = raw_path(raw);
    if let Some(path) = path {
        service_path(path).map_err(|why| format!("`{raw}`: {why}"))?;
    }
    // What Kong gets (scheme, host, port, and the path as written) must be this very URL.
    let mut sent = format!(
        "{}://{}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default()
    );
    if let Some(port) = parsed.port() {
        sent.push_str(&format!(":{port}"));
    }
    sent.push_str(path.unwrap_or_default());
    if url::Url::parse(&sent).ok().as_ref() != Some(&parsed) {
        return Err(format!(
            "`{raw}` is not written plainly: it reads as `{parsed}`; write it that way"
        ));
    }
    Ok(parsed)
}

/// The path of a URL as written (the `url` crate would re-encode it).
pub fn raw_path(raw: &str) -> Option<&str> {
    let after_scheme = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .map(|p| p.split(['?', '#']).next().unwrap_or(p))
}

/// Checks a base URL given in the provider configuration.
pub fn base_url(raw: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{raw}` must be an http:// or https:// URL"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("`{raw}` must not have a query or a fragment"));
    }
    Ok(parsed)
}
