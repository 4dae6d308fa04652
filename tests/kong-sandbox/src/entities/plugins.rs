//! The plugins entity (K:db/schema/entities/plugins.lua) and the config
//! subschemas of the plugins this sandbox loads (K:plugins/*/schema.lua).

use super::core::{header_name, tags, ts, url, utf8_name, uuid_field, PROTOCOLS};
use super::plugin_rules;
use super::plugin_table::{self, TablePlugin};
use crate::schema::validators as v;
use crate::schema::{Check, EntityCheck, Field, Schema};
use crate::Edition;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// Protocols of the http subsystem, sorted (typedefs.protocols default).
pub const HTTP_PROTOCOLS: [&str; 4] = ["grpc", "grpcs", "http", "https"];

/// The plugin tables: every plugin a default Kong 3.9.3 loads (K:constants.lua `plugins`) that
/// this file does not write out by hand.
const TABLES: [(&str, &str); 8] = [
    ("ai.plugins", include_str!("tables/ai.plugins")),
    (
        "analytics.plugins",
        include_str!("tables/analytics.plugins"),
    ),
    ("auth.plugins", include_str!("tables/auth.plugins")),
    ("logging.plugins", include_str!("tables/logging.plugins")),
    ("security.plugins", include_str!("tables/security.plugins")),
    (
        "serverless.plugins",
        include_str!("tables/serverless.plugins"),
    ),
    ("traffic.plugins", include_str!("tables/traffic.plugins")),
    (
        "transform.plugins",
        include_str!("tables/transform.plugins"),
    ),
];

/// The plugins read from [`TABLES`]. The tables are part of this crate, so a mistake in one is
/// a bug that stops the sandbox at its first request (and fails the crate's unit tests).
pub fn table_plugins() -> &'static [TablePlugin] {
    static PLUGINS: OnceLock<Vec<TablePlugin>> = OnceLock::new();
    PLUGINS.get_or_init(|| {
        let mut all = Vec::new();
        for (file, src) in TABLES {
            match plugin_table::parse(file, src) {
                Ok(p) => all.extend(p),
                Err(e) => panic!("plugin table {e}"),
            }
        }
        all
    })
}

/// Plugins loaded on the node, with their priorities (K:plugins/<name>/handler.lua), by name.
pub fn available(edition: Edition) -> Vec<(&'static str, i32)> {
    let mut v = vec![("cors", 2000), ("http-log", 12), ("request-termination", 2)];
    v.extend(table_plugins().iter().map(|p| (p.name, p.priority)));
    if edition == Edition::Enterprise {
        v.push(("openid-connect", 1050));
    }
    v.sort();
    v
}

fn protocols_any() -> Field {
    Field::set(Field::string().one_of(&PROTOCOLS))
        .required()
        .default(json!(HTTP_PROTOCOLS))
}

fn protocols_http() -> Field {
    Field::set(Field::string().one_of(&HTTP_PROTOCOLS))
        .required()
        .default(json!(HTTP_PROTOCOLS))
}

fn no_consumer() -> Field {
    Field::foreign("consumers").eq_null(None)
}

