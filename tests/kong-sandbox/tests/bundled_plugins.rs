//! Contract tests: the plugins read from tables (src/entities/tables/*.plugins), each rule
//! checked against the Kong 3.9.3 source the table cites (K:plugins/<name>/schema.lua), and the
//! shared redis record (K:tools/redis/schema.lua).

mod common;
use common::*;
use serde_json::Value;

/// Creates a plugin and deletes it again (a global plugin of a name is unique), returning
/// Kong's answer to the creation.
fn create(c: &Client, body: Value) -> (u16, Value) {
    let r = c.post("/plugins", body);
    let v = r.json();
    if r.status == 201 {
        let id = v["id"].as_str().unwrap_or_default();
        assert_eq!(c.delete(&format!("/plugins/{id}")).status, 204);
    }
    (r.status, v)
}

#[test]
fn every_bundled_plugin_is_available() {
    let (_sb, c) = start();
    let root = c.get("/").json();
    let available = root["plugins"]["available_on_server"]
        .as_object()
        .expect("map")
        .clone();
    assert_eq!(available.len(), 45, "K:constants.lua bundles 45 plugins");
    assert_eq!(available["prometheus"]["priority"], 13);
    assert_eq!(available["post-function"]["priority"], -1000);
    let enabled = c.get("/plugins/enabled").json();
    assert_eq!(
        enabled["enabled_plugins"].as_array().map(|a| a.len()),
        Some(45)
    );
}

// K:plugins/key-auth/schema.lua
#[test]
fn key_auth_defaults_and_rules() {
    let (_sb, c) = start();
    let r = c.post("/plugins", json!({ "name": "key-auth" }));
    let (status, p) = (r.status, r.json());
    assert_eq!(status, 201);
    assert_eq!(
        p["config"],
        json!({
            "key_names": ["apikey"], "hide_credentials": false, "anonymous": null,
            "key_in_header": true, "key_in_query": true, "key_in_body": false,
            "run_on_preflight": true, "realm": null
        })
    );
    assert_eq!(p["protocols"], json!(["grpc", "grpcs", "http", "https"]));
    let id = p["id"].as_str().expect("id").to_string();
    let r = c.patch(
        &format!("/plugins/{id}"),
        json!({ "config": { "key_in_body": true } }),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["config"]["key_in_body"], true);
    assert_eq!(r.json()["config"]["key_names"], json!(["apikey"]));
    assert_eq!(c.delete(&format!("/plugins/{id}")).status, 204);

    let (status, e) = create(
        &c,
        json!({ "name": "key-auth", "config": { "key_names": ["ok", "no way"] } }),
    );
    assert_eq!(status, 400);
    assert_eq!(
        e["fields"]["config"]["key_names"],
        json!([
            null,
            "bad header name 'no way', allowed characters are A-Z, a-z, 0-9, '_', and '-'"
        ])
    );
    let (_, e) = create(
        &c,
        json!({ "name": "key-auth", "config": { "hide_credentials": null } }),
    );
    assert_eq!(
        e["fields"]["config"]["hide_credentials"],
        "required field missing"
    );
    let (_, e) = create(&c, json!({ "name": "key-auth", "protocols": ["tcp"] }));
    assert_eq!(
        e["fields"]["protocols"],
        json!(["expected one of: grpc, grpcs, http, https"])
    );
    let consumer = c.post("/consumers", json!({ "username": "alice" })).json();
    let (_, e) = create(
        &c,
        json!({ "name": "key-auth", "consumer": { "id": consumer["id"] } }),
    );
    assert_eq!(e["fields"]["consumer"], "value must be null");
}

// K:plugins/prometheus/schema.lua: booleans that default to false but may be null, every protocol.
#[test]
fn prometheus_defaults_and_rules() {
    let (_sb, c) = start();
    let (status, p) = create(&c, json!({ "name": "prometheus" }));
    assert_eq!(status, 201);
    assert_eq!(
        p["config"],
        json!({
            "per_consumer": false, "status_code_metrics": false, "ai_metrics": false,
            "latency_metrics": false, "bandwidth_metrics": false, "upstream_health_metrics": false
        })
    );
    let (status, p) = create(
        &c,
        json!({ "name": "prometheus", "protocols": ["tcp"], "config": { "per_consumer": null, "latency_metrics": true } }),
    );
    assert_eq!(status, 201);
    assert!(p["config"]["per_consumer"].is_null());
    assert_eq!(p["config"]["latency_metrics"], true);
    let (status, e) = create(
        &c,
        json!({ "name": "prometheus", "config": { "per_consumer": "yes", "nope": 1 } }),
    );
    assert_eq!(status, 400);
    assert_eq!(
        e["fields"]["config"],
        json!({ "per_consumer": "expected a boolean", "nope": "unknown field" })
    );
}

