//! The gateway policies of a `dispatch_api` ⇄ Kong: the `cors`, `rate-limiting`,
//! `request-size-limiting` and `http-log` plugins on the API's service, and the service's upstream
//! timeouts. The rules are Kong's (`kong/plugins/*/schema.lua`, `kong/db/schema/typedefs.lua`).
//!
//! Only what the user declares is sent and read back: a field left out keeps Kong's default and
//! never shows as a change, while drift in a declared field does.

use serde_json::{json, Map, Value as Json};

pub use super::validate::http_endpoint;
pub use super::validate::policy::{
    cors_method, cors_origin, kong_header_name, CORS_METHODS, MAX_TIMEOUT_MS, MAX_WHOLE,
};
use super::{validate, AttrPath, Field, Issue};
use crate::kong::{Plugin, Service};

/// Kong's plugin for `cors`.
pub const CORS_PLUGIN: &str = "cors";
/// Kong's plugin for `rate_limit`.
pub const RATE_LIMIT_PLUGIN: &str = "rate-limiting";
/// Kong's plugin for `request_size_limit_kb`.
pub const SIZE_LIMIT_PLUGIN: &str = "request-size-limiting";
/// Kong's plugin for `logging`.
pub const LOGGING_PLUGIN: &str = "http-log";

/// Kong's default upstream connect/read/write timeout, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// What `rate-limiting` can count requests by; Kong's default is `consumer`
/// (kong/plugins/rate-limiting/schema.lua `limit_by`, Kong 3.9: one_of).
pub const LIMIT_BY: [&str; 6] = ["consumer", "credential", "ip", "service", "header", "path"];
/// Kong's default `limit_by`.
pub const DEFAULT_LIMIT_BY: &str = "consumer";
/// The periods of `rate_limit`, shortest first: the attribute and Kong's config field.
pub const PERIODS: [(&str, &str); 4] = [
    ("per_second", "second"),
    ("per_minute", "minute"),
    ("per_hour", "hour"),
    ("per_day", "day"),
];

/// The policies of one API, as declared (every field known, defaults not filled in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policies {
    /// Cross-origin resource sharing.
    pub cors: Option<Cors>,
    /// Request rate limits.
    pub rate_limit: Option<RateLimit>,
    /// Upstream connect, read and write timeout in milliseconds; `None` is Kong's default.
    pub timeout_ms: Option<u64>,
    /// Largest request body, in kilobytes.
    pub request_size_limit_kb: Option<u64>,
    /// Where each request's log entry is sent.
    pub logging: Option<Logging>,
}

/// The `cors` block: each field `None` when not declared. Sets are sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    /// Allowed origins: `*` or regular expressions.
    pub origins: Option<Vec<String>>,
    /// Allowed methods.
    pub methods: Option<Vec<String>>,
    /// Allowed request headers.
    pub headers: Option<Vec<String>>,
    /// Response headers the browser may expose.
    pub exposed_headers: Option<Vec<String>>,
    /// Whether credentials are allowed.
    pub credentials: Option<bool>,
    /// How long (seconds) a preflight answer may be cached.
    pub max_age: Option<u64>,
}

/// The `rate_limit` block: each field `None` when not declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second.
    pub per_second: Option<u64>,
    /// Requests per minute.
    pub per_minute: Option<u64>,
    /// Requests per hour.
    pub per_hour: Option<u64>,
    /// Requests per day.
    pub per_day: Option<u64>,
    /// What requests are counted by.
    pub limit_by: Option<String>,
    /// The header counted by, with `limit_by = "header"`.
    pub header_name: Option<String>,
    /// The path counted by, with `limit_by = "path"`.
    pub path: Option<String>,
}

impl RateLimit {
    /// The limits, shortest period first, with their attribute and Kong field names.
    pub fn limits(&self) -> [(&'static str, &'static str, Option<u64>); 4] {
        let values = [
            self.per_second,
            self.per_minute,
            self.per_hour,
            self.per_day,
        ];
        std::array::from_fn(|i| (PERIODS[i].0, PERIODS[i].1, values[i]))
    }

