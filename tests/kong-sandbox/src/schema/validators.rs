//! Kong's custom validators (K:db/schema/typedefs.lua, K:tools/utils.lua
//! `normalize_ip`/`check_hostname`, K:tools/uri.lua `normalize`, socket.url).

/// Result of [`normalize_ip`]: the address type and optional port.
#[derive(Debug, Clone, PartialEq)]
pub struct HostInfo {
    /// "ipv4", "ipv6" or "name".
    pub kind: &'static str,
    /// Port, when one was given.
    pub port: Option<u32>,
}

fn hostname_type(name: &str) -> &'static str {
    let colons = name.matches(':').count();
    if colons > 1 {
        return "ipv6";
    }
    let remainder: String = name.chars().filter(|c| *c != ':').collect();
    if !remainder.is_empty() && remainder.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return "ipv4";
    }
    "name"
}

fn split_port(s: &str) -> (&str, Option<&str>) {
    // Lua `:(%d+)$`
    if let Some(idx) = s.rfind(':') {
        let p = &s[idx + 1..];
        if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
            return (&s[..idx], Some(p));
        }
    }
    (s, None)
}

fn parse_port(p: &str) -> Result<u32, String> {
    match p.parse::<u64>() {
        Ok(n) if n <= 65535 => Ok(n as u32),
        _ => Err("invalid port number".into()),
    }
}

fn normalize_ipv4(address: &str) -> Result<HostInfo, String> {
    let (addr, port) = if address.contains(':') {
        match split_port(address) {
            (a, Some(p)) => (a, Some(p)),
            _ => return Err(format!("invalid ipv4 address: {address}")),
        }
    } else {
        (address, None)
    };
    let parts: Vec<&str> = addr.split('.').collect();
    if parts.len() != 4
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("invalid ipv4 address: {address}"));
    }
    if parts
        .iter()
        .any(|p| p.parse::<u32>().map(|n| n > 255).unwrap_or(true))
    {
        return Err(format!("invalid ipv4 address: {address}"));
    }
    let port = match port {
        Some(p) => Some(parse_port(p)?),
        None => None,
    };
    Ok(HostInfo { kind: "ipv4", port })
}

/// Lua's `^(%b[])(.-)$`: a `[...]` with balanced brackets at the start, and the rest.
fn balanced_brackets(s: &str) -> Option<(&str, &str)> {
    if !s.starts_with('[') {
        return None;
    }
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        if c == '[' {
            depth += 1;
        } else if c == ']' {
            depth -= 1;
            if depth == 0 {
                return Some((&s[..=i], &s[i + 1..]));
            }
        }
    }
    None
}

