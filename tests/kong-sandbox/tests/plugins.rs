//! Contract tests: plugins (K:db/schema/entities/plugins.lua, K:db/dao/plugins.lua,
//! K:plugins/*/schema.lua, 10-services_routes_spec l.612).

mod common;
use common::*;

#[test]
fn plugin_defaults_and_config_defaults() {
    let (_sb, c) = start();
    let r = c.post("/plugins", json!({ "name": "cors" }));
    assert_eq!(r.status, 201);
    let p = r.json();
    assert_eq!(p["protocols"], json!(["grpc", "grpcs", "http", "https"]));
    assert_eq!(p["enabled"], true);
    assert!(
        p["service"].is_null()
            && p["route"].is_null()
            && p["consumer"].is_null()
            && p["instance_name"].is_null()
    );
    assert_eq!(
        p["config"]["methods"],
        json!(["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"])
    );
    assert_eq!(p["config"]["credentials"], false);
    assert!(p["config"]["origins"].is_null());
    assert!(
        p["config"].get("allow_origin_absent").is_none(),
        "3.9.3 cors has no allow_origin_absent"
    );
}

// plugins.lua subschema_error.
#[test]
fn plugin_not_enabled() {
    let (_sb, c) = start();
    let r = c.post(
        "/plugins",
        json!({ "name": "openid-connect", "config": { "issuer": "https://idp.test" } }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "code": 2, "name": "schema violation",
            "message": "schema violation (name: plugin 'openid-connect' not enabled; add it to the 'plugins' configuration property)",
            "fields": { "name": "plugin 'openid-connect' not enabled; add it to the 'plugins' configuration property" }
        })
    );
}

// cache_key uniqueness: 409 code 5 with fields {consumer:null,name,route:null,service:{id}}.
#[test]
fn cache_key_uniqueness() {
    let (_sb, c) = start();
    let sid = service(&c, "s");
    assert_eq!(
        c.post("/services/s/plugins", json!({ "name": "basic-auth" }))
            .status,
        201
    );
    let r = c.post("/services/s/plugins", json!({ "name": "basic-auth" }));
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json(),
        json!({
            "code": 5, "name": "unique constraint violation",
            "message": format!("UNIQUE violation detected on '{{consumer=null,name=\"basic-auth\",route=null,service={{id=\"{sid}\"}}}}'"),
            "fields": { "consumer": null, "name": "basic-auth", "route": null, "service": { "id": sid } }
        })
    );
    assert_eq!(
        c.post("/plugins", json!({ "name": "basic-auth" })).status,
        201,
        "a global one is another cache key"
    );
}

