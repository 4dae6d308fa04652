//! The `monitoring` block ⇄ Kong's `prometheus` plugin on the API's service
//! (`kong/plugins/prometheus/schema.lua` and `handler.lua`, Kong 3.9).
//!
//! The block promises status-code, latency and bandwidth metrics: the provider always turns
//! those three on. `per_consumer` is the only attribute. The plugin may sit on a service: its
//! schema has no `no_service`/`no_consumer` restriction and its `protocols` default to every
//! protocol.

use serde::{Deserialize, Serialize};

use super::keep;
use crate::kong::plugins::PrometheusConfig;

/// The `monitoring` block; like [`super::RateLimit`], one struct for every stage: a declaration
/// holds `Option<bool>` (`None`: not declared, Kong's default `false`), the Terraform glue its
/// own values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Monitoring<B = Option<bool>> {
    /// Whether `kong_http_requests_total` and `kong_bandwidth_bytes` carry the consumer (the
    /// authenticated user) as a label.
    pub per_consumer: B,
}

impl<B> Monitoring<B> {
    /// The block with its value converted; `None` when it cannot be.
    pub fn try_map<U>(&self, value: impl Fn(&B) -> Option<U>) -> Option<Monitoring<U>> {
        Some(Monitoring {
            per_consumer: value(&self.per_consumer)?,
        })
    }
}

impl Monitoring {
    /// Kong's config: the three metrics on, and `per_consumer` only when declared.
    pub fn config(&self) -> PrometheusConfig {
        PrometheusConfig {
            per_consumer: self.per_consumer,
            status_code_metrics: Some(true),
            latency_metrics: Some(true),
            bandwidth_metrics: Some(true),
        }
    }

    /// The block Kong's config amounts to; `None` when one of the three metrics the block
    /// promises is off (or `null`, which Kong's handler reads as off), so that the plan shows
    /// the block as missing and the apply turns them back on. `prior` as for the rate limit
    /// ([`super::RateLimit::read`]).
    pub fn read(config: &PrometheusConfig, prior: Option<&Monitoring>) -> Option<Monitoring> {
        let on = |metric: Option<bool>| metric == Some(true);
        if !(on(config.status_code_metrics)
            && on(config.latency_metrics)
            && on(config.bandwidth_metrics))
        {
            return None;
        }
        let declared = prior.map(|p| p.per_consumer.is_some());
        let observed = config.per_consumer.unwrap_or(false);
        Some(Monitoring {
            per_consumer: keep(declared, observed, |on| !on),
        })
    }
}

/// The attribute behind a field of Kong's config: the metrics the block turns on have no
/// attribute of their own, so Kong's complaints about them land on the block.
pub fn attribute_of(kong_field: &str) -> Option<Option<&'static str>> {
    match kong_field {
        "per_consumer" => Some(Some("per_consumer")),
        "status_code_metrics" | "latency_metrics" | "bandwidth_metrics" => Some(None),
        _ => None,
    }
}
