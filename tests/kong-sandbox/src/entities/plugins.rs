//! The plugins entity (K:db/schema/entities/plugins.lua) and the config
//! subschemas of the plugins this sandbox loads (K:plugins/*/schema.lua).

use super::core::{
    header_name, host, path, port, sni, tags, ts, url, utf8_name, uuid_field, PROTOCOLS,
};
use crate::schema::validators as v;
use crate::schema::{Check, EntityCheck, Field, Match, Obj, Schema, Shorthand};
use crate::Edition;
use serde_json::{json, Value};
use std::sync::Arc;

/// Protocols of the http subsystem, sorted (typedefs.protocols default).
pub const HTTP_PROTOCOLS: [&str; 4] = ["grpc", "grpcs", "http", "https"];

/// Plugins loaded on the node, with their priorities.
pub fn available(edition: Edition) -> Vec<(&'static str, u32)> {
    let mut v = vec![
        ("acl", 950),
        ("basic-auth", 1100),
        ("cors", 2000),
        ("file-log", 9),
        ("http-log", 12),
        ("jwt", 1450),
        ("rate-limiting", 910),
        ("request-size-limiting", 951),
        ("request-termination", 2),
    ];
    if edition == Edition::Enterprise {
        v.push(("openid-connect", 1050));
        v.sort();
    }
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

fn basic_auth() -> Arc<Schema> {
    sub(
        vec![
            ("consumer", no_consumer()),
            ("protocols", protocols_http()),
            (
                "config",
                config(vec![
                    ("anonymous", Field::string()),
                    (
                        "hide_credentials",
                        Field::boolean().required().default(json!(false)),
                    ),
                    (
                        "realm",
                        Field::string().required().default(json!("service")),
                    ),
                ]),
            ),
        ],
        vec![],
    )
}

fn acl() -> Arc<Schema> {
    sub(
        vec![
            ("consumer", no_consumer()),
            ("protocols", protocols_http()),
            (
                "config",
                config(vec![
                    ("allow", strings()),
                    ("deny", strings()),
                    (
                        "hide_groups_header",
                        Field::boolean().required().default(json!(false)),
                    ),
                    (
                        "always_use_authenticated_groups",
                        Field::boolean().required().default(json!(false)),
                    ),
                ]),
            ),
        ],
        vec![
            EntityCheck::OnlyOneOf(vec!["config.allow", "config.deny"]),
            EntityCheck::AtLeastOneOf(vec!["config.allow", "config.deny"]),
        ],
    )
}

fn jwt() -> Arc<Schema> {
    let sset = |d: Value| Field::set(Field::string()).default(d);
    sub(
        vec![
            ("consumer", no_consumer()),
            ("protocols", protocols_http()),
            (
                "config",
                config(vec![
                    ("uri_param_names", sset(json!(["jwt"]))),
                    ("cookie_names", sset(json!([]))),
                    ("key_claim_name", Field::string().default(json!("iss"))),
                    (
                        "secret_is_base64",
                        Field::boolean().required().default(json!(false)),
                    ),
                    (
                        "claims_to_verify",
                        Field::set(Field::string().one_of(&["exp", "nbf"])),
                    ),
                    ("anonymous", Field::string()),
                    (
                        "run_on_preflight",
                        Field::boolean().required().default(json!(true)),
                    ),
                    (
                        "maximum_expiration",
                        Field::number()
                            .default(json!(0))
                            .check(Check::Between(0.0, 31536000.0)),
                    ),
                    ("header_names", sset(json!(["authorization"]))),
                    ("realm", Field::string()),
                ]),
            ),
        ],
        vec![EntityCheck::Conditional {
            if_field: "config.maximum_expiration",
            if_match: Match::check(Check::Gt(0.0)),
            then_field: "config.claims_to_verify",
            then_match: Match::check(Check::Contains(json!("exp"))),
            then_err: None,
        }],
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

fn redis_record() -> Field {
    Field::record(Schema::new(vec![
        ("host", host()),
        ("port", port()),
        (
            "timeout",
            Field::integer()
                .check(Check::Between(0.0, 2147483646.0))
                .default(json!(2000)),
        ),
        ("username", Field::string()),
        ("password", Field::string().check(Check::LenMin(0))),
        ("database", Field::integer().default(json!(0))),
        ("ssl", Field::boolean().required().default(json!(false))),
        (
            "ssl_verify",
            Field::boolean().required().default(json!(false)),
        ),
        ("server_name", sni()),
    ]))
    .required()
}

const PERIODS: [&str; 6] = ["second", "minute", "hour", "day", "month", "year"];

fn periods_order(c: &Value) -> Result<(), String> {
    let Some(o) = c.as_object() else {
        return Ok(());
    };
    for (i, lower) in PERIODS.iter().enumerate() {
        if let Some(v1) = o.get(*lower).and_then(|v| v.as_f64()) {
            for upper in &PERIODS[i + 1..] {
                if let Some(v2) = o.get(*upper).and_then(|v| v.as_f64()) {
                    if v2 < v1 {
                        return Err(format!(
                            "The limit for {upper}({v2:.1}) cannot be lower than the limit for {lower}({v1:.1})"
                        ));
                    }
                }
            }
        }
    }
    let policy = o.get("policy").and_then(|v| v.as_str()).unwrap_or("");
    let sync_rate = o.get("sync_rate").and_then(|v| v.as_f64()).unwrap_or(-1.0);
    if policy != "redis" && sync_rate != -1.0 {
        return Err("sync_rate can only be used with the redis policy".into());
    }
    if policy == "redis" && sync_rate != -1.0 && sync_rate < 0.02 {
        return Err("sync_rate must be greater than 0.02, or -1 to disable".into());
    }
    Ok(())
}

fn redis_shorthand(name: &'static str, ty: Field) -> Shorthand {
    fn expand(key: &str, value: &Value) -> Obj {
        let mut inner = Obj::new();
        inner.insert(key.to_string(), value.clone());
        let mut out = Obj::new();
        out.insert("redis".into(), Value::Object(inner));
        out
    }
    let func: fn(&Value) -> Obj = match name {
        "redis_host" => |v| expand("host", v),
        "redis_port" => |v| expand("port", v),
        "redis_password" => |v| expand("password", v),
        "redis_username" => |v| expand("username", v),
        "redis_ssl" => |v| expand("ssl", v),
        "redis_ssl_verify" => |v| expand("ssl_verify", v),
        "redis_server_name" => |v| expand("server_name", v),
        "redis_timeout" => |v| expand("timeout", v),
        _ => |v| expand("database", v),
    };
    Shorthand {
        name,
        field: ty,
        func,
    }
}

fn rate_limiting() -> Arc<Schema> {
    let period = || Field::number().check(Check::Gt(0.0));
    let mut cfg_schema = Schema::new(vec![
        ("second", period()),
        ("minute", period()),
        ("hour", period()),
        ("day", period()),
        ("month", period()),
        ("year", period()),
        (
            "limit_by",
            Field::string().default(json!("consumer")).one_of(&[
                "consumer",
                "credential",
                "ip",
                "service",
                "header",
                "path",
            ]),
        ),
        ("header_name", header_name()),
        ("path", path()),
        (
            "policy",
            Field::string()
                .default(json!("local"))
                .check(Check::LenMin(0))
                .one_of(&["local", "cluster", "redis"]),
        ),
        (
            "fault_tolerant",
            Field::boolean().required().default(json!(true)),
        ),
        ("redis", redis_record()),
        (
            "hide_client_headers",
            Field::boolean().required().default(json!(false)),
        ),
        (
            "error_code",
            Field::number().default(json!(429)).check(Check::Gt(0.0)),
        ),
        (
            "error_message",
            Field::string().default(json!("API rate limit exceeded")),
        ),
        ("sync_rate", Field::number().required().default(json!(-1))),
    ]);
    cfg_schema.shorthands = vec![
        redis_shorthand("redis_host", Field::string()),
        redis_shorthand("redis_port", Field::integer()),
        redis_shorthand("redis_password", Field::string().check(Check::LenMin(0))),
        redis_shorthand("redis_username", Field::string()),
        redis_shorthand("redis_ssl", Field::boolean()),
        redis_shorthand("redis_ssl_verify", Field::boolean()),
        redis_shorthand("redis_server_name", Field::string()),
        redis_shorthand("redis_timeout", Field::integer()),
        redis_shorthand("redis_database", Field::integer()),
    ];
    let cfg = Field::record(cfg_schema)
        .required()
        .check(Check::Custom(Arc::new(periods_order)));
    let cond =
        |if_field: &'static str, eq: &str, then_field: &'static str| EntityCheck::Conditional {
            if_field,
            if_match: Match::check(Check::Eq(json!(eq))),
            then_field,
            then_match: Match::required(),
            then_err: None,
        };
    sub(
        vec![("protocols", protocols_http()), ("config", cfg)],
        vec![
            EntityCheck::AtLeastOneOf(vec![
                "config.second",
                "config.minute",
                "config.hour",
                "config.day",
                "config.month",
                "config.year",
            ]),
            cond("config.policy", "redis", "config.redis.host"),
            cond("config.policy", "redis", "config.redis.port"),
            cond("config.policy", "redis", "config.redis.timeout"),
            cond("config.limit_by", "header", "config.header_name"),
            cond("config.limit_by", "path", "config.path"),
        ],
    )
}

fn request_size_limiting() -> Arc<Schema> {
    sub(
        vec![
            ("protocols", protocols_http()),
            (
                "config",
                config(vec![
                    ("allowed_payload_size", Field::integer().default(json!(128))),
                    (
                        "size_unit",
                        Field::string()
                            .required()
                            .default(json!("megabytes"))
                            .one_of(&["megabytes", "kilobytes", "bytes"]),
                    ),
                    (
                        "require_content_length",
                        Field::boolean().required().default(json!(false)),
                    ),
                ]),
            ),
        ],
        vec![],
    )
}

fn lua_code() -> Field {
    Field::map(Field::string(), Field::string())
}

fn queue() -> Field {
    Field::record(Schema::new(vec![
        (
            "max_batch_size",
            Field::integer()
                .default(json!(1))
                .check(Check::Between(1.0, 1000000.0)),
        ),
        (
            "max_coalescing_delay",
            Field::number()
                .default(json!(1))
                .check(Check::Between(0.0, 3600.0)),
        ),
        (
            "max_entries",
            Field::integer()
                .default(json!(10000))
                .check(Check::Between(1.0, 1000000.0)),
        ),
        ("max_bytes", Field::integer()),
        ("max_retry_time", Field::number().default(json!(60))),
        (
            "initial_retry_delay",
            Field::number()
                .default(json!(0.01))
                .check(Check::Between(0.001, 1000000.0)),
        ),
        (
            "max_retry_delay",
            Field::number()
                .default(json!(60))
                .check(Check::Between(0.001, 1000000.0)),
        ),
        (
            "concurrency_limit",
            Field::integer()
                .default(json!(1))
                .check(Check::OneOf(vec![json!(-1), json!(1)])),
        ),
    ]))
    .required()
}

fn header_is(name: &'static str) -> fn(&str) -> bool {
    match name {
        "host" => |s| s.eq_ignore_ascii_case("host"),
        "content-length" => |s| s.eq_ignore_ascii_case("content-length"),
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
        ("queue", queue()),
        ("custom_fields_by_lua", lua_code()),
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

fn file_log() -> Arc<Schema> {
    let filename = |s: &str| !s.is_empty() && !s.contains(['*', '&', '%', '\\', '`']);
    sub(
        vec![
            ("protocols", protocols_any()),
            (
                "config",
                config(vec![
                    (
                        "path",
                        Field::string()
                            .required()
                            .check(Check::Match(filename))
                            .err("not a valid filename"),
                    ),
                    ("reopen", Field::boolean().required().default(json!(false))),
                    ("custom_fields_by_lua", lua_code()),
                ]),
            ),
        ],
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
    s.subschemas.insert("basic-auth".into(), basic_auth());
    s.subschemas.insert("acl".into(), acl());
    s.subschemas.insert("jwt".into(), jwt());
    s.subschemas.insert("cors".into(), cors(edition));
    s.subschemas.insert("rate-limiting".into(), rate_limiting());
    s.subschemas
        .insert("request-size-limiting".into(), request_size_limiting());
    s.subschemas.insert("http-log".into(), http_log());
    s.subschemas.insert("file-log".into(), file_log());
    if edition == Edition::Enterprise {
        s.subschemas
            .insert("openid-connect".into(), openid_connect());
    }
    s
}