    fn set_limit(&mut self, index: usize, value: Option<u64>) {
        match index {
            0 => self.per_second = value,
            1 => self.per_minute = value,
            2 => self.per_hour = value,
            _ => self.per_day = value,
        }
    }
}

/// The `logging` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logging {
    /// The http(s) URL log entries are sent to.
    pub http_endpoint: String,
}

impl Policies {
    /// True when a policy is a plugin, so that reading the API back must fetch its plugins.
    pub fn has_plugins(&self) -> bool {
        self.cors.is_some()
            || self.rate_limit.is_some()
            || self.request_size_limit_kb.is_some()
            || self.logging.is_some()
    }

    /// The upstream timeout the service gets.
    pub fn service_timeout_ms(&self) -> u64 {
        self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)
    }

    /// The plugins (name and config) these policies become, with only the declared fields set.
    pub fn plugins(&self) -> Vec<(&'static str, Json)> {
        let mut plugins = Vec::new();
        if let Some(cors) = &self.cors {
            let mut config = Map::new();
            put(
                &mut config,
                "origins",
                cors.origins.as_ref().map(|v| json!(v)),
            );
            put(
                &mut config,
                "methods",
                cors.methods.as_ref().map(|v| json!(v)),
            );
            put(
                &mut config,
                "headers",
                cors.headers.as_ref().map(|v| json!(v)),
            );
            put(
                &mut config,
                "exposed_headers",
                cors.exposed_headers.as_ref().map(|v| json!(v)),
            );
            put(&mut config, "credentials", cors.credentials.map(Json::from));
            put(&mut config, "max_age", cors.max_age.map(Json::from));
            plugins.push((CORS_PLUGIN, Json::Object(config)));
        }
        if let Some(limit) = &self.rate_limit {
            let mut config = Map::new();
            for (_, kong, value) in limit.limits() {
                put(&mut config, kong, value.map(Json::from));
            }
            put(
                &mut config,
                "limit_by",
                limit.limit_by.clone().map(Json::from),
            );
            put(
                &mut config,
                "header_name",
                limit.header_name.clone().map(Json::from),
            );
            put(&mut config, "path", limit.path.clone().map(Json::from));
            plugins.push((RATE_LIMIT_PLUGIN, Json::Object(config)));
        }
        if let Some(kb) = self.request_size_limit_kb {
            plugins.push((
                SIZE_LIMIT_PLUGIN,
                json!({"allowed_payload_size": kb, "size_unit": "kilobytes"}),
            ));
        }
        if let Some(logging) = &self.logging {
            plugins.push((
                LOGGING_PLUGIN,
                json!({"http_endpoint": logging.http_endpoint}),
            ));
        }
        plugins
    }
}

fn put(config: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    if let Some(value) = value {
        config.insert(key.to_string(), value);
    }
}

