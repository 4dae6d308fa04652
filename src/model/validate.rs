//! Kong's validation rules, as small named functions, so that bad input is caught at plan
//! time with a message on the attribute that caused it (rules from `kong/db/schema/typedefs.lua`,
//! `kong/tools/utils.lua` and `kong/tools/uri.lua`). Each returns the message Kong would give,
//! phrased for a Terraform user.

/// Checks an API name: `^[A-Za-z0-9][A-Za-z0-9_-]*$` (the contract of `dispatch_api.name`).
pub fn api_name(name: &str) -> Result<(), String> {
    simple_name(name, false).map_err(|()| {
        format!(
            "`{name}` is not a valid API name: use letters, digits, `-` and `_`, starting with a letter or digit"
        )
    })
}

/// Checks a Dispatch function name: letters, digits, `.`, `-`, `_`, starting with a letter or digit.
pub fn function_name(name: &str) -> Result<(), String> {
    simple_name(name, true).map_err(|()| {
        format!(
            "`{name}` is not a valid function name: use letters, digits, `.`, `-` and `_`, starting with a letter or digit"
        )
    })
}

/// Checks an organization name (it prefixes Kong names and paths).
pub fn organization(name: &str) -> Result<(), String> {
    simple_name(name, false).map_err(|()| {
        format!(
            "`{name}` is not a valid organization: use letters, digits, `-` and `_`, starting with a letter or digit"
        )
    })
}

fn simple_name(name: &str, allow_dot: bool) -> Result<(), ()> {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {}
        _ => return Err(()),
    }
    if chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (allow_dot && c == '.')) {
        Ok(())
    } else {
        Err(())
    }
}

/// Checks a Kong tag: printable, no `,` and no `/` (Kong's `validate_tag`).
pub fn tag(tag: &str) -> Result<(), String> {
    let ok = !tag.is_empty()
        && tag
            .chars()
            .all(|c| (c == ' ' || c.is_ascii_graphic() || !c.is_ascii()) && c != ',' && c != '/');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{tag}` is not a valid tag: Kong accepts printable characters except `,` and `/`"
        ))
    }
}

/// Checks an HTTP method as Kong does (`^%u+$`: upper-case letters only).
pub fn method(method: &str) -> Result<(), String> {
    if !method.is_empty() && method.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(())
    } else if !method.is_empty() && method.chars().all(|c| c.is_ascii_alphabetic()) {
        Err(format!(
            "`{method}` must be upper case: write `{}`",
            method.to_ascii_uppercase()
        ))
    } else {
        Err(format!(
            "`{method}` is not an HTTP method: Kong accepts upper-case letters only, such as GET or POST"
        ))
    }
}

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
fn hostname(name: &str) -> Result<(), String> {
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

/// Checks a route path: `/prefix` (normalised, valid %-encoding) or `~/regex` (compilable),
/// never with an empty segment (Kong's `typedefs.router_path`).
pub fn route_path(path: &str) -> Result<(), String> {
    let regex = path.strip_prefix('~');
    if !path.starts_with('/') && !regex.is_some_and(|r| r.starts_with('/')) {
        return Err(format!(
            "`{path}` must start with `/` (a path prefix) or `~/` (a regular expression)"
        ));
    }
    if path.contains("//") {
        return Err(format!("`{path}` has an empty segment (`//`)"));
    }
    match regex {
        Some(pattern) => {
            // Kong checks a regex path with PCRE (the schema's validator, as `ngx.re` will run
            // it), and its default router (traditional_compatible) compiles it again with Rust's
            // `regex` crate: it must pass both, and each refuses things the other accepts
            // (`$*` is refused by PCRE only; lookaround by `regex` only).
            if let Err(e) = pcre2::bytes::RegexBuilder::new().build(pattern) {
                return Err(format!(
                    "`{pattern}` is not a valid regular expression (PCRE): {e}"
                ));
            }
            if let Err(e) = regex::Regex::new(pattern) {
                return Err(format!(
                    "`{pattern}` is not a valid regular expression for Kong's router: {e}"
                ));
            }
        }
        None => {
            // Kong checks the %-encoding of prefixes only (in a regex, `%` is a character like
            // any other), and only when every character is in RFC 3986's list; a `%` that
            // starts no %-encoding is a mistake wherever it is, so it is refused here always.
            if let Some(bad) = bad_percent_encoding(path) {
                return Err(format!("`{path}` has an invalid %-encoding: `{bad}`"));
            }
            let normalized = normalize_path(path);
            if normalized != path {
                return Err(format!(
                    "`{path}` is not in Kong's normalised form: write `{normalized}`"
                ));
            }
        }
    }
    Ok(())
}

