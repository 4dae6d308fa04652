//! Contract tests: services and the generic Admin API behaviour
//! (kong-admin-api.md §0, §1 services, §2).

mod common;
use common::*;

// K:db/schema/entities/services.lua: defaults; K:api/endpoints.lua nulls=true.
#[test]
fn service_defaults_and_nulls() {
    let (_sb, c) = start();
    let r = c.post("/services", json!({ "host": "example.test" }));
    assert_eq!(r.status, 201);
    let s = r.json();
    assert_eq!(s["protocol"], "http");
    assert_eq!(s["port"], 80);
    assert_eq!(s["retries"], 5);
    assert_eq!(s["connect_timeout"], 60000);
    assert_eq!(s["read_timeout"], 60000);
    assert_eq!(s["write_timeout"], 60000);
    assert_eq!(s["enabled"], true);
    for f in [
        "name",
        "path",
        "tags",
        "client_certificate",
        "tls_verify",
        "tls_verify_depth",
        "ca_certificates",
    ] {
        assert!(s[f].is_null(), "{f} should be null");
        assert!(s.as_object().unwrap().contains_key(f), "{f} present");
    }
    assert!(s["created_at"].is_i64());
    assert!(
        s["created_at"].as_i64().unwrap() < 10_000_000_000,
        "seconds, not ms"
    );
    assert_eq!(s["id"].as_str().unwrap().len(), 36);
    assert!(s.get("url").is_none());
}

// 10-services_routes_spec: `http://example.test:443` → http, 443, path null.
#[test]
fn url_shorthand_scheme_wins_over_port() {
    let (_sb, c) = start();
    let s = c
        .post("/services", json!({ "url": "http://example.test:443" }))
        .json();
    assert_eq!(
        (s["protocol"].clone(), s["host"].clone(), s["port"].clone()),
        (json!("http"), json!("example.test"), json!(443))
    );
    assert!(s["path"].is_null());
}

// 10-services_routes_spec: `https://s/` → 443, path "/".
#[test]
fn url_shorthand_https_defaults_443_and_root_path() {
    let (_sb, c) = start();
    let s = c.post("/services", json!({ "url": "https://s/" })).json();
    assert_eq!(s["protocol"], "https");
    assert_eq!(s["port"], 443);
    assert_eq!(s["path"], "/");
}

// init.lua shorthand_fields: url is not deprecated, so it overrides protocol/host/port/path.
#[test]
fn url_shorthand_overrides_explicit_fields() {
    let (_sb, c) = start();
    let s = c
        .post("/services", json!({ "url": "http://a.test/p", "protocol": "https", "host": "b.test", "port": 8443, "path": "/x" }))
        .json();
    assert_eq!(
        (
            s["protocol"].clone(),
            s["host"].clone(),
            s["port"].clone(),
            s["path"].clone()
        ),
        (json!("http"), json!("a.test"), json!(80), json!("/p"))
    );
}

// url "" gives 400 ("length must be at least 1").
#[test]
fn url_shorthand_empty_is_rejected() {
    let (_sb, c) = start();
    let r = c.post("/services", json!({ "url": "" }));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["fields"]["url"], "length must be at least 1");
}

// typedefs.host: "must not have a port", "invalid value: x".
#[test]
fn service_host_rules() {
    let (_sb, c) = start();
    let r = c.post("/services", json!({ "host": "example.test:8080" }));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "code": 2, "name": "schema violation",
            "message": "schema violation (host: must not have a port)",
            "fields": { "host": "must not have a port" }
        })
    );
    let r = c.post("/services", json!({ "host": "bad host" }));
    assert_eq!(r.json()["fields"]["host"], "invalid value: bad host");
    let r = c.post("/services", json!({}));
    assert_eq!(r.json()["fields"]["host"], "required field missing");
}

// typedefs.path: starts with /, no //, RFC 3986, %-encoding.
#[test]
fn service_path_rules() {
    let (_sb, c) = start();
    let f = |p: &str| {
        c.post("/services", json!({ "host": "h.test", "path": p }))
            .json()["fields"]["path"]
            .clone()
    };
    assert_eq!(f("x"), "should start with: /");
    assert_eq!(f("/a//b"), "must not have empty segments");
    assert_eq!(
        f("/a b"),
        "invalid path: '/a b' (characters outside of the reserved list of RFC 3986 found)"
    );
    assert_eq!(f("/a%zz"), "invalid url-encoded value: '%zz'");
}

// services.lua entity_checks: path must be null for tcp; tls fields only for https/tls.
#[test]
fn service_protocol_dependent_checks() {
    let (_sb, c) = start();
    let r = c
        .post(
            "/services",
            json!({ "host": "h.test", "protocol": "tcp", "path": "/x" }),
        )
        .json();
    assert_eq!(
        r["fields"],
        json!({
            "path": "value must be null",
            "@entity": ["failed conditional validation given value of field 'protocol'"]
        })
    );
    let r = c
        .post(
            "/services",
            json!({ "host": "h.test", "protocol": "http", "tls_verify": true }),
        )
        .json();
    assert_eq!(r["fields"]["tls_verify"], "value must be null");
    assert_eq!(c.post("/services", json!({ "host": "h.test", "protocol": "https", "tls_verify": true, "tls_verify_depth": 3 })).status, 201);
}

