//! The credential DAOs of the auth plugins: basic-auth, acl and jwt.

use super::typedefs::{tags, ts, uuid_field};
use crate::entities::crypto;
use crate::schema::{Auto, Check, EntityCheck, Field, Match, Schema};
use serde_json::{json, Value};
use std::sync::Arc;

/// K:plugins/basic-auth/daos.lua
pub fn basicauth() -> Schema {
    Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("consumer", Field::foreign("consumers").required()),
        ("username", Field::string().required()),
        ("password", Field::string().required()),
        ("tags", tags()),
    ])
}

/// K:plugins/acl/daos.lua
pub fn acls() -> Schema {
    Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("consumer", Field::foreign("consumers").required()),
        ("group", Field::string().required()),
        ("tags", tags()),
    ])
}

/// jwt algorithms (K:plugins/jwt/daos.lua)
pub const JWT_ALGORITHMS: [&str; 13] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
    "PS384", "PS512", "EdDSA",
];

fn needs_public_key(s: &str) -> bool {
    matches!(
        s,
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "EdDSA"
    )
}

/// K:plugins/jwt/daos.lua
pub fn jwts() -> Schema {
    Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("consumer", Field::foreign("consumers").required()),
        ("key", Field::string().auto(Auto::RandomString)),
        ("secret", Field::string().auto(Auto::RandomString)),
        ("rsa_public_key", Field::string()),
        (
            "algorithm",
            Field::string()
                .default(json!("HS256"))
                .one_of(&JWT_ALGORITHMS),
        ),
        ("tags", tags()),
    ])
    .with_checks(vec![EntityCheck::Conditional {
        if_field: "algorithm",
        if_match: Match::check(Check::MatchAny(vec![needs_public_key], "")),
        then_field: "rsa_public_key",
        then_match: Match {
            required: Some(true),
            checks: vec![Check::Custom(Arc::new(|v: &Value| match v.as_str() {
                Some(k) if crypto::parse_key(k).is_err() => Err("invalid key".into()),
                _ => Ok(()),
            }))],
            ..Default::default()
        },
        then_err: None,
    }])
}