// basic-auth, acl, jwt, cors: consumer = no_consumer.
#[test]
fn no_consumer_plugins() {
    let (_sb, c) = start();
    let cid = c.post("/consumers", json!({ "username": "u" })).json()["id"].clone();
    let r = c.post(
        "/plugins",
        json!({ "name": "basic-auth", "consumer": { "id": cid } }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["fields"]["consumer"], "value must be null");
    assert_eq!(
        c.post(
            "/consumers/u/plugins",
            json!({ "name": "acl", "config": { "allow": ["g"] } })
        )
        .json()["fields"]["consumer"],
        "value must be null"
    );
}

// K:db/dao/plugins.lua check_protocols_match.
#[test]
fn protocols_must_match_route() {
    let (_sb, c) = start();
    let route = c
        .post(
            "/routes",
            json!({ "protocols": ["https"], "paths": ["/a"] }),
        )
        .json();
    let r = c.post(
        "/plugins",
        json!({ "name": "cors", "route": { "id": route["id"] }, "protocols": ["http"] }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["fields"]["protocols"],
        "must match the associated route's protocols"
    );
    assert_eq!(
        c.post(
            "/plugins",
            json!({ "name": "cors", "route": { "id": route["id"] }, "protocols": ["https"] })
        )
        .status,
        201
    );
    service(&c, "s");
    c.post(
        "/services/s/routes",
        json!({ "protocols": ["https"], "paths": ["/b"] }),
    );
    let r = c.post(
        "/services/s/plugins",
        json!({ "name": "cors", "protocols": ["http"] }),
    );
    assert_eq!(
        r.json()["fields"]["protocols"],
        "must match the protocols of at least one route pointing to this Plugin's service"
    );
    let r = c.post(
        "/plugins",
        json!({ "name": "basic-auth", "protocols": ["tcp"] }),
    );
    assert_eq!(
        r.json()["fields"]["protocols"],
        json!(["expected one of: grpc, grpcs, http, https"])
    );
}

// acl schema: exactly one of allow/deny.
#[test]
fn acl_allow_xor_deny() {
    let (_sb, c) = start();
    let r = c.post(
        "/plugins",
        json!({ "name": "acl", "config": { "allow": ["a"], "deny": ["b"] } }),
    );
    assert_eq!(
        r.json()["fields"]["@entity"],
        json!(["exactly one of these fields must be non-empty: 'config.allow', 'config.deny'"])
    );
    let r = c.post("/plugins", json!({ "name": "acl", "config": {} }));
    assert_eq!(
        r.json()["fields"]["@entity"],
        json!([
            "exactly one of these fields must be non-empty: 'config.allow', 'config.deny'",
            "at least one of these fields must be non-empty: 'config.allow', 'config.deny'"
        ])
    );
    let r = c.post(
        "/plugins",
        json!({ "name": "acl", "config": { "allow": ["a"] } }),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        r.json()["config"],
        json!({ "allow": ["a"], "deny": null, "hide_groups_header": false, "always_use_authenticated_groups": false })
    );
}

// rate-limiting schema: period ordering, at least one limit, limit_by header/path, redis, sync_rate.
#[test]
fn rate_limiting_rules() {
    let (_sb, c) = start();
    let r = c
        .post(
            "/plugins",
            json!({ "name": "rate-limiting", "config": { "second": 10, "minute": 5 } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        "The limit for minute(5.0) cannot be lower than the limit for second(10.0)"
    );
    let r = c
        .post("/plugins", json!({ "name": "rate-limiting", "config": {} }))
        .json();
    assert_eq!(r["fields"]["@entity"], json!(["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"]));
    let r = c
        .post(
            "/plugins",
            json!({ "name": "rate-limiting", "config": { "minute": 5, "limit_by": "header" } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "header_name": "required field missing" })
    );
    assert_eq!(
        r["fields"]["@entity"],
        json!(["failed conditional validation given value of field 'config.limit_by'"])
    );
    let r = c
        .post(
            "/plugins",
            json!({ "name": "rate-limiting", "config": { "minute": 5, "policy": "redis" } }),
        )
        .json();
    // redis.port defaults to 6379 in Kong 3.9.3 (K:tools/redis/schema.lua), so only the host
    // is missing.
    assert_eq!(
        r["fields"]["config"],
        json!({ "redis": { "host": "required field missing" } })
    );
    let r = c
        .post(
            "/plugins",
            json!({ "name": "rate-limiting", "config": { "minute": 5, "sync_rate": 1 } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        "sync_rate can only be used with the redis policy"
    );
    let r = c
        .post(
            "/plugins",
            json!({ "name": "rate-limiting", "config": { "minute": 5, "limit_by": "nope" } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "limit_by": "expected one of: consumer, credential, ip, service, header, path" })
    );
    let r = c
        .post(
            "/plugins",
            json!({ "name": "rate-limiting", "config": { "minute": 5, "hour": 100, "bogus": 1 } }),
        )
        .json();
    assert_eq!(r["fields"]["config"], json!({ "bogus": "unknown field" }));
    let r = c.post(
        "/plugins",
        json!({ "name": "rate-limiting", "config": { "minute": 5, "hour": 100 } }),
    );
    assert_eq!(r.status, 201);
    let cfg = r.json()["config"].clone();
    assert_eq!(
        (
            cfg["limit_by"].clone(),
            cfg["policy"].clone(),
            cfg["fault_tolerant"].clone(),
            cfg["error_code"].clone(),
            cfg["error_message"].clone(),
            cfg["sync_rate"].clone()
        ),
        (
            json!("consumer"),
            json!("local"),
            json!(true),
            json!(429),
            json!("API rate limit exceeded"),
            json!(-1)
        )
    );
    assert!(cfg["second"].is_null());
    assert_eq!(cfg["redis"]["timeout"], 2000);
}

// request-termination custom_validator; PATCH merges config.
#[test]
fn request_termination_rules_and_config_merge() {
    let (_sb, c) = start();
    let r = c
        .post(
            "/plugins",
            json!({ "name": "request-termination", "config": { "message": "m", "body": "b" } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        "message cannot be used with content_type or body"
    );
    let r = c
        .post(
            "/plugins",
            json!({ "name": "request-termination", "config": { "content_type": "text/plain" } }),
        )
        .json();
    assert_eq!(r["fields"]["config"], "content_type requires a body");
    let r = c
        .post(
            "/plugins",
            json!({ "name": "request-termination", "config": { "status_code": 600 } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "status_code": "value should be between 100 and 599" })
    );
    let p = c.post("/plugins", json!({ "name": "request-termination", "instance_name": "rt", "config": { "message": "no function linked" } })).json();
    assert_eq!(p["config"]["status_code"], 503);
    let p = c
        .patch("/plugins/rt", json!({ "config": { "status_code": 404 } }))
        .json();
    assert_eq!(p["config"]["status_code"], 404);
    assert_eq!(
        p["config"]["message"], "no function linked",
        "PATCH merges records"
    );
    let p = c
        .put(
            &format!("/plugins/{}", p["id"].as_str().unwrap()),
            json!({ "name": "request-termination" }),
        )
        .json();
    assert!(p["config"]["message"].is_null(), "PUT resets config");
    assert_eq!(p["config"]["status_code"], 503);
}

#[test]
fn jwt_cors_size_and_log_plugins() {
    let (_sb, c) = start();
    let r = c.post("/plugins", json!({ "name": "jwt", "config": { "maximum_expiration": 60, "claims_to_verify": ["nbf"] } })).json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "claims_to_verify": "expected to contain: exp" })
    );
    let p = c
        .post(
            "/plugins",
            json!({ "name": "jwt", "config": { "claims_to_verify": ["exp", "exp"] } }),
        )
        .json();
    assert_eq!(p["config"]["claims_to_verify"], json!(["exp"]));
    assert_eq!(p["config"]["uri_param_names"], json!(["jwt"]));
    assert_eq!(p["config"]["header_names"], json!(["authorization"]));
    let r = c
        .post(
            "/plugins",
            json!({ "name": "cors", "config": { "origins": ["*", "(bad"] } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "origins": [null, "'(bad' is not a valid regex"] })
    );
    let p = c.post("/plugins", json!({ "name": "request-size-limiting", "config": { "allowed_payload_size": 64, "size_unit": "kilobytes" } }));
    assert_eq!(p.status, 201);
    assert_eq!(p.json()["config"]["require_content_length"], false);
    let r = c
        .post("/plugins", json!({ "name": "http-log", "config": {} }))
        .json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "http_endpoint": "required field missing" })
    );
    let r = c.post("/plugins", json!({ "name": "http-log", "config": { "http_endpoint": "http://log.test/x", "headers": { "Host": "x" } } })).json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "headers": "cannot contain 'Host' header" })
    );
    let p = c
        .post(
            "/plugins",
            json!({ "name": "http-log", "config": { "http_endpoint": "http://log.test/x" } }),
        )
        .json();
    assert_eq!(p["config"]["method"], "POST");
    assert_eq!(p["config"]["queue"]["max_batch_size"], 1);
    assert_eq!(p["protocols"], json!(["grpc", "grpcs", "http", "https"]));
    let r = c
        .post(
            "/plugins",
            json!({ "name": "file-log", "config": { "path": "/tmp/a*b" } }),
        )
        .json();
    assert_eq!(
        r["fields"]["config"],
        json!({ "path": "not a valid filename" })
    );
}