// init.lua: "unknown field", "expected an integer", between; two errors → "2 schema violations (...)".
#[test]
fn unknown_field_and_type_errors() {
    let (_sb, c) = start();
    let r = c
        .post(
            "/services",
            json!({ "host": "h.test", "foo": 1, "port": "x" }),
        )
        .json();
    assert_eq!(
        r["message"],
        "2 schema violations (foo: unknown field; port: expected an integer)"
    );
    let r = c
        .post("/services", json!({ "host": "h.test", "port": 70000 }))
        .json();
    assert_eq!(r["fields"]["port"], "value should be between 0 and 65535");
    let r = c
        .post(
            "/services",
            json!({ "host": "h.test", "connect_timeout": 0 }),
        )
        .json();
    assert_eq!(
        r["fields"]["connect_timeout"],
        "value should be between 1 and 2147483646"
    );
    let r = c
        .post("/services", json!({ "host": "h.test", "name": "a b" }))
        .json();
    assert_eq!(r["fields"]["name"], "invalid value 'a b': the only accepted ascii characters are alphanumerics or ., -, _, and ~");
    let r = c
        .post("/services", json!({ "host": "h.test", "name": "" }))
        .json();
    assert_eq!(r["fields"]["name"], "length must be at least 1");
}

// typedefs.tags and make_set: duplicates removed, first occurrence order kept; bad tag message.
#[test]
fn tags_are_sets_and_validated() {
    let (_sb, c) = start();
    let s = c
        .post(
            "/services",
            json!({ "host": "h.test", "tags": ["b", "a", "b", "with space"] }),
        )
        .json();
    assert_eq!(s["tags"], json!(["b", "a", "with space"]));
    let r = c
        .post(
            "/services",
            json!({ "host": "h.test", "tags": ["ok", "a,b"] }),
        )
        .json();
    assert_eq!(r["fields"]["tags"], json!([null, "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences"]));
    assert_eq!(r["message"], "schema violation (tags.2: invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences)");
}

// errors.lua unique_violation: 409 code 5.
#[test]
fn unique_name_conflict_is_409() {
    let (_sb, c) = start();
    service(&c, "foo");
    let r = c.post("/services", json!({ "name": "foo", "host": "h.test" }));
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json(),
        json!({
            "code": 5, "name": "unique constraint violation",
            "message": "UNIQUE violation detected on '{name=\"foo\"}'",
            "fields": { "name": "foo" }
        })
    );
}

// errors.lua primary_key_violation: POST with an existing id → code 3, HTTP 400.
#[test]
fn primary_key_violation_on_post_with_existing_id() {
    let (_sb, c) = start();
    let id = service(&c, "a");
    let r = c.post("/services", json!({ "id": id, "host": "h.test" }));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 3);
    assert_eq!(
        r.json()["message"],
        format!("primary key violation on key '{{id=\"{id}\"}}'")
    );
    assert_eq!(r.json()["fields"], json!({ "id": id }));
}

// endpoints.lua: GET by id or name; 404 body.
#[test]
fn get_by_id_or_name_and_not_found() {
    let (_sb, c) = start();
    let id = service(&c, "svc");
    assert_eq!(c.get(&format!("/services/{id}")).json()["name"], "svc");
    assert_eq!(c.get("/services/svc").json()["id"], id);
    let r = c.get("/services/nope");
    assert_eq!(
        (r.status, r.json()),
        (404, json!({ "message": "Not found" }))
    );
}

// 09-routes_routes_spec l.722: PUT always 200; creates by name; resets missing fields.
#[test]
fn put_upserts_and_resets_missing_fields() {
    let (_sb, c) = start();
    let r = c.put(
        "/services/by-name",
        json!({ "host": "h.test", "retries": 9, "path": "/p" }),
    );
    assert_eq!(r.status, 200);
    let s = r.json();
    assert_eq!(s["name"], "by-name");
    let id = s["id"].as_str().unwrap().to_string();
    let r = c.put(&format!("/services/{id}"), json!({ "host": "h2.test" }));
    assert_eq!(r.status, 200);
    let s = r.json();
    assert_eq!(s["retries"], 5, "reset to default");
    assert!(s["path"].is_null(), "reset to null");
    assert!(s["name"].is_null(), "PUT by id without name clears it");
}

// PATCH merges; null clears; required null → "required field missing".
#[test]
fn patch_merges_and_null_clears() {
    let (_sb, c) = start();
    let id = c
        .post(
            "/services",
            json!({ "name": "p", "host": "h.test", "path": "/x", "retries": 2 }),
        )
        .json()["id"]
        .clone();
    let s = c
        .patch("/services/p", json!({ "retries": 3, "path": null }))
        .json();
    assert_eq!(s["id"], id);
    assert_eq!(s["retries"], 3);
    assert!(s["path"].is_null());
    assert_eq!(s["host"], "h.test");
    let r = c.patch("/services/p", json!({ "host": null }));
    assert_eq!(r.json()["fields"]["host"], "required field missing");
    assert_eq!(
        c.patch("/services/missing", json!({ "retries": 1 })).status,
        404
    );
}

