//! Host and address validators: `utils.normalize_ip`/`check_hostname` (K:tools/utils.lua,
//! K:tools/ip.lua), the host, SNI and wildcard typedefs (K:db/schema/typedefs.lua), route
//! host wildcards and `ip_or_cidr`.

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
