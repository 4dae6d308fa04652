//! The policy attributes and blocks of `dispatch_api` (`cors`, `rate_limit`, `timeout_ms`,
//! `request_size_limit_kb`, `logging`): their schema, and their state ⇄ model conversions.

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, NestedBlock};
use tf_provider::value::Value;

use super::ApiState;
use crate::model::policies::{
    Cors, CorsDraft, Logging, LoggingDraft, Policies, PoliciesDraft, RateLimit, RateLimitDraft,
    MAX_TIMEOUT_MS, MAX_WHOLE,
};
use crate::model::Field;
use crate::resources::known_sorted;
use crate::schema::*;
use crate::values::{self, field, field_strings, TfString, TfStringSet};

/// A number of the configuration. Kept as a float so that a fraction reaches the plan-time
/// checks (and their message) instead of failing to decode. Written to Terraform as text, like
/// every number of a state (see [`values::number_as_text`]).
pub type TfNumber = Value<f64>;

/// The `cors` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CorsBlock {
    /// Allowed origins.
    pub origins: TfStringSet,
    /// Allowed methods.
    pub methods: TfStringSet,
    /// Allowed request headers.
    pub headers: TfStringSet,
    /// Exposed response headers.
    pub exposed_headers: TfStringSet,
    /// Whether credentials are allowed.
    pub credentials: Value<bool>,
    /// Preflight cache time in seconds.
    #[serde(serialize_with = "crate::values::number_as_text")]
    pub max_age: TfNumber,
}

/// The `rate_limit` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RateLimitBlock {
    /// Requests per second.
    #[serde(serialize_with = "crate::values::number_as_text")]
    pub per_second: TfNumber,
    /// Requests per minute.
    #[serde(serialize_with = "crate::values::number_as_text")]
    pub per_minute: TfNumber,
    /// Requests per hour.
    #[serde(serialize_with = "crate::values::number_as_text")]
    pub per_hour: TfNumber,
    /// Requests per day.
    #[serde(serialize_with = "crate::values::number_as_text")]
    pub per_day: TfNumber,
    /// What requests are counted by.
    pub limit_by: TfString,
    /// The header counted by.
    pub header_name: TfString,
    /// The path counted by.
    pub path: TfString,
}

/// The `logging` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoggingBlock {
    /// Where log entries are sent.
    pub http_endpoint: TfString,
}

/// The policy attributes of the schema.
pub fn schema_attributes() -> Vec<(&'static str, Attribute)> {
    vec![
        ("timeout_ms", optional(number(), &format!("Timeout in milliseconds for connecting to the upstream, and between two reads or two writes of a request to it (Kong's service `connect_timeout`, `read_timeout` and `write_timeout`); 1 to {MAX_TIMEOUT_MS}. Default 60000, Kong's default."))),
        ("request_size_limit_kb", optional(number(), "Largest request body accepted, in kilobytes (Kong `request-size-limiting` with `size_unit = \"kilobytes\"`); a larger body gets 413. At least 1. Absent: no limit.")),
    ]
}

/// The policy blocks of the schema.
pub fn schema_blocks() -> Vec<(&'static str, NestedBlock)> {
    vec![
        (
            "cors",
            optional_block(block(
                "Cross-origin resource sharing for browsers (Kong `cors` plugin). Removing the block removes the plugin. Fields left out keep Kong's defaults.",
                [
                    ("origins", optional(set_of_strings(), "Allowed origins: `*`, or regular expressions (PCRE) matched against the `Origin` header, such as `https://.*\\.example\\.com`. Absent or empty: every origin.")),
                    ("methods", optional(set_of_strings(), "Methods allowed in cross-origin requests, among GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE and CONNECT. Absent: all of them.")),
                    ("headers", optional(set_of_strings(), "Request headers allowed (`Access-Control-Allow-Headers`). Absent: the headers the preflight request asks for.")),
                    ("exposed_headers", optional(set_of_strings(), "Response headers the browser may read (`Access-Control-Expose-Headers`).")),
                    ("credentials", optional(boolean(), "Whether browsers may send credentials (`Access-Control-Allow-Credentials`). Default `false`.")),
                    ("max_age", optional(number(), "Seconds a browser may cache a preflight answer (`Access-Control-Max-Age`), 0 or more.")),
                ],
                [],
            )),
        ),
        (
            "rate_limit",
            optional_block(block(
                "Request rate limits (Kong `rate-limiting` plugin, counted on each Kong node); a client over a limit gets 429. Set at least one limit; a longer period's limit may not be lower than a shorter one's. Removing the block removes the plugin.",
                [
                    ("per_second", optional(number(), "Requests allowed per second (a whole number, at least 1).")),
                    ("per_minute", optional(number(), "Requests allowed per minute.")),
                    ("per_hour", optional(number(), "Requests allowed per hour.")),
                    ("per_day", optional(number(), "Requests allowed per day.")),
                    ("limit_by", optional(string(), "What requests are counted by: `\"consumer\"` (Kong's default; the client IP when there is no authenticated consumer), `\"credential\"`, `\"ip\"`, `\"service\"` (all clients together), `\"header\"` (needs `header_name`) or `\"path\"` (needs `path`).")),
                    ("header_name", optional(string(), "With `limit_by = \"header\"`: the request header whose value requests are counted by (letters, digits, `-` and `_`).")),
                    ("path", optional(string(), "With `limit_by = \"path\"`: the request path counted (starting with `/`).")),
                ],
                [],
            )),
        ),
        (
            "logging",
            optional_block(block(
                "Sends a log entry for every request, as JSON, to an HTTP endpoint (Kong `http-log` plugin). Removing the block removes the plugin.",
                [(
                    "http_endpoint",
                    required(string(), "Absolute `http://` or `https://` URL the log entries are POSTed to. No credentials in the URL: they would show in plans and state."),
                )],
                [],
            )),
        ),
    ]
}

