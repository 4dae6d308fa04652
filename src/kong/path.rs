//! One path segment of an Admin API path: an entity's name or id, escaped so that it cannot
//! change the path it is put in.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in one path segment (an entity name or id). `\` too: in an http(s) URL
/// the URL parser reads it as `/`, so `a\..\..\services\x` would address another entity.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'\\')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// True for `.` and `..`, also percent-encoded (`%2e`, `.%2E`, ...): URL parsers read such a
/// path segment as "this path" or "the parent path", so as the name or id in an Admin API path
/// it would address another resource (`GET /consumers/..` is `GET /`). Escaping cannot help:
/// the URL standard decodes `%2e` in dot segments.
pub fn is_dot_segment(value: &str) -> bool {
    let decoded = value.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

/// Escapes one path segment: `/`, `?`, `#`, `%`, `\\` and the like cannot change the path a name
/// is put in. Escaping cannot neutralise the dot segments `.` and `..` (URL parsers resolve
/// them, `%2e` included): [`Client`] refuses a path holding one before any request, and the
/// model refuses them as names and import ids.
pub fn segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}
