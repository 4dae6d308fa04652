//! Basic authentication end to end: `dispatch_api` with `authentication = "basic"` and
//! `dispatch_basic_auth_user`s, their groups in an organization, password drift, in-place
//! updates, import, and destroy leaving nothing behind.

use serde_json::json;
use sha1::{Digest, Sha1};

use crate::harness::{strings, Kong};

const ORG: &str = "  organization = \"shop\"";

const SHOP: &str = r#"
resource "dispatch_api" "orders" {
  name           = "orders"
  function       = "orders-fn"
  authentication = "basic"
  basic_auth {
    allowed_groups = ["staff"]
  }
}

resource "dispatch_basic_auth_user" "alice" {
  username = "alice"
  password = "correct horse battery staple"
  groups   = ["staff", "admins"]
}

resource "dispatch_basic_auth_user" "bob" {
  username = "bob@example.com"
  password = "hunter2-but-longer"
}
"#;

fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn plugin<'a>(plugins: &'a [serde_json::Value], name: &str) -> Option<&'a serde_json::Value> {
    plugins.iter().find(|p| p["name"] == name)
}

#[test]
fn basic_api_and_users_map_to_plugins_consumers_credentials_and_acls() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(ORG, SHOP);
    ws.apply().success();

    let api = ws.resource("dispatch_api.orders").expect("api in state");
    assert_eq!(api["authentication"], "basic");
    assert_eq!(api["basic_auth"], json!([{"allowed_groups": ["staff"]}]));
    assert_eq!(api["oidc"], json!([]));
    let service = api["id"].as_str().expect("id");
    let plugins = kong.get(&format!("/services/{service}/plugins"))["data"]
        .as_array()
        .cloned()
        .expect("plugins");
    let basic = plugin(&plugins, "basic-auth").expect("basic-auth plugin");
    assert_eq!(basic["config"]["hide_credentials"], true);
    let acl = plugin(&plugins, "acl").expect("acl plugin");
    assert_eq!(acl["config"]["allow"], json!(["shop.staff"]));

    let alice = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("alice");
    let alice_id = alice["id"].as_str().expect("id");
    let consumer = kong.get(&format!("/consumers/{alice_id}"));
    assert_eq!(consumer["username"], "shop.alice");
    assert!(strings(&consumer["tags"]).contains(&"dispatch-org:shop".to_string()));
    let credentials = kong.get(&format!("/consumers/{alice_id}/basic-auth"))["data"].clone();
    assert_eq!(credentials.as_array().map(Vec::len), Some(1));
    assert_eq!(
        credentials[0]["username"], "alice",
        "end users type the plain username"
    );
    assert_eq!(
        credentials[0]["password"],
        sha1_hex(&format!("correct horse battery staple{alice_id}"))
    );
    let groups: Vec<String> = kong.get(&format!("/consumers/{alice_id}/acls"))["data"]
        .as_array()
        .expect("acls")
        .iter()
        .map(|a| a["group"].as_str().expect("group").to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(groups, vec!["shop.admins", "shop.staff"]);
    let bob = ws.resource("dispatch_basic_auth_user.bob").expect("bob");
    assert_eq!(bob["groups"], json!(null));
    assert!(kong.get(&format!(
        "/consumers/{}/acls",
        bob["id"].as_str().expect("id")
    ))["data"]
        .as_array()
        .is_some_and(Vec::is_empty));

    let plan = ws.plan();
    assert_eq!(plan.code, 0, "no-change plan: {}", plan.output());
    assert!(
        !plan.output().contains("correct horse"),
        "the password never shows"
    );

    ws.destroy().success();
    for collection in [
        "consumers",
        "basic-auths",
        "acls",
        "plugins",
        "services",
        "routes",
    ] {
        assert!(kong.list(collection).is_empty(), "{collection} left behind");
    }
}

