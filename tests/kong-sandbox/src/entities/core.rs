//! Core entity schemas: services, routes (+ subschemas), certificates, snis,
//! consumers and the credential DAOs of basic-auth, acl and jwt.

use super::crypto;
use crate::schema::validators as v;
use crate::schema::{Auto, Check, EntityCheck, Field, Match, Obj, Schema, Shorthand};
use serde_json::{json, Value};
use std::sync::Arc;

/// K:constants.lua PROTOCOLS (sorted).
pub const PROTOCOLS: [&str; 8] = [
    "grpc",
    "grpcs",
    "http",
    "https",
    "tcp",
    "tls",
    "tls_passthrough",
    "udp",
];

/// typedefs.uuid (auto)
pub fn uuid_field() -> Field {
    Field::string().check(Check::Uuid).auto(Auto::Uuid)
}

/// typedefs.auto_timestamp_s
pub fn ts() -> Field {
    Field::integer().auto(Auto::Timestamp).check(Check::Gt(0.0))
}

/// typedefs.utf8_name
pub fn utf8_name() -> Field {
    Field::string().custom_str(v::validate_utf8_name)
}

/// typedefs.tags
pub fn tags() -> Field {
    Field::set(Field::string().required().custom_str(v::validate_tag))
}

/// typedefs.protocol
pub fn protocol() -> Field {
    Field::string().one_of(&PROTOCOLS)
}

/// typedefs.host
pub fn host() -> Field {
    Field::string().custom_str(v::validate_host)
}

/// typedefs.port
pub fn port() -> Field {
    Field::integer().check(Check::Between(0.0, 65535.0))
}

fn has_double_slash(s: &str) -> bool {
    s.contains("//")
}

/// typedefs.path
pub fn path() -> Field {
    Field::string()
        .check(Check::StartsWith("/"))
        .check(Check::MatchNone(vec![(
            has_double_slash,
            "must not have empty segments",
        )]))
        .custom_str(|p| {
            v::validate_path(p).map_err(|e| match e {
                v::PathErr::Rfc3986(m) | v::PathErr::Percent(m) => m,
            })
        })
}

/// typedefs.header_name
pub fn header_name() -> Field {
    Field::string().custom_str(v::validate_header_name)
}

/// typedefs.url
pub fn url() -> Field {
    Field::string().custom_str(v::validate_url)
}

/// typedefs.wildcard_host
pub fn wildcard_host() -> Field {
    Field::string().custom_str(v::validate_wildcard_host)
}

/// typedefs.sni
pub fn sni() -> Field {
    Field::string().custom_str(v::validate_sni)
}

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

fn is_upper_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase())
}
fn starts_slash(s: &str) -> bool {
    s.starts_with('/')
}
fn starts_tilde_slash(s: &str) -> bool {
    s.starts_with("~/")
}
fn starts_star_dot(s: &str) -> bool {
    s.starts_with("*.")
}
fn ends_dot_star(s: &str) -> bool {
    s.ends_with(".*")
}
fn no_star(s: &str) -> bool {
    !s.contains('*')
}
fn is_host_header(s: &str) -> bool {
    s.eq_ignore_ascii_case("host")
}

fn router_path() -> Field {
    Field::string()
        .check(Check::MatchAny(
            vec![starts_slash, starts_tilde_slash],
            "should start with: / (fixed path) or ~/ (regex path)",
        ))
        .check(Check::MatchNone(vec![(
            has_double_slash,
            "must not have empty segments",
        )]))
        .custom_str(v::validate_router_path)
}

/// typedefs.hosts
pub fn route_hosts() -> Field {
    Field::array(
        Field::string()
            .check(Check::MatchAll(vec![(
                v::at_most_one_wildcard,
                "invalid wildcard: must have at most one wildcard",
            )]))
            .check(Check::MatchAny(
                vec![starts_star_dot, ends_dot_star, no_star],
                "invalid wildcard: must be placed at leftmost or rightmost label",
            ))
            .custom_str(v::validate_host_with_wildcards),
    )
}