// plugins cascade with their service/route.
#[test]
fn plugins_cascade_with_parent() {
    let (_sb, c) = start();
    service(&c, "s");
    c.post(
        "/services/s/routes",
        json!({ "name": "r", "paths": ["/r"] }),
    );
    c.post("/routes/r/plugins", json!({ "name": "cors" }));
    c.post("/services/s/plugins", json!({ "name": "cors" }));
    assert_eq!(
        c.get("/routes/r/plugins").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(c.delete("/routes/r").status, 204);
    assert_eq!(
        c.get("/plugins").json()["data"].as_array().unwrap().len(),
        1
    );
    assert_eq!(c.delete("/services/s").status, 204);
    assert_eq!(c.get("/plugins").json()["data"], json!([]));
}

// K:api/routes/kong.lua: POST /schemas/{entity}/validate.
#[test]
fn schema_validate_endpoint() {
    let (_sb, c) = start();
    let r = c.post("/schemas/plugins/validate", json!({ "name": "cors" }));
    assert_eq!(
        (r.status, r.json()),
        (200, json!({ "message": "schema validation successful" }))
    );
    let r = c.post(
        "/schemas/plugins/validate",
        json!({ "name": "acl", "config": {} }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 2);
    assert_eq!(
        c.post("/schemas/services/validate", json!({ "host": "h.test" }))
            .status,
        200
    );
    assert_eq!(
        c.get("/plugins").json()["data"],
        json!([]),
        "nothing stored"
    );
}