/// The first `%` not followed by two hex digits, with what follows it (at most two chars).
fn bad_percent_encoding(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok = i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit();
            if !ok {
                let end = (i + 3).min(bytes.len());
                return Some(String::from_utf8_lossy(&bytes[i..end]).into_owned());
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

/// Reserved characters stay %-encoded (upper-cased) when Kong normalises a path.
fn is_reserved(byte: u8) -> bool {
    b"!#$%&'()*+,/:;=?@[]".contains(&byte)
}

/// Kong's path normalisation: decode %-encoded unreserved characters, upper-case the encoding
/// of reserved ones, remove `.` and `..` segments and merge repeated slashes.
pub fn normalize_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                if is_reserved(value) {
                    decoded.push(b'%');
                    decoded.extend(bytes[i + 1..i + 3].iter().map(u8::to_ascii_uppercase));
                } else {
                    decoded.push(value);
                }
                i += 3;
                continue;
            }
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    let text = String::from_utf8_lossy(&decoded).into_owned();
    remove_dot_segments(&text)
}

fn remove_dot_segments(path: &str) -> String {
    let absolute = path.starts_with('/');
    let body = if absolute { &path[1..] } else { path };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = body.split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "" if i == last => trailing_slash = !out.is_empty(),
            "" => {}
            "." => trailing_slash = i == last && !out.is_empty(),
            ".." => {
                out.pop();
                trailing_slash = i == last && !out.is_empty();
            }
            other => {
                out.push(other);
                trailing_slash = false;
            }
        }
    }
    let mut result = String::with_capacity(path.len());
    if absolute {
        result.push('/');
    }
    result.push_str(&out.join("/"));
    if trailing_slash {
        result.push('/');
    }
    result
}

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

/// Kong's rules for a service path: starts with `/`, no empty segment, RFC 3986 characters,
/// valid %-encoding.
pub fn service_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    if path.contains("//") {
        return Err("the path must not have empty segments (`//`)".into());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._~/%:@!$&'()*+,;=-".contains(c);
    if let Some(c) = path.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "the path has `{c}`, a character outside RFC 3986's list: %-encode it"
        ));
    }
    if let Some(bad) = bad_percent_encoding(path) {
        return Err(format!("the path has an invalid %-encoding: `{bad}`"));
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

/// Checks a workspace name (Kong Enterprise: letters, digits, `-`, `_`, `.`, `~`). `.` and `..`
/// are refused: as the first segment of every Admin API path, URL resolution would drop them
/// and every request would reach the default workspace instead.
pub fn workspace(name: &str) -> Result<(), String> {
    if matches!(name, "." | "..") {
        return Err(format!(
            "`{name}` cannot be used as a workspace: in a URL path it means the current or parent directory, so requests would reach the default workspace"
        ));
    }
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid workspace name: use letters, digits, `-`, `_`, `.` and `~`"
        ))
    }
}

