//! The field types of K:db/schema/typedefs.lua that the core entities and plugins share.

use crate::schema::validators as v;
use crate::schema::{Auto, Check, Field};

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

pub(super) fn has_double_slash(s: &str) -> bool {
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
