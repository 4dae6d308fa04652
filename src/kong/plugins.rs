//! Typed configs of the Kong plugins the provider writes or reads, with the fields it uses
//! (`kong/plugins/<name>/schema.lua`, Kong 3.9). A field left `None` is not sent, so Kong keeps
//! its default; Kong answers every field of its schema, `null` when unset, and fields the
//! provider does not model are ignored when decoding (no `deny_unknown_fields`), so a config
//! with Kong's extra fields (or a newer Kong's) still decodes.
//!
//! A [`Plugin`] read back keeps its config raw, since the plugins on a service may be of kinds
//! the provider does not model; [`Plugin::config`] decodes the typed config of a known kind.
//! Written plugins carry the wire form of a typed config ([`PluginFields::new`]).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Number, Value as Json};

use super::entities::{ForeignKey, Plugin, PluginFields};

/// The typed config of one kind of Kong plugin.
pub trait PluginConfig: Serialize + DeserializeOwned {
    /// The plugin's name in Kong.
    const NAME: &'static str;
}

impl Plugin {
    /// The typed config of this plugin, when it is of kind `C` and its config decodes.
    pub fn config<C: PluginConfig>(&self) -> Option<C> {
        if self.name != C::NAME {
            return None;
        }
        match C::deserialize(&self.config) {
            Ok(config) => Some(config),
            Err(error) => {
                tracing::debug!(plugin = %self.name, %error, "a plugin config Kong answered does not decode");
                None
            }
        }
    }
}

impl PluginFields {
    /// A plugin on the service `service_id` with `config`, enabled, tagged with `tags`.
    pub fn new<C: PluginConfig>(config: &C, service_id: &str, tags: Vec<String>) -> Self {
        Self::on_service(C::NAME, wire(config), service_id, tags)
    }

    /// A plugin `name` on the service `service_id` with the wire form of a typed config (see
    /// [`wire`]), enabled, tagged with `tags`.
    pub fn on_service(name: &str, config: Json, service_id: &str, tags: Vec<String>) -> Self {
        Self {
            name: name.to_string(),
            service: Some(ForeignKey::new(service_id)),
            route: None,
            config,
            enabled: true,
            tags,
        }
    }
}

/// The JSON Kong is sent for a typed config.
pub fn wire<C: PluginConfig>(config: &C) -> Json {
    // Plain data (options, strings, numbers, lists) always has a JSON form.
    serde_json::to_value(config).unwrap_or(Json::Null)
}

/// `cors`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsConfig {
    /// Allowed origins: `*` or PCRE regular expressions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origins: Option<Vec<String>>,
    /// `Access-Control-Allow-Methods`; Kong's default is every method it knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// `Access-Control-Allow-Headers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<String>>,
    /// `Access-Control-Expose-Headers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_headers: Option<Vec<String>>,
    /// `Access-Control-Allow-Credentials`; Kong's default is `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<bool>,
    /// `Access-Control-Max-Age`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Number>,
    /// `Access-Control-Allow-Private-Network` on preflights that ask for it (Kong 3.5 and
    /// later); Kong's default is `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_network: Option<bool>,
    /// Whether requests without an `Origin` header get CORS headers too (Kong 3.10 and later);
    /// Kong's default is `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_origin_absent: Option<bool>,
}

impl PluginConfig for CorsConfig {
    const NAME: &'static str = "cors";
}

/// `rate-limiting`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitingConfig {
    /// Requests per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second: Option<Number>,
    /// Requests per minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minute: Option<Number>,
    /// Requests per hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hour: Option<Number>,
    /// Requests per day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<Number>,
    /// Requests per month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<Number>,
    /// Requests per year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<Number>,
    /// What requests are counted by; Kong's default is `consumer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_by: Option<String>,
    /// The header counted by, with `limit_by = "header"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_name: Option<String>,
    /// The path counted, with `limit_by = "path"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl PluginConfig for RateLimitingConfig {
    const NAME: &'static str = "rate-limiting";
}

/// `request-size-limiting`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestSizeLimitingConfig {
    /// The largest body, in `size_unit`s; Kong's default is 128.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_payload_size: Option<Number>,
    /// `megabytes` (Kong's default), `kilobytes` or `bytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_unit: Option<String>,
}

impl PluginConfig for RequestSizeLimitingConfig {
    const NAME: &'static str = "request-size-limiting";
}

/// `http-log`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpLogConfig {
    /// Where log entries are POSTed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_endpoint: Option<String>,
}

impl PluginConfig for HttpLogConfig {
    const NAME: &'static str = "http-log";
}