/// The policies Kong's entities amount to. `plugin` finds the API's own enabled plugin of a
/// name. `prior` (the last known policies) says which fields the user declared: those are read
/// whatever Kong holds, so drift shows; the others only when they differ from Kong's default
/// (after an import, or for a policy added outside Terraform), so defaults never show.
pub fn read_back<'a>(
    service: &Service,
    plugin: impl Fn(&str) -> Option<&'a Plugin>,
    prior: Option<&Policies>,
) -> Policies {
    let none = Policies::default();
    let prior = prior.unwrap_or(&none);
    Policies {
        cors: plugin(CORS_PLUGIN).map(|p| read_cors(&p.config, prior.cors.as_ref())),
        rate_limit: plugin(RATE_LIMIT_PLUGIN)
            .map(|p| read_rate_limit(&p.config, prior.rate_limit.as_ref())),
        timeout_ms: read_timeout(service, prior.timeout_ms),
        request_size_limit_kb: plugin(SIZE_LIMIT_PLUGIN).map(|p| read_size_kb(&p.config)),
        logging: plugin(LOGGING_PLUGIN).map(|p| Logging {
            http_endpoint: p
                .config
                .get("http_endpoint")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
    }
}

/// What to keep of a value Kong holds: all of it when declared, nothing when the user left it
/// out, and with no prior block only a value other than Kong's default.
fn keep<T>(declared: Option<bool>, observed: T, is_default: impl FnOnce(&T) -> bool) -> Option<T> {
    match declared {
        Some(true) => Some(observed),
        Some(false) => None,
        None => (!is_default(&observed)).then_some(observed),
    }
}

fn read_cors(config: &Json, prior: Option<&Cors>) -> Cors {
    let declared = |f: fn(&Cors) -> bool| prior.map(f);
    // Kong's cors answers every method when `methods` is null (or all of them), but none
    // when it is an empty list (`kong/plugins/cors/handler.lua`): an empty list is a value.
    let methods_unset = config.get("methods").is_none_or(Json::is_null);
    let methods_default = |m: &Vec<String>| {
        let mut all: Vec<String> = CORS_METHODS.iter().map(|s| s.to_string()).collect();
        all.sort();
        methods_unset || *m == all
    };
    Cors {
        origins: keep(
            declared(|c| c.origins.is_some()),
            strings(config.get("origins")),
            Vec::is_empty,
        ),
        methods: keep(
            declared(|c| c.methods.is_some()),
            strings(config.get("methods")),
            methods_default,
        ),
        headers: keep(
            declared(|c| c.headers.is_some()),
            strings(config.get("headers")),
            Vec::is_empty,
        ),
        exposed_headers: keep(
            declared(|c| c.exposed_headers.is_some()),
            strings(config.get("exposed_headers")),
            Vec::is_empty,
        ),
        credentials: keep(
            declared(|c| c.credentials.is_some()),
            config
                .get("credentials")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            |c| !c,
        ),
        max_age: keep(
            declared(|c| c.max_age.is_some()),
            whole(config.get("max_age")),
            Option::is_none,
        )
        .flatten(),
    }
}

fn read_rate_limit(config: &Json, prior: Option<&RateLimit>) -> RateLimit {
    let mut out = RateLimit::default();
    let prior_limits = prior.map(RateLimit::limits);
    for (i, (_, kong)) in PERIODS.iter().enumerate() {
        let declared = prior_limits.map(|l| l[i].2.is_some());
        out.set_limit(
            i,
            keep(declared, whole(config.get(*kong)), Option::is_none).flatten(),
        );
    }
    out.limit_by = keep(
        prior.map(|p| p.limit_by.is_some()),
        config
            .get("limit_by")
            .and_then(Json::as_str)
            .unwrap_or(DEFAULT_LIMIT_BY)
            .to_string(),
        |l| l == DEFAULT_LIMIT_BY,
    );
    let text = |key: &str| config.get(key).and_then(Json::as_str).map(str::to_string);
    out.header_name = keep(
        prior.map(|p| p.header_name.is_some()),
        text("header_name"),
        Option::is_none,
    )
    .flatten();
    out.path = keep(
        prior.map(|p| p.path.is_some()),
        text("path"),
        Option::is_none,
    )
    .flatten();
    out
}

/// The service's timeout. The provider always writes all three (Kong's default when none is
/// declared), so any other value is drift; when they disagree the one that moved is shown.
fn read_timeout(service: &Service, prior: Option<u64>) -> Option<u64> {
    let observed = [
        service.connect_timeout,
        service.read_timeout,
        service.write_timeout,
    ]
    .map(|t| t.unwrap_or(DEFAULT_TIMEOUT_MS));
    let expected = prior.unwrap_or(DEFAULT_TIMEOUT_MS);
    let moved = observed.into_iter().find(|t| *t != expected);
    match (prior, moved) {
        (_, Some(moved)) => Some(moved),
        (Some(declared), None) => Some(declared),
        (None, None) => None,
    }
}

/// The size limit in kilobytes, whatever unit Kong holds it in (a limit in bytes that is not
/// a whole number of kilobytes reads as the next kilobyte up).
fn read_size_kb(config: &Json) -> u64 {
    let size = whole(config.get("allowed_payload_size")).unwrap_or(128);
    match config.get("size_unit").and_then(Json::as_str) {
        Some("kilobytes") => size,
        Some("bytes") => size.div_ceil(1024),
        // Kong's default unit.
        _ => size.saturating_mul(1024),
    }
}

/// The strings of a JSON array, sorted and without duplicates (`null` is empty).
fn strings(value: Option<&Json>) -> Vec<String> {
    let mut out: Vec<String> = value
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}

/// A non-negative number as a whole number. Kong stores numbers as doubles: a fraction set
/// outside Terraform reads as the next whole number, which is what Kong enforces in effect.
fn whole(value: Option<&Json>) -> Option<u64> {
    let value = value?;
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f.ceil().min(MAX_WHOLE as f64) as u64)
    })
}