fn endpoints_field() -> Field {
    let rec = Schema::new(vec![
        ("ip", Field::string().custom_str(v::validate_ip_or_cidr)),
        ("port", port()),
    ])
    .with_checks(vec![EntityCheck::AtLeastOneOf(vec!["ip", "port"])]);
    Field::set(Field::record(rec))
}

fn route_headers() -> Field {
    Field::map(
        header_name().check(Check::MatchNone(vec![(
            is_host_header,
            "cannot contain 'host' header, which must be specified in the 'hosts' attribute",
        )])),
        Field::array(Field::string()),
    )
}

/// The ATC router's check of a traditional_compatible route: regex paths are
/// compiled by the `regex` crate there (K:db/schema/entities/routes.lua `validate_route`).
fn atc_validate(entity: &Obj) -> Result<(), String> {
    if let Some(Value::Array(paths)) = entity.get("paths") {
        for p in paths.iter().filter_map(|p| p.as_str()) {
            if let Some(re) = p.strip_prefix('~') {
                if let Err(e) = regex::Regex::new(&format!("^{re}")) {
                    let msg = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    return Err(format!(
                        "Router Expression failed validation: regex parse error: {msg}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// K:db/schema/entities/routes.lua (router_flavor = traditional_compatible) and routes_subschemas.lua
pub fn routes() -> Schema {
    let mut s = Schema::new(vec![
        ("id", uuid_field()),
        ("created_at", ts()),
        ("updated_at", ts()),
        ("name", utf8_name()),
        (
            "protocols",
            Field::set(protocol())
                .check(Check::LenMin(1))
                .required()
                .check(Check::MutExSubsets(vec![
                    vec!["http", "https"],
                    vec!["tcp", "tls", "udp"],
                    vec!["tls_passthrough"],
                    vec!["grpc", "grpcs"],
                ]))
                .default(json!(["http", "https"])),
        ),
        (
            "methods",
            Field::set(Field::string().check(Check::Match(is_upper_token))),
        ),
        ("hosts", route_hosts()),
        ("paths", Field::array(router_path())),
        ("headers", route_headers()),
        (
            "https_redirect_status_code",
            Field::integer()
                .check(Check::OneOf(vec![
                    json!(426),
                    json!(301),
                    json!(302),
                    json!(307),
                    json!(308),
                ]))
                .default(json!(426))
                .required(),
        ),
        ("regex_priority", Field::integer().default(json!(0))),
        (
            "strip_path",
            Field::boolean().required().default(json!(true)),
        ),
        (
            "path_handling",
            Field::string().default(json!("v0")).one_of(&["v0", "v1"]),
        ),
        (
            "preserve_host",
            Field::boolean().required().default(json!(false)),
        ),
        (
            "request_buffering",
            Field::boolean().required().default(json!(true)),
        ),
        (
            "response_buffering",
            Field::boolean().required().default(json!(true)),
        ),
        ("snis", Field::set(sni())),
        ("sources", endpoints_field()),
        ("destinations", endpoints_field()),
        ("tags", tags()),
        ("service", Field::foreign("services")),
    ]);
    s.checks = vec![
        EntityCheck::Conditional {
            if_field: "protocols",
            if_match: Match::elements(Field::string().check(Check::NotOneOf(
                ["grpcs", "https", "tls", "tls_passthrough"].iter().map(|s| json!(s)).collect(),
            ))),
            then_field: "snis",
            then_match: Match::check(Check::LenEq(0)),
            then_err: Some("'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"),
        },
        EntityCheck::Custom { sources: vec!["paths"], run_with_missing: true, f: Arc::new(atc_validate) },
    ];
    s.subschema_key = Some("protocols");
    let no = |f: Field, msg: &'static str| f.eq_null(Some(msg));
    let http = Arc::new(
        Schema::new(vec![
            (
                "sources",
                no(
                    endpoints_field(),
                    "cannot set 'sources' when 'protocols' is 'http' or 'https'",
                ),
            ),
            (
                "destinations",
                no(
                    endpoints_field(),
                    "cannot set 'destinations' when 'protocols' is 'http' or 'https'",
                ),
            ),
        ])
        .with_checks(vec![EntityCheck::ConditionalAtLeastOneOf {
            if_field: "protocols",
            if_match: Match::check(Check::Contains(json!("https"))),
            then: vec!["methods", "hosts", "headers", "paths", "snis"],
            then_err: Some("must set one of %s when 'protocols' is 'https'"),
            else_match: Some(Match::check(Check::Contains(json!("http")))),
            else_then: vec!["methods", "hosts", "headers", "paths"],
            else_err: Some("must set one of %s when 'protocols' is 'http'"),
        }]),
    );
    let stream_msg = |f: &str| -> &'static str {
        match f {
            "methods" => {
                "cannot set 'methods' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"
            }
            "hosts" => {
                "cannot set 'hosts' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"
            }
            "paths" => {
                "cannot set 'paths' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"
            }
            _ => {
                "cannot set 'headers' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'"
            }
        }
    };
    let stream = Arc::new(
        Schema::new(vec![
            (
                "methods",
                no(
                    Field::set(Field::string().check(Check::Match(is_upper_token))),
                    stream_msg("methods"),
                ),
            ),
            ("hosts", no(route_hosts(), stream_msg("hosts"))),
            (
                "paths",
                no(Field::array(router_path()), stream_msg("paths")),
            ),
            ("headers", no(route_headers(), stream_msg("headers"))),
        ])
        .with_checks(vec![
            EntityCheck::ConditionalAtLeastOneOf {
                if_field: "protocols",
                if_match: Match::elements(Field::string().one_of(&["tcp", "tls", "udp"])),
                then: vec!["sources", "destinations", "snis"],
                then_err: Some("must set one of %s when 'protocols' is 'tcp', 'tls' or 'udp'"),
                else_match: None,
                else_then: vec![],
                else_err: None,
            },
            EntityCheck::ConditionalAtLeastOneOf {
                if_field: "protocols",
                if_match: Match::elements(Field::string().one_of(&["tls_passthrough"])),
                then: vec!["snis"],
                then_err: Some("must set snis when 'protocols' is 'tls_passthrough'"),
                else_match: None,
                else_then: vec![],
                else_err: None,
            },
        ]),
    );
    let grpc = Arc::new(
        Schema::new(vec![
            (
                "strip_path",
                Field::boolean()
                    .required()
                    .default(json!(false))
                    .check(Check::Ne(json!(true)))
                    .err("cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"),
            ),
            (
                "methods",
                no(
                    Field::set(Field::string().check(Check::Match(is_upper_token))),
                    "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'",
                ),
            ),
            (
                "sources",
                no(
                    endpoints_field(),
                    "cannot set 'sources' when 'protocols' is 'grpc' or 'grpcs'",
                ),
            ),
            (
                "destinations",
                no(
                    endpoints_field(),
                    "cannot set 'destinations' when 'protocols' is 'grpc' or 'grpcs'",
                ),
            ),
        ])
        .with_checks(vec![EntityCheck::ConditionalAtLeastOneOf {
            if_field: "protocols",
            if_match: Match::check(Check::Contains(json!("grpcs"))),
            then: vec!["hosts", "headers", "paths", "snis"],
            then_err: Some("must set one of %s when 'protocols' is 'grpcs'"),
            else_match: Some(Match::check(Check::Contains(json!("grpc")))),
            else_then: vec!["hosts", "headers", "paths"],
            else_err: Some("must set one of %s when 'protocols' is 'grpc'"),
        }]),
    );
    for p in ["http", "https"] {
        s.subschemas.insert(p.into(), http.clone());
    }
    for p in ["tcp", "tls", "udp", "tls_passthrough"] {
        s.subschemas.insert(p.into(), stream.clone());
    }
    for p in ["grpc", "grpcs"] {
        s.subschemas.insert(p.into(), grpc.clone());
    }
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
