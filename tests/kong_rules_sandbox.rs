//! The Kong sandbox against the Kong rule corpus (tests/kong-rules/*.json): each case is sent
//! through the sandbox's Admin API as the Kong field it is about (a route's `hosts`, a cors
//! plugin's `origins`, a certificate's `key`, ...) and the sandbox must store exactly what Kong
//! 3.9 stores. The sandbox shares no validation code with the provider: only this corpus.

use kong_sandbox::Sandbox;
use serde_json::{json, Value as Json};
use test_support::admin::AdminClient;
use test_support::certs::KeyKind;
use test_support::corpus::{self, describe, Material, Verdict};

/// What Kong does with `body` posted to `collection` (stored entities are deleted again).
fn stores(admin: &AdminClient, collection: &str, body: Json) -> Verdict {
    if admin.stores(collection, body) {
        Verdict::Accept
    } else {
        Verdict::Refuse
    }
}

/// What Kong does with a plugin of this name and configuration.
fn plugin(admin: &AdminClient, name: &str, config: Json) -> Verdict {
    stores(admin, "/plugins", json!({"name": name, "config": config}))
}

/// What the sandbox stores of `input` as the Kong field `field`.
fn sandbox(admin: &AdminClient, setup: &Setup, field: &str, input: &Json) -> Verdict {
    let service = |extra: Json| {
        let mut body = json!({"host": "example.com"});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        stores(admin, "/services", body)
    };
    match field {
        "route.hosts" => stores(admin, "/routes", json!({"hosts": [input]})),
        "service.host" => stores(admin, "/services", json!({"host": input})),
        "snis" => stores(
            admin,
            "/snis",
            json!({"name": input, "certificate": {"id": setup.certificate}}),
        ),
        "service.url" => stores(admin, "/services", json!({"url": input})),
        "route.paths" => stores(admin, "/routes", json!({"paths": [input]})),
        "service.path" => service(json!({"path": input})),
        "rate-limiting.path" => plugin(
            admin,
            "rate-limiting",
            json!({"minute": 5, "limit_by": "path", "path": input}),
        ),
        "route.methods" => stores(admin, "/routes", json!({"methods": [input]})),
        "tags" => service(json!({"tags": [input]})),
        "utf8_name" => service(json!({"name": input})),
        "consumer.username" => stores(admin, "/consumers", json!({"username": input})),
        "acl.group" => stores(
            admin,
            &format!("/consumers/{}/acls", setup.consumer),
            json!({"group": input}),
        ),
        "cors.origins" => plugin(admin, "cors", json!({"origins": [input]})),
        "cors.methods" => plugin(admin, "cors", json!({"methods": [input]})),
        "cors.headers" => plugin(admin, "cors", json!({"headers": [input]})),
        "cors.max_age" => plugin(admin, "cors", json!({"max_age": input})),
        "rate-limiting.limit" => plugin(admin, "rate-limiting", json!({"second": input})),
        "rate-limiting.periods" => plugin(admin, "rate-limiting", input.clone()),
        "rate-limiting.limit_by" => {
            let mut config = json!({"minute": 5, "limit_by": input});
            match input.as_str() {
                Some("header") => config["header_name"] = json!("X-Team"),
                Some("path") => config["path"] = json!("/p"),
                _ => {}
            }
            plugin(admin, "rate-limiting", config)
        }
        "rate-limiting.header_name" => plugin(
            admin,
            "rate-limiting",
            json!({"minute": 5, "limit_by": "header", "header_name": input}),
        ),
        "services.timeout" => service(
            json!({"connect_timeout": input, "read_timeout": input, "write_timeout": input}),
        ),
        "request-size-limiting.allowed_payload_size" => plugin(
            admin,
            "request-size-limiting",
            json!({"allowed_payload_size": input, "size_unit": "kilobytes"}),
        ),
        "http-log.http_endpoint" => plugin(admin, "http-log", json!({"http_endpoint": input})),
        "route.https_redirect_status_code" => stores(
            admin,
            "/routes",
            json!({"paths": ["/x"], "protocols": ["https"], "https_redirect_status_code": input}),
        ),
        "certificate" => {
            let material = corpus::material(input);
            stores(
                admin,
                "/certificates",
                json!({"cert": material.cert, "key": material.key}),
            )
        }
        other => panic!("the sandbox test has no mapping for the Kong field {other}"),
    }
}

/// Entities the cases of some fields hang off.
struct Setup {
    certificate: String,
    consumer: String,
}

#[test]
fn the_sandbox_stores_what_kong_stores_and_refuses_what_kong_refuses() {
    let kong = Sandbox::start();
    let admin = AdminClient::new(&kong.url());
    let sni = Material::valid(KeyKind::Ed25519);
    let (status, certificate) = admin.call(
        "POST",
        "/certificates",
        Some(json!({"cert": sni.cert, "key": sni.key})),
    );
    assert_eq!(status, 201, "{certificate}");
    let (status, consumer) = admin.call("POST", "/consumers", Some(json!({"username": "corpus"})));
    assert_eq!(status, 201, "{consumer}");
    let setup = Setup {
        certificate: certificate["id"].as_str().expect("id").to_string(),
        consumer: consumer["id"].as_str().expect("id").to_string(),
    };
    let mut wrong = Vec::new();
    let mut cases = 0;
    for group in corpus::groups() {
        for case in &group.cases {
            cases += 1;
            let stored = sandbox(&admin, &setup, &group.field, &case.input);
            if stored != case.kong {
                wrong.push(format!(
                    "{} -> the sandbox says {stored:?}",
                    describe(&group, case)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cases} cases disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