/// Checks an HTTP header name for `kong_admin_headers` (an RFC 7230 token).
pub fn header_name(name: &str) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !name.is_empty() && name.chars().all(token) {
        Ok(())
    } else {
        Err(format!("`{name}` is not a valid HTTP header name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_follow_the_contract() {
        for good in ["hello", "Hello-World_2", "9lives"] {
            assert!(api_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "_x", "a.b", "a b", "héllo", "a/b"] {
            assert!(api_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn methods_are_upper_case_letters() {
        assert!(method("GET").is_ok());
        assert_eq!(
            method("get").expect_err("lower"),
            "`get` must be upper case: write `GET`"
        );
        assert!(method("GET1").is_err());
        assert!(method("").is_err());
    }

    #[test]
    fn hosts_follow_kong_wildcard_and_port_rules() {
        for good in [
            "example.com",
            "*.example.com",
            "example.*",
            "api.example.com:8443",
            "10.0.0.1",
            "10.0.0.1:80",
            "[::1]:8000",
            "::1",
            "under_score.example",
            "trailing.dot.",
        ] {
            assert!(route_host(good).is_ok(), "{good}: {:?}", route_host(good));
        }
        for bad in [
            "*.*.example.com",
            "a.*.example.com",
            "*example.com",
            "ex ample.com",
            "example.com:99999",
            "a-.example.com",
            "a..b",
            "300.1.1.1",
            "",
        ] {
            assert!(route_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sni_names_follow_kong_wildcard_host_rules() {
        for good in [
            "example.com",
            "*.example.com",
            "example.*",
            "a-b.example.com",
            "localhost",
            "*.Mixed.example",
        ] {
            assert!(sni_name(good).is_ok(), "{good}: {:?}", sni_name(good));
        }
        let why = |name: &str| sni_name(name).expect_err(name);
        assert!(why("10.0.0.1").contains("IP address"));
        assert!(why("::1").contains("IP address"));
        assert!(why("[::1]:443").contains("IP address"));
        assert!(why("example.com:443").contains("port"));
        assert!(why("*.example.*").contains("more than one wildcard"));
        assert!(why("a.*.example.com").contains("wrong place"));
        assert!(why("*example.com").contains("wrong place"));
        assert!(why("exa mple.com").contains("not a valid hostname"));
        assert!(why("a..example.com").contains("not a valid hostname"));
        assert!(why("").contains("not a valid hostname"));
    }

    #[test]
    fn paths_must_be_normalised_prefixes_or_valid_regexes() {
        for good in ["/", "/hello", "/a/b/", "/%2F", "~/items/\\d+$", "/café"] {
            assert!(route_path(good).is_ok(), "{good}: {:?}", route_path(good));
        }
        assert_eq!(
            route_path("/a/../b").expect_err("dots"),
            "`/a/../b` is not in Kong's normalised form: write `/b`"
        );
        assert!(
            route_path("/%7Euser").is_err(),
            "unreserved %-encoding is decoded"
        );
        assert!(
            route_path("/caf%C3%A9").is_err(),
            "so is any non-reserved byte"
        );
        assert!(
            route_path("/%2f").is_err(),
            "reserved %-encoding is upper-cased"
        );
        assert!(route_path("hello").is_err());
        assert!(route_path("/a//b").is_err());
        assert!(route_path("/a%zz").is_err());
        assert!(
            route_path("~/files/%[0-9A-F]{2}$").is_ok(),
            "`%` is a plain character in a regex"
        );
        assert!(route_path("~/items/(").is_err());
        assert!(
            route_path("~/(?=look)ahead").is_err(),
            "Kong's router has no lookaround"
        );
        assert!(route_path("~items").is_err());
        assert!(
            route_path("~/$*").is_err(),
            "PCRE refuses a repeated anchor"
        );
    }

    #[test]
    fn normalisation_matches_kong_examples() {
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(normalize_path("/a/b/.."), "/a/");
        assert_eq!(normalize_path("/%41%2f"), "/A%2F");
        assert_eq!(normalize_path("/.."), "/");
        assert_eq!(normalize_path("/"), "/");
    }

    #[test]
    fn upstream_urls_are_what_a_kong_service_can_hold() {
        assert!(upstream_url("http://fn.internal:8080/run/hello").is_ok());
        assert!(upstream_url("https://example.com").is_ok());
        assert!(upstream_url("ftp://example.com").is_err());
        assert!(upstream_url("http://example.com/a?b=c").is_err());
        assert!(upstream_url("http://user:pw@example.com/").is_err());
        assert!(upstream_url("http://example.com/a//b").is_err());
        assert!(upstream_url("not a url").is_err());
        assert!(upstream_url("http://-").is_err(), "Kong's hostname rules");
        assert!(upstream_url("http://a-.example.com").is_err());
        assert!(upstream_url("http://under_score.internal").is_ok());
        assert!(upstream_url("HTTPS://Example.com/Run").is_ok());
        // What the URL parser forgives, and would make the path sent to Kong differ from it.
        assert!(upstream_url("http:/example.com/run").is_err());
        assert!(upstream_url("http://example.com\\run").is_err());
        assert!(upstream_url("http://example.com/a\tb").is_err());
        assert!(upstream_url("http://exa\nmple.com/run").is_err());
        assert!(upstream_url(" http://example.com").is_err());
        assert!(upstream_url("https:///example.com/run").is_err());
    }

    #[test]
    fn workspaces_cannot_be_dot_segments() {
        assert!(workspace("team-a.prod~1").is_ok());
        assert!(workspace("...").is_ok());
        assert!(workspace(".").is_err());
        assert!(workspace("..").is_err());
        assert!(workspace("").is_err());
        assert!(workspace("a b").is_err());
    }

    #[test]
    fn tags_refuse_commas_and_slashes() {
        assert!(tag("team:payments").is_ok());
        assert!(tag("a,b").is_err());
        assert!(tag("a/b").is_err());
        assert!(tag("").is_err());
    }
}
