//! Bulk seeding: writes carried out in process with the Admin API's own rules, never recorded
//! as requests.

mod common;
use common::*;
use kong_sandbox::SeedRequest;

fn put(path: &str, body: serde_json::Value) -> SeedRequest {
    SeedRequest {
        method: "PUT".into(),
        path: path.into(),
        body,
    }
}

#[test]
fn seeded_entities_are_what_the_admin_api_would_hold() {
    let (sb, c) = start();
    let id = "4fd1c6a5-2a77-4c65-9b0c-3f1d0b1a0001";
    let applied = sb
        .seeder()
        .seed(&[
            put(
                &format!("/services/{id}"),
                json!({ "name": "seeded", "url": "http://up.test:8080/p", "tags": ["t1"] }),
            ),
            put(
                "/routes/seeded-route",
                json!({ "service": { "id": id }, "paths": ["/seeded"], "tags": ["t1"] }),
            ),
        ])
        .expect("seeded");
    assert_eq!(applied, 2);
    assert_eq!(sb.controls().request_count(), 0, "seeding is not traffic");
    let service = c.get("/services/seeded").json();
    assert_eq!(service["id"], id);
    assert_eq!(service["port"], 8080, "the url shorthand was expanded");
    assert_eq!(service["connect_timeout"], 60000, "defaults were filled");
    let routes = c.get("/routes?tags=t1").json();
    assert_eq!(routes["data"][0]["name"], "seeded-route");
    assert_eq!(routes["data"][0]["service"]["id"], id);
}

#[test]
fn seeding_stops_at_the_first_refused_write() {
    let (sb, c) = start();
    let err = sb
        .seeder()
        .seed(&[
            put("/services/a", json!({ "host": "a.test" })),
            // A route of a service that does not exist: a foreign key violation.
            put(
                "/routes/r",
                json!({ "service": { "id": "4fd1c6a5-2a77-4c65-9b0c-3f1d0b1a0009" }, "paths": ["/r"] }),
            ),
            put("/services/c", json!({ "host": "c.test" })),
        ])
        .expect_err("refused");
    assert_eq!(err.index, 1);
    assert_eq!(err.status, 400);
    assert_eq!(err.body["name"], "foreign key violation");
    assert_eq!(
        c.get("/services/a").status,
        200,
        "the writes before it stay"
    );
    assert_eq!(c.get("/services/c").status, 404, "none after it is made");
}
