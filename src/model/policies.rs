//! The gateway policies of a `dispatch_api` ⇄ Kong: the `cors`, `rate-limiting`,
//! `request-size-limiting`, `http-log` and `prometheus` plugins on the API's service, and the
//! service's upstream timeouts. The rules are Kong's (`kong/plugins/*/schema.lua`, `kong/db/schema/typedefs.lua`).
//!
//! Only what the user declares is sent and read back: a field left out keeps Kong's default and
//! never shows as a change, while drift in a declared field does.

mod cors;
mod monitoring;
mod rate_limit;

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value as Json};

pub use super::validate::http_endpoint;
pub use super::validate::policy::{
    cors_method, cors_origin, kong_header_name, CORS_METHODS, MAX_TIMEOUT_MS, MAX_WHOLE,
};
pub use cors::{Cors, CorsDraft};
pub use monitoring::Monitoring;
pub use rate_limit::{RateLimit, RateLimitDraft, DEFAULT_LIMIT_BY, LIMIT_BY};

use super::validate::KongRules;
use super::{validate, AttrPath, Field, Issue, Number as Decimal};
use crate::kong::plugins::{
    self, CorsConfig, HttpLogConfig, PluginConfig, PrometheusConfig, RateLimitingConfig,
    RequestSizeLimitingConfig,
};
use crate::kong::{Plugin, Service};

/// Kong's plugin for `cors`.
pub const CORS_PLUGIN: &str = CorsConfig::NAME;
/// Kong's plugin for `rate_limit`.
pub const RATE_LIMIT_PLUGIN: &str = RateLimitingConfig::NAME;
/// Kong's plugin for `request_size_limit_kb`.
pub const SIZE_LIMIT_PLUGIN: &str = RequestSizeLimitingConfig::NAME;
/// Kong's plugin for `logging`.
pub const LOGGING_PLUGIN: &str = HttpLogConfig::NAME;
/// Kong's plugin for `monitoring`.
pub const MONITORING_PLUGIN: &str = PrometheusConfig::NAME;

/// Kong's default upstream connect/read/write timeout, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;

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
    /// Prometheus metrics of the API's traffic.
    pub monitoring: Option<Monitoring>,
}

/// The `logging` block; like [`RateLimit`], one struct for every stage (`T` holds a value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logging<T = String> {
    /// The http(s) URL log entries are sent to.
    pub http_endpoint: T,
}

/// The `logging` block at plan time.
pub type LoggingDraft = Logging<Field<String>>;

impl<T> Logging<T> {
    /// The block with its value converted; `None` when it cannot be.
    pub fn try_map<U>(&self, value: impl Fn(&T) -> Option<U>) -> Option<Logging<U>> {
        Some(Logging {
            http_endpoint: value(&self.http_endpoint)?,
        })
    }
}

impl Policies {
    /// True when a policy is a plugin, so that reading the API back must fetch its plugins.
    pub fn has_plugins(&self) -> bool {
        self.cors.is_some()
            || self.rate_limit.is_some()
            || self.request_size_limit_kb.is_some()
            || self.logging.is_some()
            || self.monitoring.is_some()
    }

    /// The upstream timeout the service gets.
    pub fn service_timeout_ms(&self) -> u64 {
        self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)
    }

    /// The plugins (name and the wire form of their config) these policies become, with only
    /// the declared fields set.
    pub fn plugins(&self) -> Vec<(&'static str, Json)> {
        fn wire<C: PluginConfig>(config: C) -> (&'static str, Json) {
            (C::NAME, plugins::wire(&config))
        }
        let mut plugins = Vec::new();
        if let Some(cors) = &self.cors {
            plugins.push(wire(cors.config()));
        }
        if let Some(limit) = &self.rate_limit {
            plugins.push(wire(limit.config()));
        }
        if let Some(kb) = self.request_size_limit_kb {
            plugins.push(wire(RequestSizeLimitingConfig {
                allowed_payload_size: Some(kb.into()),
                size_unit: Some("kilobytes".into()),
            }));
        }
        if let Some(logging) = &self.logging {
            plugins.push(wire(HttpLogConfig {
                http_endpoint: Some(logging.http_endpoint.clone()),
            }));
        }
        if let Some(monitoring) = &self.monitoring {
            plugins.push(wire(monitoring.config()));
        }
        plugins
    }
}

