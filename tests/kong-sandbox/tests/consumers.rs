//! Contract tests: consumers and credentials (K:db/schema/entities/consumers.lua,
//! K:plugins/basic-auth/{daos,crypto}.lua, K:plugins/acl/{daos,api}.lua, K:plugins/jwt/daos.lua).

mod common;
use common::*;

fn sha1_hex(s: &str) -> String {
    openssl::sha::sha1(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn consumer_needs_username_or_custom_id() {
    let (_sb, c) = start();
    let r = c.post("/consumers", json!({}));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["fields"]["@entity"],
        json!(["at least one of these fields must be non-empty: 'custom_id', 'username'"])
    );
    assert_eq!(
        c.post("/consumers", json!({ "custom_id": "x" })).status,
        201
    );
    assert_eq!(
        c.post("/consumers", json!({ "custom_id": "x" })).status,
        409
    );
    let id = c.post("/consumers", json!({ "username": "u" })).json()["id"].clone();
    let r = c.patch("/consumers/u", json!({ "username": null }));
    assert_eq!(r.json()["fields"]["@entity"], json!(["when updating, at least one of these fields must be non-empty: 'custom_id', 'username'"]));
    assert_eq!(c.get("/consumers/u").json()["id"], id);
}

// basic-auth crypto.lua: password stored/returned as hex sha1(password .. consumer_id).
#[test]
fn basic_auth_password_hash() {
    let (_sb, c) = start();
    let cid = c.post("/consumers", json!({ "username": "alice" })).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c.post(
        "/consumers/alice/basic-auth",
        json!({ "username": "alice", "password": "s3cret" }),
    );
    assert_eq!(r.status, 201);
    let cred = r.json();
    assert_eq!(cred["password"], sha1_hex(&format!("s3cret{cid}")));
    assert_eq!(cred["consumer"], json!({ "id": cid }));
    assert!(
        cred.get("updated_at").is_none(),
        "basicauth_credentials has no updated_at"
    );
    // 02-api_spec l.307: PATCH without password keeps the hash
    let r = c.patch(
        "/consumers/alice/basic-auth/alice",
        json!({ "tags": ["t"] }),
    );
    assert_eq!(r.json()["password"], sha1_hex(&format!("s3cret{cid}")));
    let r = c.patch(
        &format!("/basic-auths/{}", cred["id"].as_str().unwrap()),
        json!({ "password": "new" }),
    );
    assert_eq!(r.json()["password"], sha1_hex(&format!("new{cid}")));
    let r = c.put(
        "/consumers/alice/basic-auth/bob",
        json!({ "password": "p" }),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["username"], "bob");
    assert_eq!(r.json()["password"], sha1_hex(&format!("p{cid}")));
}

// username unique across consumers; nested mismatches 404.
#[test]
fn basic_auth_uniqueness_and_nesting() {
    let (_sb, c) = start();
    c.post("/consumers", json!({ "username": "a" }));
    c.post("/consumers", json!({ "username": "b" }));
    assert_eq!(
        c.post(
            "/consumers/a/basic-auth",
            json!({ "username": "x", "password": "1" })
        )
        .status,
        201
    );
    let r = c.post(
        "/consumers/b/basic-auth",
        json!({ "username": "x", "password": "2" }),
    );
    assert_eq!(r.status, 409);
    assert_eq!(c.get("/consumers/b/basic-auth/x").status, 404);
    assert_eq!(c.get("/consumers/a/basic-auth/x").status, 200);
    assert_eq!(c.get("/basic-auths/x").status, 200);
    assert_eq!(c.delete("/consumers/b/basic-auth/x").status, 404);
    assert_eq!(c.get("/consumers/nobody/basic-auth").status, 404);
    let r = c.post("/consumers/a/basic-auth", json!({ "username": "y" }));
    assert_eq!(r.json()["fields"]["password"], "required field missing");
}

// acl: (consumer, group) unique; group name usable in place of the id; PUT by group creates.
#[test]
fn acls_by_group() {
    let (_sb, c) = start();
    c.post("/consumers", json!({ "username": "a" }));
    let r = c.post("/consumers/a/acls", json!({ "group": "admins" }));
    assert_eq!(r.status, 201);
    let r = c.post("/consumers/a/acls", json!({ "group": "admins" }));
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["code"], 5);
    assert_eq!(c.get("/consumers/a/acls/admins").json()["group"], "admins");
    assert_eq!(c.get("/consumers/a/acls/nope").status, 404);
    let r = c.put("/consumers/a/acls/readers", json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["group"], "readers");
    assert_eq!(c.get("/acls").json()["data"].as_array().unwrap().len(), 2);
    assert_eq!(c.delete("/consumers/a/acls/readers").status, 204);
    assert_eq!(
        c.get("/acls/not-a-uuid").json()["code"],
        1,
        "top-level /acls/:acls takes ids only"
    );
}

