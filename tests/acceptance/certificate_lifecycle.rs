//! `dispatch_certificate` through its whole life with the real terraform CLI: create (its
//! computed attributes shown at plan time), no-change plan, rotation and hostname changes in
//! place with the same id, drift, out-of-band delete, import by hostname or id, destroy; and
//! the private key never printed, even with `TF_LOG=trace`.

use kong_sandbox::{FaultAction, FaultRule};
use serde_json::{json, Value as Json};

use crate::certs::{CertSpec, Issued, KeyKind};
use crate::harness::{needs_sandbox, strings, Kong, Workspace};

/// A `dispatch_certificate.site` reading `site.crt` and `site.key`, with `extra` attributes.
fn certificate_config(extra: &str) -> String {
    format!(
        r#"
resource "dispatch_certificate" "site" {{
  certificate = file("${{path.module}}/site.crt")
  private_key = file("${{path.module}}/site.key")
{extra}
}}
"#
    )
}

/// Writes the certificate files and the configuration.
pub fn write_certificate(ws: &Workspace, issued: &Issued, extra: &str) {
    ws.write_file("site.crt", &issued.cert_pem());
    ws.write_file("site.key", &issued.key_pem());
    ws.write(&certificate_config(extra));
}

/// The Admin API requests the last command made but configure's check of Kong, as "METHOD path".
fn requests(kong: &Kong) -> Vec<String> {
    kong.requests_past_configure()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn certificate_in_kong(kong: &Kong, id: &str) -> Json {
    kong.get(&format!("/certificates/{id}"))
}

#[test]
fn create_shows_computed_values_at_plan_then_plans_no_change() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::new(
        "hello.example.com",
        &["hello.example.com", "www.example.com"],
    )
    .organization("Example")
    .self_signed();
    write_certificate(&ws, &issued, "  tags = [\"team:web\"]");

    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.output());
    let shown = plan.output();
    assert!(shown.contains(&format!(
        "fingerprint_sha256 = \"{}\"",
        issued.fingerprint_sha256()
    )));
    assert!(shown.contains("subject = \"CN=hello.example.com,O=Example\""));
    assert!(shown.contains("private_key = (sensitive value)"), "{shown}");
    assert!(
        shown.contains("hostnames = [ + \"hello.example.com\", + \"www.example.com\", ]"),
        "{shown}"
    );
    assert!(shown.contains("dns_names = [ + \"hello.example.com\", + \"www.example.com\", ]"));
    assert!(!shown.contains(&issued.key_body()[..64]));

    ws.apply().success();
    let state = ws.resource("dispatch_certificate.site").expect("in state");
    let id = state["id"].as_str().expect("id");
    assert!(uuid::Uuid::parse_str(id).is_ok());
    assert_eq!(
        state["hostnames"],
        json!(["hello.example.com", "www.example.com"])
    );
    assert_eq!(
        state["dns_names"],
        json!(["hello.example.com", "www.example.com"])
    );
    assert_eq!(state["issuer"], state["subject"]);
    assert_eq!(state["fingerprint_sha256"], issued.fingerprint_sha256());
    assert!(state["not_after"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z') && t.len() == 20));

    let kong_cert = certificate_in_kong(&kong, id);
    assert_eq!(kong_cert["cert"], issued.cert_pem());
    assert_eq!(kong_cert["key"], issued.key_pem());
    assert_eq!(
        kong_cert["snis"],
        json!(["hello.example.com", "www.example.com"])
    );
    assert_eq!(
        strings(&kong_cert["tags"]),
        vec!["managed-by:terraform-provider-dispatch", "team:web"]
    );
    assert_eq!(
        kong.get("/snis/www.example.com")["certificate"]["id"],
        json!(id)
    );

    kong.sandbox.controls().reset_requests();
    assert_eq!(ws.plan().code, 0, "no-change plan");
    assert_eq!(
        requests(&kong),
        vec![format!("GET /certificates/{id}")],
        "a refresh is one request"
    );
}

#[test]
fn rotation_and_hostname_changes_update_in_place_with_one_put() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let first = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    write_certificate(&ws, &first, "");
    ws.apply().success();
    let id = ws.resource("dispatch_certificate.site").expect("state")["id"]
        .as_str()
        .expect("id")
        .to_string();

    // Rotate to an ECDSA certificate for the same names: same id, one PUT, never a DELETE.
    let second = CertSpec::leaf(&["hello.example.com", "www.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    write_certificate(&ws, &second, "");
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.output().contains("1 to change, 0 to destroy"));
    assert!(plan.output().contains(&format!(
        "fingerprint_sha256 = \"{}\" -> \"{}\"",
        first.fingerprint_sha256(),
        second.fingerprint_sha256()
    )));
    kong.sandbox.controls().reset_requests();
    ws.apply().success();
    let writes: Vec<String> = requests(&kong)
        .into_iter()
        .filter(|r| !r.starts_with("GET "))
        .collect();
    assert_eq!(writes, vec![format!("PUT /certificates/{id}")]);
    let state = ws.resource("dispatch_certificate.site").expect("state");
    assert_eq!(state["id"], json!(id));
    assert_eq!(state["fingerprint_sha256"], second.fingerprint_sha256());
    let kong_cert = certificate_in_kong(&kong, &id);
    assert_eq!(kong_cert["cert"], second.cert_pem());
    assert_eq!(
        kong_cert["snis"],
        json!(["hello.example.com", "www.example.com"])
    );
    assert_eq!(ws.plan().code, 0);

    // Narrow the hostnames: the same certificate, one SNI fewer.
    write_certificate(&ws, &second, "  hostnames = [\"hello.example.com\"]");
    ws.apply().success();
    assert_eq!(
        certificate_in_kong(&kong, &id)["snis"],
        json!(["hello.example.com"])
    );
    assert!(kong.missing("/snis/www.example.com"));
    assert_eq!(ws.plan().code, 0);

    // Back to the default (the DNS names).
    write_certificate(&ws, &second, "");
    ws.apply().success();
    assert_eq!(
        certificate_in_kong(&kong, &id)["snis"],
        json!(["hello.example.com", "www.example.com"])
    );
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn drift_in_kong_shows_in_plan_and_apply_restores_it() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    write_certificate(&ws, &issued, "");
    ws.apply().success();
    let id = ws.resource("dispatch_certificate.site").expect("state")["id"]
        .as_str()
        .expect("id")
        .to_string();

    // SNIs changed outside Terraform.
    kong.send(
        "PATCH",
        &format!("/certificates/{id}"),
        json!({"snis": ["hello.example.com"]}),
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.output().contains("+ \"www.example.com\""),
        "{}",
        plan.output()
    );
    ws.apply().success();
    assert_eq!(
        certificate_in_kong(&kong, &id)["snis"],
        json!(["hello.example.com", "www.example.com"])
    );

    // Certificate and key replaced outside Terraform.
    let other = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    kong.send(
        "PATCH",
        &format!("/certificates/{id}"),
        json!({"cert": other.cert_pem(), "key": other.key_pem()}),
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.output().contains(&format!(
        "fingerprint_sha256 = \"{}\" -> \"{}\"",
        other.fingerprint_sha256(),
        issued.fingerprint_sha256()
    )));
    assert!(plan.output().contains("private_key = (sensitive value)"));
    assert!(!plan.output().contains(&other.key_body()[..64]));
    ws.apply().success();
    let kong_cert = certificate_in_kong(&kong, &id);
    assert_eq!(kong_cert["cert"], issued.cert_pem());
    assert_eq!(kong_cert["key"], issued.key_pem());

    // Only the key replaced (same certificate, other key): still drift.
    kong.send(
        "PATCH",
        &format!("/certificates/{id}"),
        json!({"cert": other.cert_pem(), "key": other.key_pem()}),
    );
    kong.send(
        "PATCH",
        &format!("/certificates/{id}"),
        json!({"cert": issued.cert_pem(), "key": issued.key_pem_traditional()}),
    );
    assert_eq!(ws.plan().code, 2, "a key in another encoding is a change");
    ws.apply().success();
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_certificate_deleted_outside_terraform_is_created_again() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["hello.example.com"]).self_signed();
    write_certificate(&ws, &issued, "");
    ws.apply().success();
    let id = ws.resource("dispatch_certificate.site").expect("state")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = kong.call("DELETE", &format!("/certificates/{id}"), None);
    assert_eq!(status, 204);
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.output().contains("1 to add"));
    ws.apply().success();
    assert_eq!(kong.managed("certificates").len(), 1);
    assert!(!kong.missing("/snis/hello.example.com"));
}