/// `ip.normalize_ipv6` (K:tools/ip.lua): Kong's own parser, not the RFC's: the first `::` is
/// expanded to the missing `0` groups (a leading or trailing `:` gets a `0` first), then the
/// address must be exactly eight groups of one to four hex digits, so a dotted IPv4 tail
/// (`::ffff:10.0.0.1`) is refused and `1::2:3:4:5:6:7:8` is accepted.
fn normalize_ipv6(address: &str) -> Result<HostInfo, String> {
    let invalid = || format!("invalid ipv6 address: {address}");
    let (check, port) = match balanced_brackets(address) {
        Some((bracketed, rest)) => {
            let check = &bracketed[1..bracketed.len() - 1];
            let port = if rest.is_empty() {
                None
            } else {
                // `port:match("^:(%d-)$")`; zero digits gives "", and `tonumber("") > 65535`
                // raises a Lua error (a 500 in Kong): refused either way.
                match rest.strip_prefix(':') {
                    Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => {
                        Some(parse_port(d)?)
                    }
                    Some("") => return Err("invalid port number".into()),
                    _ => return Err("invalid ipv6 address".into()),
                }
            };
            (check.to_string(), port)
        }
        None => (address.to_string(), None),
    };
    let mut check = check;
    if check.starts_with(':') {
        check = format!("0{check}");
    }
    if check.ends_with(':') {
        check.push('0');
    }
    if check.contains("::") {
        let count = check.matches(':').count() as i64;
        let ins = format!(":{}", "0:".repeat((8 - count).max(0) as usize));
        check = check.replacen("::", &ins, 1);
    }
    let groups: Vec<&str> = check.split(':').collect();
    let ok = groups.len() == 8
        && groups
            .iter()
            .all(|g| (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !ok {
        return Err(invalid());
    }
    Ok(HostInfo { kind: "ipv6", port })
}

fn check_hostname(address: &str) -> Result<HostInfo, String> {
    let (name, port) = split_port(address);
    let port = match port {
        Some(p) => Some(parse_port(p)?),
        None => None,
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(format!("invalid hostname: {address}"));
    }
    let segments: Vec<&str> = name.split('.').collect();
    let n = segments.len();
    for (i, seg) in segments.iter().enumerate() {
        if seg.ends_with('-') || (seg.is_empty() && i + 1 != n) {
            return Err(format!("invalid hostname: {address}"));
        }
    }
    Ok(HostInfo { kind: "name", port })
}

/// `utils.normalize_ip`: classifies a host (with optional port) or explains why it is invalid.
pub fn normalize_ip(address: &str) -> Result<HostInfo, String> {
    match hostname_type(address) {
        "ipv4" => normalize_ipv4(address),
        "ipv6" => normalize_ipv6(address),
        _ => check_hostname(address),
    }
}

/// typedefs.host: a hostname or IP without port.
pub fn validate_host(host: &str) -> Result<(), String> {
    match normalize_ip(host) {
        Err(e) if e == "invalid port number" => Err("must not have a port".into()),
        Err(_) => Err(format!("invalid value: {host}")),
        Ok(info) if info.port.is_some() => Err("must not have a port".into()),
        Ok(_) => Ok(()),
    }
}

/// typedefs.sni: a host name (not an IP), no port.
pub fn validate_sni(host: &str) -> Result<(), String> {
    match normalize_ip(host) {
        Err(e) if e == "invalid port number" => Err("must not have a port".into()),
        Err(_) => Err(format!("invalid value: {host}")),
        Ok(info) if info.kind != "name" => Err("must not be an IP".into()),
        Ok(info) if info.port.is_some() => Err("must not have a port".into()),
        Ok(_) => Ok(()),
    }
}

/// typedefs.wildcard_host (SNI names, certificate `snis`).
pub fn validate_wildcard_host(host: &str) -> Result<(), String> {
    let mut h = host.to_string();
    if let Some(idx) = host.find('*') {
        if idx != 0 && idx + 1 != host.len() {
            return Err("wildcard must be leftmost or rightmost character".into());
        }
        if host.matches('*').count() > 1 {
            return Err("only one wildcard must be specified".into());
        }
        h = host.replace('*', "wildcard");
    }
    match normalize_ip(&h) {
        Err(e) if e == "invalid port number" => Err("must not have a port".into()),
        Err(_) => Err(format!("invalid value: {h}")),
        Ok(info) if info.kind != "name" => Err("must not be an IP".into()),
        Ok(info) if info.port.is_some() => Err("must not have a port".into()),
        Ok(_) => Ok(()),
    }
}

/// Route `hosts` custom validator: wildcards replaced by "abc", then a host with optional port.
pub fn validate_host_with_wildcards(host: &str) -> Result<(), String> {
    let no_wildcards = host.replace('*', "abc");
    normalize_ip(&no_wildcards).map(|_| ())
}

/// Whether the route host has at most one wildcard (`^[^*]*%*?[^*]*$`).
pub fn at_most_one_wildcard(host: &str) -> bool {
    host.matches('*').count() <= 1
}

/// Route host wildcard placement: `^%*%.`, `%.%*$` or no wildcard.
pub fn wildcard_at_edge_label(host: &str) -> bool {
    host.starts_with("*.") || host.ends_with(".*") || !host.contains('*')
}

/// Error codes of [`validate_path`], like Kong's third return value.
#[derive(Debug, PartialEq)]
pub enum PathErr {
    /// Characters outside RFC 3986.
    Rfc3986(String),
    /// Bad percent-encoding.
    Percent(String),
}

/// typedefs.path custom validator.
pub fn validate_path(path: &str) -> Result<(), PathErr> {
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || b".-_~/%:@!$&'()*+,;=".contains(&b);
    if !path.starts_with('/') || !path.bytes().all(ok_char) {
        return Err(PathErr::Rfc3986(format!(
            "invalid path: '{path}' (characters outside of the reserved list of RFC 3986 found)"
        )));
    }
    // replace %XX triplets and look for a leftover %
    let bytes = path.as_bytes();
    let mut raw = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            raw.extend_from_slice(b"___");
            i += 3;
        } else {
            raw.push(bytes[i]);
            i += 1;
        }
    }
    if let Some(pos) = raw.iter().position(|b| *b == b'%') {
        let end = (pos + 3).min(raw.len());
        let err = String::from_utf8_lossy(&raw[pos..end]).to_string();
        return Err(PathErr::Percent(format!(
            "invalid url-encoded value: '{err}'"
        )));
    }
    Ok(())
}

