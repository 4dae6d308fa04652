//! Kong's rules for the policy fields, as named functions (the plan-time checks call them).

use super::CORS_METHODS;
use crate::model::{validate, Number};

/// A whole number between `min` and `max`, or why not. The number is judged exactly as
/// written (see [`Number`]), not as its nearest double.
pub fn whole_in(value: &Number, min: u64, max: u64) -> Result<u64, String> {
    let whole = value.whole_in(min.into(), max.into())?;
    u64::try_from(whole).map_err(|_| format!("is {value}, outside {min}..{max}"))
}

/// Checks a CORS origin as Kong does: `*`, or a regular expression PCRE compiles.
pub fn cors_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    pcre2::bytes::RegexBuilder::new()
        .build(origin)
        .map(|_| ())
        .map_err(|e| {
            format!("`{origin}` is not `*` or a valid regular expression (Kong matches origins with PCRE): {e}")
        })
}

/// Checks a CORS method: one of the nine Kong's `cors` knows.
pub fn cors_method(method: &str) -> Result<(), String> {
    if CORS_METHODS.contains(&method) {
        return Ok(());
    }
    let upper = method.to_ascii_uppercase();
    if CORS_METHODS.contains(&upper.as_str()) {
        return Err(format!("`{method}` must be upper case: write `{upper}`"));
    }
    Err(format!(
        "`{method}` is not one of the methods Kong's cors plugin accepts: {}",
        CORS_METHODS.join(", ")
    ))
}

/// Checks a header name as Kong's `typedefs.header_name` does: letters, digits, `-` and `_`.
pub fn kong_header_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a header name Kong accepts: use letters, digits, `-` and `_`"
        ))
    }
}

/// Checks a log endpoint: an absolute http(s) URL with a host, as Kong's http-log needs, and no
/// credentials in it (they would show in plans and state; send them in a header instead).
pub fn http_endpoint(raw: &str) -> Result<(), String> {
    let url = validate::plain_http_url(raw)
        .map_err(|why| format!("{why} (Kong's http-log sends log entries over HTTP)"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{raw}` holds credentials: they would show in plans and state; use an endpoint that needs none"
        ));
    }
    Ok(())
}