fn config(fields: Vec<(&'static str, Field)>) -> Field {
    Field::record(Schema::new(fields)).required()
}

fn sub(fields: Vec<(&'static str, Field)>, checks: Vec<EntityCheck>) -> Arc<Schema> {
    Arc::new(Schema::new(fields).with_checks(checks))
}

fn strings() -> Field {
    Field::array(Field::string())
}

fn present(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        _ => true,
    }
}

fn request_termination() -> Arc<Schema> {
    let mut cfg = config(vec![
        (
            "status_code",
            Field::integer()
                .required()
                .default(json!(503))
                .check(Check::Between(100.0, 599.0)),
        ),
        ("message", Field::string()),
        ("content_type", Field::string()),
        ("body", Field::string()),
        ("echo", Field::boolean().required().default(json!(false))),
        ("trigger", header_name()),
    ]);
    cfg = cfg.check(Check::Custom(Arc::new(|c: &Value| {
        let Some(o) = c.as_object() else {
            return Ok(());
        };
        let (m, ct, b) = (
            present(o.get("message")),
            present(o.get("content_type")),
            present(o.get("body")),
        );
        if m && (ct || b) {
            return Err("message cannot be used with content_type or body".into());
        }
        if ct && !b {
            return Err("content_type requires a body".into());
        }
        if o.get("echo") == Some(&json!(true)) && (ct || b) {
            return Err("echo cannot be used with content_type and body".into());
        }
        Ok(())
    })));
    sub(
        vec![("protocols", protocols_any()), ("config", cfg)],
        vec![],
    )
}

const CORS_METHODS: [&str; 9] = [
    "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];

fn cors(edition: Edition) -> Arc<Schema> {
    let origin = Field::string().custom_str(|o| {
        if o == "*" || v::pcre_check(o).is_ok() {
            Ok(())
        } else {
            Err(format!("'{o}' is not a valid regex"))
        }
    });
    let mut fields = vec![
        ("origins", Field::array(origin)),
        ("headers", strings()),
        ("exposed_headers", strings()),
        (
            "methods",
            Field::array(Field::string().one_of(&CORS_METHODS)).default(json!(CORS_METHODS)),
        ),
        ("max_age", Field::number()),
        (
            "credentials",
            Field::boolean().required().default(json!(false)),
        ),
        (
            "private_network",
            Field::boolean().required().default(json!(false)),
        ),
        (
            "preflight_continue",
            Field::boolean().required().default(json!(false)),
        ),
    ];
    if edition == Edition::Enterprise {
        // added after 3.9.3 (see kong-admin-api.md, sources)
        fields.push((
            "allow_origin_absent",
            Field::boolean().required().default(json!(true)),
        ));
    }
    sub(
        vec![
            ("consumer", no_consumer()),
            ("protocols", protocols_http()),
            ("config", config(fields)),
        ],
        vec![],
    )
}

/// http-log's `match_none` patterns on header names (K:plugins/http-log/schema.lua, 3.9.3).
/// Kong's Content-Length pattern reads `[Ll][Ee][nn][Gg]...`: its third letter of "length" must
/// be a lower-case `n`, so `Content-LENGTH` passes Kong; this follows the pattern as written.
fn header_is(name: &'static str) -> fn(&str) -> bool {
    match name {
        "host" => |s| s.eq_ignore_ascii_case("host"),
        "content-length" => |s| {
            s.len() == 14
                && s.is_char_boundary(10)
                && s[..10].eq_ignore_ascii_case("content-le")
                && s.as_bytes()[10] == b'n'
                && s[11..].eq_ignore_ascii_case("gth")
        },
        _ => |s| s.eq_ignore_ascii_case("content-type"),
    }
}

fn http_log() -> Arc<Schema> {
    let headers = Field::map(
        header_name().check(Check::MatchNone(vec![
            (header_is("host"), "cannot contain 'Host' header"),
            (
                header_is("content-length"),
                "cannot contain 'Content-Length' header",
            ),
            (
                header_is("content-type"),
                "cannot contain 'Content-Type' header",
            ),
        ])),
        Field::string(),
    );
    let cfg = config(vec![
        ("http_endpoint", url().required().referenceable()),
        ("method", Field::string().default(json!("POST")).one_of(&["POST", "PUT", "PATCH"])),
        (
            "content_type",
            Field::string().default(json!("application/json")).one_of(&["application/json", "application/json; charset=utf-8"]),
        ),
        ("timeout", Field::number().default(json!(10000))),
        ("keepalive", Field::number().default(json!(60000))),
        ("retry_count", Field::integer()),
        ("queue_size", Field::integer()),
        ("flush_timeout", Field::number()),
        ("headers", headers),
        ("queue", plugin_rules::queue()),
        ("custom_fields_by_lua", plugin_rules::lua_code()),
    ])
    .check(Check::Custom(Arc::new(|c: &Value| {
        let Some(o) = c.as_object() else { return Ok(()) };
        let userinfo = o
            .get("http_endpoint")
            .and_then(|v| v.as_str())
            .and_then(v::socket_url_parse)
            .and_then(|p| p.userinfo)
            .is_some();
        let auth_header = o
            .get("headers")
            .and_then(|h| h.as_object())
            .map(|h| h.keys().any(|k| k.eq_ignore_ascii_case("authorization")))
            .unwrap_or(false);
        if userinfo && auth_header {
            return Err("specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed".into());
        }
        Ok(())
    })));
    sub(
        vec![("protocols", protocols_any()), ("config", cfg)],
        vec![],
    )
}

const OIDC_AUTH_METHODS: [&str; 9] = [
    "password",
    "client_credentials",
    "authorization_code",
    "bearer",
    "introspection",
    "userinfo",
    "kong_oauth2",
    "refresh_token",
    "session",
];

fn openid_connect() -> Arc<Schema> {
    let strs = || Field::array(Field::string());
    let cfg = config(vec![
        ("issuer", url().required()),
        ("discovery_headers_names", strs()),
        ("discovery_headers_values", strs()),
        ("extra_jwks_uris", Field::set(url())),
        ("rediscovery_lifetime", Field::number().default(json!(30))),
        (
            "auth_methods",
            Field::array(Field::string().one_of(&OIDC_AUTH_METHODS))
                .default(json!(OIDC_AUTH_METHODS)),
        ),
        ("client_id", strs()),
        ("client_secret", strs()),
        (
            "client_auth",
            Field::array(Field::string().one_of(&[
                "client_secret_basic",
                "client_secret_post",
                "client_secret_jwt",
                "private_key_jwt",
                "tls_client_auth",
                "self_signed_tls_client_auth",
                "none",
            ])),
        ),
        ("client_alg", strs()),
        ("redirect_uri", Field::array(url())),
        ("scopes", strs().default(json!(["openid"]))),
        ("scopes_required", strs()),
        ("scopes_claim", strs().default(json!(["scope"]))),
        ("audience", strs()),
        ("audience_required", strs()),
        ("audience_claim", strs().default(json!(["aud"]))),
        ("issuers_allowed", strs()),
        ("roles_required", strs()),
        ("groups_required", strs()),
        (
            "bearer_token_param_type",
            Field::array(Field::string().one_of(&["header", "cookie", "query", "body"]))
                .default(json!(["header", "query", "body"])),
        ),
        ("consumer_claim", strs()),
        (
            "consumer_by",
            Field::array(Field::string().one_of(&["id", "username", "custom_id"]))
                .default(json!(["username", "custom_id"])),
        ),
        (
            "consumer_optional",
            Field::boolean().required().default(json!(false)),
        ),
        ("credential_claim", strs().default(json!(["sub"]))),
        ("anonymous", Field::string()),
        (
            "hide_credentials",
            Field::boolean().required().default(json!(false)),
        ),
        (
            "verify_signature",
            Field::boolean().required().default(json!(true)),
        ),
        (
            "verify_claims",
            Field::boolean().required().default(json!(true)),
        ),
        (
            "verify_nonce",
            Field::boolean().required().default(json!(true)),
        ),
        ("leeway", Field::number().default(json!(0))),
        ("cache_ttl", Field::number().default(json!(3600))),
        (
            "ssl_verify",
            Field::boolean().required().default(json!(false)),
        ),
        ("timeout", Field::number().default(json!(10000))),
        (
            "upstream_access_token_header",
            Field::string().default(json!("authorization:bearer")),
        ),
        (
            "login_action",
            Field::string()
                .default(json!("upstream"))
                .one_of(&["upstream", "response", "redirect"]),
        ),
        (
            "display_errors",
            Field::boolean().required().default(json!(false)),
        ),
    ]);
    sub(
        vec![("protocols", protocols_http()), ("config", cfg)],
        vec![],
    )
}

/// The plugins entity schema with a subschema per loaded plugin.
pub fn plugins(edition: Edition) -> Schema {
    let mut s = Schema::new(vec![
        ("id", uuid_field()),
        ("name", Field::string().required()),
        ("instance_name", utf8_name()),
        ("created_at", ts()),
        ("updated_at", ts()),
        ("route", Field::foreign("routes").default(Value::Null)),
        ("service", Field::foreign("services").default(Value::Null)),
        ("consumer", Field::foreign("consumers").default(Value::Null)),
        ("config", Field::record(Schema::default()).required()),
        ("protocols", protocols_any()),
        ("enabled", Field::boolean().required().default(json!(true))),
        ("tags", tags()),
    ]);
    s.subschema_key = Some("name");
    s.subschema_error =
        Some("plugin '%s' not enabled; add it to the 'plugins' configuration property");
    s.subschemas
        .insert("request-termination".into(), request_termination());
    s.subschemas.insert("cors".into(), cors(edition));
    s.subschemas.insert("http-log".into(), http_log());
    for p in table_plugins() {
        s.subschemas.insert(p.name.into(), p.schema.clone());
    }
    if edition == Edition::Enterprise {
        s.subschemas
            .insert("openid-connect".into(), openid_connect());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// K:constants.lua `plugins` (Kong 3.9.3): the bundled plugins.
    const BUNDLED: [&str; 45] = [
        "jwt",
        "acl",
        "correlation-id",
        "cors",
        "oauth2",
        "tcp-log",
        "udp-log",
        "file-log",
        "http-log",
        "key-auth",
        "hmac-auth",
        "basic-auth",
        "ip-restriction",
        "request-transformer",
        "response-transformer",
        "request-size-limiting",
        "rate-limiting",
        "response-ratelimiting",
        "syslog",
        "loggly",
        "datadog",
        "ldap-auth",
        "statsd",
        "bot-detection",
        "aws-lambda",
        "request-termination",
        "prometheus",
        "proxy-cache",
        "session",
        "acme",
        "grpc-gateway",
        "grpc-web",
        "pre-function",
        "post-function",
        "azure-functions",
        "zipkin",
        "opentelemetry",
        "ai-proxy",
        "ai-prompt-decorator",
        "ai-prompt-template",
        "ai-prompt-guard",
        "ai-request-transformer",
        "ai-response-transformer",
        "standard-webhooks",
        "redirect",
    ];

    #[test]
    fn loads_every_bundled_plugin_and_no_other() {
        let mut loaded: Vec<&str> = available(Edition::Community).iter().map(|p| p.0).collect();
        let mut bundled = BUNDLED.to_vec();
        bundled.sort();
        loaded.sort();
        assert_eq!(loaded, bundled);
        let schema = plugins(Edition::Community);
        for name in BUNDLED {
            assert!(schema.subschemas.contains_key(name), "{name} has a schema");
        }
    }
}