#[test]
fn a_hostname_held_by_another_certificate_names_it_and_changes_nothing() {
    let kong = Kong::start();
    let other = CertSpec::leaf(&["hello.example.com"]).self_signed();
    let holder = kong.send(
        "POST",
        "/certificates",
        json!({"cert": other.cert_pem(), "key": other.key_pem(), "snis": ["hello.example.com"]}),
    );
    let holder_id = holder["id"].as_str().expect("id");

    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    write_certificate(&ws, &issued, "");
    let run = ws.apply().failure();
    let output = run.output();
    assert!(
        output.contains("Hostname already served by another certificate"),
        "{output}"
    );
    assert!(output.contains(&format!(
        "Kong already serves `hello.example.com` with the certificate `{holder_id}`, which is not managed by this provider"
    )));
    assert!(output.contains(&format!("terraform import <resource address> {holder_id}")));
    assert!(output.contains("hostnames"), "on the hostnames attribute");
    assert!(kong.managed("certificates").is_empty(), "nothing created");
    assert!(kong.missing("/snis/www.example.com"));
    assert_eq!(kong.list("certificates").len(), 1);
    assert!(ws.state_list().is_empty());

    // The same conflict on an update keeps the certificate as Kong holds it.
    let mine = CertSpec::leaf(&["www.example.com"]).self_signed();
    write_certificate(&ws, &mine, "");
    ws.apply().success();
    let id = ws.resource("dispatch_certificate.site").expect("state")["id"]
        .as_str()
        .expect("id")
        .to_string();
    write_certificate(
        &ws,
        &mine,
        "  hostnames = [\"www.example.com\", \"hello.example.com\"]",
    );
    let output = ws.apply().failure().output();
    assert!(
        output.contains(&format!("certificate `{holder_id}`")),
        "{output}"
    );
    assert_eq!(
        certificate_in_kong(&kong, &id)["snis"],
        json!(["www.example.com"])
    );
    let state = ws
        .resource("dispatch_certificate.site")
        .expect("still in state");
    assert_eq!(state["hostnames"], json!(["www.example.com"]));
}

