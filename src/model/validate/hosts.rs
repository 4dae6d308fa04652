//! Hosts: route hosts (with wildcards and ports), service hosts and SNI names, read the way
//! Kong 3.9's `normalize_ip` reads them (kong/tools/ip.lua): the kind of a host is decided by
//! its characters alone (two colons or more: IPv6; else only digits, dots and a colon: IPv4;
//! else a name), then checked as that kind. So `worker.01` is a name, `1.2.3` an invalid IPv4
//! address, and `::ffff:10.0.0.1` an invalid IPv6 address (Kong's parser takes eight
//! hexadecimal groups, `::` standing for the missing ones, and no dotted IPv4 tail).

/// What a host is, to Kong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A name.
    Name,
}

/// Why Kong refuses a host (kong/tools/ip.lua `normalize_ip` returns one of two errors).
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostError {
    /// "invalid port number": a port above 65535.
    Port,
    /// Anything else, with the kind Kong took the host for.
    Invalid(HostKind),
}

/// Kong's `normalize_ip`: the host's kind and port, or why it is refused.
fn normalize_ip(host: &str) -> Result<(HostKind, Option<u16>), HostError> {
    // kong/tools/ip.lua `hostname_type`
    let colons = host.matches(':').count();
    let kind = if colons > 1 {
        HostKind::Ipv6
    } else if host.bytes().any(|b| b != b':')
        && host
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b':')
    {
        HostKind::Ipv4
    } else {
        HostKind::Name
    };
    let port = match kind {
        HostKind::Ipv4 => ipv4(host),
        HostKind::Ipv6 => ipv6(host),
        HostKind::Name => name(host),
    }?;
    Ok((kind, port))
}

