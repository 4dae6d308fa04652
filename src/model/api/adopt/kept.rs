//! The settings of an adopted plugin that `dispatch_api` does not declare but a write keeps
//! (a `rate-limiting` plugin counting in Redis, an `http-log` with its own headers): named, so
//! that an empty plan after an import does not hide them. Only a setting whose value differs from
//! Kong's default is named (Kong answers every field, defaults filled in, so absence says
//! nothing); a record (`redis`, `queue`) is compared field by field.

use serde_json::Value as Json;

use crate::kong::plugin_defaults::unmodelled_fields;
use crate::kong::Plugin;

/// One setting kept as Kong has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptSetting {
    /// The field's dotted path in the plugin's config (`redis.host`).
    pub path: String,
    /// Its value as JSON, `None` when it must not be shown (a password, a header's token).
    pub value: Option<String>,
}

/// The settings of `plugin`'s config that `dispatch_api` does not model and that are not Kong
/// 3.9's defaults, by path; empty for a kind without a defaults table.
pub fn kept_settings(plugin: &Plugin) -> Vec<KeptSetting> {
    let Some(fields) = unmodelled_fields(&plugin.name) else {
        return Vec::new();
    };
    let mut kept = Vec::new();
    differing(
        &fields.defaults,
        &plugin.config,
        "",
        fields.hidden,
        &mut kept,
    );
    if let Some((record, flat)) = &fields.flat_before_record {
        if !plugin.config.get(record).is_some_and(Json::is_object) {
            differing(flat, &plugin.config, "", fields.hidden, &mut kept);
        }
    }
    kept.sort_by(|a, b| a.path.cmp(&b.path));
    kept
}

/// Appends to `kept` every field of `defaults` (at `prefix`) whose value in `found` differs.
fn differing(
    defaults: &Json,
    found: &Json,
    prefix: &str,
    hidden: &[&str],
    kept: &mut Vec<KeptSetting>,
) {
    let Some(defaults) = defaults.as_object() else {
        return;
    };
    for (field, default) in defaults {
        let path = format!("{prefix}{field}");
        // A field Kong does not answer (an older Kong without it) is not set.
        let Some(value) = found.get(field) else {
            continue;
        };
        let secret = hidden.contains(&path.as_str());
        if default.is_object() && value.is_object() && !secret {
            differing(default, value, &format!("{path}."), hidden, kept);
        } else if !same(default, value) {
            kept.push(KeptSetting {
                value: (!secret).then(|| value.to_string()),
                path,
            });
        }
    }
}

