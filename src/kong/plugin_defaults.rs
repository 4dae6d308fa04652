//! Kong 3.9.3's defaults of the plugin config fields that the typed configs in
//! [`plugins`](super::plugins) do not hold: the settings a write keeps as Kong has them
//! ([`keeping`](super::plugins::keeping)). Read from each plugin's `kong/plugins/<name>/schema.lua`
//! at Kong 3.9.3, with `kong/tools/redis/schema.lua` (rate-limiting's `redis` record) and
//! `kong/tools/queue_schema.lua` (http-log's `queue` record, `typedefs.queue`). A field without a
//! `default` there defaults to `null`.
//!
//! The deprecated shorthand fields Kong 3.9 answers beside the record they stand for
//! (rate-limiting's `redis_host`, `redis_password`, ...: `kong/db/schema/init.lua` fills them from
//! `redis.*` on every read) repeat what `redis` says: they are compared only in an answer without
//! the record, from a Kong before 3.6 where they were the settings themselves. Left out: fields a later
//! Kong adds, whose defaults are not known here; and `openid-connect`, whose schema is Kong
//! Enterprise's.

use serde_json::{json, Value as Json};

use super::plugins::{
    AclConfig, BasicAuthConfig, CorsConfig, HttpLogConfig, JwtConfig, PluginConfig,
    PrometheusConfig, RateLimitingConfig, RequestSizeLimitingConfig, RequestTerminationConfig,
};

/// The unmodelled config fields of one kind of plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmodelledFields {
    /// Each field with Kong's default, as Kong answers it; a record (`redis`, `queue`) is an
    /// object of its own fields.
    pub defaults: Json,
    /// Dotted paths of the fields whose values must never be shown (Kong marks them `encrypted`
    /// or `referenceable`: they may hold credentials or vault references).
    pub hidden: &'static [&'static str],
    /// Fields an older Kong held flat in place of a record (its name first), with their
    /// defaults: compared only when the answer has no such record, since a Kong that has it
    /// answers them as deprecated copies of its fields.
    pub flat_before_record: Option<(&'static str, Json)>,
}

