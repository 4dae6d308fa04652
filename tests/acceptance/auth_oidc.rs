//! OIDC end to end against a fake identity provider: open-source Kong (jwt plugin, the issuer's
//! keys as jwt secrets on the issuer's consumer, key rotation), Kong Enterprise
//! (openid-connect), the issuer's consumer shared by APIs and removed with the last one, and
//! every way the identity provider can fail, each refused before anything reaches Kong.

use kong_sandbox::{Edition, SandboxConfig};
use serde_json::{json, Value as Json};

use crate::harness::{needs_sandbox, strings, Kong, Workspace};
use crate::idp::{FakeIdp, Key};

fn oidc_api(name: &str, issuer: &str, extra: &str) -> String {
    format!(
        r#"
resource "dispatch_api" "{name}" {{
  name           = "{name}"
  function       = "{name}-fn"
  authentication = "oidc"
  oidc {{
    issuer = "{issuer}"
{extra}
  }}
}}
"#
    )
}

fn service_plugins(kong: &Kong, ws: &Workspace, address: &str) -> Vec<Json> {
    let id = ws.resource(address).expect("in state")["id"]
        .as_str()
        .expect("id")
        .to_string();
    kong.get(&format!("/services/{id}/plugins"))["data"]
        .as_array()
        .cloned()
        .expect("plugins")
}

