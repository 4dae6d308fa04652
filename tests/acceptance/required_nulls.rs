//! A null in a required attribute (`name = var.n` with a variable that has no value, or the
//! `private_key = null # sensitive` that `-generate-config-out` writes) is a plan-time error on
//! that attribute, for every resource and data source: Terraform itself only checks that a
//! required attribute is written, not that its value is set.

use std::collections::BTreeSet;

use tf_provider::schema::{AttributeConstraint, Block, NestedBlock};
use tf_provider::{Diagnostics, Provider};

use crate::certs::CertSpec;
use crate::harness::{needs_sandbox, Kong};

/// Every required attribute of every resource and data source, as `<type>.<path>`.
fn required_attributes() -> BTreeSet<String> {
    fn walk(block: &Block, prefix: &str, out: &mut BTreeSet<String>) {
        for (name, attribute) in &block.attributes {
            if attribute.constraint == AttributeConstraint::Required {
                out.insert(format!("{prefix}.{name}"));
            }
        }
        for (name, nested) in &block.blocks {
            let inner = match nested {
                NestedBlock::Single(b)
                | NestedBlock::List(b)
                | NestedBlock::Set(b)
                | NestedBlock::Map(b)
                | NestedBlock::Group(b)
                | NestedBlock::Optional(b) => b,
            };
            walk(inner, &format!("{prefix}.{name}"), out);
        }
    }
    let provider = dispatch_provider::provider::DispatchProvider::new();
    let mut diags = Diagnostics::default();
    let mut out = BTreeSet::new();
    for (name, resource) in provider.get_resources(&mut diags).expect("resources") {
        let schema = resource.schema(&mut diags).expect("schema");
        walk(&schema.block, &format!("dispatch_{name}"), &mut out);
    }
    for (name, data_source) in provider.get_data_sources(&mut diags).expect("data sources") {
        let schema = data_source.schema(&mut diags).expect("schema");
        walk(&schema.block, &format!("data.dispatch_{name}"), &mut out);
    }
    out
}

/// One configuration with a null in each required attribute, each in its own resource, and
/// the attribute (as `<type>.<path>`) it sets to null with the error expected on it.
const CASES: &[(&str, &str, &str)] = &[
    (
        "dispatch_api.name",
        "dispatch_api.no_name",
        "Missing API name",
    ),
    (
        "dispatch_api.logging.http_endpoint",
        "dispatch_api.no_endpoint",
        "Missing logging endpoint",
    ),
    (
        "dispatch_api.oidc.issuer",
        "dispatch_api.no_issuer",
        "Missing OIDC issuer",
    ),
    (
        "dispatch_certificate.certificate",
        "dispatch_certificate.no_certificate",
        "Missing certificate",
    ),
    (
        "dispatch_certificate.private_key",
        "dispatch_certificate.no_key",
        "Missing private key",
    ),
    (
        "dispatch_basic_auth_user.username",
        "dispatch_basic_auth_user.no_username",
        "Missing username",
    ),
    (
        "dispatch_basic_auth_user.password",
        "dispatch_basic_auth_user.no_password",
        "Missing password",
    ),
    (
        "data.dispatch_api.name",
        "data.dispatch_api.no_name",
        "Missing API name",
    ),
];

const CONFIG: &str = r#"
variable "unset" {
  type    = string
  default = null
}

resource "dispatch_api" "no_name" {
  name = var.unset
}

resource "dispatch_api" "no_endpoint" {
  name = "no-endpoint"
  logging {
    http_endpoint = var.unset
  }
}

resource "dispatch_api" "no_issuer" {
  name           = "no-issuer"
  authentication = "oidc"
  oidc {
    issuer = var.unset
  }
}

resource "dispatch_certificate" "no_certificate" {
  certificate = var.unset
  private_key = file("${path.module}/site.key")
}

resource "dispatch_certificate" "no_key" {
  certificate = file("${path.module}/site.crt")
  private_key = var.unset
}

resource "dispatch_basic_auth_user" "no_username" {
  username = var.unset
  password = "correct horse"
}

resource "dispatch_basic_auth_user" "no_password" {
  username = "alice"
  password = var.unset
}

data "dispatch_api" "no_name" {
  name = var.unset
}
"#;

/// What `terraform plan -generate-config-out` writes for sensitive values: a literal null, which
/// `terraform validate` already sees.
const GENERATED: &str = r#"
resource "dispatch_certificate" "no_key" {
  certificate = file("${path.module}/site.crt")
  private_key = null # sensitive
}

resource "dispatch_basic_auth_user" "no_password" {
  username = "alice"
  password = null # sensitive
}
"#;

#[test]
fn every_required_attribute_is_covered_by_the_null_test() {
    let covered: BTreeSet<String> = CASES.iter().map(|(a, _, _)| a.to_string()).collect();
    assert_eq!(
        required_attributes(),
        covered,
        "every required attribute of every resource and data source has a case in CASES"
    );
}

#[test]
fn a_null_in_a_required_attribute_is_a_plan_time_error_on_it() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["site.example.com"]).self_signed();
    ws.write_file("site.crt", &issued.cert_pem());
    ws.write_file("site.key", &issued.key_pem());
    ws.write(CONFIG);

    kong.sandbox.controls().reset_requests();
    let plan = ws.plan().failure();
    let out = plan.output();
    assert!(!out.contains("Internal error"), "{out}");
    for (attribute, address, summary) in CASES {
        let name = attribute.rsplit('.').next().expect("attribute name");
        let (kind, label) = address.rsplit_once('.').expect("address");
        let kind = kind.trim_start_matches("data.");
        let block = if address.starts_with("data.") {
            format!("data \"{kind}\" \"{label}\"")
        } else {
            format!("resource \"{kind}\" \"{label}\"")
        };
        // Each diagnostic: its summary, the address and the block it is on, and the detail.
        let found = plan.stderr.split("Error: ").skip(1).any(|d| {
            let d = d.split_whitespace().collect::<Vec<_>>().join(" ");
            d.starts_with(summary)
                && d.contains(&format!("with {address},"))
                && d.contains(&block)
                && d.contains(&format!("{name}` is required, but its value is null"))
        });
        assert!(found, "no `{summary}` error on {address} ({name}):\n{out}");
    }
    // The key's message says why generated configuration holds no key and how to supply it.
    assert!(
        out.contains("Terraform never writes a sensitive value into generated configuration"),
        "{out}"
    );
    assert!(out.contains("private_key = file("), "{out}");
    assert!(
        out.contains("Kong keeps only a salted hash of the password"),
        "{out}"
    );
    assert_eq!(
        kong.requests_past_configure().len(),
        0,
        "nothing reached Kong"
    );

    ws.write(GENERATED);
    for run in [
        ws.run(&["validate", "-no-color"]).failure(),
        ws.plan().failure(),
    ] {
        let out = run.output();
        assert!(
            out.contains("Error: Missing private key with dispatch_certificate.no_key"),
            "{out}"
        );
        assert!(
            out.contains("Error: Missing password with dispatch_basic_auth_user.no_password"),
            "{out}"
        );
        assert!(!out.contains("Internal error"), "{out}");
    }
    assert_eq!(kong.requests_past_configure().len(), 0);
}
