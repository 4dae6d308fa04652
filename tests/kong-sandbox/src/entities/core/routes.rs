//! The routes entity: its fields, the traditional_compatible router's checks and the
//! per-protocol subschemas (K:db/schema/entities/routes.lua, routes_subschemas.lua).

use super::typedefs::{
    has_double_slash, header_name, port, protocol, sni, tags, ts, utf8_name, uuid_field,
};
use crate::schema::validators as v;
use crate::schema::{Check, EntityCheck, Field, Match, Obj, Schema};
use serde_json::{json, Value};
use std::sync::Arc;

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
