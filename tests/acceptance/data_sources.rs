//! The `dispatch_api` and `dispatch_apis` data sources with real Terraform: every attribute of
//! the resource, clear errors for what is not there, and every page of Kong's lists.

use serde_json::{json, Value as Json};

use crate::harness::Kong;

const WITH_POLICIES: &str = r#"
resource "dispatch_api" "shop" {
  name                       = "shop"
  upstream_url               = "https://backend.example.com:8443/v1"
  hosts                      = ["shop.example.com", "*.shop.example.com"]
  paths                      = ["/cart", "~/items/[0-9]+$"]
  methods                    = ["GET", "POST"]
  https                      = "required"
  https_redirect_status_code = 308
  strip_path                 = false
  tags                       = ["team:shop"]
  timeout_ms                 = 1500
  request_size_limit_kb      = 32

  cors {
    origins         = ["https://app\\.example\\.com"]
    methods         = ["GET"]
    headers         = ["X-Id"]
    exposed_headers = ["X-Trace"]
    credentials     = true
    max_age         = 30
  }

  rate_limit {
    per_minute = 10
    limit_by   = "ip"
  }

  logging {
    http_endpoint = "http://logs.internal/kong"
  }

  monitoring {
    per_consumer = true
  }
}
"#;

#[test]
fn dispatch_api_shows_every_attribute_of_the_resource() {
    let kong = Kong::start();
    let owner = kong.workspace();
    owner.write(WITH_POLICIES);
    owner.apply().success();
    let resource = owner.resource("dispatch_api.shop").expect("in state");

    let reader = kong.workspace();
    reader.write("data \"dispatch_api\" \"shop\" {\n  name = \"shop\"\n}\n");
    reader.apply().success();
    let data = reader.resource("data.dispatch_api.shop").expect("read");
    let resource = resource.as_object().expect("object");
    let data = data.as_object().expect("object");
    let mut keys: Vec<&String> = resource.keys().collect();
    keys.sort();
    let mut data_keys: Vec<&String> = data.keys().collect();
    data_keys.sort();
    assert_eq!(keys, data_keys, "the same attributes");
    for key in keys {
        assert_eq!(data[key], resource[key], "attribute {key}");
    }
    assert_eq!(data["cors"][0]["max_age"], 30);
    assert_eq!(reader.plan().code, 0);
}

#[test]
fn dispatch_api_names_what_is_missing_or_not_an_api() {
    let kong = Kong::start();
    kong.send(
        "POST",
        "/services",
        json!({"name": "legacy", "url": "http://legacy.internal/"}),
    );
    // Created by the provider for the organization `other`: not an API without one.
    kong.send(
        "POST",
        "/services",
        json!({"name": "orders", "url": "http://o.internal/",
               "tags": ["managed-by:terraform-provider-dispatch", "dispatch-org:other"]}),
    );
    let ws = kong.workspace();
    ws.write("data \"dispatch_api\" \"x\" {\n  name = \"nope\"\n}\n");
    let out = ws.plan().failure().output();
    assert!(out.contains("API not found"), "{out}");
    assert!(out.contains("No API named `nope`"), "{out}");

    ws.write("data \"dispatch_api\" \"x\" {\n  name = \"legacy\"\n}\n");
    let out = ws.plan().failure().output();
    assert!(out.contains("Not an API of this organization"), "{out}");
    assert!(
        out.contains("not managed by terraform-provider-dispatch"),
        "{out}"
    );

    ws.write("data \"dispatch_api\" \"x\" {\n  name = \"orders\"\n}\n");
    let out = ws.plan().failure().output();
    assert!(out.contains("belongs to another organization"), "{out}");

    // With an organization, names are looked up under its prefix.
    ws.write_with_provider(
        "  organization = \"shop\"",
        "data \"dispatch_api\" \"x\" {\n  name = \"orders\"\n}\n",
    );
    let out = ws.plan().failure().output();
    assert!(out.contains("API not found"), "{out}");
    assert!(out.contains("`shop.orders`"), "{out}");

    ws.write("data \"dispatch_api\" \"x\" {\n  name = \"bad name\"\n}\n");
    let out = ws.plan().failure().output();
    assert!(out.contains("Invalid API name"), "{out}");
}

/// Creates `count` APIs of the organization `shop` directly through the Admin API, as the
/// provider would: service and route named `shop.bulk-NNNN`, with the ownership tags. Every
/// second one invokes `even`, every third carries `team:a`.
fn bulk_apis(kong: &Kong, count: usize) {
    for i in 0..count {
        let name = format!("bulk-{i:04}");
        let function = if i % 2 == 0 { "even" } else { "odd" };
        let mut tags = vec![
            "managed-by:terraform-provider-dispatch".to_string(),
            "dispatch-org:shop".to_string(),
            format!("dispatch-api:{name}"),
        ];
        if i % 3 == 0 {
            tags.push("team:a".into());
        }
        let service = kong.send(
            "PUT",
            &format!("/services/shop.{name}"),
            json!({
                "url": format!("http://dispatch-function-manager/v1/functions/{function}/runs"),
                "tags": tags,
            }),
        );
        kong.send(
            "PUT",
            &format!("/routes/shop.{name}"),
            json!({"paths": [format!("/shop/{name}")], "service": {"id": service["id"]}, "tags": tags}),
        );
    }
}

