//! The real-Kong lane's clean-up (`test_support::lane::Inventory`): what a test adds to a shared
//! Kong is deleted when it ends, and nothing that was there before. Runs against the test's own
//! sandbox, or the lane's Kong.

use serde_json::json;
use test_support::admin::AdminClient;
use test_support::certs::CertSpec;
use test_support::lane::Inventory;

use crate::harness::Kong;

#[test]
fn what_a_test_added_is_deleted_and_what_was_there_stays() {
    let kong = Kong::start();
    let admin = AdminClient::new(&kong.url());
    let kept = kong.send(
        "POST",
        "/services",
        json!({"name": "lane-kept", "host": "kept.example.com"}),
    );
    let before = Inventory::take(&admin);

    let service = kong.send(
        "POST",
        "/services",
        json!({"name": "lane-added", "host": "added.example.com"}),
    );
    let service_id = service["id"].as_str().expect("id");
    kong.send(
        "POST",
        &format!("/services/{service_id}/routes"),
        json!({"name": "lane-added", "paths": ["/lane-added"]}),
    );
    kong.send(
        "POST",
        &format!("/services/{service_id}/plugins"),
        json!({"name": "request-size-limiting"}),
    );
    kong.send("POST", "/consumers", json!({"username": "lane-added"}));
    kong.send(
        "POST",
        "/consumers/lane-added/basic-auth",
        json!({"username": "lane-added", "password": "lane-password-1"}),
    );
    let leaf = CertSpec::leaf(&["lane-added.example.com"]).self_signed();
    kong.send(
        "POST",
        "/certificates",
        json!({"cert": leaf.cert_pem(), "key": leaf.key_pem(), "snis": ["lane-added.example.com"]}),
    );

    before.restore(&admin);

    assert!(kong.missing("/services/lane-added"));
    assert!(kong.missing("/routes/lane-added"));
    assert!(kong.missing("/consumers/lane-added"));
    assert!(kong.missing("/snis/lane-added.example.com"));
    assert!(kong
        .list("plugins")
        .iter()
        .all(|p| p["service"]["id"] != service_id));
    assert!(kong.list("certificates").iter().all(|c| c["snis"]
        .as_array()
        .is_none_or(|snis| !snis.contains(&json!("lane-added.example.com")))));
    assert_eq!(kong.get("/services/lane-kept")["id"], kept["id"]);
    kong.call("DELETE", "/services/lane-kept", None);
}
