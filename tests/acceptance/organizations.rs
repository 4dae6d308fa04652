//! The boundary between organizations sharing one Kong (issue 12, item 4): an entity tagged for
//! another organization is never imported (by id, name or hostname), changed or deleted by this
//! one, and the error names the owner. Update and destroy check again before writing: the state
//! here tracks an entity that Kong's tags have since given to another organization (as a state
//! imported before the guard existed would). An unmanaged entity can still be imported.

use serde_json::{json, Value as Json};

use crate::certs::{CertSpec, Issued};
use crate::harness::{needs_sandbox, Kong, Workspace};

const SHOP: &str = "  organization = \"shop\"";
const BLOG: &str = "  organization = \"blog\"";

fn api(address: &str, name: &str, function: &str) -> String {
    format!(
        "resource \"dispatch_api\" \"{address}\" {{\n  name     = \"{name}\"\n  function = \"{function}\"\n}}\n"
    )
}

fn user(address: &str, username: &str, groups: &str) -> String {
    format!(
        "resource \"dispatch_basic_auth_user\" \"{address}\" {{\n  username = \"{username}\"\n  password = \"correct horse battery staple\"\n  groups   = [{groups}]\n}}\n"
    )
}

/// A `dispatch_certificate.site` of `issued`, with `extra` attributes, for the organization
/// of `provider`.
fn write_certificate(ws: &Workspace, provider: &str, issued: &Issued, extra: &str) {
    ws.write_file("site.crt", &issued.cert_pem());
    ws.write_file("site.key", &issued.key_pem());
    ws.write_with_provider(
        provider,
        &format!(
            "resource \"dispatch_certificate\" \"site\" {{\n  certificate = file(\"${{path.module}}/site.crt\")\n  private_key = file(\"${{path.module}}/site.key\")\n{extra}\n}}\n"
        ),
    );
}