/// The unmodelled config fields of the plugin `name`, with Kong 3.9.3's defaults; `None` for a
/// kind the provider does not type (or whose schema is not Kong's open-source one).
pub fn unmodelled_fields(name: &str) -> Option<UnmodelledFields> {
    let mut flat_before_record = None;
    let (defaults, hidden): (Json, &'static [&'static str]) = match name {
        // kong/plugins/rate-limiting/schema.lua; redis: kong/tools/redis/schema.lua
        // (`password` encrypted and referenceable, `username` referenceable). Before Kong 3.6
        // the Redis settings were flat `redis_*` fields, same defaults (the schema at 3.5.0).
        RateLimitingConfig::NAME => {
            flat_before_record = Some((
                "redis",
                json!({
                    "redis_host": null,
                    "redis_port": 6379,
                    "redis_password": null,
                    "redis_username": null,
                    "redis_ssl": false,
                    "redis_ssl_verify": false,
                    "redis_server_name": null,
                    "redis_timeout": 2000,
                    "redis_database": 0,
                }),
            ));
            (
                json!({
                    "policy": "local",
                    "fault_tolerant": true,
                    "redis": {
                        "host": null,
                        "port": 6379,
                        "timeout": 2000,
                        "username": null,
                        "password": null,
                        "database": 0,
                        "ssl": false,
                        "ssl_verify": false,
                        "server_name": null,
                    },
                    "hide_client_headers": false,
                    "error_code": 429,
                    "error_message": "API rate limit exceeded",
                    "sync_rate": -1,
                }),
                &[
                    "redis.username",
                    "redis.password",
                    "redis_username",
                    "redis_password",
                ],
            )
        }
        // kong/plugins/http-log/schema.lua; queue: kong/tools/queue_schema.lua. `headers`
        // values are referenceable (authorization tokens). `custom_fields_by_lua` is Lua code:
        // not shown either (it may be long, and may embed anything).
        HttpLogConfig::NAME => (
            json!({
                "method": "POST",
                "content_type": "application/json",
                "timeout": 10000,
                "keepalive": 60000,
                "retry_count": null,
                "queue_size": null,
                "flush_timeout": null,
                "headers": null,
                "queue": {
                    "max_batch_size": 1,
                    "max_coalescing_delay": 1,
                    "max_entries": 10000,
                    "max_bytes": null,
                    "max_retry_time": 60,
                    "initial_retry_delay": 0.01,
                    "max_retry_delay": 60,
                    "concurrency_limit": 1,
                },
                "custom_fields_by_lua": null,
            }),
            &["headers", "custom_fields_by_lua"],
        ),
        // kong/plugins/cors/schema.lua
        CorsConfig::NAME => (json!({"preflight_continue": false}), &[]),
        // kong/plugins/request-size-limiting/schema.lua
        RequestSizeLimitingConfig::NAME => (json!({"require_content_length": false}), &[]),
        // kong/plugins/prometheus/schema.lua
        PrometheusConfig::NAME => (
            json!({"ai_metrics": false, "upstream_health_metrics": false}),
            &[],
        ),
        // kong/plugins/request-termination/schema.lua
        RequestTerminationConfig::NAME => (
            json!({"content_type": null, "body": null, "echo": false, "trigger": null}),
            &[],
        ),
        // kong/plugins/basic-auth/schema.lua
        BasicAuthConfig::NAME => (json!({"realm": "service"}), &[]),
        // kong/plugins/acl/schema.lua
        AclConfig::NAME => (
            json!({"hide_groups_header": false, "always_use_authenticated_groups": false}),
            &[],
        ),
        // kong/plugins/jwt/schema.lua
        JwtConfig::NAME => (
            json!({
                "secret_is_base64": false,
                "run_on_preflight": true,
                "maximum_expiration": 0,
                "realm": null,
            }),
            &[],
        ),
        _ => return None,
    };
    Some(UnmodelledFields {
        defaults,
        hidden,
        flat_before_record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typed config that decodes Kong's defaults of the unmodelled fields holds none of them:
    /// a field in both lists would be declared and kept at once.
    #[test]
    fn no_unmodelled_field_is_a_typed_one() {
        fn typed_keys<C: PluginConfig>(defaults: &Json) -> Vec<String> {
            let typed: C = serde_json::from_value(defaults.clone()).expect("decodes");
            let wire = super::super::plugins::wire(&typed);
            wire.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        }
        let of = |name: &str| unmodelled_fields(name).expect("typed").defaults;
        assert!(typed_keys::<RateLimitingConfig>(&of("rate-limiting")).is_empty());
        assert!(typed_keys::<HttpLogConfig>(&of("http-log")).is_empty());
        assert!(typed_keys::<CorsConfig>(&of("cors")).is_empty());
        assert!(typed_keys::<RequestSizeLimitingConfig>(&of("request-size-limiting")).is_empty());
        assert!(typed_keys::<PrometheusConfig>(&of("prometheus")).is_empty());
        assert!(typed_keys::<RequestTerminationConfig>(&of("request-termination")).is_empty());
        assert!(typed_keys::<BasicAuthConfig>(&of("basic-auth")).is_empty());
        assert!(typed_keys::<AclConfig>(&of("acl")).is_empty());
        assert!(typed_keys::<JwtConfig>(&of("jwt")).is_empty());
        assert_eq!(unmodelled_fields("key-auth"), None);
        assert_eq!(unmodelled_fields("openid-connect"), None);
    }

    #[test]
    fn every_hidden_path_is_a_field() {
        for name in ["rate-limiting", "http-log"] {
            let fields = unmodelled_fields(name).expect("typed");
            let flat = fields.flat_before_record.as_ref().map(|(_, f)| f);
            for path in fields.hidden {
                let pointer = format!("/{}", path.replace('.', "/"));
                let found = fields.defaults.pointer(&pointer).is_some()
                    || flat.is_some_and(|f| f.pointer(&pointer).is_some());
                assert!(found, "{name}: {path}");
            }
        }
    }
}