// ---------------------------------------------------------------------------------------------
// Plan-time checks

/// The policies of a declaration at plan time.
#[derive(Debug, Clone, Default)]
pub struct PoliciesDraft {
    /// The `cors` block.
    pub cors: Field<CorsDraft>,
    /// The `rate_limit` block.
    pub rate_limit: Field<RateLimitDraft>,
    /// `timeout_ms`.
    pub timeout_ms: Field<f64>,
    /// `request_size_limit_kb`.
    pub request_size_limit_kb: Field<f64>,
    /// The `logging` block.
    pub logging: Field<LoggingDraft>,
}

/// The `cors` block at plan time; `None` elements are not known yet.
#[derive(Debug, Clone, Default)]
pub struct CorsDraft {
    /// `origins`.
    pub origins: Field<Vec<Option<String>>>,
    /// `methods`.
    pub methods: Field<Vec<Option<String>>>,
    /// `headers`.
    pub headers: Field<Vec<Option<String>>>,
    /// `exposed_headers`.
    pub exposed_headers: Field<Vec<Option<String>>>,
    /// `max_age`.
    pub max_age: Field<f64>,
}

/// The `rate_limit` block at plan time.
#[derive(Debug, Clone, Default)]
pub struct RateLimitDraft {
    /// `per_second`, `per_minute`, `per_hour`, `per_day`, in that order.
    pub limits: [Field<f64>; 4],
    /// `limit_by`.
    pub limit_by: Field<String>,
    /// `header_name`.
    pub header_name: Field<String>,
    /// `path`.
    pub path: Field<String>,
}

/// The `logging` block at plan time.
#[derive(Debug, Clone, Default)]
pub struct LoggingDraft {
    /// `http_endpoint`.
    pub http_endpoint: Field<String>,
}

/// Every problem of the policies that can be seen at plan time, on the attribute concerned.
pub fn check(draft: &PoliciesDraft) -> Vec<Issue> {
    let mut issues = Vec::new();
    if let Some(ms) = draft.timeout_ms.value() {
        if let Err(why) = validate::policy::timeout_ms(*ms) {
            issues.push(Issue::error(
                AttrPath::attr("timeout_ms"),
                "Invalid timeout",
                why,
            ));
        }
    }
    if let Some(kb) = draft.request_size_limit_kb.value() {
        if let Err(why) = validate::policy::request_size_kb(*kb) {
            issues.push(Issue::error(
                AttrPath::attr("request_size_limit_kb"),
                "Invalid request size limit",
                why,
            ));
        }
    }
    if let Some(cors) = draft.cors.value() {
        check_cors(cors, &mut issues);
    }
    if let Some(limit) = draft.rate_limit.value() {
        check_rate_limit(limit, &mut issues);
    }
    if let Some(logging) = draft.logging.value() {
        if let Some(endpoint) = logging.http_endpoint.value() {
            if let Err(why) = http_endpoint(endpoint) {
                issues.push(Issue::error(
                    AttrPath::attr("logging").index(0).then("http_endpoint"),
                    "Invalid logging endpoint",
                    why,
                ));
            }
        }
    }
    issues
}