fn names(plugins: &[Json]) -> Vec<String> {
    let mut names: Vec<String> = plugins
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

/// The jwt secrets Kong holds, as (key, algorithm, PEM), sorted by key.
fn secrets(kong: &Kong) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = kong
        .list("jwts")
        .iter()
        .map(|s| {
            (
                s["key"].as_str().expect("key").to_string(),
                s["algorithm"].as_str().expect("algorithm").to_string(),
                s["rsa_public_key"].as_str().expect("pem").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn same_key(kong_pem: &str, openssl_pem: &str) {
    let ours = openssl::pkey::PKey::public_key_from_pem(kong_pem.as_bytes()).expect("Kong's PEM");
    let theirs = openssl::pkey::PKey::public_key_from_pem(openssl_pem.as_bytes()).expect("PEM");
    assert_eq!(
        ours.public_key_to_der().expect("der"),
        theirs.public_key_to_der().expect("der")
    );
}

#[test]
fn open_source_kong_holds_the_issuers_keys_and_checks_tokens_with_jwt() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write_with_provider(
        "  organization = \"shop\"",
        &oidc_api(
            "orders",
            &idp.issuer(),
            "    audiences = [\"api://orders\"]",
        ),
    );
    let run = ws.apply().success();
    assert!(
        run.output()
            .contains("Audiences are not enforced on open-source Kong"),
        "{}",
        run.output()
    );

    let api = ws.resource("dispatch_api.orders").expect("in state");
    assert_eq!(api["oidc"][0]["mechanism"], "jwt");
    assert_eq!(api["oidc"][0]["signing_key_ids"], json!(["ec-1", "rsa-1"]));

    let plugins = service_plugins(&kong, &ws, "dispatch_api.orders");
    assert_eq!(names(&plugins), vec!["acl", "jwt"]);
    let jwt = plugins.iter().find(|p| p["name"] == "jwt").expect("jwt");
    assert_eq!(jwt["config"]["key_claim_name"], "kid");
    assert_eq!(jwt["config"]["claims_to_verify"], json!(["exp"]));
    let acl = plugins.iter().find(|p| p["name"] == "acl").expect("acl");
    let group = format!("dispatch-oidc:{}", idp.issuer());
    assert_eq!(acl["config"]["allow"], json!([group]));

    let consumers = kong.list("consumers");
    assert_eq!(consumers.len(), 1, "one consumer for the issuer");
    assert_eq!(consumers[0]["username"], group);
    assert!(strings(&consumers[0]["tags"])
        .contains(&"managed-by:terraform-provider-dispatch".to_string()));
    let consumer_acls = kong.list("acls");
    assert_eq!(consumer_acls.len(), 1);
    assert_eq!(consumer_acls[0]["group"], group);

    let held = secrets(&kong);
    assert_eq!(
        held.iter()
            .map(|(k, a, _)| (k.as_str(), a.as_str()))
            .collect::<Vec<_>>(),
        vec![("ec-1", "ES256"), ("rsa-1", "RS256")]
    );
    same_key(&held[0].2, &idp.public_pem("ec-1"));
    same_key(&held[1].2, &idp.public_pem("rsa-1"));

    assert_eq!(ws.plan().code, 0, "no-change plan");
}

#[test]
fn a_key_rotation_shows_in_plan_and_apply_brings_kong_up_to_date() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&oidc_api("orders", &idp.issuer(), ""));
    ws.apply().success();

    idp.set_keys(vec![Key::rsa("rsa-2"), Key::ec("ec-1")]);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "the rotation must show: {}", plan.output());
    let output = plan.output();
    assert!(output.contains("signing_key_ids"), "{output}");
    assert!(output.contains("\"rsa-1\""), "{output}");
    assert!(output.contains("\"rsa-2\""), "{output}");

    ws.apply().success();
    let held = secrets(&kong);
    assert_eq!(
        held.iter().map(|(k, _, _)| k.as_str()).collect::<Vec<_>>(),
        vec!["ec-1", "rsa-2"],
        "the retired key is gone, the new one is there"
    );
    same_key(&held[0].2, &idp.public_pem("ec-1"));
    same_key(&held[1].2, &idp.public_pem("rsa-2"));
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn new_material_under_an_old_key_id_shows_in_plan() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&oidc_api("orders", &idp.issuer(), ""));
    ws.apply().success();

    idp.set_keys(vec![Key::rsa("rsa-1"), Key::ec("ec-1")]);
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    ws.apply().success();
    let held = secrets(&kong);
    same_key(&held[0].2, &idp.public_pem("ec-1"));
    same_key(&held[1].2, &idp.public_pem("rsa-1"));
    assert_eq!(held.len(), 2);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_secret_changed_in_kong_is_drift() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&oidc_api("orders", &idp.issuer(), ""));
    ws.apply().success();

    let rsa = kong.get("/jwts/rsa-1");
    let other = Key::rsa("intruder");
    kong.send(
        "PATCH",
        &format!("/jwts/{}", rsa["id"].as_str().expect("id")),
        json!({"rsa_public_key": other.public_pem()}),
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    ws.apply().success();
    same_key(
        kong.get("/jwts/rsa-1")["rsa_public_key"]
            .as_str()
            .expect("pem"),
        &idp.public_pem("rsa-1"),
    );
    assert_eq!(ws.plan().code, 0);

    // The acl that restricts tokens to the issuer is what keeps other issuers out.
    let acl = service_plugins(&kong, &ws, "dispatch_api.orders")
        .into_iter()
        .find(|p| p["name"] == "acl")
        .expect("acl");
    kong.call(
        "DELETE",
        &format!("/plugins/{}", acl["id"].as_str().expect("id")),
        None,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    ws.apply().success();
    assert_eq!(
        names(&service_plugins(&kong, &ws, "dispatch_api.orders")),
        vec!["acl", "jwt"]
    );
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn apis_share_the_issuers_consumer_and_the_last_one_removes_it() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    let both = format!(
        "{}{}",
        oidc_api("orders", &idp.issuer(), ""),
        oidc_api("billing", &idp.issuer(), "")
    );
    ws.write(&both);
    ws.apply().success();
    assert_eq!(kong.list("consumers").len(), 1);
    assert_eq!(kong.list("jwts").len(), 2);

    ws.write(&oidc_api("orders", &idp.issuer(), ""));
    ws.apply().success();
    assert_eq!(
        kong.list("consumers").len(),
        1,
        "orders still uses the issuer"
    );
    assert_eq!(kong.list("jwts").len(), 2);
    assert_eq!(ws.plan().code, 0);

    ws.destroy().success();
    for collection in ["consumers", "jwts", "acls", "plugins", "services", "routes"] {
        assert!(kong.list(collection).is_empty(), "{collection} left behind");
    }
}

#[test]
fn import_rebuilds_an_oidc_api() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&oidc_api("orders", &idp.issuer(), ""));
    ws.apply().success();
    ws.run(&["state", "rm", "dispatch_api.orders"]).success();
    ws.import("dispatch_api.orders", "orders").success();
    let imported = ws.resource("dispatch_api.orders").expect("imported");
    assert_eq!(imported["authentication"], "oidc");
    assert_eq!(imported["oidc"][0]["issuer"], idp.issuer());
    assert_eq!(
        imported["oidc"][0]["signing_key_ids"],
        json!(["ec-1", "rsa-1"])
    );
    assert_eq!(ws.plan().code, 0, "the plan after an import is empty");
}