// jwt daos.lua: generated key/secret, HS256 default, algorithms, rsa_public_key for RS*/PS*/EdDSA.
#[test]
fn jwt_secrets() {
    let (_sb, c) = start();
    c.post("/consumers", json!({ "username": "a" }));
    let r = c.post("/consumers/a/jwt", json!({}));
    assert_eq!(r.status, 201);
    let j = r.json();
    assert_eq!(j["algorithm"], "HS256");
    assert_eq!(j["key"].as_str().unwrap().len(), 32);
    assert_eq!(j["secret"].as_str().unwrap().len(), 32);
    let r = c
        .post("/consumers/a/jwt", json!({ "algorithm": "XX1" }))
        .json();
    assert_eq!(r["fields"]["algorithm"], "expected one of: HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA");
    let r = c
        .post(
            "/consumers/a/jwt",
            json!({ "algorithm": "RS256", "key": "iss-1" }),
        )
        .json();
    assert_eq!(
        r["fields"],
        json!({
            "rsa_public_key": "required field missing",
            "@entity": ["failed conditional validation given value of field 'algorithm'"]
        })
    );
    let r = c
        .post(
            "/consumers/a/jwt",
            json!({ "algorithm": "RS256", "key": "iss-1", "rsa_public_key": "nope" }),
        )
        .json();
    assert_eq!(r["fields"]["rsa_public_key"], "invalid key");
    let pubpem = CertSpec::leaf(&["iss-1"]).self_signed().public_key_pem();
    let r = c.post(
        "/consumers/a/jwt",
        json!({ "algorithm": "RS256", "key": "iss-1", "rsa_public_key": pubpem }),
    );
    assert_eq!(r.status, 201);
    assert_eq!(c.get("/jwts/iss-1").json()["algorithm"], "RS256");
    assert_eq!(c.get("/consumers/a/jwt/iss-1").status, 200);
    assert_eq!(
        c.post("/consumers/a/jwt", json!({ "key": "iss-1" })).status,
        409
    );
    assert_eq!(
        c.post("/consumers/a/jwt", json!({ "algorithm": "ES256" }))
            .status,
        201,
        "ES* does not require a key"
    );
}

// consumers DELETE cascades to credentials, acls and plugins.
#[test]
fn consumer_delete_cascades() {
    let (_sb, c) = start();
    c.post("/consumers", json!({ "username": "a" }));
    c.post(
        "/consumers/a/basic-auth",
        json!({ "username": "a", "password": "p" }),
    );
    c.post("/consumers/a/acls", json!({ "group": "g" }));
    c.post("/consumers/a/jwt", json!({}));
    let r = c.post(
        "/consumers/a/plugins",
        json!({ "name": "rate-limiting", "config": { "minute": 5 } }),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(c.delete("/consumers/a").status, 204);
    for p in ["/basic-auths", "/acls", "/jwts", "/plugins"] {
        assert_eq!(c.get(p).json()["data"], json!([]), "{p}");
    }
}

// K:api/endpoints.lua: PUT on a nested entity upserts it with the path's id under that consumer;
// basic-auth hashes with that consumer's id; unique keys hold across consumers.
#[test]
fn credentials_upsert_by_id_under_their_consumer() {
    let (_sb, c) = start();
    let cid = "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f";
    let r = c.put(
        &format!("/consumers/{cid}"),
        json!({ "username": "shop.alice", "tags": ["t"] }),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], cid);

    let bid = "7f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f";
    let r = c.put(
        &format!("/consumers/{cid}/basic-auth/{bid}"),
        json!({ "username": "alice", "password": "pw" }),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], bid);
    assert_eq!(r.json()["password"], sha1_hex(&format!("pw{cid}")));
    let again = c.put(
        &format!("/consumers/{cid}/basic-auth/{bid}"),
        json!({ "username": "alice", "password": "pw2" }),
    );
    assert_eq!(again.json()["password"], sha1_hex(&format!("pw2{cid}")));
    assert_eq!(
        c.get(&format!("/consumers/{cid}/basic-auth")).json()["data"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let aid = "8f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f";
    let r = c.put(
        &format!("/consumers/{cid}/acls/{aid}"),
        json!({ "group": "shop.staff" }),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["group"], "shop.staff");
    assert_eq!(r.json()["consumer"], json!({ "id": cid }));

    let pem = CertSpec::leaf(&["kid-1"]).self_signed().public_key_pem();
    let jid = "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f";
    let r = c.put(
        &format!("/consumers/{cid}/jwt/{jid}"),
        json!({ "key": "kid-1", "algorithm": "RS256", "rsa_public_key": pem }),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["key"], "kid-1");
    c.post("/consumers", json!({ "username": "other" }));
    let r = c.put(
        "/consumers/other/jwt/af1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
        json!({ "key": "kid-1", "algorithm": "HS256" }),
    );
    assert_eq!(r.status, 409, "jwt secret keys are unique across consumers");
    let r = c.put(
        "/consumers/other/basic-auth/bf1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
        json!({ "username": "alice", "password": "x" }),
    );
    assert_eq!(
        r.status, 409,
        "basic-auth usernames are unique across consumers"
    );

    assert_eq!(c.delete(&format!("/consumers/{cid}")).status, 204);
    for path in ["/basic-auths", "/acls", "/jwts"] {
        assert_eq!(c.get(path).json()["data"], json!([]), "{path} cascaded");
    }
}