/// Whether two JSON values are equal, numbers by value (`60` and `60.0` are one number).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| same(x, y)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plugin(name: &str, config: Json) -> Plugin {
        Plugin {
            id: "p".into(),
            name: name.into(),
            service: None,
            route: None,
            consumer: None,
            config,
            enabled: true,
            tags: None,
        }
    }

    fn named(kept: &[KeptSetting]) -> Vec<(&str, Option<&str>)> {
        kept.iter()
            .map(|k| (k.path.as_str(), k.value.as_deref()))
            .collect()
    }

    /// Kong 3.9's answer for a rate-limiting plugin made with only `minute`: every field, its
    /// defaults filled in, the deprecated shorthands mirrored from `redis`.
    fn kongs_rate_limiting_answer() -> Json {
        json!({
            "second": null, "minute": 100, "hour": null, "day": null, "month": null,
            "year": null, "limit_by": "consumer", "header_name": null, "path": null,
            "policy": "local", "fault_tolerant": true,
            "redis": {"host": null, "port": 6379, "timeout": 2000, "username": null,
                      "password": null, "database": 0, "ssl": false, "ssl_verify": false,
                      "server_name": null},
            "hide_client_headers": false, "error_code": 429,
            "error_message": "API rate limit exceeded", "sync_rate": -1,
            "redis_host": null, "redis_port": 6379, "redis_password": null,
            "redis_timeout": 2000, "redis_database": 0
        })
    }

    #[test]
    fn kongs_defaults_are_not_named() {
        let answer = kongs_rate_limiting_answer();
        assert_eq!(kept_settings(&plugin("rate-limiting", answer)), vec![]);
        // Numbers by value, and a field an older Kong does not answer.
        let answer = json!({"http_endpoint": "http://logs/", "timeout": 10000.0,
                            "queue": {"max_retry_time": 60.0, "initial_retry_delay": 0.01}});
        assert_eq!(kept_settings(&plugin("http-log", answer)), vec![]);
        // Modelled fields are the declaration's business, whatever their values.
        let answer = json!({"origins": ["https://a.example"], "credentials": true,
                            "preflight_continue": false});
        assert_eq!(kept_settings(&plugin("cors", answer)), vec![]);
        // Kinds without a table name nothing.
        let answer = json!({"issuer": "https://idp/", "client_secret": ["s3cret"]});
        assert_eq!(kept_settings(&plugin("openid-connect", answer)), vec![]);
    }

    #[test]
    fn each_changed_field_is_named_with_its_dotted_path() {
        let mut answer = kongs_rate_limiting_answer();
        answer["policy"] = json!("redis");
        answer["redis"]["host"] = json!("redis.internal");
        answer["redis"]["ssl"] = json!(true);
        answer["redis_host"] = json!("redis.internal");
        answer["hide_client_headers"] = json!(true);
        answer["fault_tolerant"] = json!(false);
        answer["error_code"] = json!(503);
        answer["error_message"] = json!("slow down");
        answer["sync_rate"] = json!(0.5);
        assert_eq!(
            named(&kept_settings(&plugin("rate-limiting", answer))),
            vec![
                ("error_code", Some("503")),
                ("error_message", Some("\"slow down\"")),
                ("fault_tolerant", Some("false")),
                ("hide_client_headers", Some("true")),
                ("policy", Some("\"redis\"")),
                ("redis.host", Some("\"redis.internal\"")),
                ("redis.ssl", Some("true")),
                ("sync_rate", Some("0.5")),
            ]
        );
        let cases = [
            (
                "cors",
                json!({"preflight_continue": true}),
                "preflight_continue",
            ),
            (
                "request-size-limiting",
                json!({"require_content_length": true}),
                "require_content_length",
            ),
            (
                "prometheus",
                json!({"upstream_health_metrics": true}),
                "upstream_health_metrics",
            ),
            ("prometheus", json!({"ai_metrics": true}), "ai_metrics"),
            ("basic-auth", json!({"realm": "staff"}), "realm"),
            (
                "acl",
                json!({"hide_groups_header": true}),
                "hide_groups_header",
            ),
            (
                "jwt",
                json!({"run_on_preflight": false}),
                "run_on_preflight",
            ),
            ("request-termination", json!({"echo": true}), "echo"),
            ("http-log", json!({"method": "PUT"}), "method"),
            (
                "http-log",
                json!({"queue": {"max_batch_size": 10}}),
                "queue.max_batch_size",
            ),
        ];
        for (name, answer, path) in cases {
            let kept = kept_settings(&plugin(name, answer));
            assert_eq!(
                kept.iter().map(|k| k.path.as_str()).collect::<Vec<_>>(),
                vec![path],
                "{name}"
            );
        }
    }

    #[test]
    fn secrets_are_named_without_their_values() {
        let mut answer = kongs_rate_limiting_answer();
        answer["policy"] = json!("redis");
        answer["redis"]["username"] = json!("limiter");
        answer["redis"]["password"] = json!("hunter2-redis");
        answer["redis_password"] = json!("hunter2-redis");
        let kept = kept_settings(&plugin("rate-limiting", answer));
        assert_eq!(
            named(&kept),
            vec![
                ("policy", Some("\"redis\"")),
                ("redis.password", None),
                ("redis.username", None)
            ]
        );
        assert!(!format!("{kept:?}").contains("hunter2"), "{kept:?}");
        // Kong before 3.6: the Redis settings are flat fields, and there is no `redis` record.
        let answer = json!({
            "minute": 5, "policy": "redis", "redis_host": "redis.internal", "redis_port": 6379,
            "redis_password": "hunter2-redis", "redis_timeout": 2000, "redis_database": 0,
            "redis_ssl": false, "redis_ssl_verify": false
        });
        let kept = kept_settings(&plugin("rate-limiting", answer));
        assert_eq!(
            named(&kept),
            vec![
                ("policy", Some("\"redis\"")),
                ("redis_host", Some("\"redis.internal\"")),
                ("redis_password", None)
            ]
        );
        let answer = json!({
            "http_endpoint": "http://logs/",
            "headers": {"Authorization": "Bearer tok-123"},
            "custom_fields_by_lua": {"who": "return 'tok-456'"}
        });
        let kept = kept_settings(&plugin("http-log", answer));
        assert_eq!(
            named(&kept),
            vec![("custom_fields_by_lua", None), ("headers", None)]
        );
        let shown = format!("{kept:?}");
        for secret in ["hunter2", "tok-123", "tok-456", "Authorization"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
