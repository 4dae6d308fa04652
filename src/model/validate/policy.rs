//! The rules of the gateway policies' fields: the `cors`, `rate-limiting` and
//! `request-size-limiting` plugins' config and the service's timeouts (Kong 3.9,
//! kong/plugins/*/schema.lua, kong/db/schema/entities/services.lua). Each number rule takes
//! any number Terraform holds and returns the whole number sent to Kong, or why not.

use super::{header_name, KongRules};
use crate::model::Number;

/// The methods Kong's `cors` accepts (kong/plugins/cors/schema.lua `METHODS`).
pub const CORS_METHODS: [&str; 9] = [
    "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];
/// The largest timeout Kong accepts: `2^31 - 2` milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 2_147_483_646;
/// The largest whole number a Terraform number, a JSON number and a Lua double all hold
/// exactly (`2^53 - 1`).
pub const MAX_WHOLE: u64 = 9_007_199_254_740_991;

/// A whole number between `min` and `max`, or what is wrong with it. The number is judged
/// exactly as written (see [`Number`]), not as its nearest double.
fn whole_in(value: &Number, min: u64, max: u64) -> Result<u64, String> {
    let whole = value.whole_in(min.into(), max.into())?;
    u64::try_from(whole).map_err(|_| format!("is {value}, outside {min}..{max}"))
}

/// `timeout_ms`: the service's `connect_timeout`, `read_timeout` and `write_timeout`
/// (kong/db/schema/entities/services.lua `nonzero_timeout`: an integer between 1 and
/// `2^31 - 2`). Exactly Kong's rule.
pub fn timeout_ms(value: &Number) -> Result<u64, String> {
    whole_in(value, 1, MAX_TIMEOUT_MS).map_err(|why| {
        format!("`timeout_ms` {why}: Kong takes whole milliseconds between 1 and {MAX_TIMEOUT_MS}.")
    })
}

/// `request_size_limit_kb`: request-size-limiting's `allowed_payload_size`
/// (kong/plugins/request-size-limiting/schema.lua: an integer, no bounds). 0 is Kong's and
/// refuses any body. Stricter on purpose: not below 0 (a negative size refuses every request
/// with a `Content-Length`, bodiless ones included) and not above `2^53 - 1`.
pub fn request_size_kb(value: &Number) -> Result<u64, String> {
    whole_in(value, 0, MAX_WHOLE).map_err(|why| {
        format!("`request_size_limit_kb` {why}: give the largest request body in whole kilobytes, 0 or more (0 refuses any body).")
    })
}

/// `cors.max_age`: cors's `max_age` (kong/plugins/cors/schema.lua: any number). Stricter on
/// purpose: whole seconds, 0 or more, since Kong sends it as it is in `Access-Control-Max-Age`
/// and browsers ignore anything but a non-negative whole number there (Fetch standard).
pub fn max_age(value: &Number) -> Result<u64, String> {
    whole_in(value, 0, MAX_WHOLE).map_err(|why| {
        format!("`max_age` {why}: give the seconds a browser may cache a preflight answer, a whole number, 0 or more (browsers ignore anything else).")
    })
}

/// A `rate_limit` limit: rate-limiting's `second` .. `day` (kong/plugins/rate-limiting/
/// schema.lua: a number greater than 0). Stricter on purpose: a whole number of requests,
/// since Kong lets a request through while `limit - usage > 0` (handler.lua), so a fraction
/// behaves as the next whole number (and shows as a fraction in the rate-limit headers).
pub fn rate_limit(attribute: &str, value: &Number) -> Result<u64, String> {
    whole_in(value, 1, MAX_WHOLE).map_err(|why| {
        format!("`{attribute}` {why}: a limit is a whole number of requests, at least 1 (Kong lets a fraction through as the next whole number).")
    })
}

/// Checks a CORS origin as Kong does (kong/plugins/cors/schema.lua
/// `validate_asterisk_or_regex`): `*`, or a regular expression PCRE compiles
/// (kong/db/schema/init.lua `is_regex`, with the PCRE library of the Kong `rules` are for),
/// never empty (a string field's `len_min` is 1).
pub fn cors_origin(origin: &str, rules: KongRules) -> Result<(), String> {
    if origin.is_empty() {
        return Err(
            "an origin cannot be empty: give `*` or a regular expression such as `https://app\\.example\\.com`"
                .to_string(),
        );
    }
    if origin == "*" {
        return Ok(());
    }
    rules.regex.check(origin).map_err(|e| {
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

/// Checks a CORS `headers` or `exposed_headers` element. Kong takes any non-empty string
/// (kong/plugins/cors/schema.lua: an array of strings). Stricter on purpose: an HTTP header
/// name (an RFC 7230 token), the only thing the `Access-Control-*-Headers` lists can hold.
pub fn cors_header(name: &str) -> Result<(), String> {
    header_name(name)
        .map_err(|why| format!("{why}: CORS headers are header names, such as `X-Request-Id`."))
}

/// Checks a header name as Kong's `typedefs.header_name` does (kong/tools/http.lua
/// `validate_header_name`: `^[a-zA-Z0-9-_]+$`).
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