/// `prometheus` (`kong/plugins/prometheus/schema.lua`, Kong 3.9: every field a boolean that
/// defaults to `false`; Kong answers `null` for one set to `null`, which its handler reads as
/// `false`). `ai_metrics` and `upstream_health_metrics` are left out: the first is about Kong's
/// AI plugins, and the second is one switch for the whole node (the handler sets the exporter's
/// flag from whichever plugin logs last), so no single API may own it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrometheusConfig {
    /// Fills the `consumer` label of `kong_http_requests_total` and `kong_bandwidth_bytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_consumer: Option<bool>,
    /// `kong_http_requests_total` by status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code_metrics: Option<bool>,
    /// `kong_kong_latency_ms`, `kong_upstream_latency_ms` and `kong_request_latency_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_metrics: Option<bool>,
    /// `kong_bandwidth_bytes`, ingress and egress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bandwidth_metrics: Option<bool>,
}

impl PluginConfig for PrometheusConfig {
    const NAME: &'static str = "prometheus";
}

/// `request-termination`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestTerminationConfig {
    /// The status Kong answers with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// The message of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl PluginConfig for RequestTerminationConfig {
    const NAME: &'static str = "request-termination";
}

/// `basic-auth`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BasicAuthConfig {
    /// Whether the credentials are removed before the request reaches the upstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_credentials: Option<bool>,
    /// The consumer that requests without credentials run as (none: they are refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<String>,
}

impl PluginConfig for BasicAuthConfig {
    const NAME: &'static str = "basic-auth";
}

/// `acl`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AclConfig {
    /// The groups allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    /// The groups denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<Vec<String>>,
}

impl PluginConfig for AclConfig {
    const NAME: &'static str = "acl";
}

/// `jwt`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JwtConfig {
    /// The claim that names the jwt secret a token is signed with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_claim_name: Option<String>,
    /// Registered claims Kong checks (`exp`, `nbf`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims_to_verify: Option<Vec<String>>,
    /// Query parameters a token is read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_param_names: Option<Vec<String>>,
    /// Cookies a token is read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_names: Option<Vec<String>>,
    /// Headers a token is read from: absent (`None`), `null` (`Some(None)`) or a list. Kong's
    /// default is `["authorization"]`; absent and `null` differ for the provider's read-back.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_or_null"
    )]
    pub header_names: Option<Option<Vec<String>>>,
    /// The consumer that requests without a token run as (none: they are refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<String>,
}

impl PluginConfig for JwtConfig {
    const NAME: &'static str = "jwt";
}

/// `openid-connect` (Kong Enterprise).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenIdConnectConfig {
    /// The issuer (its discovery document is fetched by Kong).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// How credentials may be presented (`bearer`, `password`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_methods: Option<Vec<String>>,
    /// Where bearer tokens are read from (`header`, `query`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token_param_type: Option<Vec<String>>,
    /// Audiences a token must be issued for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience_required: Option<Vec<String>>,
    /// JWKS URLs beside the discovered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_jwks_uris: Option<Vec<String>>,
}

impl PluginConfig for OpenIdConnectConfig {
    const NAME: &'static str = "openid-connect";
}

/// The body that writes `desired` over a plugin Kong holds as `found` (its answer to `GET`),
/// keeping what the provider does not model: the config fields of no typed config here (a
/// `rate-limiting` plugin's `policy` and `redis`, say), and the plugin's own fields beside
/// `config` (`protocols`, `instance_name`, its service, route and consumer). The typed config's
/// fields take `desired`'s values, and those `desired` leaves out are left out, so that Kong
/// resets them to its defaults as a plain `PUT` of `desired` would.
pub fn keeping(found: &Json, desired: &PluginFields) -> Json {
    let mut body = found.as_object().cloned().unwrap_or_default();
    for read_only in ["id", "created_at", "updated_at"] {
        body.remove(read_only);
    }
    let found_config = found.get("config").cloned().unwrap_or(Json::Null);
    let mut config = found_config.as_object().cloned().unwrap_or_default();
    for key in modelled_keys(&desired.name, &found_config) {
        config.remove(&key);
    }
    if let Some(declared) = desired.config.as_object() {
        for (key, value) in declared {
            config.insert(key.clone(), value.clone());
        }
    }
    body.insert("name".into(), Json::String(desired.name.clone()));
    body.insert("config".into(), Json::Object(config));
    body.insert("enabled".into(), Json::Bool(desired.enabled));
    body.insert(
        "tags".into(),
        Json::Array(desired.tags.iter().cloned().map(Json::String).collect()),
    );
    Json::Object(body)
}