#[test]
fn enterprise_uses_openid_connect_with_the_audiences_required() {
    if needs_sandbox("an Enterprise sandbox") {
        return;
    }
    let kong = Kong::with(SandboxConfig {
        edition: Edition::Enterprise,
        ..SandboxConfig::default()
    });
    let ws = kong.workspace();
    // Kong Enterprise fetches the keys itself: the provider never asks the issuer.
    let issuer = "https://login.example.com/realms/shop";
    ws.write(&oidc_api(
        "orders",
        issuer,
        "    audiences = [\"api://orders\", \"api://all\"]\n    jwks_url = \"https://login.example.com/realms/shop/certs\"",
    ));
    let run = ws.apply().success();
    assert!(!run.output().contains("Audiences are not enforced"));

    let api = ws.resource("dispatch_api.orders").expect("in state");
    assert_eq!(api["oidc"][0]["mechanism"], "openid-connect");
    assert_eq!(api["oidc"][0]["signing_key_ids"], json!(null));
    let plugins = service_plugins(&kong, &ws, "dispatch_api.orders");
    assert_eq!(names(&plugins), vec!["openid-connect"]);
    let config = &plugins[0]["config"];
    assert_eq!(config["issuer"], issuer);
    assert_eq!(config["auth_methods"], json!(["bearer"]));
    assert_eq!(config["bearer_token_param_type"], json!(["header"]));
    assert_eq!(
        config["audience_required"],
        json!(["api://all", "api://orders"])
    );
    assert_eq!(
        config["extra_jwks_uris"],
        json!(["https://login.example.com/realms/shop/certs"])
    );
    assert!(
        kong.list("consumers").is_empty(),
        "no issuer consumer on Enterprise"
    );
    assert_eq!(ws.plan().code, 0);

    ws.write(&oidc_api(
        "orders",
        issuer,
        "    audiences = [\"api://orders\"]",
    ));
    ws.apply().success();
    let plugins = service_plugins(&kong, &ws, "dispatch_api.orders");
    assert_eq!(
        plugins[0]["config"]["audience_required"],
        json!(["api://orders"])
    );
    assert_eq!(ws.plan().code, 0);
    ws.destroy().success();
    assert!(kong.list("plugins").is_empty());
}

/// Plans an OIDC API against a misbehaving issuer: the error is on `oidc` and Kong is untouched.
fn refused(idp_issuer: &str, jwks_url: Option<&str>, expected: &[&str]) {
    let kong = Kong::start();
    let ws = kong.workspace();
    let extra = jwks_url
        .map(|u| format!("    jwks_url = \"{u}\""))
        .unwrap_or_default();
    ws.write(&oidc_api("orders", idp_issuer, &extra));
    let output = ws.apply().failure().output();
    assert!(
        output.contains("Cannot use the OIDC issuer's signing keys"),
        "{output}"
    );
    assert!(
        output.contains("with dispatch_api.orders, on main.tf"),
        "{output}"
    );
    for text in expected {
        assert!(output.contains(text), "{text}: {output}");
    }
    assert!(output.contains("Nothing was written to Kong"), "{output}");
    for collection in ["services", "routes", "plugins", "consumers", "jwts"] {
        assert!(kong.list(collection).is_empty(), "{collection} written");
    }
}

#[test]
fn an_unreachable_issuer_is_an_error_on_oidc() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    refused(&format!("http://127.0.0.1:{port}"), None, &["cannot fetch"]);
}

#[test]
fn a_discovery_document_without_jwks_uri_is_an_error_on_oidc() {
    let idp = FakeIdp::start();
    idp.set_discovery(json!({"issuer": idp.issuer()}));
    refused(
        &idp.issuer(),
        None,
        &["has no `jwks_uri`", "set `jwks_url`"],
    );
}

