//! Contract tests: routes (K:db/schema/entities/routes.lua, routes_subschemas.lua,
//! typedefs.lua, K:tools/uri.lua) and nested route endpoints.

mod common;
use common::*;

fn route_err(c: &Client, body: serde_json::Value) -> serde_json::Value {
    let r = c.post("/routes", body);
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn route_defaults() {
    let (_sb, c) = start();
    let r = c.post("/routes", json!({ "paths": ["/a"] }));
    assert_eq!(r.status, 201);
    let r = r.json();
    assert_eq!(r["protocols"], json!(["http", "https"]));
    assert_eq!(r["https_redirect_status_code"], 426);
    assert_eq!(r["strip_path"], true);
    assert_eq!(r["preserve_host"], false);
    assert_eq!(r["request_buffering"], true);
    assert_eq!(r["response_buffering"], true);
    assert_eq!(r["regex_priority"], 0);
    assert_eq!(r["path_handling"], "v0");
    assert!(r["service"].is_null(), "service may be null");
    for f in [
        "methods",
        "hosts",
        "headers",
        "snis",
        "sources",
        "destinations",
        "name",
        "tags",
    ] {
        assert!(r[f].is_null(), "{f}");
    }
}

// routes_subschemas.lua: per-protocol "must set one of" errors.
#[test]
fn must_set_one_of_per_protocol() {
    let (_sb, c) = start();
    let e = route_err(&c, json!({}));
    assert_eq!(e["fields"]["@entity"], json!(["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"]));
    let e = route_err(&c, json!({ "protocols": ["http"] }));
    assert_eq!(e["message"], "schema violation (must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http')");
    let e = route_err(&c, json!({ "protocols": ["grpc"] }));
    assert_eq!(
        e["fields"]["@entity"],
        json!(["must set one of 'hosts', 'headers', 'paths' when 'protocols' is 'grpc'"])
    );
    let e = route_err(&c, json!({ "protocols": ["tcp"] }));
    assert_eq!(e["fields"]["@entity"], json!(["must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'"]));
    let e = route_err(&c, json!({ "protocols": ["tls_passthrough"] }));
    assert_eq!(
        e["fields"]["@entity"],
        json!(["must set snis when 'protocols' is 'tls_passthrough'"])
    );
    assert_eq!(
        c.post(
            "/routes",
            json!({ "protocols": ["https"], "snis": ["a.test"] })
        )
        .status,
        201
    );
}

// routes.lua mutually_exclusive_subsets and unknown protocol ("unknown type: x").
#[test]
fn protocol_groups_and_unknown_protocol() {
    let (_sb, c) = start();
    let e = route_err(&c, json!({ "protocols": ["http", "tcp"], "paths": ["/a"] }));
    assert_eq!(
        e["fields"]["protocols"],
        "these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp')"
    );
    let e = route_err(&c, json!({ "protocols": ["nope"], "paths": ["/a"] }));
    assert_eq!(e["fields"], json!({ "protocols": "unknown type: nope" }));
}

// subschemas: fields forbidden per protocol, grpc strip_path.
#[test]
fn protocol_specific_forbidden_fields() {
    let (_sb, c) = start();
    let e = route_err(
        &c,
        json!({ "protocols": ["grpc"], "paths": ["/a"], "strip_path": true }),
    );
    assert_eq!(
        e["fields"]["strip_path"],
        "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"
    );
    let r = c
        .post("/routes", json!({ "protocols": ["grpc"], "paths": ["/g"] }))
        .json();
    assert_eq!(r["strip_path"], false, "grpc default strip_path false");
    let e = route_err(
        &c,
        json!({ "protocols": ["tcp"], "destinations": [{ "port": 80 }], "methods": ["GET"] }),
    );
    assert_eq!(
        e["fields"]["methods"],
        "cannot set 'methods' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"
    );
    let e = route_err(
        &c,
        json!({ "paths": ["/a"], "sources": [{ "ip": "10.0.0.1" }] }),
    );
    assert_eq!(
        e["fields"]["sources"],
        "cannot set 'sources' when 'protocols' is 'http' or 'https'"
    );
}

// routes.lua: snis only with grpcs/https/tls/tls_passthrough.
#[test]
fn snis_require_tls_protocol() {
    let (_sb, c) = start();
    let e = route_err(
        &c,
        json!({ "protocols": ["http"], "paths": ["/a"], "snis": ["a.test"] }),
    );
    assert_eq!(e["fields"]["@entity"], json!(["'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"]));
    assert_eq!(e["fields"]["snis"], "length must be 0");
}

// typedefs.hosts: optional port, one wildcard at an edge label.
#[test]
fn hosts_rules() {
    let (_sb, c) = start();
    let ok = c.post(
        "/routes",
        json!({ "hosts": ["a.test:8080", "*.b.test", "c.*", "a.test:8080"] }),
    );
    assert_eq!(ok.status, 201);
    assert_eq!(
        ok.json()["hosts"],
        json!(["a.test:8080", "*.b.test", "c.*", "a.test:8080"]),
        "hosts is an array: duplicates kept"
    );
    let e = route_err(&c, json!({ "hosts": ["*.a.*"] }));
    assert_eq!(
        e["fields"]["hosts"],
        json!(["invalid wildcard: must have at most one wildcard"])
    );
    let e = route_err(&c, json!({ "hosts": ["a.*b.test"] }));
    assert_eq!(
        e["fields"]["hosts"],
        json!(["invalid wildcard: must be placed at leftmost or rightmost label"])
    );
    let e = route_err(&c, json!({ "hosts": ["ok.test", "bad host"] }));
    assert_eq!(
        e["fields"]["hosts"],
        json!([null, "invalid hostname: bad host"])
    );
    let e = route_err(&c, json!({ "hosts": ["a.test:99999"] }));
    assert_eq!(e["fields"]["hosts"], json!(["invalid port number"]));
}

// typedefs.router_path + K:tools/uri.lua normalize.
#[test]
fn paths_start_and_normalisation() {
    let (_sb, c) = start();
    let e = route_err(&c, json!({ "paths": ["a"] }));
    assert_eq!(
        e["fields"]["paths"],
        json!(["should start with: / (fixed path) or ~/ (regex path)"])
    );
    let e = route_err(&c, json!({ "paths": ["/a//b"] }));
    assert_eq!(
        e["fields"]["paths"],
        json!(["must not have empty segments"])
    );
    let cases = [
        ("/a/../b", "/b"),
        ("/a/./b", "/a/b"),
        ("/%41bc", "/Abc"),
        ("/x%2fy", "/x%2Fy"),
        ("/a/b/..", "/a/"),
    ];
    for (p, n) in cases {
        let e = route_err(&c, json!({ "paths": [p] }));
        assert_eq!(
            e["fields"]["paths"],
            json!([format!("non-normalized path, consider use '{n}' instead")]),
            "{p}"
        );
    }
    let e = route_err(&c, json!({ "paths": ["/a%zz"] }));
    assert_eq!(
        e["fields"]["paths"],
        json!(["invalid url-encoded value: '%zz'"])
    );
    // non-reserved %-escapes are decoded by normalize, so they are "non-normalized"
    let e = route_err(&c, json!({ "paths": ["/caf%C3%A9"] }));
    assert_eq!(
        e["fields"]["paths"],
        json!(["non-normalized path, consider use '/café' instead"])
    );
    for ok in ["/", "/a b", "/a%2Fb", "/café", "/a.b/c"] {
        assert_eq!(
            c.post("/routes", json!({ "paths": [ok] })).status,
            201,
            "{ok}"
        );
    }
}

// typedefs.lua validate_path_with_regexes: PCRE dry-run; PCRE-only syntax is accepted by it.
#[test]
fn regex_paths_are_pcre_checked() {
    let (_sb, c) = start();
    let e = route_err(&c, json!({ "paths": ["~/users/(foo/profile"] }));
    let msg = e["fields"]["paths"][0].as_str().unwrap().to_string();
    assert!(msg.starts_with("invalid regex: '/users/(foo/profile' (PCRE returned: pcre2_compile() failed: missing closing parenthesis"), "{msg}");
    assert_eq!(
        c.post(
            "/routes",
            json!({ "paths": ["~/v[0-9]+/(?<name>[a-z]+)$"] })
        )
        .status,
        201
    );
    // the ATC router (traditional_compatible) compiles regexes with Rust's regex crate: lookarounds fail there
    let e = route_err(&c, json!({ "paths": ["~/a(?=b)"] }));
    let ent = e["fields"]["@entity"][0].as_str().unwrap();
    assert!(
        ent.starts_with("Router Expression failed validation: "),
        "{ent}"
    );
}

// typedefs.http_method `^%u+$`; set de-duplication.
#[test]
fn methods_rules() {
    let (_sb, c) = start();
    let r = c.post(
        "/routes",
        json!({ "methods": ["GET", "POST", "GET", "PURGE"] }),
    );
    assert_eq!(r.json()["methods"], json!(["GET", "POST", "PURGE"]));
    let e = route_err(&c, json!({ "methods": ["get"] }));
    assert_eq!(e["fields"]["methods"], json!(["invalid value: get"]));
}

#[test]
fn https_redirect_status_code_enum_and_headers_rules() {
    let (_sb, c) = start();
    let e = route_err(
        &c,
        json!({ "paths": ["/a"], "https_redirect_status_code": 303 }),
    );
    assert_eq!(
        e["fields"]["https_redirect_status_code"],
        "expected one of: 426, 301, 302, 307, 308"
    );
    let e = route_err(&c, json!({ "headers": { "Host": ["a"] } }));
    assert_eq!(
        e["fields"]["headers"],
        "cannot contain 'host' header, which must be specified in the 'hosts' attribute"
    );
    assert_eq!(
        c.post("/routes", json!({ "headers": { "x-a": ["1", "2"] } }))
            .status,
        201
    );
}

// errors.lua foreign_key_violation_invalid_reference; 09-routes l.405 `{name}` foreign keys; code 13.
#[test]
fn service_foreign_key_by_id_or_name() {
    let (_sb, c) = start();
    let sid = service(&c, "svc");
    let r = c.post(
        "/routes",
        json!({ "paths": ["/a"], "service": { "name": "svc" } }),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["service"], json!({ "id": sid }));
    let missing = "7b6ed76e-2a38-4d2c-a5a8-0e53c1ffa8ad";
    let r = c.post(
        "/routes",
        json!({ "paths": ["/a"], "service": { "id": missing } }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "code": 4, "name": "foreign key violation",
            "message": format!("the foreign key '{{id=\"{missing}\"}}' does not reference an existing 'services' entity."),
            "fields": { "service": { "id": missing } }
        })
    );
    let r = c.post(
        "/routes",
        json!({ "paths": ["/a"], "service": { "name": "ghost" } }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 13);
    assert_eq!(r.json()["message"], "foreign key unresolved (service.name: the foreign key cannot be resolved with '{name=\"ghost\"}' for an existing 'services' entity)");
    let r = c.post(
        "/routes",
        json!({ "paths": ["/a"], "service": { "id": "not-a-uuid" } }),
    );
    assert_eq!(
        r.json()["fields"]["service"],
        json!({ "id": "expected a valid UUID" })
    );
}

// endpoints.lua nested endpoints: /services/{s}/routes[/{r}], /routes/{r}/service.
#[test]
fn nested_route_endpoints() {
    let (_sb, c) = start();
    let sid = service(&c, "s1");
    service(&c, "s2");
    let r = c.post(
        "/services/s1/routes",
        json!({ "name": "r1", "paths": ["/r1"] }),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["service"]["id"], sid);
    assert_eq!(
        c.get("/services/s1/routes").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        c.get("/services/s2/routes").json(),
        json!({ "data": [], "next": null })
    );
    assert_eq!(c.get("/services/s1/routes/r1").status, 200);
    assert_eq!(
        c.get("/services/s2/routes/r1").status,
        404,
        "mismatched parent"
    );
    assert_eq!(c.delete("/services/s2/routes/r1").status, 404);
    assert_eq!(c.get("/services/nope/routes").status, 404);
    assert_eq!(c.get("/routes/r1/service").json()["id"], sid);
    assert_eq!(
        c.patch("/services/s1/routes/r1", json!({ "paths": ["/new"] }))
            .json()["paths"],
        json!(["/new"])
    );
    let lone = c.post("/routes", json!({ "name": "lone", "paths": ["/l"] }));
    assert_eq!(lone.status, 201);
    assert_eq!(c.get("/routes/lone/service").status, 404);
    assert_eq!(c.delete("/routes/r1/service").status, 405);
    assert_eq!(c.delete("/services/s1/routes/r1").status, 204);
    assert_eq!(c.get("/routes/r1").status, 404);
}
