//! Core entity schemas: services, routes (+ subschemas), certificates, snis,
//! consumers and the credential DAOs of basic-auth, acl and jwt.

mod credentials;
mod routes;
mod typedefs;

pub use credentials::{acls, basicauth, jwts, JWT_ALGORITHMS};
pub use routes::{route_hosts, routes};
pub use typedefs::{
    header_name, host, path, port, protocol, sni, tags, ts, url, utf8_name, uuid_field,
    wildcard_host, PROTOCOLS,
};

use super::crypto;
use crate::schema::validators as v;
use crate::schema::{Check, EntityCheck, Field, Match, Obj, Schema, Shorthand};
use serde_json::{json, Value};
use std::sync::Arc;

fn url_shorthand(value: &Value) -> Obj {
    let mut out = Obj::new();
    let s = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let Some(p) = v::socket_url_parse(&s) else {
        return out;
    };
    let port_num: Option<i64> = p.port.as_deref().and_then(|x| x.trim().parse::<i64>().ok());
    let prot = match port_num {
        Some(80) => Some("http"),
        Some(443) => Some("https"),
        _ => None,
    };
    let protocol = p
        .scheme
        .clone()
        .unwrap_or_else(|| prot.unwrap_or("http").to_string());
    let port = match (port_num, &p.port) {
        (Some(n), _) => json!(n),
        (None, Some(text)) => json!(text),
        (None, None) if protocol == "http" => json!(80),
        (None, None) if protocol == "https" => json!(443),
        _ => json!(80),
    };
    out.insert("protocol".into(), json!(protocol));
    out.insert(
        "host".into(),
        p.host.map(Value::String).unwrap_or(Value::Null),
    );
    out.insert("port".into(), port);
    out.insert(
        "path".into(),
        p.path.map(Value::String).unwrap_or(Value::Null),
    );
    out
}

fn protocol_not(opts: &[&str]) -> Match {
    Match::check(Check::NotOneOf(opts.iter().map(|s| json!(s)).collect()))
}

/// K:db/schema/entities/services.lua
pub fn services() -> Schema {
    let timeout = || {
        Field::integer()
            .check(Check::Between(1.0, 2147483646.0))
            .default(json!(60000))
    };
    let mut s = Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("updated_at", ts()),
        ("name", utf8_name()),
        (
            "retries",
            Field::integer()
                .default(json!(5))
                .check(Check::Between(0.0, 32767.0)),
        ),
        ("protocol", protocol().required().default(json!("http"))),
        ("host", host().required()),
        ("port", port().required().default(json!(80))),
        ("path", path()),
        ("connect_timeout", timeout()),
        ("write_timeout", timeout()),
        ("read_timeout", timeout()),
        ("tags", tags()),
        ("client_certificate", Field::foreign("certificates")),
        ("tls_verify", Field::boolean()),
        (
            "tls_verify_depth",
            Field::integer().check(Check::Between(0.0, 64.0)),
        ),
        (
            "ca_certificates",
            Field::array(Field::string().check(Check::Uuid)),
        ),
        ("enabled", Field::boolean().required().default(json!(true))),
    ]);
    let cond = |then_field: &'static str, if_match: Match| EntityCheck::Conditional {
        if_field: "protocol",
        if_match,
        then_field,
        then_match: Match::null(),
        then_err: None,
    };
    s.checks = vec![
        cond(
            "path",
            Match::check(Check::OneOf(
                ["tcp", "tls", "udp", "grpc", "grpcs"]
                    .iter()
                    .map(|s| json!(s))
                    .collect(),
            )),
        ),
        cond("client_certificate", protocol_not(&["https", "tls"])),
        cond("tls_verify", protocol_not(&["https", "tls"])),
        cond("tls_verify_depth", protocol_not(&["https", "tls"])),
        cond("ca_certificates", protocol_not(&["https", "tls"])),
    ];
    s.shorthands = vec![Shorthand {
        name: "url",
        field: Field::string(),
        func: Arc::new(url_shorthand),
        deprecated: false,
        replaced_with: None,
    }];
    s
}

fn str_of(o: &Obj, k: &str) -> Option<String> {
    o.get(k).and_then(|v| v.as_str()).map(|s| s.to_string())
}

/// K:db/schema/entities/certificates.lua
pub fn certificates() -> Schema {
    let cert = || {
        Field::string().custom_str(|c| {
            crypto::parse_cert(c)
                .map(|_| ())
                .map_err(|e| format!("invalid certificate: {e}"))
        })
    };
    let key = || {
        Field::string().custom_str(|k| {
            crypto::parse_key(k)
                .map(|_| ())
                .map_err(|e| format!("invalid key: {e}"))
        })
    };
    let mut s = Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("updated_at", ts()),
        ("cert", cert().required().referenceable()),
        ("key", key().required().referenceable()),
        ("cert_alt", cert().referenceable()),
        ("key_alt", key().referenceable()),
        ("tags", tags()),
        ("snis", Field::array(wildcard_host())),
    ]);
    s.checks = vec![
        EntityCheck::MutuallyRequired(vec!["cert_alt", "key_alt"]),
        EntityCheck::Custom {
            sources: vec!["cert", "key"],
            run_with_missing: false,
            f: Arc::new(|e: &Obj| match (str_of(e, "cert"), str_of(e, "key")) {
                (Some(c), Some(k)) if !crypto::cert_matches_key(&c, &k) => {
                    Err("certificate does not match key".into())
                }
                _ => Ok(()),
            }),
        },
        EntityCheck::Custom {
            sources: vec!["cert_alt", "key_alt"],
            run_with_missing: false,
            f: Arc::new(
                |e: &Obj| match (str_of(e, "cert_alt"), str_of(e, "key_alt")) {
                    (Some(c), Some(k)) if !crypto::cert_matches_key(&c, &k) => {
                        Err("alternative certificate does not match key".into())
                    }
                    _ => Ok(()),
                },
            ),
        },
        EntityCheck::Custom {
            sources: vec!["cert", "cert_alt"],
            run_with_missing: false,
            f: Arc::new(|e: &Obj| {
                match (str_of(e, "cert"), str_of(e, "cert_alt")) {
                (Some(c), Some(a)) if crypto::cert_key_type(&c) == crypto::cert_key_type(&a) => Err(
                    "certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type"
                        .into(),
                ),
                _ => Ok(()),
            }
            }),
        },
    ];
    s
}

/// K:db/schema/entities/snis.lua
pub fn snis() -> Schema {
    Schema::new(vec![
        ("id", uuid_field()),
        ("name", wildcard_host().required()),
        ("created_at", ts()),
        ("updated_at", ts()),
        ("tags", tags()),
        ("certificate", Field::foreign("certificates").required()),
    ])
}

/// K:db/schema/entities/consumers.lua
pub fn consumers() -> Schema {
    Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("updated_at", ts()),
        ("username", Field::string()),
        ("custom_id", Field::string()),
        ("tags", tags()),
    ])
    .with_checks(vec![EntityCheck::AtLeastOneOf(vec![
        "custom_id",
        "username",
    ])])
}
