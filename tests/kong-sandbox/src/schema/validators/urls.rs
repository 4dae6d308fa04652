//! URL parsing as LuaSocket's `socket.url.parse` does it, and typedefs.url.

/// LuaSocket's `url.parse` result.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ParsedUrl {
    /// Scheme.
    pub scheme: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// Port, as text.
    pub port: Option<String>,
    /// Path.
    pub path: Option<String>,
    /// userinfo.
    pub userinfo: Option<String>,
}

/// LuaSocket `socket.url.parse` (None for an empty URL).
pub fn socket_url_parse(url: &str) -> Option<ParsedUrl> {
    if url.is_empty() {
        return None;
    }
    let mut p = ParsedUrl::default();
    let mut rest = url.to_string();
    // scheme: ^([%w][%w%+%-%.]*)%:
    {
        let b = rest.as_bytes();
        if !b.is_empty() && b[0].is_ascii_alphanumeric() {
            let mut i = 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"+-.".contains(&b[i])) {
                i += 1;
            }
            if i < b.len() && b[i] == b':' {
                p.scheme = Some(rest[..i].to_string());
                rest = rest[i + 1..].to_string();
            }
        }
    }
    let mut authority = None;
    if let Some(r) = rest.strip_prefix("//") {
        let end = r.find('/').unwrap_or(r.len());
        authority = Some(r[..end].to_string());
        rest = r[end..].to_string();
    }
    if let Some(i) = rest.find('#') {
        rest.truncate(i);
    }
    if let Some(i) = rest.find('?') {
        rest.truncate(i);
    }
    if let Some(i) = rest.find(';') {
        rest.truncate(i);
    }
    if !rest.is_empty() {
        p.path = Some(rest);
    }
    if let Some(mut auth) = authority {
        if let Some(at) = auth.find('@') {
            p.userinfo = Some(auth[..at].to_string());
            auth = auth[at + 1..].to_string();
        }
        // :([^:%]]*)$
        if let Some(idx) = auth.rfind(':') {
            let port = &auth[idx + 1..];
            if !port.contains(']') {
                p.port = Some(port.to_string());
                auth.truncate(idx);
            }
        }
        if !auth.is_empty() {
            let host = if auth.starts_with('[') && auth.ends_with(']') && auth.len() > 2 {
                auth[1..auth.len() - 1].to_string()
            } else {
                auth
            };
            p.host = Some(host);
        }
    }
    Some(p)
}

/// typedefs.url custom validator.
pub fn validate_url(url: &str) -> Result<(), String> {
    let p = socket_url_parse(url).ok_or_else(|| "could not parse url. invalid url".to_string())?;
    if p.host.is_none() {
        return Err("missing host in url".into());
    }
    if p.scheme.is_none() {
        return Err("missing scheme in url".into());
    }
    Ok(())
}