// K:tools/redis/schema.lua, as rate-limiting embeds it, and rate-limiting's deprecated shorthands
// (K:db/schema/init.lua process_auto_fields, validate_deprecation_exclusiveness).
#[test]
fn rate_limiting_redis_defaults_and_shorthands() {
    let (_sb, c) = start();
    let (status, p) = create(
        &c,
        json!({ "name": "rate-limiting", "config": { "minute": 5 } }),
    );
    assert_eq!(status, 201);
    assert_eq!(
        p["config"]["redis"],
        json!({
            "host": null, "port": 6379, "timeout": 2000, "username": null, "password": null,
            "database": 0, "ssl": false, "ssl_verify": false, "server_name": null
        })
    );
    let (status, p) = create(
        &c,
        json!({ "name": "rate-limiting", "config": { "minute": 5, "policy": "redis", "redis_host": "redis.test", "redis_ssl": null } }),
    );
    assert_eq!(status, 201);
    assert_eq!(p["config"]["redis"]["host"], "redis.test");
    assert_eq!(p["config"]["redis"]["port"], 6379);
    // deprecated names that name their replacement are shown with its value
    assert_eq!(
        (
            p["config"]["redis_host"].clone(),
            p["config"]["redis_port"].clone(),
            p["config"]["redis_password"].clone()
        ),
        (json!("redis.test"), json!(6379), Value::Null)
    );
    let (_, e) = create(
        &c,
        json!({ "name": "rate-limiting", "config": { "minute": 5, "redis_port": 1, "redis": { "port": 2 } } }),
    );
    assert_eq!(
        e["fields"]["config"]["redis_port"],
        "both deprecated and new field are used but their values mismatch: redis_port = 1 vs redis.port = 2"
    );
    let (status, p) = create(
        &c,
        json!({ "name": "rate-limiting", "config": { "minute": 5, "redis_port": 7, "redis": { "port": 7 } } }),
    );
    assert_eq!(
        (status, p["config"]["redis"]["port"].clone()),
        (201, json!(7))
    );
    let (_, e) = create(
        &c,
        json!({ "name": "rate-limiting", "config": { "minute": 5, "policy": "redis", "redis": { "host": "r", "port": null } } }),
    );
    assert_eq!(
        e["fields"]["config"]["redis"]["port"],
        "required field missing"
    );
}

// Entity and record checks written as table rows.
#[test]
fn table_checks_follow_kong() {
    let (_sb, c) = start();
    // K:plugins/ldap-auth/schema.lua: a record entity check with then_err
    let (_, e) = create(
        &c,
        json!({ "name": "ldap-auth", "config": { "ldap_host": "ldap.test", "base_dn": "dc=x", "attribute": "uid", "ldaps": true, "start_tls": true } }),
    );
    assert_eq!(
        e["fields"]["config"]["@entity"],
        json!(["'ldaps' and 'start_tls' cannot be enabled simultaneously"])
    );
    // K:plugins/oauth2/schema.lua validate_flows (a config custom_validator) and auto provision_key
    let (_, e) = create(&c, json!({ "name": "oauth2" }));
    assert_eq!(
        e["fields"]["config"],
        "at least one of these fields must be true: enable_authorization_code, enable_implicit_grant, enable_client_credentials, enable_password_grant"
    );
    let (status, p) = create(
        &c,
        json!({ "name": "oauth2", "config": { "enable_client_credentials": true } }),
    );
    assert_eq!(status, 201);
    assert_eq!(
        p["config"]["provision_key"].as_str().map(str::len),
        Some(32)
    );
    // K:plugins/ip-restriction/schema.lua
    let (_, e) = create(&c, json!({ "name": "ip-restriction" }));
    assert_eq!(
        e["fields"]["@entity"],
        json!(["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"])
    );
    let (status, p) = create(
        &c,
        json!({ "name": "ip-restriction", "config": { "allow": ["10.0.0.0/8"] } }),
    );
    assert_eq!(status, 201);
    assert_eq!(
        p["protocols"],
        json!(["http", "https", "tcp", "tls", "grpc", "grpcs"])
    );
    // K:plugins/bot-detection/schema.lua `is_regex`
    let (_, e) = create(
        &c,
        json!({ "name": "bot-detection", "config": { "deny": ["(unclosed"] } }),
    );
    assert_eq!(
        e["fields"]["config"]["deny"],
        json!(["not a valid regex: (unclosed"])
    );
    // K:plugins/acme/schema.lua: global only
    let svc = c
        .post("/services", json!({ "host": "example.test" }))
        .json();
    let (_, e) = create(
        &c,
        json!({ "name": "acme", "service": { "id": svc["id"] }, "config": { "account_email": "a@b.test" } }),
    );
    assert_eq!(e["fields"]["service"], "value must be null");
    let (status, p) = create(
        &c,
        json!({ "name": "acme", "config": { "account_email": "a@b.test" } }),
    );
    assert_eq!(status, 201);
    assert_eq!(
        p["config"]["storage_config"]["redis"]["extra_options"],
        json!({ "namespace": "", "scan_count": 10 })
    );
    assert!(
        p["config"]["account_key"].is_null(),
        "an optional record stays null"
    );
    // K:plugins/response-ratelimiting/schema.lua: map of records with their own rules
    let (_, e) = create(
        &c,
        json!({ "name": "response-ratelimiting", "config": { "limits": { "video": { "minute": 10, "second": 20 } } } }),
    );
    assert_eq!(
        e["fields"]["config"]["limits"],
        "the limit for minute(10.0) cannot be lower than the limit for second(20.0)"
    );
    // K:plugins/pre-function/_schema.lua
    let (_, e) = create(&c, json!({ "name": "pre-function" }));
    assert_eq!(
        e["fields"]["@entity"],
        json!(["at least one of these fields must be non-empty: 'config.certificate', 'config.rewrite', 'config.access', 'config.header_filter', 'config.body_filter', 'config.log'"])
    );
}