const RESERVED: &[u8] = b"!#$%&'()*+,/:;=?@[]";

/// K:tools/uri.lua `normalize(uri, merge_slashes)`.
pub fn normalize_uri(uri: &str, merge_slashes: bool) -> String {
    if uri.is_empty() || uri == "/" {
        return uri.to_string();
    }
    let mut uri = uri.to_string();
    if uri.contains('%') {
        let b = uri.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit()
            {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                let num = u8::from_str_radix(hex, 16).unwrap_or(0);
                if RESERVED.contains(&num) {
                    out.extend_from_slice(b[i..i + 3].to_ascii_uppercase().as_slice());
                } else {
                    out.push(num);
                }
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        uri = String::from_utf8_lossy(&out).to_string();
    }
    if !uri.contains('.') && (!merge_slashes || !uri.contains("//")) {
        return uri;
    }
    let b = uri.as_bytes();
    let mut out: Vec<&str> = Vec::new();
    let (mut s, z) = if b.first() == Some(&b'/') {
        out.push("/");
        (1usize, 1usize)
    } else {
        (0usize, 0usize)
    };
    loop {
        match uri[s..].find('/') {
            None => {
                let seg = &uri[s..];
                if seg.is_empty() {
                    break;
                }
                if seg == ".." {
                    if out.len() > z {
                        out.pop();
                    }
                    break;
                }
                if seg == "." {
                    break;
                }
                out.push(seg);
                break;
            }
            Some(rel) => {
                let e = s + rel;
                let c = e - s;
                if c == 0 {
                    if !merge_slashes {
                        out.push("/");
                    }
                } else {
                    let seg = &uri[s..e];
                    if seg == "." {
                        // ignored
                    } else if seg == ".." {
                        if out.len() > z {
                            out.pop();
                        }
                    } else {
                        out.push(&uri[s..=e]);
                    }
                }
                s = e + 1;
            }
        }
    }
    out.concat()
}

/// Compiles a regex the way ngx.re does (PCRE2), returning ngx's error text. The PCRE2 linked
/// here is 10.43 (Kong 3.9 bundles 10.44): it refuses group names of 33 to 128 characters,
/// which Kong 3.9 accepts; no test here depends on those.
pub fn pcre_check(re: &str) -> Result<(), String> {
    match pcre2::bytes::RegexBuilder::new().build(re) {
        Ok(_) => Ok(()),
        Err(e) => {
            let offset = e.offset().unwrap_or(0).min(re.len());
            let full = e.to_string();
            let msg = full
                .split_once(": ")
                .map(|(_, m)| m.to_string())
                .unwrap_or(full.clone());
            let msg = match msg.split_once(": ") {
                Some((head, m)) if head.starts_with("error compiling pattern") => m.to_string(),
                _ => msg,
            };
            let rest = re.get(offset..).unwrap_or("");
            Err(format!(
                "pcre2_compile() failed: {msg} in \"{re}\" at \"{rest}\""
            ))
        }
    }
}

/// Route path custom validator (`validate_path_with_regexes`).
pub fn validate_router_path(path: &str) -> Result<(), String> {
    if let Err(PathErr::Percent(e)) = validate_path(path) {
        return Err(e);
    }
    if !path.starts_with('~') {
        let normalized = normalize_uri(path, true);
        if normalized != path {
            return Err(format!(
                "non-normalized path, consider use '{normalized}' instead"
            ));
        }
        return Ok(());
    }
    let re = &path[1..];
    if let Err(err) = pcre_check(re) {
        return Err(format!("invalid regex: '{re}' (PCRE returned: {err})"));
    }
    Ok(())
}

/// utf8_name: "the only accepted ascii characters are alphanumerics or ., -, _, and ~".
pub fn validate_utf8_name(name: &str) -> Result<(), String> {
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-_~".contains(&b) || (128..=244).contains(&b));
    if name.is_empty() || !ok {
        return Err(format!(
            "invalid value '{name}': the only accepted ascii characters are alphanumerics or ., -, _, and ~"
        ));
    }
    Ok(())
}

/// Whether a byte is allowed in a tag (`^[ \033-\043\045\046\048-\126\128-\244]+$`).
pub fn tag_byte_ok(b: u8) -> bool {
    b == b' '
        || (33..=43).contains(&b)
        || b == 45
        || b == 46
        || (48..=126).contains(&b)
        || (128..=244).contains(&b)
}

/// typedefs.tag validator.
pub fn validate_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() || !tag.bytes().all(tag_byte_ok) {
        return Err(format!(
            "invalid tag '{tag}': expected printable ascii (except `,` and `/`) or valid utf-8 sequences"
        ));
    }
    Ok(())
}

