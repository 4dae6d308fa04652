//! The policy attributes and blocks of `dispatch_api` (`cors`, `rate_limit`, `timeout_ms`,
//! `request_size_limit_kb`, `logging`, `monitoring`): their schema, and their state ⇄ model
//! conversions.

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, NestedBlock};
use tf_provider::value::Value;

use super::ApiState;
use crate::model::policies::{
    Cors, CorsDraft, Logging, Monitoring, Policies, PoliciesDraft, RateLimit, MAX_TIMEOUT_MS,
    MAX_WHOLE,
};
use crate::model::Field;
use crate::resources::known_sorted;
use crate::schema::*;
use crate::values::{self, field, field_strings, TfNumber, TfString, TfStringSet};

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
    pub max_age: TfNumber,
    pub private_network: Value<bool>,
    pub allow_origin_absent: Value<bool>,
}

/// The `rate_limit` block: the model's block, holding Terraform's values.
pub type RateLimitBlock = RateLimit<TfNumber, TfString>;

/// The `logging` block: the model's block, holding Terraform's values.
pub type LoggingBlock = Logging<TfString>;

/// The `monitoring` block: the model's block, holding Terraform's values.
pub type MonitoringBlock = Monitoring<Value<bool>>;

/// The policy attributes of the schema.
pub fn schema_attributes() -> Vec<(&'static str, Attribute)> {
    vec![
        ("timeout_ms", optional(number(), &format!("Timeout in milliseconds for connecting to the upstream, and between two reads or two writes of a request to it (Kong's service `connect_timeout`, `read_timeout` and `write_timeout`); 1 to {MAX_TIMEOUT_MS}. Default 60000, Kong's default."))),
        ("request_size_limit_kb", optional(number(), "Largest request body accepted, in kilobytes (Kong `request-size-limiting` with `size_unit = \"kilobytes\"`); a larger body gets 413. 0 or more (0 refuses any body). Absent: no limit.")),
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
                    ("private_network", optional(boolean(), "Whether a preflight that asks to reach a private network (`Access-Control-Request-Private-Network: true`, Private Network Access) is answered with `Access-Control-Allow-Private-Network: true`. Kong's default `false`. Needs Kong 3.5 or later.")),
                    ("allow_origin_absent", optional(boolean(), "Whether a request without an `Origin` header (not a browser's cross-origin request) still gets CORS headers in its answer. Kong's default `true`. Needs Kong 3.10 or later.")),
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
                    ("per_month", optional(number(), "Requests allowed per month.")),
                    ("per_year", optional(number(), "Requests allowed per year.")),
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
        (
            "monitoring",
            optional_block(block(
                "Prometheus metrics of the API's traffic (Kong `prometheus` plugin on the API's service): requests by status code (`kong_http_requests_total`), latencies (`kong_request_latency_ms`, `kong_upstream_latency_ms`, `kong_kong_latency_ms`) and bandwidth (`kong_bandwidth_bytes`), labelled with the API's Kong service and route. Kong serves them for the whole node at `/metrics` on its Status API (and Admin API): every API's metrics are visible to whoever can scrape that endpoint. An empty block (`monitoring {}`) is enough. Removing the block removes the plugin.",
                [(
                    "per_consumer",
                    optional(boolean(), "Whether `kong_http_requests_total` and `kong_bandwidth_bytes` also carry the consumer label: the user a request authenticated as (`basic` or `oidc` authentication). Default `false`."),
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
            max_age: field(&c.max_age.0),
            private_network: field(&c.private_network),
            allow_origin_absent: field(&c.allow_origin_absent),
        }),
        rate_limit: block_field(&state.rate_limit, |r| {
            r.try_map(|n| Some(field(&n.0)), |t| Some(field(t)))
                .unwrap_or_default()
        }),
        timeout_ms: field(&state.timeout_ms.0),
        request_size_limit_kb: field(&state.request_size_limit_kb.0),
        logging: block_field(&state.logging, |l| {
            l.try_map(|t| Some(field(t))).unwrap_or_default()
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
                private_network: scalar(&c.private_network)?,
                allow_origin_absent: scalar(&c.allow_origin_absent)?,
            })
        })?,
        rate_limit: optional_block_spec(&state.rate_limit, |r| r.try_map(whole, scalar))?,
        timeout_ms: whole(&state.timeout_ms)?,
        request_size_limit_kb: whole(&state.request_size_limit_kb)?,
        logging: optional_block_spec(&state.logging, |l| {
            l.try_map(|t| t.as_ref_option().cloned())
        })?,
        monitoring: optional_block_spec(&state.monitoring, |m| m.try_map(scalar))?,
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
    match &value.0 {
        Value::Value(v) => v
            .whole_in(0, MAX_WHOLE.into())
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .map(Some),
        Value::Unknown => None,
        Value::Null => Some(None),
    }
}

/// The state attributes of the policies, each field the attribute or block of its name.
pub struct PolicyState {
    pub timeout_ms: TfNumber,
    pub request_size_limit_kb: TfNumber,
    pub cors: Value<CorsBlock>,
    pub rate_limit: Value<RateLimitBlock>,
    pub logging: Value<LoggingBlock>,
    pub monitoring: Value<MonitoringBlock>,
}

/// The state of read-back policies, written the way `prior` wrote "nothing" (null or empty).
pub fn state(policies: &Policies, prior: &ApiState) -> PolicyState {
    let bool_value = |v: Option<bool>| v.map_or(Value::Null, Value::Value);
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
            max_age: TfNumber::of(c.max_age),
            private_network: bool_value(c.private_network),
            allow_origin_absent: bool_value(c.allow_origin_absent),
        })
    });
    PolicyState {
        timeout_ms: TfNumber::of(policies.timeout_ms),
        request_size_limit_kb: TfNumber::of(policies.request_size_limit_kb),
        cors,
        rate_limit: values::block(policies.rate_limit.as_ref().and_then(|r| {
            r.try_map(
                |n| Some(TfNumber::of(*n)),
                |t| Some(values::opt_string(t.as_deref())),
            )
        })),
        logging: values::block(
            policies
                .logging
                .as_ref()
                .and_then(|l| l.try_map(|endpoint| Some(Value::Value(endpoint.clone())))),
        ),
        monitoring: values::block(
            policies
                .monitoring
                .as_ref()
                .and_then(|m| m.try_map(|on| Some(bool_value(*on)))),
        ),
    }
}
