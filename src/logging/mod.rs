//! The provider's logs: one JSON line per event on stderr, in the shape go-plugin reads from a
//! plugin (`@level`, `@message`, `@module`, `@timestamp` and the event's fields), so that
//! Terraform files each line under its own level and `TF_LOG_PROVIDER` filters them.
//!
//! What is written follows the variables Terraform itself reads, so that the provider does not
//! format lines Terraform would drop:
//!
//! - the level is `TF_LOG_PROVIDER`, else `TF_LOG` (Terraform's `providerLogLevel`, in
//!   terraform `internal/logging/logging.go`: empty is off, `JSON` is trace, an unknown value is
//!   trace), lowered by `TF_LOG_PROVIDER_DISPATCH` when set (terraform-plugin-go's per-provider
//!   variable, `TF_LOG_PROVIDER_<NAME>`);
//! - the transport crates (h2, hyper, rustls, tonic, tower, reqwest, ...) write nothing unless
//!   `TF_LOG_PROVIDER_DISPATCH_TRANSPORT` asks and the level is trace, and then always at trace
//!   (terraform-plugin-log names a provider's subsystem variables `TF_LOG_PROVIDER_<NAME>_<SUB>`);
//! - `DISPATCH_LOG`, a `tracing` filter such as `dispatch_provider::kong=trace`, replaces all of
//!   that (for developers).

mod json;

pub use json::JsonLayer;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// The provider's own crate, whose events are the provider's log.
const OWN_CRATE: &str = "dispatch_provider";

/// Crates that move bytes (HTTP/2, HTTP, TLS, gRPC, middleware): what they say is only of use
/// when debugging a connection, so it is written only when asked, and always at trace.
pub const TRANSPORT_CRATES: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "reqwest",
    "rustls",
    "tokio_rustls",
    "tonic",
    "tower",
    "tower_http",
];

/// Lowers the provider's level below Terraform's (terraform-plugin-go's `TF_LOG_PROVIDER_<NAME>`).
pub const PROVIDER_LEVEL_VAR: &str = "TF_LOG_PROVIDER_DISPATCH";
/// Asks for the transport crates' lines (at trace).
pub const TRANSPORT_VAR: &str = "TF_LOG_PROVIDER_DISPATCH_TRANSPORT";
/// A `tracing` filter that replaces the levels above.
pub const FILTER_VAR: &str = "DISPATCH_LOG";

/// A level, from the quietest to the most verbose; `Off` writes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing.
    Off,
    /// Errors.
    Error,
    /// Warnings.
    Warn,
    /// One line per write to Kong, and what the provider decided.
    Info,
    /// Reads, listing pages, cache hits and misses.
    Debug,
    /// Request and answer bodies (redacted).
    Trace,
}

impl Level {
    /// A level as Terraform reads it (`TRACE`, `debug`, ...); `JSON` is trace.
    fn parse(text: &str) -> Option<Level> {
        Some(match text.trim().to_ascii_uppercase().as_str() {
            "TRACE" | "JSON" => Level::Trace,
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" => Level::Warn,
            "ERROR" => Level::Error,
            "OFF" => Level::Off,
            _ => return None,
        })
    }

    fn directive(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }
}

/// The level Terraform keeps for the provider's lines: `TF_LOG_PROVIDER`, else `TF_LOG`.
pub fn terraform_level(env: &impl Fn(&str) -> Option<String>) -> Level {
    let value = env("TF_LOG_PROVIDER")
        .filter(|v| !v.trim().is_empty())
        .or_else(|| env("TF_LOG"))
        .unwrap_or_default();
    if value.trim().is_empty() {
        return Level::Off;
    }
    // Terraform logs everything when the level is not one it knows.
    Level::parse(&value).unwrap_or(Level::Trace)
}

/// The `tracing` filter the provider logs with, from the environment.
pub fn filter_directives(env: impl Fn(&str) -> Option<String>) -> String {
    if let Some(filter) = env(FILTER_VAR).filter(|f| !f.trim().is_empty()) {
        return filter;
    }
    let mut level = terraform_level(&env);
    if let Some(own) = env(PROVIDER_LEVEL_VAR).and_then(|v| Level::parse(&v)) {
        level = level.min(own);
    }
    let mut directives = format!("off,{OWN_CRATE}={}", level.directive());
    let transport = env(TRANSPORT_VAR).and_then(|v| Level::parse(&v));
    if level == Level::Trace && transport.is_some_and(|t| t > Level::Off) {
        for name in TRANSPORT_CRATES {
            directives.push_str(&format!(",{name}=trace"));
        }
    }
    directives
}

/// Installs the JSON log on stderr, with the filter of [`filter_directives`].
pub fn init() {
    if std::env::var_os("PLUGIN_LOG_FILE").is_some() {
        // tf-provider installs its own subscriber in that case, and would panic on a second one.
        return;
    }
    let directives = filter_directives(|name| std::env::var(name).ok());
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(JsonLayer::new(std::io::stderr))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_level_is_terraforms_provider_level() {
        assert_eq!(filter_directives(env(&[])), "off,dispatch_provider=off");
        assert_eq!(
            filter_directives(env(&[("TF_LOG", "debug")])),
            "off,dispatch_provider=debug"
        );
        assert_eq!(
            filter_directives(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "INFO")])),
            "off,dispatch_provider=info",
            "TF_LOG_PROVIDER wins over TF_LOG"
        );
        assert_eq!(
            filter_directives(env(&[("TF_LOG", "json")])),
            "off,dispatch_provider=trace"
        );
        assert_eq!(
            filter_directives(env(&[("TF_LOG", "loud")])),
            "off,dispatch_provider=trace",
            "Terraform keeps everything for a level it does not know"
        );
        assert_eq!(
            filter_directives(env(&[
                ("TF_LOG", "debug"),
                ("TF_LOG_PROVIDER_DISPATCH", "warn")
            ])),
            "off,dispatch_provider=warn"
        );
        assert_eq!(
            filter_directives(env(&[
                ("TF_LOG", "info"),
                ("TF_LOG_PROVIDER_DISPATCH", "trace")
            ])),
            "off,dispatch_provider=info",
            "the provider's own variable only lowers what Terraform keeps"
        );
    }

    #[test]
    fn transport_crates_write_only_when_asked_and_only_at_trace() {
        let trace = filter_directives(env(&[("TF_LOG", "trace")]));
        assert!(
            TRANSPORT_CRATES.iter().all(|c| !trace.contains(c)),
            "{trace}"
        );
        let debug_asked = filter_directives(env(&[("TF_LOG", "debug"), (TRANSPORT_VAR, "trace")]));
        assert!(!debug_asked.contains("h2"), "{debug_asked}");
        let asked = filter_directives(env(&[("TF_LOG", "trace"), (TRANSPORT_VAR, "trace")]));
        for name in TRANSPORT_CRATES {
            assert!(asked.contains(&format!(",{name}=trace")), "{asked}");
        }
        assert!(EnvFilter::try_new(&asked).is_ok());
    }

    #[test]
    fn dispatch_log_replaces_the_levels() {
        assert_eq!(
            filter_directives(env(&[("TF_LOG", "trace"), ("DISPATCH_LOG", "h2=debug")])),
            "h2=debug"
        );
    }
}