#[test]
fn a_password_changed_in_kong_shows_as_drift_and_apply_restores_it() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(SHOP);
    ws.apply().success();
    let alice_id = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("alice")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let credential = kong.get(&format!("/consumers/{alice_id}/basic-auth"))["data"][0].clone();
    let credential_id = credential["id"].as_str().expect("id");

    kong.send(
        "PATCH",
        &format!("/consumers/{alice_id}/basic-auth/{credential_id}"),
        json!({"password": "changed by someone"}),
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "password drift must show: {}", plan.output());
    assert!(plan
        .output()
        .contains("dispatch_basic_auth_user.alice will be updated in-place"));
    assert!(
        plan.output().contains("password = (sensitive value)"),
        "{}",
        plan.output()
    );
    assert!(!plan.output().contains("correct horse"));

    ws.apply().success();
    let restored = kong.get(&format!("/consumers/{alice_id}/basic-auth/{credential_id}"));
    assert_eq!(
        restored["password"],
        sha1_hex(&format!("correct horse battery staple{alice_id}"))
    );
    assert_eq!(ws.plan().code, 0);

    // A second credential added behind Terraform's back is another way in: drift too.
    kong.send(
        "POST",
        &format!("/consumers/{alice_id}/basic-auth"),
        json!({"username": "alice-backdoor", "password": "x"}),
    );
    assert_eq!(ws.plan().code, 2);
    ws.apply().success();
    let credentials = kong.get(&format!("/consumers/{alice_id}/basic-auth"))["data"].clone();
    assert_eq!(credentials.as_array().map(Vec::len), Some(1));
    assert_eq!(credentials[0]["username"], "alice");
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn password_groups_and_username_update_in_place() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(ORG, SHOP);
    ws.apply().success();
    let before = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("alice");
    let id = before["id"].as_str().expect("id").to_string();

    ws.write_with_provider(
        ORG,
        &SHOP
            .replace("\"correct horse battery staple\"", "\"a new passphrase\"")
            .replace("[\"staff\", \"admins\"]", "[\"staff\", \"ops\"]")
            .replace("username = \"alice\"", "username = \"alice2\""),
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.output().contains("updated in-place"),
        "{}",
        plan.output()
    );
    assert!(!plan.output().contains("must be replaced"));
    ws.apply().success();

    let after = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("alice");
    assert_eq!(after["id"], before["id"]);
    assert_eq!(
        kong.get(&format!("/consumers/{id}"))["username"],
        "shop.alice2"
    );
    let credential = kong.get(&format!("/consumers/{id}/basic-auth"))["data"][0].clone();
    assert_eq!(credential["username"], "alice2");
    assert_eq!(
        credential["password"],
        sha1_hex(&format!("a new passphrase{id}"))
    );
    let mut groups: Vec<String> = kong.get(&format!("/consumers/{id}/acls"))["data"]
        .as_array()
        .expect("acls")
        .iter()
        .map(|a| a["group"].as_str().expect("group").to_string())
        .collect();
    groups.sort();
    assert_eq!(groups, vec!["shop.ops", "shop.staff"]);
    assert_eq!(ws.plan().code, 0);

    // A group added in Kong is drift, and apply removes it.
    kong.send(
        "POST",
        &format!("/consumers/{id}/acls"),
        json!({"group": "shop.root"}),
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.output().contains("\"root\""), "{}", plan.output());
    ws.apply().success();
    assert_eq!(
        kong.get(&format!("/consumers/{id}/acls"))["data"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn users_import_by_username_and_the_first_apply_writes_the_password() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(ORG, SHOP);
    ws.apply().success();
    let alice_id = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("alice")["id"]
        .clone();
    ws.run(&["state", "rm", "dispatch_basic_auth_user.alice"])
        .success();

    ws.import("dispatch_basic_auth_user.alice", "alice")
        .success();
    let imported = ws
        .resource("dispatch_basic_auth_user.alice")
        .expect("imported");
    assert_eq!(imported["id"], alice_id);
    assert_eq!(imported["username"], "alice");
    assert_eq!(imported["groups"], json!(["admins", "staff"]));

    let plan = ws.plan();
    assert_eq!(
        plan.code,
        2,
        "Kong cannot tell the password: {}",
        plan.output()
    );
    assert!(plan.output().contains("password = (sensitive value)"));
    assert!(!plan.output().contains("groups"), "{}", plan.output());
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);

    ws.write_with_provider(
        ORG,
        &format!("{SHOP}\nresource \"dispatch_basic_auth_user\" \"ghost\" {{\n  username = \"ghost\"\n  password = \"boo\"\n}}\n"),
    );
    let missing = ws
        .import("dispatch_basic_auth_user.ghost", "ghost")
        .failure();
    assert!(
        missing.output().contains("User not found in Kong"),
        "{}",
        missing.output()
    );
    assert!(
        missing.output().contains("`shop.ghost`"),
        "{}",
        missing.output()
    );
}

#[test]
fn usernames_taken_in_kong_are_explained_and_nothing_is_left() {
    let kong = Kong::start();
    let other = kong.send("POST", "/consumers", json!({"username": "carol-elsewhere"}));
    kong.send(
        "POST",
        &format!(
            "/consumers/{}/basic-auth",
            other["id"].as_str().expect("id")
        ),
        json!({"username": "carol", "password": "x"}),
    );
    kong.send("POST", "/consumers", json!({"username": "dave"}));
    let ws = kong.workspace();
    ws.write(
        r#"
resource "dispatch_basic_auth_user" "carol" {
  username = "carol"
  password = "pw-carol"
}
resource "dispatch_basic_auth_user" "dave" {
  username = "dave"
  password = "pw-dave"
}
"#,
    );
    let run = ws.apply().failure();
    let output = run.output();
    assert!(
        output.contains("Username already taken in Kong"),
        "{output}"
    );
    assert!(
        output.contains("unique across the whole workspace"),
        "{output}"
    );
    assert!(output.contains("User already exists in Kong"), "{output}");
    assert!(
        output.contains("terraform import dispatch_basic_auth_user.<name> dave"),
        "{output}"
    );
    assert_eq!(
        kong.list("consumers").len(),
        2,
        "the half-created user was removed"
    );
    assert_eq!(kong.list("basic-auths").len(), 1);
}

#[test]
fn bad_users_and_groups_are_refused_at_plan_time() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(
        r#"
resource "dispatch_basic_auth_user" "x" {
  username = "a:b"
  password = ""
  groups   = ["ok", "not ok"]
}
resource "dispatch_api" "x" {
  name           = "x"
  authentication = "basic"
  basic_auth {
    allowed_groups = ["a,b"]
  }
}
"#,
    );
    let output = ws.plan().failure().output();
    for expected in [
        "Invalid username",
        "Empty password",
        "`not ok` is not a valid group",
        "`a,b` is not a valid group",
    ] {
        assert!(output.contains(expected), "{expected}: {output}");
    }
    assert!(kong.list("consumers").is_empty());
}