#[test]
fn bad_input_is_refused_at_plan_time_on_its_attribute() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let good = CertSpec::leaf(&["hello.example.com"]).self_signed();
    let other = CertSpec::leaf(&["hello.example.com"])
        .key(KeyKind::P384)
        .self_signed();
    let expired = CertSpec::leaf(&["hello.example.com"])
        .valid_days(-60, -2)
        .self_signed();
    let cases: Vec<(String, String, &[&str])> =
        vec![
        (
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n".into(),
            good.key_pem(),
            &["Invalid certificate", "not a valid X.509 certificate", "certificate = file("],
        ),
        (
            "hello".into(),
            good.key_pem(),
            &["Invalid certificate", "no PEM certificate found"],
        ),
        (
            good.cert_pem(),
            other.key_pem(),
            &[
                "Private key does not match the certificate",
                "the certificate holds an RSA 2048-bit key and private_key is an ECDSA P-384 key",
                "private_key = file(",
            ],
        ),
        (
            good.cert_pem(),
            good.key_pem_encrypted(),
            &["Invalid private key", "encrypted with a passphrase"],
        ),
        (
            expired.cert_pem(),
            expired.key_pem(),
            &["Certificate expired"],
        ),
    ];
    for (cert, key, expected) in cases {
        let ws = kong.workspace();
        ws.write_file("site.crt", &cert);
        ws.write_file("site.key", &key);
        ws.write(&certificate_config(""));
        kong.sandbox.controls().reset_requests();
        let run = ws.plan();
        let output = run.output();
        assert_eq!(run.code, 1, "{output}");
        for text in expected {
            assert!(output.contains(text), "expected `{text}` in:\n{output}");
        }
        for line in key
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 32)
        {
            assert!(!output.contains(line), "the key leaked:\n{output}");
        }
        assert!(
            requests(&kong).is_empty(),
            "a plan-time refusal must not reach Kong"
        );
    }

    let ws = kong.workspace();
    write_certificate(
        &ws,
        &good,
        "  hostnames = [\"hello.example.com:443\", \"10.1.2.3\"]",
    );
    let output = ws.plan().failure().output();
    assert!(output.contains("Invalid hostname"));
    assert!(output.contains("`hello.example.com:443` has a port"));
    assert!(output.contains("`10.1.2.3` is an IP address"));
}

#[test]
fn warnings_for_a_wrong_host_or_an_expiry_within_30_days() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let soon = CertSpec::leaf(&["hello.example.com"])
        .valid_days(-300, 12)
        .self_signed();
    write_certificate(
        &ws,
        &soon,
        "  hostnames = [\"hello.example.com\", \"other.example.org\"]",
    );
    let run = ws.apply().success();
    let output = run.output();
    assert!(output.contains("Certificate expires soon"), "{output}");
    assert!(output.contains("Hostname `other.example.org` not covered by the certificate"));
    assert!(output.contains("`other.example.org` is not among the certificate's DNS names"));
    let id = ws.resource("dispatch_certificate.site").expect("state")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        certificate_in_kong(&kong, &id)["snis"],
        json!(["hello.example.com", "other.example.org"])
    );
}