/// A port as Kong reads it: decimal digits (leading zeros allowed), at most 65535.
fn port(digits: &str) -> Result<u16, HostError> {
    let significant = digits.trim_start_matches('0');
    if significant.len() > 5 {
        return Err(HostError::Port);
    }
    match significant.parse::<u32>() {
        _ if significant.is_empty() => Ok(0),
        Ok(n) => u16::try_from(n).map_err(|_| HostError::Port),
        Err(_) => Err(HostError::Port),
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// kong/tools/ip.lua `normalize_ipv4`: four groups of one to three digits, each at most 255,
/// and a port after a colon when there is one.
fn ipv4(host: &str) -> Result<Option<u16>, HostError> {
    let invalid = HostError::Invalid(HostKind::Ipv4);
    let (address, port_text) = match host.split_once(':') {
        Some((address, digits)) if all_digits(digits) => (address, Some(digits)),
        Some(_) => return Err(invalid),
        None => (host, None),
    };
    let octets: Vec<&str> = address.split('.').collect();
    let valid = octets.len() == 4
        && octets.iter().all(|o| {
            (1..=3).contains(&o.len()) && all_digits(o) && o.parse::<u16>().is_ok_and(|n| n <= 255)
        });
    if !valid {
        return Err(invalid);
    }
    port_text.map(port).transpose()
}

/// kong/tools/ip.lua `normalize_ipv6`: an address, or `[address]` with an optional `:port`;
/// the address is eight groups of one to four hexadecimal digits once its first `::` is
/// expanded (a leading or trailing `:` counts as a `0` group first).
fn ipv6(host: &str) -> Result<Option<u16>, HostError> {
    let invalid = HostError::Invalid(HostKind::Ipv6);
    let (address, port_text) = match bracketed(host) {
        Some((inside, "")) => (inside, None),
        Some((inside, after)) => match after.strip_prefix(':') {
            // Kong's pattern takes zero digits too, then fails comparing no number with 65535
            // (a Lua error, answered 500): refused either way.
            Some(digits) if all_digits(digits) => (inside, Some(digits)),
            _ => return Err(invalid),
        },
        None => (host, None),
    };
    let mut text = address.to_string();
    if text.starts_with(':') {
        text.insert(0, '0');
    }
    if text.ends_with(':') {
        text.push('0');
    }
    if text.contains("::") {
        let missing = 8usize.saturating_sub(text.matches(':').count());
        text = text.replacen("::", &format!(":{}", "0:".repeat(missing)), 1);
    }
    let groups: Vec<&str> = text.split(':').collect();
    let valid = groups.len() == 8
        && groups
            .iter()
            .all(|g| (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !valid {
        return Err(invalid);
    }
    port_text.map(port).transpose()
}

/// `[...]` at the start of `host`, with brackets balanced as Lua's `%b[]` balances them: the
/// text inside and what follows.
fn bracketed(host: &str) -> Option<(&str, &str)> {
    if !host.starts_with('[') {
        return None;
    }
    let mut depth = 0usize;
    for (i, b) in host.bytes().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&host[1..i], &host[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// kong/tools/ip.lua `check_hostname`: ASCII letters, digits, `-`, `.` and `_`, with an
/// optional `:port`; no label ends with `-`, and only the last label may be empty (a trailing
/// dot). A leading `-` is allowed (punycode can have one).
fn name(host: &str) -> Result<Option<u16>, HostError> {
    let (name, port_text) = match host.rsplit_once(':') {
        Some((name, digits)) if all_digits(digits) => (name, Some(digits)),
        _ => (host, None),
    };
    let port = port_text.map(port).transpose()?;
    hostname(name).map_err(|_| HostError::Invalid(HostKind::Name))?;
    Ok(port)
}

/// A host name as `check_hostname` checks it (without a port), or why not.
pub(super) fn hostname(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err("use ASCII letters, digits, `-`, `_` and `.` only".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.ends_with('-') || (label.is_empty() && i + 1 != labels.len()) {
            return Err("a label is empty or ends with `-`".into());
        }
    }
    Ok(())
}

fn explain(host: &str, error: &HostError) -> String {
    match error {
        HostError::Port => format!("`{host}` has a port above 65535"),
        HostError::Invalid(HostKind::Ipv4) => format!(
            "`{host}` is not a valid IPv4 address (Kong reads a host of digits and dots as one: four numbers from 0 to 255)"
        ),
        HostError::Invalid(HostKind::Ipv6) => format!(
            "`{host}` is not a valid IPv6 address (Kong reads a host with two colons or more as one: eight hexadecimal groups, `::` for missing ones, no dotted IPv4 part, the port after `]`)"
        ),
        HostError::Invalid(HostKind::Name) => format!(
            "`{host}` is not a valid host name: use ASCII letters, digits, `-`, `_` and `.` (no label empty or ending with `-`; punycode for other scripts)"
        ),
    }
}

/// Checks a route host (kong/db/schema/typedefs.lua `typedefs.hosts`): at most one `*`, as the
/// whole leftmost or rightmost label (`*.example.com`, `example.*`), then, with the `*` read as
/// a label, a host `normalize_ip` accepts, port allowed.
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
    normalize_ip(&host.replace('*', "abc"))
        .map(|_| ())
        .map_err(|e| explain(host, &e))
}

/// Checks a host without a port (kong/db/schema/typedefs.lua `validate_host`, the service's
/// `host`): a name or an IP address `normalize_ip` accepts.
pub fn host(host: &str) -> Result<HostKind, String> {
    match normalize_ip(host) {
        Ok((kind, None)) => Ok(kind),
        Ok((_, Some(_))) | Err(HostError::Port) => {
            Err(format!("`{host}` has a port: give the host alone"))
        }
        Err(e) => Err(explain(host, &e)),
    }
}

/// Checks an SNI name (a hostname a certificate is served for) as Kong's
/// `typedefs.wildcard_host` does (kong/db/schema/typedefs.lua `validate_wildcard_host`): at
/// most one `*`, then a name (not an IP address) without a port. Stricter on purpose: the
/// wildcard must be a whole label (`*.example.com`, `example.*`). Kong accepts `*example.com`
/// and `example*`, but its certificate lookup (exact name, then `*.<rest>`, then `<prefix>.*`,
/// kong/runloop/certificate.lua) never finds them.
pub fn sni_name(name: &str) -> Result<(), String> {
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
    match normalize_ip(&name.replace('*', "wildcard")) {
        Ok((HostKind::Name, None)) => Ok(()),
        Ok((HostKind::Ipv4 | HostKind::Ipv6, _)) => Err(format!(
            "`{name}` is an IP address: clients only send hostnames as SNI"
        )),
        Ok((HostKind::Name, Some(_))) | Err(HostError::Port) => Err(format!(
            "`{name}` has a port: an SNI name is a hostname only"
        )),
        Err(HostError::Invalid(HostKind::Name)) => Err(format!(
            "`{name}` is not a valid hostname: use ASCII letters, digits, `-`, `_` and `.` (no label empty or ending with `-`)"
        )),
        Err(HostError::Invalid(_)) => Err(format!(
            "`{name}` is an IP address, and not even a valid one: clients only send hostnames as SNI"
        )),
    }
}

#[cfg(test)]
mod tests;