/// The fields of `config` that the typed config of the plugin `name` holds (those set there):
/// what the provider declares for that kind. None for a kind it does not type, or a config that
/// does not decode.
fn modelled_keys(name: &str, config: &Json) -> Vec<String> {
    fn keys<C: PluginConfig>(config: &Json) -> Vec<String> {
        match C::deserialize(config) {
            Ok(typed) => wire(&typed)
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
    match name {
        CorsConfig::NAME => keys::<CorsConfig>(config),
        RateLimitingConfig::NAME => keys::<RateLimitingConfig>(config),
        RequestSizeLimitingConfig::NAME => keys::<RequestSizeLimitingConfig>(config),
        HttpLogConfig::NAME => keys::<HttpLogConfig>(config),
        RequestTerminationConfig::NAME => keys::<RequestTerminationConfig>(config),
        BasicAuthConfig::NAME => keys::<BasicAuthConfig>(config),
        AclConfig::NAME => keys::<AclConfig>(config),
        JwtConfig::NAME => keys::<JwtConfig>(config),
        OpenIdConnectConfig::NAME => keys::<OpenIdConnectConfig>(config),
        _ => Vec::new(),
    }
}

/// A field that is present (even as `null`) decodes to `Some`; a missing one keeps the
/// default `None` through `#[serde(default)]`.
fn present_or_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn undeclared_fields_are_not_sent() {
        let config = RateLimitingConfig {
            minute: Some(60.into()),
            limit_by: Some("ip".into()),
            ..RateLimitingConfig::default()
        };
        let fields = PluginFields::new(&config, "svc", vec!["t".into()]);
        assert_eq!(fields.name, "rate-limiting");
        assert_eq!(fields.config, json!({"minute": 60, "limit_by": "ip"}));
        assert_eq!(fields.service, Some(ForeignKey::new("svc")));
        assert!(fields.enabled);
    }

    #[test]
    fn kongs_answer_decodes_with_its_nulls_and_extra_fields() {
        let answered = plugin(
            "rate-limiting",
            json!({"second": null, "minute": 1.5, "hour": 100, "limit_by": "consumer",
                   "policy": "local", "redis": {"port": 6379}, "error_code": 429}),
        );
        let config: RateLimitingConfig = answered.config().expect("decodes");
        assert_eq!(config.second, None);
        assert_eq!(config.minute.and_then(|m| m.as_f64()), Some(1.5));
        assert_eq!(config.hour.and_then(|h| h.as_u64()), Some(100));
        assert_eq!(config.limit_by.as_deref(), Some("consumer"));
        assert_eq!(answered.config::<CorsConfig>(), None, "another kind");
        assert_eq!(
            plugin("rate-limiting", json!({"minute": "many"})).config::<RateLimitingConfig>(),
            None,
            "a config that does not decode"
        );
    }

    #[test]
    fn writing_over_a_plugin_keeps_what_the_provider_does_not_model() {
        let found = json!({
            "id": "p", "created_at": 1, "updated_at": 2, "name": "rate-limiting",
            "instance_name": "edge-limit", "protocols": ["https"],
            "service": {"id": "svc"}, "route": null, "consumer": null, "enabled": false,
            "tags": ["owner:ops"],
            "config": {"second": 5, "minute": 100, "hour": null, "limit_by": "ip",
                       "policy": "redis", "redis": {"host": "redis.internal", "port": 6379}}
        });
        let declared = RateLimitingConfig {
            minute: Some(200.into()),
            ..RateLimitingConfig::default()
        };
        let desired = PluginFields::new(&declared, "svc", vec!["managed".into()]);
        let body = keeping(&found, &desired);
        assert_eq!(
            body,
            json!({
                "name": "rate-limiting", "instance_name": "edge-limit", "protocols": ["https"],
                "service": {"id": "svc"}, "route": null, "consumer": null, "enabled": true,
                "tags": ["managed"],
                // Declared: minute. Modelled but left out: second and limit_by go back to
                // Kong's defaults. Not modelled: policy and redis stay.
                "config": {"minute": 200, "hour": null, "policy": "redis",
                           "redis": {"host": "redis.internal", "port": 6379}}
            })
        );
    }

    #[test]
    fn jwt_header_names_tell_absent_from_null() {
        let read = |config: Json| -> JwtConfig { plugin("jwt", config).config().expect("decodes") };
        assert_eq!(read(json!({})).header_names, None);
        assert_eq!(read(json!({"header_names": null})).header_names, Some(None));
        assert_eq!(
            read(json!({"header_names": ["authorization"]})).header_names,
            Some(Some(vec!["authorization".to_string()]))
        );
    }
}
