//! Names and tokens: API, function and organization names (the provider's own rules), Kong
//! tags and methods, Enterprise workspace names, HTTP header names.

/// Checks an API name: `^[A-Za-z0-9][A-Za-z0-9_-]*$` (the contract of `dispatch_api.name`).
/// Stricter on purpose than the Kong names it becomes part of (`<organization>.<name>`, service
/// and route `name`: kong/db/schema/typedefs.lua `validate_utf8_name`, Kong 3.9).
pub fn api_name(name: &str) -> Result<(), String> {
    simple_name(name, false).map_err(|()| {
        format!(
            "`{name}` is not a valid API name: use letters, digits, `-` and `_`, starting with a letter or digit"
        )
    })
}

/// Checks a Dispatch function name: letters, digits, `.`, `-`, `_`, starting with a letter or digit
/// (a product rule: the name goes into `function_upstream_url`, whose result Kong checks as a
/// service host and path).
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

/// Checks a Kong tag: printable, no `,` and no `/` (kong/db/schema/typedefs.lua `validate_tag`,
/// Kong 3.9: `^[ \033-\043\045\046\048-\126\128-\244]+$`). Exactly Kong's rule.
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

/// Checks an HTTP method as Kong does (kong/db/schema/typedefs.lua `typedefs.http_method`, Kong
/// 3.9: `^%u+$`, ASCII upper-case letters only). Exactly Kong's rule.
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

/// Checks a workspace name (Kong Enterprise: letters, digits, `-`, `_`, `.`, `~`, as
/// kong/db/schema/typedefs.lua `validate_name` reads names). `.` and `..`
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
