//! The rules that plugin tables name (`match=`, `custom=`, `check custom`, `shorthand ... =>
//! rule:`): what Kong writes as Lua patterns and functions in K:plugins/*/schema.lua, and the
//! shared records of K:db/schema/typedefs.lua, K:tools/queue_schema.lua,
//! K:observability/tracing/propagation/schema.lua and K:tools/redis/schema.lua (Kong 3.9.3).

use super::core::{host, port, sni};
use crate::schema::validators::validate_header_name;
use crate::schema::{Check, CustomFn, EntityFn, Field, Obj, Pat, Schema, ShorthandFn};
use base64::Engine;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// `^%u+$` (typedefs.http_method).
pub fn all_upper(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Lua patterns by name.
pub fn pattern(name: &str) -> Option<Pat> {
    Some(match name {
        "all_upper" => all_upper,
        // statsd REGEX_STATUS_CODE_RANGE `^[0-9]+-[0-9]+$` (K:plugins/statsd/constants.lua)
        "status_code_range" => |s| {
            s.split_once('-').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            })
        },
        // datadog metric tags `^.*[^:]$`
        "not_ending_colon" => |s| s.bytes().last().is_some_and(|b| b != b':'),
        // request/response-transformer `^[^:]+:.*$`
        "colon_pair" => |s| s.find(':').is_some_and(|i| i > 0),
        // acme account_email `%w*%p*@+%w*%.?%w*`, unanchored: every part but `@+` may be
        // empty, so it matches exactly the strings that hold an `@`.
        "has_at_sign" => |s| s.contains('@'),
        // file-log path `^[^*&%%\`]+$` (a Lua long string: `%%` is a `%`, `\` a backslash)
        "filename" => |s| !s.is_empty() && !s.contains(['*', '&', '%', '\\', '`']),
        _ => return None,
    })
}

/// `pair:match("^([^:]+):*(.-)$")` of the transformer plugins: the name before the first colon
/// and the value after the colons that follow it.
fn split_pair(pair: &str) -> Option<(&str, &str)> {
    let i = pair.find(':').unwrap_or(pair.len());
    if i == 0 {
        return None;
    }
    Some((&pair[..i], pair[i..].trim_start_matches(':')))
}

/// `validate_headers` of K:plugins/request-transformer/schema.lua (and response-transformer).
fn header_pair(pair: &str, check_value: bool) -> Result<(), String> {
    let bad = |s: Option<&str>| format!("'{}' is not a valid header", s.unwrap_or("nil"));
    let (name, value) = match split_pair(pair) {
        Some((n, v)) => (Some(n), Some(v)),
        None => (None, None),
    };
    match name {
        Some(n) if validate_header_name(n).is_ok() => {}
        _ => return Err(bad(name)),
    }
    if check_value && value.is_none_or(|v| validate_header_name(v).is_err()) {
        return Err(bad(value));
    }
    Ok(())
}

/// The ngx shared dictionaries of a default node: K:templates/nginx_kong.lua (3.9.3), plus
/// `prometheus_metrics`, which K:conf_loader/init.lua adds while prometheus is loaded.
const SHARED_DICTS: [&str; 11] = [
    "kong",
    "kong_locks",
    "kong_healthchecks",
    "kong_cluster_events",
    "kong_rate_limiting_counters",
    "kong_core_db_cache",
    "kong_core_db_cache_miss",
    "kong_db_cache",
    "kong_db_cache_miss",
    "kong_secrets",
    "prometheus_metrics",
];

/// K:plugins/acme/reserved_words.lua
const ACME_RESERVED: [&str; 3] = [
    "kong_acme:renew_config:",
    "kong_acme:renew_last_run",
    "kong_acme:cert_key:",
];

const PERIODS: [&str; 6] = ["second", "minute", "hour", "day", "month", "year"];

