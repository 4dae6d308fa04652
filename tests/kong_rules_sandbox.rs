//! The Kong sandbox against the Kong rule corpus (tests/kong-rules/*.json): each case is sent
//! through the sandbox's Admin API as the Kong field it is about (a route's `hosts`, a cors
//! plugin's `origins`, a certificate's `key`, ...) and the sandbox must store exactly what Kong
//! 3.9 stores. The sandbox shares no validation code with the provider: only this corpus.

#[path = "kong-rules/corpus.rs"]
mod corpus;

use corpus::{describe, Verdict};
use kong_sandbox::Sandbox;
use serde_json::{json, Value as Json};

struct Admin {
    url: String,
    http: reqwest::blocking::Client,
}

impl Admin {
    fn send(&self, method: reqwest::Method, path: &str, body: Option<&Json>) -> (u16, Json) {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().expect("the sandbox answers");
        let status = response.status().as_u16();
        let body = response.json().unwrap_or(Json::Null);
        (status, body)
    }

    fn post(&self, path: &str, body: &Json) -> (u16, Json) {
        self.send(reqwest::Method::POST, path, Some(body))
    }

    /// Posts `body` to `collection`: whether it was stored. What was stored is deleted again,
    /// so that the next case meets an empty collection (no unique-key clashes).
    fn stores(&self, collection: &str, body: &Json) -> Verdict {
        let (status, answer) = self.post(collection, body);
        match status {
            200..=299 => {
                let id = answer["id"].as_str().expect("a stored entity has an id");
                let (deleted, _) =
                    self.send(reqwest::Method::DELETE, &format!("{collection}/{id}"), None);
                assert_eq!(deleted, 204, "delete {collection}/{id}");
                Verdict::Accept
            }
            400..=599 => Verdict::Refuse,
            other => panic!("POST {collection} answered {other}: {answer}"),
        }
    }

    fn plugin(&self, name: &str, config: Json) -> Verdict {
        self.stores("/plugins", &json!({"name": name, "config": config}))
    }
}

/// What the sandbox stores of `input` as the Kong field `field`.
fn sandbox(admin: &Admin, setup: &Setup, field: &str, input: &Json) -> Verdict {
    let service = |extra: Json| {
        let mut body = json!({"host": "example.com"});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        admin.stores("/services", &body)
    };
    match field {
        "route.hosts" => admin.stores("/routes", &json!({"hosts": [input]})),
        "service.host" => admin.stores("/services", &json!({"host": input})),
        "snis" => admin.stores(
            "/snis",
            &json!({"name": input, "certificate": {"id": setup.certificate}}),
        ),
        "service.url" => admin.stores("/services", &json!({"url": input})),
        "route.paths" => admin.stores("/routes", &json!({"paths": [input]})),
        "service.path" => service(json!({"path": input})),
        "rate-limiting.path" => admin.plugin(
            "rate-limiting",
            json!({"minute": 5, "limit_by": "path", "path": input}),
        ),
        "route.methods" => admin.stores("/routes", &json!({"methods": [input]})),
        "tags" => service(json!({"tags": [input]})),
        "utf8_name" => service(json!({"name": input})),
        "consumer.username" => admin.stores("/consumers", &json!({"username": input})),
        "acl.group" => admin.stores(
            &format!("/consumers/{}/acls", setup.consumer),
            &json!({"group": input}),
        ),
        "cors.origins" => admin.plugin("cors", json!({"origins": [input]})),
        "cors.methods" => admin.plugin("cors", json!({"methods": [input]})),
        "cors.headers" => admin.plugin("cors", json!({"headers": [input]})),
        "cors.max_age" => admin.plugin("cors", json!({"max_age": input})),
        "rate-limiting.limit" => admin.plugin("rate-limiting", json!({"second": input})),
        "rate-limiting.periods" => admin.plugin("rate-limiting", input.clone()),
        "rate-limiting.limit_by" => {
            let mut config = json!({"minute": 5, "limit_by": input});
            match input.as_str() {
                Some("header") => config["header_name"] = json!("X-Team"),
                Some("path") => config["path"] = json!("/p"),
                _ => {}
            }
            admin.plugin("rate-limiting", config)
        }
        "rate-limiting.header_name" => admin.plugin(
            "rate-limiting",
            json!({"minute": 5, "limit_by": "header", "header_name": input}),
        ),
        "services.timeout" => service(
            json!({"connect_timeout": input, "read_timeout": input, "write_timeout": input}),
        ),
        "request-size-limiting.allowed_payload_size" => admin.plugin(
            "request-size-limiting",
            json!({"allowed_payload_size": input, "size_unit": "kilobytes"}),
        ),
        "http-log.http_endpoint" => admin.plugin("http-log", json!({"http_endpoint": input})),
        "route.https_redirect_status_code" => admin.stores(
            "/routes",
            &json!({"paths": ["/x"], "protocols": ["https"], "https_redirect_status_code": input}),
        ),
        "certificate" => {
            let material = corpus::material(input);
            admin.stores(
                "/certificates",
                &json!({"cert": material.cert, "key": material.key}),
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
    let admin = Admin {
        url: kong.url(),
        http: reqwest::blocking::Client::new(),
    };
    let key = openssl::pkey::PKey::generate_ed25519().expect("key");
    let (status, certificate) = admin.post(
        "/certificates",
        &json!({
            "cert": corpus::self_signed(&key, &["corpus.example"]),
            "key": String::from_utf8(key.private_key_to_pem_pkcs8().expect("pem")).expect("utf-8"),
        }),
    );
    assert_eq!(status, 201, "{certificate}");
    let (status, consumer) = admin.post("/consumers", &json!({"username": "corpus"}));
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