/// The policies Kong's entities amount to. `plugin` finds the API's own enabled plugin of a
/// name. `prior` (the last known policies) says which fields the user declared: those are read
/// whatever Kong holds, so drift shows; the others only when they differ from Kong's default
/// (after an import, or for a policy added outside Terraform), so defaults never show. A plugin
/// whose config does not decode reads as one with Kong's defaults.
pub fn read_back<'a>(
    service: &Service,
    plugin: impl Fn(&str) -> Option<&'a Plugin>,
    prior: Option<&Policies>,
) -> Policies {
    let none = Policies::default();
    let prior = prior.unwrap_or(&none);
    Policies {
        cors: config_of(&plugin).map(|c| Cors::read(&c, prior.cors.as_ref())),
        rate_limit: config_of(&plugin).map(|c| RateLimit::read(&c, prior.rate_limit.as_ref())),
        timeout_ms: read_timeout(service, prior.timeout_ms),
        request_size_limit_kb: config_of(&plugin).map(|c| read_size_kb(&c)),
        logging: config_of(&plugin).map(|c: HttpLogConfig| Logging {
            http_endpoint: c.http_endpoint.unwrap_or_default(),
        }),
        monitoring: config_of(&plugin)
            .and_then(|c| Monitoring::read(&c, prior.monitoring.as_ref())),
    }
}

/// The config of the API's own plugin of kind `C`, when there is one.
fn config_of<'a, C: PluginConfig + Default>(
    plugin: &impl Fn(&str) -> Option<&'a Plugin>,
) -> Option<C> {
    plugin(C::NAME).map(|p| p.config().unwrap_or_default())
}

/// Where Kong's complaint about a field of a policy plugin's config (`["config", field]`) or
/// of the service's timeouts belongs in the declaration.
pub fn locate(path: &[String]) -> Option<AttrPath> {
    let field = match path.first()?.as_str() {
        "connect_timeout" | "read_timeout" | "write_timeout" => {
            return Some(AttrPath::attr("timeout_ms"))
        }
        "config" => path.get(1)?.as_str(),
        _ => return None,
    };
    let in_block =
        |block: &'static str, attr: &'static str| AttrPath::attr(block).index(0).then(attr);
    if let Some(attr) = cors::attribute_of(field) {
        return Some(in_block("cors", attr));
    }
    if let Some(attr) = rate_limit::attribute_of(field) {
        return Some(in_block("rate_limit", attr));
    }
    if let Some(attr) = monitoring::attribute_of(field) {
        return Some(attr.map_or(AttrPath::attr("monitoring"), |attr| {
            in_block("monitoring", attr)
        }));
    }
    match field {
        "allowed_payload_size" | "size_unit" => Some(AttrPath::attr("request_size_limit_kb")),
        "http_endpoint" => Some(in_block("logging", "http_endpoint")),
        _ => None,
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
fn read_size_kb(config: &RequestSizeLimitingConfig) -> u64 {
    let size = whole(config.allowed_payload_size.as_ref()).unwrap_or(128);
    match config.size_unit.as_deref() {
        Some("kilobytes") => size,
        Some("bytes") => size.div_ceil(1024),
        // Kong's default unit.
        _ => size.saturating_mul(1024),
    }
}

/// A non-negative number as a whole number. Kong stores numbers as doubles: a fraction set
/// outside Terraform reads as the next whole number, which is what Kong enforces in effect.
fn whole(value: Option<&Number>) -> Option<u64> {
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
    pub timeout_ms: Field<Decimal>,
    /// `request_size_limit_kb`.
    pub request_size_limit_kb: Field<Decimal>,
    /// The `logging` block.
    pub logging: Field<LoggingDraft>,
}

/// Every problem of the policies that can be seen at plan time, on the attribute concerned.
pub fn check(draft: &PoliciesDraft, rules: KongRules) -> Vec<Issue> {
    let mut issues = Vec::new();
    if let Some(ms) = draft.timeout_ms.value() {
        if let Err(why) = validate::policy::timeout_ms(ms) {
            issues.push(Issue::error(
                AttrPath::attr("timeout_ms"),
                "Invalid timeout",
                why,
            ));
        }
    }
    if let Some(kb) = draft.request_size_limit_kb.value() {
        if let Err(why) = validate::policy::request_size_kb(kb) {
            issues.push(Issue::error(
                AttrPath::attr("request_size_limit_kb"),
                "Invalid request size limit",
                why,
            ));
        }
    }
    if let Some(cors) = draft.cors.value() {
        cors::check(cors, rules, &mut issues);
    }
    if let Some(limit) = draft.rate_limit.value() {
        rate_limit::check(limit, &mut issues);
    }
    if let Some(logging) = draft.logging.value() {
        if logging.http_endpoint == Field::Null {
            issues.push(super::null_required(
                AttrPath::attr("logging").index(0).then("http_endpoint"),
                "logging endpoint",
                "Set the http(s) URL log entries are sent to, or remove the `logging` block.",
            ));
        }
        if let Some(endpoint) = logging.http_endpoint.value() {
            if let Err(why) = http_endpoint(endpoint, rules) {
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

#[cfg(test)]
mod tests;