// 10-services_routes_spec l.456-463: DELETE is 204 even when missing.
#[test]
fn delete_is_204_even_when_missing() {
    let (_sb, c) = start();
    service(&c, "d");
    assert_eq!(c.delete("/services/d").status, 204);
    assert_eq!(c.get("/services/d").status, 404);
    assert_eq!(c.delete("/services/d").status, 204);
    assert_eq!(
        c.delete("/services/00000000-0000-0000-0000-000000000000")
            .status,
        204
    );
}

// 000_base.lua: routes.service_id has no cascade → deleting a referenced service fails (code 4).
#[test]
fn delete_referenced_service_is_foreign_key_violation() {
    let (_sb, c) = start();
    service(&c, "ref");
    assert_eq!(
        c.post("/services/ref/routes", json!({ "paths": ["/r"] }))
            .status,
        201
    );
    let r = c.delete("/services/ref");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "code": 4, "name": "foreign key violation",
            "message": "an existing 'routes' entity references this 'services' entity",
            "fields": { "@referenced_by": "routes" }
        })
    );
}

// api_helpers: 415 for other content types, malformed JSON 400, 405 wrong method, unknown path 404, trailing slash.
#[test]
fn http_level_errors() {
    let (sb, c) = start();
    // Requests no HTTP client library sends (a wrong content type, broken JSON, any method),
    // written by hand.
    let raw = RawClient::new(sb.addr());
    let r = raw
        .raw("POST", "/services", Some("text/plain"), b"host=x")
        .unwrap();
    assert_eq!(r.status, 415);
    let r = raw
        .raw("POST", "/services", Some("application/json"), b"{not json")
        .unwrap();
    assert_eq!(
        (r.status, r.json()),
        (400, json!({ "message": "Cannot parse JSON body" }))
    );
    let r = raw.raw("DELETE", "/services", None, b"").unwrap();
    assert_eq!(
        (r.status, r.json()),
        (405, json!({ "message": "Method not allowed" }))
    );
    let r = c.get("/nothing-here");
    assert_eq!(
        (r.status, r.json()),
        (404, json!({ "message": "Not found" }))
    );
    assert_eq!(c.get("/services/").status, 200);
    assert_eq!(
        c.get("/default/services").status,
        404,
        "OSS has no workspace routes"
    );
    let r = raw.raw("OPTIONS", "/services", None, b"").unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(r.header("Allow"), Some("GET, POST"));
}

// arguments.lua: form-urlencoded with typed inference, `tags[]` arrays.
#[test]
fn form_urlencoded_bodies_are_typed() {
    let (_sb, c) = start();
    let r = c.form(
        "POST",
        "/services",
        "name=f&host=h.test&port=8080&enabled=false&tags[]=a&tags[]=b",
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let s = r.json();
    assert_eq!(s["port"], 8080);
    assert_eq!(s["enabled"], false);
    assert_eq!(s["tags"], json!(["a", "b"]));
    let r = c.form(
        "POST",
        "/routes",
        &format!("paths[]=/f&service.id={}", s["id"].as_str().unwrap()),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["service"]["id"], s["id"]);
}

// GET / (K:api/routes/kong.lua) and /status (health.lua).
#[test]
fn root_and_status() {
    let (_sb, c) = start();
    let r = c.get("/").json();
    assert_eq!(r["version"], "3.9.3");
    assert_eq!(r["edition"], "community");
    assert_eq!(r["tagline"], "Welcome to kong");
    assert!(r["plugins"]["available_on_server"]["basic-auth"].is_object());
    assert!(r["plugins"]["available_on_server"]
        .get("openid-connect")
        .is_none());
    let s = c.get("/status").json();
    assert_eq!(s["database"]["reachable"], true);
    assert!(s["server"]["total_requests"].is_u64());
    let e = c.get("/plugins/enabled").json();
    assert!(e["enabled_plugins"]
        .as_array()
        .unwrap()
        .contains(&json!("rate-limiting")));
}

// `SandboxConfig::version`: `GET /` reports it, for the bundled plugins too (K:api/routes/kong.lua
// `available_on_server` lists each handler's VERSION, which is `kong_meta.version` in every bundled
// plugin's handler.lua, e.g. K:plugins/http-log/handler.lua); the Admin API is unchanged.
#[test]
fn root_reports_the_version_the_sandbox_was_started_with() {
    let sb = Sandbox::spawn(SandboxConfig {
        version: Some("2.8.4".into()),
        ..SandboxConfig::default()
    })
    .unwrap();
    let c = client(&sb);
    let r = c.get("/").json();
    assert_eq!(r["version"], "2.8.4");
    assert_eq!(r["edition"], "community");
    assert_eq!(
        r["plugins"]["available_on_server"]["basic-auth"]["version"],
        "2.8.4"
    );
    let id = service(&c, "s");
    assert_eq!(c.get(&format!("/services/{id}")).json()["name"], "s");
}
