//! Hosts: route hosts (with wildcards and ports) and SNI names.

/// Checks a route host: a hostname or IP with an optional port, at most one `*`, and only as
/// the whole leftmost or rightmost label (Kong's `typedefs.hosts`).
pub fn route_host(host: &str) -> Result<(), String> {
    let stars = host.matches('*').count();
    if stars > 1 {
        return Err(format!(
            "`{host}` has more than one wildcard: Kong allows at most one `*`"
        ));
    }
    if stars == 1 && !(host.starts_with("*.") || host.ends_with(".*")) {
        return Err(format!(
            "`{host}` has a wildcard in the wrong place: `*` must be the whole leftmost or rightmost label, as in `*.example.com` or `example.*`"
        ));
    }
    host_with_optional_port(&host.replace('*', "abc"))
        .map_err(|why| format!("`{host}` is not a valid host: {why}"))
}

/// Checks an SNI name (a hostname a certificate is served for) as Kong's
/// `typedefs.wildcard_host` does: no port, not an IP address, at most one `*`. The wildcard
/// must also be a whole label (`*.example.com`, `example.*`): Kong accepts `*example.com`
/// but its certificate lookup (exact name, then `*.<rest>`, then `<prefix>.*`) never finds it.
pub fn sni_name(name: &str) -> Result<(), String> {
    if name.parse::<std::net::IpAddr>().is_ok()
        || name
            .strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .is_some()
    {
        return Err(format!(
            "`{name}` is an IP address: clients only send hostnames as SNI"
        ));
    }
    if name.contains(':') {
        return Err(format!(
            "`{name}` has a port: an SNI name is a hostname only"
        ));
    }
    let stars = name.matches('*').count();
    if stars > 1 {
        return Err(format!(
            "`{name}` has more than one wildcard: Kong allows one `*`"
        ));
    }
    if stars == 1 && !(name.starts_with("*.") || name.ends_with(".*")) {
        return Err(format!(
            "`{name}` has a wildcard in the wrong place: `*` must be the whole leftmost or rightmost label, as in `*.example.com` or `example.*`"
        ));
    }
    let mock = name.replace('*', "wildcard");
    if !mock.is_empty() && mock.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!(
            "`{name}` is an IP address: clients only send hostnames as SNI"
        ));
    }
    hostname(&mock).map_err(|why| format!("`{name}` is not a valid hostname: {why}"))
}

/// A host Kong can store: a name, an IPv4 or IPv6 address, with an optional port.
fn host_with_optional_port(host: &str) -> Result<(), String> {
    let colons = host.matches(':').count();
    if colons > 1 {
        return ipv6_with_optional_port(host);
    }
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (name, Some(port))
        }
        _ => (host, None),
    };
    if let Some(port) = port {
        if port.parse::<u32>().map_or(true, |p| p > 65535) {
            return Err("the port must be between 0 and 65535".into());
        }
    }
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let octets: Vec<&str> = name.split('.').collect();
        let valid = octets.len() == 4
            && octets
                .iter()
                .all(|o| (1..=3).contains(&o.len()) && o.parse::<u16>().is_ok_and(|n| n <= 255));
        return if valid {
            Ok(())
        } else {
            Err("it is not a valid IPv4 address".into())
        };
    }
    hostname(name)
}

/// A DNS name as Kong checks it: letters, digits, `-`, `.`, `_`; no label ending in `-`,
/// no empty label except a trailing dot.
pub(super) fn hostname(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err("use letters, digits, `-`, `_` and `.` only".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.ends_with('-') || (label.is_empty() && i + 1 != labels.len()) {
            return Err("a label is empty or ends with `-`".into());
        }
    }
    Ok(())
}

fn ipv6_with_optional_port(host: &str) -> Result<(), String> {
    let address = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address in brackets is not closed".to_string())?;
        if let Some(port) = after.strip_prefix(':') {
            if port.parse::<u32>().map_or(true, |p| p > 65535) {
                return Err("the port must be between 0 and 65535".into());
            }
        } else if !after.is_empty() {
            return Err("unexpected text after the IPv6 address".into());
        }
        inside
    } else {
        host
    };
    address
        .parse::<std::net::Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| "it is not a valid IPv6 address".into())
}
