//! Paths: route paths (plain prefixes and regexes), Kong's path normalisation, service paths.

use super::KongRules;

/// Checks a route path as the Kong release `rules` are for does (kong/db/schema/typedefs.lua
/// `typedefs.router_path`: `/prefix` or `~/regex`, no `//`; `validate_path_with_regexes`: a
/// prefix normalised (from 3.1) and, when RFC 3986's characters only, validly %-encoded; a
/// regex compiled by its PCRE and by its router: see [`super::RegexLibrary`] and
/// [`super::RouterRegex`]).
pub fn route_path(path: &str, rules: KongRules) -> Result<(), String> {
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
            if let Err(e) = rules.regex.check(pattern) {
                return Err(format!(
                    "`{pattern}` is not a valid regular expression (PCRE): {e}"
                ));
            }
            if let Err(e) = rules.router.check(pattern) {
                return Err(format!(
                    "`{pattern}` is not a valid regular expression for Kong's router: {e}"
                ));
            }
        }
        None => {
            // kong/db/schema/typedefs.lua `validate_path_with_regexes` (3.9): of `typedefs.path`'s
            // checks only a %-encoding error counts, and `validate_path` checks %-encoding
            // only when every character is one RFC 3986 allows (in a regex `%` is a character
            // like any other). So `/a%zz` is refused and `/é%zz` accepted, as Kong does.
            if rfc3986_characters(path) {
                if let Some(bad) = bad_percent_encoding(path) {
                    return Err(format!("`{path}` has an invalid %-encoding: `{bad}`"));
                }
            }
            let normalized = normalize_path(path);
            if rules.normalised_paths && normalized != path {
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

/// Reserved characters stay %-encoded (upper-cased) when Kong normalises a path
/// (kong/tools/uri.lua `RESERVED_CHARS`).
fn is_reserved(byte: u8) -> bool {
    b"!#$%&'()*+,/:;=?@[]".contains(&byte)
}

/// Kong's path normalisation (kong/tools/uri.lua `normalize(uri, true)`, Kong 3.9): decode
/// %-encoded unreserved characters, upper-case the encoding of reserved ones, remove `.` and
/// `..` segments and merge repeated slashes.
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

/// Whether every character is one kong/db/schema/typedefs.lua `validate_path` allows: RFC
/// 3986's unreserved characters, sub-delimiters, `/`, `%`, `:` and `@`.
fn rfc3986_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._~/%:@!$&'()*+,;=-".contains(c)
}

fn rfc3986_characters(path: &str) -> bool {
    path.chars().all(rfc3986_character)
}

/// Kong's rules for a service path (kong/db/schema/typedefs.lua `typedefs.path`): starts with
/// `/`, no empty segment, RFC 3986 characters, valid %-encoding.
pub fn service_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    if path.contains("//") {
        return Err("the path must not have empty segments (`//`)".into());
    }
    if let Some(c) = path.chars().find(|c| !rfc3986_character(*c)) {
        return Err(format!(
            "the path has `{c}`, a character outside RFC 3986's list: %-encode it"
        ));
    }
    if let Some(bad) = bad_percent_encoding(path) {
        return Err(format!("the path has an invalid %-encoding: `{bad}`"));
    }
    Ok(())
}