fn names(data: &Json) -> Vec<String> {
    data["apis"]
        .as_array()
        .expect("apis")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn dispatch_apis_lists_every_page_of_the_organization_and_filters() {
    const BULK: usize = 1005;
    let kong = Kong::start();
    bulk_apis(&kong, BULK);
    // Neighbours that are not the organization's APIs.
    kong.send(
        "POST",
        "/services",
        json!({"name": "shop.unmanaged", "url": "http://u.internal/", "tags": ["dispatch-org:shop"]}),
    );
    kong.send(
        "POST",
        "/services",
        json!({"name": "other.x", "url": "http://x.internal/",
               "tags": ["managed-by:terraform-provider-dispatch", "dispatch-org:other"]}),
    );
    kong.send(
        "POST",
        "/services",
        json!({"name": "orgless", "url": "http://o.internal/",
               "tags": ["managed-by:terraform-provider-dispatch"]}),
    );

    let ws = kong.workspace();
    ws.write_with_provider(
        "  organization = \"shop\"",
        r#"
resource "dispatch_api" "mine" {
  name     = "mine"
  function = "even"
  tags     = ["team:a"]
  cors {
    origins = ["*"]
  }
}

data "dispatch_apis" "all" {
  depends_on = [dispatch_api.mine]
}

data "dispatch_apis" "even" {
  function   = "even"
  depends_on = [dispatch_api.mine]
}

data "dispatch_apis" "even_team_a" {
  function   = "even"
  tags       = ["team:a"]
  depends_on = [dispatch_api.mine]
}
"#,
    );
    ws.apply().success();

    let all = ws.resource("data.dispatch_apis.all").expect("read");
    let listed = names(&all);
    assert_eq!(
        listed.len(),
        BULK + 1,
        "every page, and only the organization's"
    );
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "sorted by name");
    assert!(listed.contains(&"bulk-1004".to_string()));
    assert!(listed.contains(&"mine".to_string()));
    assert!(!listed
        .iter()
        .any(|n| n.contains("unmanaged") || n.contains('.') || n == "orgless"));

    let bulk = all["apis"]
        .as_array()
        .expect("apis")
        .iter()
        .find(|a| a["name"] == "bulk-0003")
        .expect("bulk-0003");
    assert_eq!(bulk["function"], "odd");
    assert_eq!(bulk["paths"], json!(["/bulk-0003"]));
    assert_eq!(bulk["tags"], json!(["team:a"]));
    assert_eq!(bulk["https"], "optional");
    assert_eq!(bulk["enabled"], true);
    assert_eq!(
        bulk["urls"],
        json!([
            "http://localhost:8000/shop/bulk-0003",
            "https://localhost:8443/shop/bulk-0003"
        ])
    );

    let even = names(&ws.resource("data.dispatch_apis.even").expect("read"));
    assert_eq!(even.len(), BULK.div_ceil(2) + 1);
    let both = names(&ws.resource("data.dispatch_apis.even_team_a").expect("read"));
    assert_eq!(both.len(), (0..BULK).filter(|i| i % 6 == 0).count() + 1);
    assert!(both.contains(&"mine".to_string()));

    assert_eq!(ws.plan().code, 0);
}

#[test]
fn dispatch_apis_without_an_organization_lists_only_apis_without_one() {
    let kong = Kong::start();
    let shop = kong.workspace();
    shop.write_with_provider(
        "  organization = \"shop\"",
        "resource \"dispatch_api\" \"a\" {\n  name = \"a\"\n}\n",
    );
    shop.apply().success();
    let plain = kong.workspace();
    plain.write(
        "resource \"dispatch_api\" \"b\" {\n  name = \"b\"\n}\n\ndata \"dispatch_apis\" \"all\" {\n  depends_on = [dispatch_api.b]\n}\n\ndata \"dispatch_apis\" \"none\" {\n  tags       = [\"absent\"]\n  depends_on = [dispatch_api.b]\n}\n",
    );
    plain.apply().success();
    let all = plain.resource("data.dispatch_apis.all").expect("read");
    assert_eq!(names(&all), vec!["b"]);
    assert_eq!(
        all["apis"][0]["function"],
        json!(null),
        "no function linked"
    );
    let none = plain.resource("data.dispatch_apis.none").expect("read");
    assert_eq!(none["apis"], json!([]));

    plain.write("data \"dispatch_apis\" \"x\" {\n  tags = [\"a,b\"]\n}\n");
    let out = plain.plan().failure().output();
    assert!(out.contains("Invalid tag"), "{out}");
}