#[test]
fn a_chain_with_its_ca_and_an_ecdsa_leaf() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let root = CertSpec::ca("Dispatch Test Root").self_signed();
    let intermediate = CertSpec::ca("Dispatch Test Intermediate").signed_by(&root);
    let leaf = CertSpec::leaf(&["*.shop.example.com"])
        .key(KeyKind::P384)
        .signed_by(&intermediate);
    ws.write_file(
        "site.crt",
        &crate::certs::chain_pem(&[&leaf, &intermediate]),
    );
    ws.write_file("site.key", &leaf.key_pem_traditional());
    ws.write(&certificate_config(""));
    ws.apply().success();
    let state = ws.resource("dispatch_certificate.site").expect("state");
    assert_eq!(state["subject"], "CN=*.shop.example.com");
    assert_eq!(state["issuer"], "CN=Dispatch Test Intermediate");
    assert_eq!(state["hostnames"], json!(["*.shop.example.com"]));
    assert_eq!(ws.plan().code, 0);
    let kong_cert = certificate_in_kong(&kong, state["id"].as_str().expect("id"));
    assert_eq!(
        kong_cert["cert"],
        crate::certs::chain_pem(&[&leaf, &intermediate])
    );
}

#[test]
fn import_by_hostname_or_id_then_plan_is_empty() {
    let kong = Kong::start();
    let issued = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    let existing = kong.send(
        "POST",
        "/certificates",
        json!({
            "cert": issued.cert_pem(),
            "key": issued.key_pem(),
            "snis": ["www.example.com", "hello.example.com"],
            "tags": ["team:web"],
        }),
    );
    let id = existing["id"].as_str().expect("id");

    for import_id in ["www.example.com", id] {
        let ws = kong.workspace();
        write_certificate(&ws, &issued, "  tags = [\"team:web\"]");
        ws.import("dispatch_certificate.site", import_id).success();
        let state = ws.resource("dispatch_certificate.site").expect("imported");
        assert_eq!(state["id"], json!(id));
        assert_eq!(
            state["hostnames"],
            json!(["hello.example.com", "www.example.com"])
        );
        let plan = ws.plan();
        assert_eq!(plan.code, 0, "{}", plan.output());
    }

    let ws = kong.workspace();
    write_certificate(&ws, &issued, "");
    let output = ws
        .import("dispatch_certificate.site", "nothing.example.com")
        .failure()
        .output();
    assert!(output.contains("Certificate not found in Kong"), "{output}");
}

#[test]
fn destroy_removes_the_certificate_and_its_snis_only() {
    if needs_sandbox("request counts") {
        return;
    }
    let kong = Kong::start();
    let bystander = CertSpec::leaf(&["other.example.com"]).self_signed();
    kong.send(
        "POST",
        "/certificates",
        json!({"cert": bystander.cert_pem(), "key": bystander.key_pem(), "snis": ["other.example.com"]}),
    );
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["hello.example.com", "www.example.com"]).self_signed();
    write_certificate(&ws, &issued, "");
    ws.apply().success();
    assert_eq!(kong.list("certificates").len(), 2);
    kong.sandbox.controls().reset_requests();
    ws.destroy().success();
    let writes: Vec<String> = requests(&kong)
        .into_iter()
        .filter(|r| !r.starts_with("GET "))
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].starts_with("DELETE /certificates/"));
    assert!(kong.managed("certificates").is_empty());
    assert_eq!(kong.list("certificates").len(), 1);
    let names: Vec<Json> = kong
        .list("snis")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("other.example.com")]);
}

#[test]
fn trace_logs_never_hold_the_private_key() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let first = CertSpec::leaf(&["hello.example.com"]).self_signed();
    write_certificate(&ws, &first, "");
    let trace = [("TF_LOG", "trace")];
    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let run = ws.run_with_env(&apply, &trace).success();
    let mut printed = format!("{}\n{}", run.stdout, run.stderr);
    assert!(
        printed.contains("GRPCProvider.v6: ApplyResourceChange"),
        "trace logging is on"
    );
    assert!(
        printed.contains("kong_request"),
        "the provider's own logs are in the output"
    );

    // A rotation, a failing update (the key does not match) and a plan, all traced too.
    let second = CertSpec::leaf(&["hello.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    write_certificate(&ws, &second, "");
    let run = ws.run_with_env(&apply, &trace).success();
    printed.push_str(&run.stdout);
    printed.push_str(&run.stderr);
    ws.write_file("site.key", &first.key_pem());
    let run = ws.run_with_env(&["plan", "-no-color", "-input=false"], &trace);
    assert_eq!(run.code, 1);
    printed.push_str(&run.stdout);
    printed.push_str(&run.stderr);

    for key in [&first, &second] {
        for line in key
            .key_pem()
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 32)
        {
            assert!(
                !printed.contains(line),
                "a line of the private key appears in the output"
            );
        }
        assert!(!printed.contains(&key.key_body()));
    }
}