// K:llm/schemas/init.lua entity checks inside ai-proxy's config, and ai-proxy's own.
#[test]
fn ai_proxy_llm_rules() {
    let (_sb, c) = start();
    let (_, e) = create(
        &c,
        json!({ "name": "ai-proxy", "config": { "route_type": "llm/v1/chat", "model": { "provider": "azure" } } }),
    );
    let entity = e["fields"]["config"]["@entity"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        entity.contains(&json!(
            "must set 'model.options.azure_instance' for azure provider"
        )),
        "{e}"
    );
    let (status, p) = create(
        &c,
        json!({ "name": "ai-proxy", "config": { "route_type": "llm/v1/chat", "model": { "provider": "openai" } } }),
    );
    assert_eq!(status, 201, "{p}");
    assert_eq!(
        p["config"]["logging"],
        json!({ "log_statistics": false, "log_payloads": false })
    );
    assert!(p["config"]["auth"].is_null());
    assert_eq!(p["config"]["response_streaming"], "allow");
    let (_, e) = create(
        &c,
        json!({ "name": "ai-proxy", "config": { "route_type": "llm/v1/chat", "llm_format": "gemini", "model": { "provider": "openai" } } }),
    );
    assert_eq!(
        e["fields"]["@entity"],
        json!(["native llm_format 'gemini' can only be used with the 'gemini' model.provider"])
    );
}

// K:plugins/datadog/schema.lua default metrics; K:plugins/session/schema.lua shorthands.
#[test]
fn defaults_of_arrays_of_records_and_plain_shorthands() {
    let (_sb, c) = start();
    let (status, p) = create(&c, json!({ "name": "datadog" }));
    assert_eq!(status, 201);
    assert_eq!(p["config"]["metrics"].as_array().map(|m| m.len()), Some(6));
    // records inside arrays are shown with every field, as a select shows them
    assert_eq!(
        p["config"]["metrics"][1],
        json!({ "name": "latency", "stat_type": "timer", "tags": ["app:kong"], "sample_rate": null, "consumer_identifier": "custom_id" })
    );
    assert_eq!(p["config"]["queue"]["max_batch_size"], 1);
    let (_, e) = create(
        &c,
        json!({ "name": "datadog", "config": { "metrics": [{ "name": "latency", "stat_type": "gauge" }] } }),
    );
    assert_eq!(
        e["fields"]["config"]["metrics"],
        json!([{ "@entity": ["failed conditional validation given value of field 'stat_type'"], "sample_rate": "required field missing" }])
    );
    let (status, p) = create(
        &c,
        json!({ "name": "session", "config": { "cookie_samesite": "off", "cookie_lifetime": 60 } }),
    );
    assert_eq!(status, 201);
    assert_eq!(p["config"]["cookie_same_site"], "Lax");
    assert_eq!(p["config"]["rolling_timeout"], 60);
    assert_eq!(p["config"]["secret"].as_str().map(str::len), Some(44));
    let (status, p) = create(
        &c,
        json!({ "name": "opentelemetry", "config": { "endpoint": "http://otel.test/v1/traces" } }),
    );
    assert_eq!(status, 201);
    assert_eq!(p["config"]["traces_endpoint"], "http://otel.test/v1/traces");
    assert!(
        p["config"].get("endpoint").is_none(),
        "no replaced_with: not shown"
    );
    assert_eq!(p["config"]["queue"]["max_batch_size"], 200);
    assert_eq!(p["config"]["propagation"]["default_format"], "w3c");
}

// K:plugins/http-log/schema.lua header name patterns, as written: its Content-Length pattern
// `[Ll][Ee][nn][Gg][Tt][Hh]` needs a lower-case `n`.
#[test]
fn http_log_header_patterns_as_kong_writes_them() {
    let (_sb, c) = start();
    let log = |h: &str| json!({ "name": "http-log", "config": { "http_endpoint": "http://log.test", "headers": { h: "1" } } });
    let (_, e) = create(&c, log("content-length"));
    assert_eq!(
        e["fields"]["config"]["headers"],
        "cannot contain 'Content-Length' header"
    );
    let (_, e) = create(&c, log("HOST"));
    assert_eq!(
        e["fields"]["config"]["headers"],
        "cannot contain 'Host' header"
    );
    let (status, _) = create(&c, log("Content-LENGTH"));
    assert_eq!(status, 201);
}