/// The policies at plan time.
pub fn draft(state: &ApiState) -> PoliciesDraft {
    PoliciesDraft {
        cors: block_field(&state.cors, |c| CorsDraft {
            origins: field_strings(&c.origins),
            methods: field_strings(&c.methods),
            headers: field_strings(&c.headers),
            exposed_headers: field_strings(&c.exposed_headers),
            max_age: field(&c.max_age),
        }),
        rate_limit: block_field(&state.rate_limit, |r| RateLimitDraft {
            limits: [
                field(&r.per_second),
                field(&r.per_minute),
                field(&r.per_hour),
                field(&r.per_day),
            ],
            limit_by: field(&r.limit_by),
            header_name: field(&r.header_name),
            path: field(&r.path),
        }),
        timeout_ms: field(&state.timeout_ms),
        request_size_limit_kb: field(&state.request_size_limit_kb),
        logging: block_field(&state.logging, |l| LoggingDraft {
            http_endpoint: field(&l.http_endpoint),
        }),
    }
}

fn block_field<B, D>(value: &Value<B>, f: impl FnOnce(&B) -> D) -> Field<D> {
    match value {
        Value::Value(b) => Field::Value(f(b)),
        Value::Null => Field::Null,
        Value::Unknown => Field::Unknown,
    }
}

/// The declared policies, when every value is known (and valid: checked at plan time).
pub fn spec(state: &ApiState) -> Option<Policies> {
    Some(Policies {
        cors: optional_block_spec(&state.cors, |c| {
            Some(Cors {
                origins: strings(&c.origins)?,
                methods: strings(&c.methods)?,
                headers: strings(&c.headers)?,
                exposed_headers: strings(&c.exposed_headers)?,
                credentials: scalar(&c.credentials)?,
                max_age: whole(&c.max_age)?,
            })
        })?,
        rate_limit: optional_block_spec(&state.rate_limit, |r| {
            Some(RateLimit {
                per_second: whole(&r.per_second)?,
                per_minute: whole(&r.per_minute)?,
                per_hour: whole(&r.per_hour)?,
                per_day: whole(&r.per_day)?,
                limit_by: scalar(&r.limit_by)?,
                header_name: scalar(&r.header_name)?,
                path: scalar(&r.path)?,
            })
        })?,
        timeout_ms: whole(&state.timeout_ms)?,
        request_size_limit_kb: whole(&state.request_size_limit_kb)?,
        logging: optional_block_spec(&state.logging, |l| {
            Some(Logging {
                http_endpoint: l.http_endpoint.as_ref_option()?.clone(),
            })
        })?,
    })
}

/// `Some(None)` for an absent block, `None` when something is unknown.
fn optional_block_spec<B, T>(
    value: &Value<B>,
    f: impl FnOnce(&B) -> Option<T>,
) -> Option<Option<T>> {
    match value {
        Value::Value(b) => f(b).map(Some),
        Value::Null => Some(None),
        Value::Unknown => None,
    }
}

/// `Some(None)` when null, `None` when unknown.
fn scalar<T: Clone>(value: &Value<T>) -> Option<Option<T>> {
    match value {
        Value::Value(v) => Some(Some(v.clone())),
        Value::Null => Some(None),
        Value::Unknown => None,
    }
}