fn check_cors(cors: &CorsDraft, issues: &mut Vec<Issue>) {
    let at = |name: &'static str| AttrPath::attr("cors").index(0).then(name);
    for origin in cors.origins.known_elements() {
        if let Err(why) = cors_origin(origin) {
            issues.push(Issue::error(at("origins"), "Invalid CORS origin", why));
        }
    }
    for method in cors.methods.known_elements() {
        if let Err(why) = cors_method(method) {
            issues.push(Issue::error(at("methods"), "Invalid CORS method", why));
        }
    }
    for (name, values) in [
        ("headers", &cors.headers),
        ("exposed_headers", &cors.exposed_headers),
    ] {
        for header in values.known_elements() {
            if let Err(why) = validate::policy::cors_header(header) {
                issues.push(Issue::error(at(name), "Invalid CORS header", why));
            }
        }
    }
    if let Some(age) = cors.max_age.value() {
        if let Err(why) = validate::policy::max_age(*age) {
            issues.push(Issue::error(at("max_age"), "Invalid CORS max_age", why));
        }
    }
}

fn check_rate_limit(limit: &RateLimitDraft, issues: &mut Vec<Issue>) {
    let at = |name: &'static str| AttrPath::attr("rate_limit").index(0).then(name);
    let mut valid: Vec<(usize, u64)> = Vec::new();
    for (i, value) in limit.limits.iter().enumerate() {
        if let Some(v) = value.value() {
            match validate::policy::rate_limit(PERIODS[i].0, *v) {
                Ok(n) => valid.push((i, n)),
                Err(why) => issues.push(Issue::error(at(PERIODS[i].0), "Invalid rate limit", why)),
            }
        }
    }
    if limit.limits.iter().all(|l| matches!(l, Field::Null)) {
        // On the first limit: Terraform shows a block's own path as the whole resource.
        issues.push(Issue::error(
            at("per_second"),
            "Rate limit without a limit",
            "Set at least one of `per_second`, `per_minute`, `per_hour` and `per_day` (Kong's rate-limiting needs one), or remove the `rate_limit` block.",
        ));
    }
    // Kong: a longer period's limit may not be lower than a shorter one's
    // (kong/plugins/rate-limiting/schema.lua `validate_periods_order`, Kong 3.9).
    for (j, &(longer, high)) in valid.iter().enumerate() {
        if let Some(&(shorter, low)) = valid[..j].iter().find(|(_, low)| high < *low) {
            issues.push(Issue::error(
                at(PERIODS[longer].0),
                "Rate limits must grow with the period",
                format!(
                    "`{}` ({high}) is lower than `{}` ({low}): Kong requires the limit of a longer period to be at least the limit of a shorter one.",
                    PERIODS[longer].0, PERIODS[shorter].0
                ),
            ));
        }
    }
    let limit_by = limit.limit_by.value().map(String::as_str);
    if let Some(by) = limit_by {
        if !LIMIT_BY.contains(&by) {
            issues.push(Issue::error(
                at("limit_by"),
                "Invalid limit_by",
                format!("`{by}` is not one of \"consumer\", \"credential\", \"ip\", \"service\", \"header\" or \"path\"."),
            ));
        }
    }
    let unknown_by = matches!(limit.limit_by, Field::Unknown);
    for (field, attr, needed_by, what) in [
        (
            &limit.header_name,
            "header_name",
            "header",
            "by the value of a request header: set `header_name` to that header",
        ),
        (&limit.path, "path", "path", "to one path: set `path` to it"),
    ] {
        let needed = limit_by == Some(needed_by);
        match field {
            Field::Null if needed => issues.push(Issue::error(
                at("limit_by"),
                "Incomplete rate limit",
                format!("`limit_by = \"{needed_by}\"` counts requests {what}."),
            )),
            Field::Value(_) if !needed && !unknown_by => issues.push(Issue::error(
                at(attr),
                "Unused rate limit setting",
                format!("`{attr}` is only used with `limit_by = \"{needed_by}\"`: set that, or remove `{attr}`."),
            )),
            _ => {}
        }
    }
    if let Some(name) = limit.header_name.value() {
        if let Err(why) = kong_header_name(name) {
            issues.push(Issue::error(at("header_name"), "Invalid header name", why));
        }
    }
    if let Some(path) = limit.path.value() {
        if let Err(why) = validate::service_path(path) {
            issues.push(Issue::error(
                at("path"),
                "Invalid rate limit path",
                format!("`{path}`: {why}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