/// `utils.validate_header_name`.
pub fn validate_header_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(());
    }
    Err(format!(
        "bad header name '{name}', allowed characters are A-Z, a-z, 0-9, '_', and '-'"
    ))
}

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

/// `ip_or_cidr` validator for route sources/destinations.
pub fn validate_ip_or_cidr(s: &str) -> Result<(), String> {
    let (ip, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let ok = match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => mask
            .map(|m| m.parse::<u8>().map(|n| n <= 32).unwrap_or(false))
            .unwrap_or(true),
        Ok(std::net::IpAddr::V6(_)) => mask
            .map(|m| m.parse::<u8>().map(|n| n <= 128).unwrap_or(false))
            .unwrap_or(true),
        Err(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid ip or cidr range: '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_cases() {
        assert_eq!(normalize_uri("/a/./b", true), "/a/b");
        assert_eq!(normalize_uri("/a/../b", true), "/b");
        assert_eq!(normalize_uri("/a/b/..", true), "/a/");
        assert_eq!(normalize_uri("/%41bc", true), "/Abc");
        assert_eq!(normalize_uri("/a%2fb", true), "/a%2Fb");
        assert_eq!(normalize_uri("/a/b.c", true), "/a/b.c");
        assert_eq!(normalize_uri("/..", true), "/");
    }

    #[test]
    fn url_parse() {
        let p = socket_url_parse("http://example.test:443").unwrap();
        assert_eq!(p.scheme.as_deref(), Some("http"));
        assert_eq!(p.host.as_deref(), Some("example.test"));
        assert_eq!(p.port.as_deref(), Some("443"));
        assert_eq!(p.path, None);
        let p = socket_url_parse("https://s/").unwrap();
        assert_eq!(p.path.as_deref(), Some("/"));
    }

    #[test]
    fn hosts() {
        assert!(validate_host("example.com").is_ok());
        assert_eq!(
            validate_host("example.com:80"),
            Err("must not have a port".into())
        );
        assert_eq!(
            validate_host("exa mple"),
            Err("invalid value: exa mple".into())
        );
        assert!(validate_host("10.0.0.1").is_ok());
        assert_eq!(validate_sni("10.0.0.1"), Err("must not be an IP".into()));
    }

    #[test]
    fn paths() {
        assert!(validate_path("/a%20b").is_ok());
        assert_eq!(
            validate_path("/a%2"),
            Err(PathErr::Percent("invalid url-encoded value: '%2'".into()))
        );
        assert_eq!(
            validate_router_path("/a/../b"),
            Err("non-normalized path, consider use '/b' instead".into())
        );
        assert!(validate_router_path("~/a(b").is_err());
    }
}
