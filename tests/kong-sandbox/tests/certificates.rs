//! Contract tests: certificates and SNIs (K:db/schema/entities/certificates.lua,
//! K:db/dao/certificates.lua, K:api/routes/certificates.lua, 06-certificates_routes_spec).

mod common;
use common::*;

fn cert_body(sans: &[&str], snis: Option<&[&str]>) -> serde_json::Value {
    let (cert, key) = self_signed(KeyKind::Rsa, sans);
    let mut b = json!({ "cert": cert, "key": key });
    if let Some(s) = snis {
        b["snis"] = json!(s);
    }
    b
}

#[test]
fn create_with_snis_returns_them_sorted() {
    let (_sb, c) = start();
    let r = c.post(
        "/certificates",
        cert_body(&["b.test"], Some(&["b.test", "a.test", "*.c.test"])),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let cert = r.json();
    assert_eq!(cert["snis"], json!(["*.c.test", "a.test", "b.test"]));
    let id = cert["id"].as_str().unwrap();
    assert_eq!(
        c.get(&format!("/certificates/{id}")).json()["snis"],
        json!(["*.c.test", "a.test", "b.test"])
    );
    assert_eq!(
        c.get("/certificates").json()["data"][0]["snis"],
        json!(["*.c.test", "a.test", "b.test"])
    );
    let sni = c.get("/snis/a.test").json();
    assert_eq!(sni["certificate"]["id"], cert["id"]);
    assert_eq!(
        c.get(&format!("/certificates/{id}/snis")).json()["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(cert.get("cert_alt").is_some() && cert["cert_alt"].is_null());
}

// certificates.lua entity check "certificate does not match key".
#[test]
fn key_mismatch() {
    let (_sb, c) = start();
    let (cert, _) = self_signed(KeyKind::Rsa, &["a.test"]);
    let (_, other_key) = self_signed(KeyKind::Rsa, &["a.test"]);
    let r = c.post("/certificates", json!({ "cert": cert, "key": other_key }));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["fields"],
        json!({ "@entity": ["certificate does not match key"] })
    );
    assert_eq!(
        r.json()["message"],
        "schema violation (certificate does not match key)"
    );
}

#[test]
fn invalid_pem_messages() {
    let (_sb, c) = start();
    let (_, key) = self_signed(KeyKind::Rsa, &["a.test"]);
    let r = c.post("/certificates", json!({ "cert": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", "key": key })).json();
    assert!(
        r["fields"]["cert"]
            .as_str()
            .unwrap()
            .starts_with("invalid certificate: x509.new: "),
        "{r}"
    );
    let (cert, _) = self_signed(KeyKind::Rsa, &["a.test"]);
    let r = c
        .post("/certificates", json!({ "cert": cert, "key": "garbage" }))
        .json();
    assert!(
        r["fields"]["key"]
            .as_str()
            .unwrap()
            .starts_with("invalid key: "),
        "{r}"
    );
    let r = c.post("/certificates", json!({})).json();
    assert_eq!(r["fields"]["cert"], "required field missing");
    assert_eq!(r["fields"]["key"], "required field missing");
}

// alternative certificate rules: mutually required, different key types.
#[test]
fn alternative_certificate_rules() {
    let (_sb, c) = start();
    let (cert, key) = self_signed(KeyKind::Rsa, &["a.test"]);
    let (ec_cert, ec_key) = self_signed(KeyKind::P256, &["a.test"]);
    let (rsa2, rsa2_key) = self_signed(KeyKind::Rsa, &["a.test"]);
    let r = c
        .post(
            "/certificates",
            json!({ "cert": cert, "key": key, "cert_alt": ec_cert }),
        )
        .json();
    assert_eq!(
        r["fields"]["@entity"],
        json!(["all or none of these fields must be set: 'cert_alt', 'key_alt'"])
    );
    let r = c
        .post(
            "/certificates",
            json!({ "cert": cert, "key": key, "cert_alt": rsa2, "key_alt": rsa2_key }),
        )
        .json();
    assert_eq!(r["fields"]["@entity"], json!(["certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type"]));
    let r = c.post(
        "/certificates",
        json!({ "cert": cert, "key": key, "cert_alt": ec_cert, "key_alt": ec_key }),
    );
    assert_eq!(r.status, 201);
}

// certificates DAO: duplicates in the request → 400; SNI owned elsewhere → 400 (not 409).
#[test]
fn sni_conflicts() {
    let (_sb, c) = start();
    let r = c.post(
        "/certificates",
        cert_body(&["a.test"], Some(&["a.test", "a.test"])),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "schema violation (snis: a.test is duplicated)"
    );
    let first = c
        .post("/certificates", cert_body(&["a.test"], Some(&["a.test"])))
        .json();
    let r = c.post("/certificates", cert_body(&["a.test"], Some(&["a.test"])));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["fields"]["snis"],
        format!(
            "a.test already associated with existing certificate '{}'",
            first["id"].as_str().unwrap()
        )
    );
    // POST /certificates/{id}/snis with an existing name → 409 (06-certificates_routes_spec l.1082)
    let r = c.post(
        &format!("/certificates/{}/snis", first["id"].as_str().unwrap()),
        json!({ "name": "a.test" }),
    );
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json()["message"],
        "UNIQUE violation detected on '{name=\"a.test\"}'"
    );
}

// K:api/routes/certificates.lua prepare_args: PUT without snis removes them; PATCH with snis replaces.
#[test]
fn put_without_snis_removes_them_and_patch_replaces() {
    let (_sb, c) = start();
    let cert = c
        .post(
            "/certificates",
            cert_body(&["a.test"], Some(&["a.test", "b.test"])),
        )
        .json();
    let id = cert["id"].as_str().unwrap();
    let r = c.patch(
        &format!("/certificates/{id}"),
        json!({ "snis": ["z.test", "c.test"] }),
    );
    assert_eq!(r.json()["snis"], json!(["c.test", "z.test"]));
    assert_eq!(c.get("/snis/a.test").status, 404);
    let r = c.patch(&format!("/certificates/{id}"), json!({ "tags": ["t"] }));
    assert_eq!(
        r.json()["snis"],
        json!(["c.test", "z.test"]),
        "PATCH without snis keeps them"
    );
    let mut body = cert_body(&["a.test"], None);
    body["tags"] = json!(["x"]);
    let r = c.put(&format!("/certificates/{id}"), body);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["snis"], json!([]));
    assert_eq!(c.get("/snis").json()["data"].as_array().unwrap().len(), 0);
}

// GET/PATCH/DELETE /certificates/{sni}: lookup by SNI name; 404 "SNI not found"; PUT creates.
#[test]
fn lookup_by_sni_name() {
    let (_sb, c) = start();
    let cert = c
        .post("/certificates", cert_body(&["a.test"], Some(&["a.test"])))
        .json();
    assert_eq!(c.get("/certificates/a.test").json()["id"], cert["id"]);
    let r = c.get("/certificates/none.test");
    assert_eq!(
        (r.status, r.json()),
        (404, json!({ "message": "SNI not found" }))
    );
    assert_eq!(
        c.patch("/certificates/none.test", json!({ "tags": ["a"] }))
            .status,
        404
    );
    assert_eq!(c.delete("/certificates/none.test").status, 404);
    let r = c.put("/certificates/new.test", cert_body(&["new.test"], None));
    assert_eq!(r.status, 200);
    let created = r.json();
    assert_eq!(created["snis"], json!(["new.test"]));
    assert_ne!(created["id"], cert["id"]);
    assert_eq!(
        c.get("/snis/new.test").json()["certificate"]["id"],
        created["id"]
    );
}

// DELETE cascades to SNIs; a certificate used as a service client certificate is protected.
#[test]
fn delete_cascades_to_snis() {
    let (_sb, c) = start();
    let cert = c
        .post(
            "/certificates",
            cert_body(&["a.test"], Some(&["a.test", "b.test"])),
        )
        .json();
    let id = cert["id"].as_str().unwrap();
    assert_eq!(c.delete(&format!("/certificates/{id}")).status, 204);
    assert_eq!(c.get("/snis/a.test").status, 404);
    assert_eq!(c.get("/snis").json()["data"], json!([]));
    let cert = c.post("/certificates", cert_body(&["a.test"], None)).json();
    let r = c.post("/services", json!({ "host": "h.test", "protocol": "https", "client_certificate": { "id": cert["id"] } }));
    assert_eq!(r.status, 201);
    let r = c.delete(&format!("/certificates/{}", cert["id"].as_str().unwrap()));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "an existing 'services' entity references this 'certificates' entity"
    );
}

// snis.lua: wildcard host rules.
#[test]
fn sni_name_rules() {
    let (_sb, c) = start();
    let cert = c.post("/certificates", cert_body(&["a.test"], None)).json();
    let path = format!("/certificates/{}/snis", cert["id"].as_str().unwrap());
    let f = |n: &str| c.post(&path, json!({ "name": n })).json()["fields"]["name"].clone();
    assert_eq!(
        f("a.*.test"),
        "wildcard must be leftmost or rightmost character"
    );
    assert_eq!(f("*.a.*"), "only one wildcard must be specified");
    assert_eq!(f("10.0.0.1"), "must not be an IP");
    assert_eq!(f("a.test:443"), "must not have a port");
    let r = c.post(&path, json!({ "name": "*.Mixed.test" }));
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["name"], "*.Mixed.test", "case kept");
    assert_eq!(
        c.get("/snis/x/certificate").status,
        404,
        "/snis/:snis/certificate is disabled"
    );
}

// certificates.lua `cert`: a chain (leaf first) is accepted, the key is checked against the
// leaf, and `cert` and `key` come back exactly as sent (OSS stores them as given).
#[test]
fn a_chain_is_accepted_and_returned_as_sent() {
    let (_sb, c) = start();
    let ca = CertSpec::ca("Test CA").key(KeyKind::P256).self_signed();
    let leaf = CertSpec::leaf(&["a.test"]).signed_by(&ca);
    let chain = format!("{}{}", leaf.cert_pem(), ca.cert_pem());
    let r = c.put(
        "/certificates/6f1c1f5e-0000-4000-8000-000000000001",
        json!({ "cert": chain, "key": leaf.key_pem(), "snis": ["a.test"] }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let got = c
        .get("/certificates/6f1c1f5e-0000-4000-8000-000000000001")
        .json();
    assert_eq!(got["cert"], json!(chain));
    assert_eq!(got["key"], json!(leaf.key_pem()));
    // The CA's key does not match the leaf.
    let r = c.put(
        "/certificates/6f1c1f5e-0000-4000-8000-000000000001",
        json!({ "cert": chain, "key": ca.key_pem(), "snis": ["a.test"] }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["fields"],
        json!({ "@entity": ["certificate does not match key"] })
    );
}