/// `validate_periods_order` of rate-limiting and response-ratelimiting: no period's limit
/// below a shorter period's (`%.1f` formatting, as Lua's string.format).
fn periods_order(v: &Value, the: &str) -> Result<(), String> {
    let Some(o) = v.as_object() else {
        return Ok(());
    };
    for (i, lower) in PERIODS.iter().enumerate() {
        let Some(v1) = o.get(*lower).and_then(|x| x.as_f64()) else {
            continue;
        };
        for upper in &PERIODS[i + 1..] {
            if let Some(v2) = o.get(*upper).and_then(|x| x.as_f64()) {
                if v2 < v1 {
                    return Err(format!(
                        "{the} limit for {upper}({v2:.1}) cannot be lower than the limit for {lower}({v1:.1})"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn str_rule(f: fn(&str) -> Result<(), String>) -> CustomFn {
    Arc::new(move |v: &Value| match v.as_str() {
        Some(s) => f(s),
        None => Ok(()),
    })
}

/// Custom validators by name.
pub fn validator(name: &str) -> Option<CustomFn> {
    Some(match name {
        "header_pair" => str_rule(|p| header_pair(p, false)),
        "colon_header_pair" => str_rule(|p| header_pair(p, true)),
        // request-transformer check_for_value: a value must follow the name. The value is a
        // pl.template, which this sandbox does not compile (a documented deviation).
        "template_value" => str_rule(|entry| match split_pair(entry) {
            Some((_, v)) if !v.is_empty() => Ok(()),
            Some((n, _)) => Err(format!("key '{n}' has no value")),
            None => Err("key 'nil' has no value".into()),
        }),
        // acme validate_namespace
        "acme_namespace" => str_rule(|ns| {
            match ACME_RESERVED
                .iter()
                .find(|w| !ns.is_empty() && ns.starts_with(*w))
            {
                Some(w) => Err(format!(
                    "namespace can't be prefixed with reserved word: {w}"
                )),
                None => Ok(()),
            }
        }),
        // acme shm_name `custom_validator = function(d) return ngx.shared[d] end`: no message,
        // so Kong's generic "failed validating: %s".
        "shared_dict" => str_rule(|d| {
            if SHARED_DICTS.contains(&d) {
                Ok(())
            } else {
                Err(format!("failed validating: {d}"))
            }
        }),
        // zipkin validate_static_tags
        "unique_tag_names" => Arc::new(|v: &Value| {
            let mut seen = std::collections::HashSet::new();
            for tag in v.as_array().into_iter().flatten() {
                if let Some(n) = tag.get("name").and_then(|n| n.as_str()) {
                    if !seen.insert(n.to_string()) {
                        return Err(format!("repeated tags are not allowed: {n}"));
                    }
                }
            }
            Ok(())
        }),
        // response-ratelimiting validate_periods_order (lower-case "the")
        "periods_order" => Arc::new(|v: &Value| periods_order(v, "the")),
        // rate-limiting validate_periods_order: the periods ("The"), then sync_rate
        // (SYNC_RATE_REALTIME = -1) against the policy
        "rate_limiting_config" => Arc::new(|v: &Value| {
            periods_order(v, "The")?;
            let policy = v.get("policy").and_then(|p| p.as_str());
            let sync_rate = v.get("sync_rate").and_then(|r| r.as_f64());
            if policy != Some("redis") && sync_rate != Some(-1.0) {
                return Err("sync_rate can only be used with the redis policy".into());
            }
            if policy == Some("redis") && sync_rate.is_some_and(|r| r != -1.0 && r < 0.02) {
                return Err("sync_rate must be greater than 0.02, or -1 to disable".into());
            }
            Ok(())
        }),
        // oauth2 validate_flows
        "oauth2_flows" => Arc::new(|v: &Value| {
            let on = |k: &str| v.get(k) == Some(&Value::Bool(true));
            if on("enable_authorization_code")
                || on("enable_implicit_grant")
                || on("enable_client_credentials")
                || on("enable_password_grant")
            {
                Ok(())
            } else {
                Err("at least one of these fields must be true: enable_authorization_code, enable_implicit_grant, enable_client_credentials, enable_password_grant".into())
            }
        }),
        _ => return None,
    })
}

/// Custom entity checks by name.
pub fn entity_check(name: &str) -> Option<EntityFn> {
    Some(match name {
        // aws-lambda: `proxy_url:match("^([^:]+)://")` must be http when present
        "proxy_url_http" => Arc::new(|e: &Obj| {
            let url = e
                .get("config")
                .and_then(|c| c.get("proxy_url"))
                .and_then(|u| u.as_str());
            match url.and_then(|u| u.split_once("://")).map(|(s, _)| s) {
                Some(scheme) if !scheme.is_empty() && !scheme.contains(':') && scheme != "http" => {
                    Err("proxy_url scheme must be http".into())
                }
                _ => Ok(()),
            }
        }),
        // proxy-cache: the memory strategy's dictionary must exist (check_shdict)
        "proxy_cache_dict" => Arc::new(|e: &Obj| {
            let c = e.get("config");
            if c.and_then(|c| c.get("strategy")).and_then(|s| s.as_str()) != Some("memory") {
                return Ok(());
            }
            let dict = c
                .and_then(|c| c.get("memory"))
                .and_then(|m| m.get("dictionary_name"))
                .and_then(|d| d.as_str())
                .unwrap_or("");
            if SHARED_DICTS.contains(&dict) {
                Ok(())
            } else {
                Err(format!("missing shared dict '{dict}'"))
            }
        }),
        // K:llm/schemas/init.lua UNSUPPORTED_LOG_STATISTICS
        "llm_log_statistics" => Arc::new(|e: &Obj| {
            let stats = e.get("logging").and_then(|l| l.get("log_statistics"));
            let route = e.get("route_type").and_then(|r| r.as_str()).unwrap_or("");
            let provider = e
                .get("model")
                .and_then(|m| m.get("provider"))
                .and_then(|p| p.as_str())
                .unwrap_or("");
            if stats == Some(&Value::Bool(true))
                && route == "llm/v1/completions"
                && provider == "anthropic"
            {
                return Err(format!(
                    "{provider} does not support statistics when route_type is {route}"
                ));
            }
            Ok(())
        }),
        _ => return None,
    })
}

fn one(key: &str, v: Value) -> Obj {
    let mut o = Obj::new();
    o.insert(key.to_string(), v);
    o
}

/// Shorthand expansions that are more than a move (K:plugins/session/schema.lua).
pub fn shorthand(name: &str) -> Option<ShorthandFn> {
    Some(match name {
        "session_idletime" => Arc::new(|v: &Value| {
            let v = if v.is_null() { json!(0) } else { v.clone() };
            one("idling_timeout", v)
        }),
        "session_samesite" => Arc::new(|v: &Value| {
            let v = if v == "off" { json!("Lax") } else { v.clone() };
            one("cookie_same_site", v)
        }),
        // cookie_renew: accepted and dropped (session library 4 computes it)
        "drop" => Arc::new(|_: &Value| Obj::new()),
        _ => return None,
    })
}

/// session's default secret: `random_string()` run once when the schema loads, 32 random
/// bytes in base64 with `/`, `+` and `=` replaced by alphanumerics.
pub fn random_secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        let bytes: Vec<u8> = (0..2)
            .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
            .collect();
        base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .replace('/', "7")
            .replace('+', "K")
            .replace('=', "q")
    })
}

/// typedefs.lua_code: a map of non-empty names to non-empty Lua code. Kong compiles the code
/// in its sandbox (`validate_lua_expression`); this sandbox cannot run Lua and accepts any
/// non-empty code (a documented deviation).
pub fn lua_code() -> Field {
    Field::map(
        Field::string().check(Check::LenMin(1)),
        Field::string().check(Check::LenMin(1)),
    )
}

/// typedefs.queue (K:tools/queue_schema.lua)
pub fn queue() -> Field {
    let f = |ty: Field, default: Value| ty.default(default);
    Field::record(Schema::new(vec![
        (
            "max_batch_size",
            f(Field::integer(), json!(1)).check(Check::Between(1.0, 1e6)),
        ),
        (
            "max_coalescing_delay",
            f(Field::number(), json!(1)).check(Check::Between(0.0, 3600.0)),
        ),
        (
            "max_entries",
            f(Field::integer(), json!(10000)).check(Check::Between(1.0, 1e6)),
        ),
        ("max_bytes", Field::integer()),
        ("max_retry_time", f(Field::number(), json!(60))),
        (
            "initial_retry_delay",
            f(Field::number(), json!(0.01)).check(Check::Between(0.001, 1e6)),
        ),
        (
            "max_retry_delay",
            f(Field::number(), json!(60)).check(Check::Between(0.001, 1e6)),
        ),
        (
            "concurrency_limit",
            f(Field::integer(), json!(1)).check(Check::OneOf(vec![json!(-1), json!(1)])),
        ),
    ]))
    .required()
}

/// K:observability/tracing/propagation/utils.lua FORMATS, in source order (Kong builds its
/// one_of lists with pairs(), whose order is not fixed).
const FORMATS: [&str; 8] = [
    "w3c",
    "b3",
    "b3-single",
    "jaeger",
    "ot",
    "datadog",
    "aws",
    "gcp",
];

/// typedefs.propagation (K:observability/tracing/propagation/schema.lua)
pub fn propagation() -> Field {
    let extractors: Vec<&str> = FORMATS
        .iter()
        .copied()
        .filter(|f| *f != "b3-single")
        .collect();
    let mut injectors = vec!["preserve"];
    injectors.extend(FORMATS);
    Field::record(Schema::new(vec![
        ("extract", Field::array(Field::string().one_of(&extractors))),
        (
            "clear",
            Field::array(Field::string().custom_str(validate_header_name)),
        ),
        ("inject", Field::array(Field::string().one_of(&injectors))),
        (
            "default_format",
            Field::string().one_of(&FORMATS).required(),
        ),
    ]))
    .required()
}

/// `config_schema` of K:tools/redis/schema.lua (3.9.3), the `redis` record of rate-limiting,
/// response-ratelimiting and acme.
pub fn redis() -> Field {
    Field::record(Schema::new(vec![
        ("host", host()),
        ("port", port().default(json!(6379))),
        (
            "timeout",
            Field::integer()
                .check(Check::Between(0.0, 2147483646.0))
                .default(json!(2000)),
        ),
        ("username", Field::string()),
        ("password", Field::string().check(Check::LenMin(0))),
        ("database", Field::integer().default(json!(0))),
        ("ssl", Field::boolean().default(json!(false))),
        ("ssl_verify", Field::boolean().default(json!(false))),
        ("server_name", sni()),
    ]))
    .required()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_patterns_match_as_kong_reads_them() {
        let p = |n: &str| pattern(n).expect("pattern");
        assert!(p("status_code_range")("200-299"));
        assert!(!p("status_code_range")("200-"));
        assert!(!p("status_code_range")("2x0-299"));
        assert!(p("not_ending_colon")("app:kong"));
        assert!(!p("not_ending_colon")("app:"));
        assert!(!p("not_ending_colon")(""));
        assert!(p("colon_pair")("a:"));
        assert!(!p("colon_pair")(":a"));
        assert!(!p("colon_pair")("a"));
        assert!(p("has_at_sign")("@"));
        assert!(!p("has_at_sign")("me.example.com"));
    }

    #[test]
    fn transformer_header_pairs() {
        let v = |n: &str, s: &str| validator(n).expect("rule")(&json!(s));
        assert_eq!(v("header_pair", "x-a:1"), Ok(()));
        assert_eq!(
            v("header_pair", "x a:1"),
            Err("'x a' is not a valid header".into())
        );
        assert_eq!(
            v("header_pair", ":1"),
            Err("'nil' is not a valid header".into())
        );
        assert_eq!(v("colon_header_pair", "x-a:x-b"), Ok(()));
        assert_eq!(
            v("colon_header_pair", "x-a:"),
            Err("'' is not a valid header".into())
        );
        assert_eq!(v("template_value", "k::v"), Ok(()));
        assert_eq!(
            v("template_value", "k:"),
            Err("key 'k' has no value".into())
        );
    }

    #[test]
    fn session_secret_is_stable_and_alphanumeric() {
        let s = random_secret();
        assert_eq!(s.len(), 44);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(s, random_secret());
    }
}