fn id_of(ws: &Workspace, address: &str) -> String {
    ws.resource(address).expect("in state")["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Asserts a refusal that names the entity and its owner, and that nothing reached the state.
#[track_caller]
fn assert_refused(output: &str, action: &str, entity: &str, owner: &str) {
    assert!(
        output.contains(&format!(
            "Cannot {action}: it belongs to another organization"
        )),
        "{output}"
    );
    assert!(output.contains(&format!("`{entity}`")), "{output}");
    assert!(
        output.contains(&format!("tagged for the organization `{owner}`")),
        "{output}"
    );
    assert!(output.contains("Nothing was changed in Kong"), "{output}");
}

/// The entity at `path` without its `updated_at` (the test's own tagging changes it).
fn entity(kong: &Kong, path: &str) -> Json {
    let mut entity = kong.get(path);
    if let Some(fields) = entity.as_object_mut() {
        fields.remove("updated_at");
    }
    entity
}

/// Gives the entity at `path` to the organization `blog` in Kong, keeping its user tags.
fn give_to_blog(kong: &Kong, path: &str) {
    let entity = kong.get(path);
    let mut tags: Vec<Json> = entity["tags"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.as_str().is_some_and(|t| !t.starts_with("dispatch-org:")))
        .collect();
    tags.push(json!("dispatch-org:blog"));
    kong.send("PATCH", path, json!({ "tags": tags }));
}

#[test]
fn another_organizations_api_is_never_imported_by_id_or_name() {
    let kong = Kong::start();
    let blog = kong.workspace();
    blog.write_with_provider(BLOG, &api("x", "x", "x"));
    blog.apply().success();
    let id = id_of(&blog, "dispatch_api.x");
    let before = entity(&kong, &format!("/services/{id}"));

    // By id, from the organization `shop`: the issue's `terraform import dispatch_api.stolen`.
    let shop = kong.workspace();
    shop.write_with_provider(SHOP, &api("stolen", "x", "x"));
    let out = shop.import("dispatch_api.stolen", &id).failure().output();
    assert_refused(&out, "import the API", "blog.x", "blog");
    assert!(
        out.contains("configured for the organization `shop`"),
        "{out}"
    );
    assert!(shop.state_list().is_empty());

    // By name, from a configuration without an organization (whose names are Kong's names).
    let none = kong.workspace();
    none.write(&api("x", "x", "x"));
    let out = none.import("dispatch_api.x", "blog.x").failure().output();
    assert_refused(&out, "import the API", "blog.x", "blog");
    assert!(out.contains("configured without an organization"), "{out}");
    assert!(none.state_list().is_empty());

    assert_eq!(entity(&kong, &format!("/services/{id}")), before);
    assert_eq!(blog.plan().code, 0, "blog's API is untouched");

    // An unmanaged service is still imported, as documented.
    let legacy = kong.send(
        "POST",
        "/services",
        json!({"name": "shop.legacy", "url": "http://legacy.internal/"}),
    );
    let shop = kong.workspace();
    shop.write_with_provider(SHOP, &api("legacy", "legacy", "legacy"));
    shop.import("dispatch_api.legacy", "legacy").success();
    assert_eq!(id_of(&shop, "dispatch_api.legacy"), legacy["id"]);
}

#[test]
fn an_api_given_to_another_organization_is_neither_updated_nor_destroyed() {
    let kong = Kong::start();
    let shop = kong.workspace();
    shop.write_with_provider(SHOP, &api("y", "y", "y"));
    shop.apply().success();
    let id = id_of(&shop, "dispatch_api.y");
    let original = kong.get(&format!("/services/{id}"));
    give_to_blog(&kong, &format!("/services/{id}"));
    let before = entity(&kong, &format!("/services/{id}"));

    shop.write_with_provider(SHOP, &api("y", "y", "y-changed"));
    let out = shop.apply().failure().output();
    assert_refused(&out, "update the API `y`", "shop.y", "blog");
    assert_eq!(entity(&kong, &format!("/services/{id}")), before);

    // The route alone given away is refused too.
    let route = kong.get("/routes/shop.y");
    kong.send(
        "PATCH",
        &format!("/services/{id}"),
        json!({ "tags": original["tags"] }),
    );
    give_to_blog(&kong, "/routes/shop.y");
    let out = shop.apply().failure().output();
    assert_refused(&out, "update the API `y`", "shop.y", "blog");
    assert_eq!(kong.get("/routes/shop.y")["paths"], route["paths"]);
    give_to_blog(&kong, &format!("/services/{id}"));

    let out = shop.destroy().failure().output();
    assert_refused(&out, "delete the API", "shop.y", "blog");
    assert_eq!(entity(&kong, &format!("/services/{id}")), before);
    assert!(!kong.missing("/routes/shop.y"), "the route is not deleted");
}

#[test]
fn another_organizations_certificate_is_never_imported_updated_or_destroyed() {
    let kong = Kong::start();
    let issued = CertSpec::leaf(&["blog.example.com"]).self_signed();
    let blog = kong.workspace();
    write_certificate(&blog, BLOG, &issued, "");
    blog.apply().success();
    let id = id_of(&blog, "dispatch_certificate.site");
    let before = entity(&kong, &format!("/certificates/{id}"));

    for import_id in ["blog.example.com", id.as_str()] {
        let shop = kong.workspace();
        write_certificate(&shop, SHOP, &issued, "");
        let out = shop
            .import("dispatch_certificate.site", import_id)
            .failure()
            .output();
        assert_refused(&out, "import the certificate", &id, "blog");
        assert!(shop.state_list().is_empty());
    }
    assert_eq!(entity(&kong, &format!("/certificates/{id}")), before);

    // A certificate of this configuration that Kong's tags have given to `blog`.
    let own = CertSpec::leaf(&["shop.example.com"]).self_signed();
    let shop = kong.workspace();
    write_certificate(&shop, SHOP, &own, "");
    shop.apply().success();
    let own_id = id_of(&shop, "dispatch_certificate.site");
    give_to_blog(&kong, &format!("/certificates/{own_id}"));
    let given = entity(&kong, &format!("/certificates/{own_id}"));
    write_certificate(&shop, SHOP, &own, "  tags = [\"team:web\"]");
    let out = shop.apply().failure().output();
    assert_refused(&out, "update the certificate", &own_id, "blog");
    let out = shop.destroy().failure().output();
    assert_refused(&out, "delete the certificate", &own_id, "blog");
    assert_eq!(entity(&kong, &format!("/certificates/{own_id}")), given);
}

#[test]
fn another_organizations_user_is_never_imported_updated_or_destroyed() {
    let kong = Kong::start();
    let blog = kong.workspace();
    blog.write_with_provider(BLOG, &user("alice", "alice", "\"staff\""));
    blog.apply().success();
    let id = id_of(&blog, "dispatch_basic_auth_user.alice");
    let before = entity(&kong, &format!("/consumers/{id}"));

    let shop = kong.workspace();
    shop.write_with_provider(SHOP, &user("alice", "alice", "\"staff\""));
    let out = shop
        .import("dispatch_basic_auth_user.alice", &id)
        .failure()
        .output();
    assert_refused(&out, "import the user", "blog.alice", "blog");
    let none = kong.workspace();
    none.write(&user("alice", "alice", "\"staff\""));
    let out = none
        .import("dispatch_basic_auth_user.alice", "blog.alice")
        .failure()
        .output();
    assert_refused(&out, "import the user", "blog.alice", "blog");
    assert!(shop.state_list().is_empty() && none.state_list().is_empty());
    assert_eq!(entity(&kong, &format!("/consumers/{id}")), before);

    let shop = kong.workspace();
    shop.write_with_provider(SHOP, &user("bob", "bob", "\"staff\""));
    shop.apply().success();
    let bob = id_of(&shop, "dispatch_basic_auth_user.bob");
    give_to_blog(&kong, &format!("/consumers/{bob}"));
    let given = entity(&kong, &format!("/consumers/{bob}"));
    let acls = kong.get(&format!("/consumers/{bob}/acls"));
    shop.write_with_provider(SHOP, &user("bob", "bob", "\"staff\", \"admins\""));
    let out = shop.apply().failure().output();
    assert_refused(&out, "update the user", "shop.bob", "blog");
    assert_eq!(kong.get(&format!("/consumers/{bob}/acls")), acls);
    let out = shop.destroy().failure().output();
    assert_refused(&out, "delete the user", "shop.bob", "blog");
    assert_eq!(entity(&kong, &format!("/consumers/{bob}")), given);
}

/// Issue 12, item 5: the tags the provider writes to mark ownership cannot be declared. Before,
/// they were written to Kong (an API of `shop` made to look like `other`'s) and every later
/// plan showed a change.
#[test]
fn ownership_tags_are_refused_at_plan_before_any_request() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["forged.example.com"]).self_signed();
    ws.write_file("site.crt", &issued.cert_pem());
    ws.write_file("site.key", &issued.key_pem());
    ws.write_with_provider(
        SHOP,
        r#"
resource "dispatch_api" "forged" {
  name     = "forged"
  function = "forged"
  tags     = ["team:a", "managed-by:terraform-provider-dispatch", "dispatch-org:other"]
}

resource "dispatch_certificate" "forged" {
  certificate = file("${path.module}/site.crt")
  private_key = file("${path.module}/site.key")
  tags        = ["dispatch-api:forged"]
}
"#,
    );
    kong.sandbox.controls().reset_requests();
    let out = ws.plan().failure().output();
    assert_eq!(out.matches("Error: Reserved tag").count(), 3, "{out}");
    for tag in [
        "managed-by:terraform-provider-dispatch",
        "dispatch-org:other",
        "dispatch-api:forged",
    ] {
        assert!(out.contains(&format!("`{tag}` is reserved")), "{out}");
    }
    assert!(out.contains("with dispatch_api.forged"), "{out}");
    assert!(out.contains("with dispatch_certificate.forged"), "{out}");
    assert_eq!(
        kong.sandbox.controls().request_count(),
        0,
        "refused before any request"
    );
}