#[test]
fn a_create_whose_answer_is_lost_leaves_nothing_behind() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["hello.example.com"]).self_signed();
    write_certificate(&ws, &issued, "");
    // Kong stores the certificate each time, but the answer never arrives.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/certificates/".into()),
        skip: 0,
        times: 10,
        action: FaultAction::StatusAfterApply { status: 502 },
    });
    let output = ws.apply().failure().output();
    assert!(
        output.contains("Kong refused to create the certificate"),
        "{output}"
    );
    assert!(kong.list("certificates").is_empty(), "removed again");
    assert!(kong.missing("/snis/hello.example.com"));
    assert!(ws.state_list().is_empty());

    kong.sandbox.controls().clear_faults();
    ws.apply().success();
    assert_eq!(kong.managed("certificates").len(), 1);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_failed_rotation_keeps_what_kong_holds_and_converges_later() {
    if needs_sandbox("fault injection") {
        return;
    }
    let kong = Kong::start();
    let ws = kong.workspace();
    let first = CertSpec::leaf(&["hello.example.com"]).self_signed();
    write_certificate(&ws, &first, "");
    ws.apply().success();
    let id = ws.resource("dispatch_certificate.site").expect("state")["id"].clone();

    let second = CertSpec::leaf(&["hello.example.com"]).self_signed();
    write_certificate(&ws, &second, "");
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/certificates/".into()),
        skip: 0,
        times: 10,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: None,
        },
    });
    ws.apply().failure();
    let state = ws
        .resource("dispatch_certificate.site")
        .expect("still tracked");
    assert_eq!(state["id"], id);
    assert_eq!(state["fingerprint_sha256"], first.fingerprint_sha256());

    kong.sandbox.controls().clear_faults();
    assert_eq!(ws.plan().code, 2, "the rotation is still to do");
    ws.apply().success();
    let state = ws.resource("dispatch_certificate.site").expect("state");
    assert_eq!(state["id"], id);
    assert_eq!(state["fingerprint_sha256"], second.fingerprint_sha256());
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn a_certificate_known_only_at_apply_is_checked_then() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["later.example.com"]).self_signed();
    ws.write_file("site.crt", &issued.cert_pem());
    ws.write_file("site.key", &issued.key_pem());
    // terraform_data's output is unknown until it is created.
    ws.write(
        r#"
resource "terraform_data" "pem" {
  input = file("${path.module}/site.crt")
}

resource "dispatch_certificate" "site" {
  certificate = terraform_data.pem.output
  private_key = file("${path.module}/site.key")
}
"#,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(plan
        .output()
        .contains("fingerprint_sha256 = (known after apply)"));
    assert!(plan.output().contains("hostnames = (known after apply)"));
    ws.apply().success();
    let state = ws.resource("dispatch_certificate.site").expect("state");
    assert_eq!(state["hostnames"], json!(["later.example.com"]));
    assert_eq!(state["fingerprint_sha256"], issued.fingerprint_sha256());
    assert_eq!(ws.plan().code, 0);

    // A key that does not match, found only at apply time, stops the apply before Kong.
    let other = CertSpec::leaf(&["later.example.com"]).self_signed();
    let fresh = kong.workspace();
    fresh.write_file("site.crt", &issued.cert_pem());
    fresh.write_file("site.key", &other.key_pem());
    fresh.write(
        r#"
resource "terraform_data" "pem" {
  input = file("${path.module}/site.crt")
}

resource "dispatch_certificate" "site" {
  certificate = terraform_data.pem.output
  private_key = file("${path.module}/site.key")
}
"#,
    );
    assert_eq!(fresh.plan().code, 2);
    let output = fresh.apply().failure().output();
    assert!(
        output.contains("Private key does not match the certificate"),
        "{output}"
    );
    assert_eq!(kong.list("certificates").len(), 1, "only the first one");
}