#[test]
fn an_empty_jwks_is_an_error_on_oidc() {
    let idp = FakeIdp::start();
    idp.set_jwks(r#"{"keys": []}"#);
    refused(&idp.issuer(), None, &["holds no signing key"]);
}

#[test]
fn a_malformed_jwks_is_an_error_on_oidc() {
    let idp = FakeIdp::start();
    idp.set_jwks("<html>oops</html>");
    refused(&idp.issuer(), None, &["the JWKS is malformed"]);
}

#[test]
fn a_key_type_kong_cannot_use_is_an_error_on_oidc() {
    let idp = FakeIdp::start();
    idp.set_jwks(
        r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
    );
    refused(
        &idp.issuer(),
        None,
        &["key `ed` cannot be used", "`OKP` is not supported"],
    );
}

#[test]
fn an_explicit_jwks_url_skips_discovery() {
    let idp = FakeIdp::start();
    idp.set_discovery(json!({"issuer": idp.issuer()}));
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&oidc_api(
        "orders",
        &idp.issuer(),
        &format!("    jwks_url = \"{}/jwks\"", idp.issuer()),
    ));
    ws.apply().success();
    assert_eq!(kong.list("jwts").len(), 2);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn oidc_settings_are_checked_at_plan_time() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(
        r#"
resource "dispatch_api" "plain" {
  name           = "plain"
  authentication = "oidc"
  oidc {
    issuer   = "http://login.example.com"
    jwks_url = "https://user:secret@login.example.com/keys"
  }
}
resource "dispatch_api" "missing" {
  name           = "missing"
  authentication = "oidc"
}
resource "dispatch_api" "mismatch" {
  name = "mismatch"
  oidc {
    issuer = "https://login.example.com"
  }
}
resource "dispatch_api" "unknown_mode" {
  name           = "unknown"
  authentication = "kerberos"
}
"#,
    );
    let output = ws.plan().failure().output();
    for expected in [
        "Invalid OIDC issuer",
        "must use https",
        "Invalid JWKS URL",
        "must not carry credentials",
        "Missing OIDC issuer",
        "oidc block without OIDC authentication",
        "Invalid authentication mode",
    ] {
        assert!(output.contains(expected), "{expected}: {output}");
    }
    assert!(kong.list("services").is_empty());
}

#[test]
fn an_issuer_known_only_at_apply_time_is_resolved_then() {
    let idp = FakeIdp::start();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&format!(
        r#"
resource "terraform_data" "idp" {{
  input = "{}"
}}
{}"#,
        idp.issuer(),
        oidc_api("orders", "${terraform_data.idp.output}", "")
    ));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        plan.output()
            .contains("signing_key_ids = (known after apply)"),
        "{}",
        plan.output()
    );
    ws.apply().success();
    let api = ws.resource("dispatch_api.orders").expect("in state");
    assert_eq!(api["oidc"][0]["signing_key_ids"], json!(["ec-1", "rsa-1"]));
    assert_eq!(kong.list("jwts").len(), 2);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn an_issuer_that_is_down_blocks_neither_plan_nor_destroy_of_an_existing_api() {
    let idp = FakeIdp::start();
    let issuer = idp.issuer();
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&oidc_api("orders", &issuer, ""));
    ws.apply().success();

    drop(idp);
    // An existing API is planned with the keys Kong holds, and the plan says so.
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "no change: {}", plan.output());
    assert!(
        plan.output().contains("Planned without the OIDC issuer"),
        "{}",
        plan.output()
    );

    // A new API needs the issuer's keys; the error says that -refresh=false does not help.
    let mut body = oidc_api("orders", &issuer, "");
    body.push_str(&oidc_api("billing", &issuer, ""));
    ws.write(&body);
    let run = ws.run(&["plan", "-refresh=false", "-no-color"]);
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(
        out.contains("Cannot use the OIDC issuer's signing keys"),
        "{out}"
    );
    assert!(out.contains("`-refresh=false` does not help"), "{out}");
    assert!(
        out.contains("`terraform destroy` never needs the issuer"),
        "{out}"
    );

    // Removing the API never needs its identity provider.
    ws.write(&oidc_api("orders", &issuer, ""));
    let run = ws.destroy();
    assert_eq!(run.code, 0, "{}", run.output());
    assert!(ws.state_list().is_empty());
    assert!(
        kong.managed("services").is_empty(),
        "{:?}",
        kong.managed("services")
    );
    assert!(
        kong.managed("consumers").is_empty(),
        "{:?}",
        kong.managed("consumers")
    );
}