/// A sorted set of strings: `Some(None)` when null, `None` when unknown.
fn strings(value: &TfStringSet) -> Option<Option<Vec<String>>> {
    match value {
        Value::Null => Some(None),
        _ => known_sorted(value).map(Some),
    }
}

/// A whole, non-negative number: `Some(None)` when null, `None` when unknown or not whole.
fn whole(value: &TfNumber) -> Option<Option<u64>> {
    match value {
        Value::Value(v) if v.fract() == 0.0 && *v >= 0.0 && *v <= MAX_WHOLE as f64 => {
            Some(Some(*v as u64))
        }
        Value::Value(_) | Value::Unknown => None,
        Value::Null => Some(None),
    }
}

/// The state attributes of the policies.
pub struct PolicyState {
    /// `timeout_ms`.
    pub timeout_ms: TfNumber,
    /// `request_size_limit_kb`.
    pub request_size_limit_kb: TfNumber,
    /// The `cors` block.
    pub cors: Value<CorsBlock>,
    /// The `rate_limit` block.
    pub rate_limit: Value<RateLimitBlock>,
    /// The `logging` block.
    pub logging: Value<LoggingBlock>,
}

/// The state of read-back policies, written the way `prior` wrote "nothing" (null or empty).
pub fn state(policies: &Policies, prior: &ApiState) -> PolicyState {
    let number = |v: Option<u64>| v.map_or(Value::Null, |n| Value::Value(n as f64));
    let bool_value = |v: Option<bool>| v.map_or(Value::Null, Value::Value);
    let text = |v: &Option<String>| values::opt_string(v.as_deref());
    let prior_cors = prior.cors.as_ref_option().cloned().unwrap_or_default();
    let cors = policies.cors.as_ref().map_or(Value::Null, |c| {
        let set = |v: &Option<Vec<String>>, prior: &TfStringSet| {
            v.as_ref()
                .map_or(Value::Null, |v| values::set_like(v, prior))
        };
        Value::Value(CorsBlock {
            origins: set(&c.origins, &prior_cors.origins),
            methods: set(&c.methods, &prior_cors.methods),
            headers: set(&c.headers, &prior_cors.headers),
            exposed_headers: set(&c.exposed_headers, &prior_cors.exposed_headers),
            credentials: bool_value(c.credentials),
            max_age: number(c.max_age),
        })
    });
    let rate_limit = policies.rate_limit.as_ref().map_or(Value::Null, |r| {
        Value::Value(RateLimitBlock {
            per_second: number(r.per_second),
            per_minute: number(r.per_minute),
            per_hour: number(r.per_hour),
            per_day: number(r.per_day),
            limit_by: text(&r.limit_by),
            header_name: text(&r.header_name),
            path: text(&r.path),
        })
    });
    let logging = policies.logging.as_ref().map_or(Value::Null, |l| {
        Value::Value(LoggingBlock {
            http_endpoint: Value::Value(l.http_endpoint.clone()),
        })
    });
    PolicyState {
        timeout_ms: number(policies.timeout_ms),
        request_size_limit_kb: number(policies.request_size_limit_kb),
        cors,
        rate_limit,
        logging,
    }
}

/// Where Kong's complaint about a plugin config or service timeout field belongs.
pub fn locate(path: &[String]) -> Option<crate::model::AttrPath> {
    use crate::model::AttrPath;
    let first = path.first()?.as_str();
    let field = match first {
        "connect_timeout" | "read_timeout" | "write_timeout" => {
            return Some(AttrPath::attr("timeout_ms"))
        }
        "config" => path.get(1)?.as_str(),
        _ => return None,
    };
    let in_block =
        |block: &'static str, attr: &'static str| Some(AttrPath::attr(block).index(0).then(attr));
    match field {
        "origins" => in_block("cors", "origins"),
        "methods" => in_block("cors", "methods"),
        "headers" => in_block("cors", "headers"),
        "exposed_headers" => in_block("cors", "exposed_headers"),
        "credentials" => in_block("cors", "credentials"),
        "max_age" => in_block("cors", "max_age"),
        "second" => in_block("rate_limit", "per_second"),
        "minute" => in_block("rate_limit", "per_minute"),
        "hour" => in_block("rate_limit", "per_hour"),
        "day" => in_block("rate_limit", "per_day"),
        "limit_by" => in_block("rate_limit", "limit_by"),
        "header_name" => in_block("rate_limit", "header_name"),
        "path" => in_block("rate_limit", "path"),
        "allowed_payload_size" | "size_unit" => Some(AttrPath::attr("request_size_limit_kb")),
        "http_endpoint" => in_block("logging", "http_endpoint"),
        _ => None,
    }
}
