//! Kong's error shapes (K:db/errors.lua, K:api/endpoints.lua `handle_error`).
//!
//! Validation produces an [`ErrTree`] per field; [`ApiError`] turns it into the
//! `{code, name, message, fields}` body with the HTTP status Kong uses.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A validation error tree, as Kong's schema library builds it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrTree {
    /// A plain message.
    Msg(String),
    /// Errors of a record (or of an entity), keyed by field name.
    Map(BTreeMap<String, ErrTree>),
    /// Errors of array/set elements, keyed by 1-based position.
    List(BTreeMap<usize, ErrTree>),
    /// Entity-level errors (`@entity`).
    Entity(Vec<String>),
}

/// Field errors of an entity: field name to error, plus `@entity`.
pub type FieldErrors = BTreeMap<String, ErrTree>;

impl ErrTree {
    /// A message error.
    pub fn msg(s: impl Into<String>) -> ErrTree {
        ErrTree::Msg(s.into())
    }

    /// JSON rendering (arrays of per-element errors padded with nulls).
    pub fn to_json(&self) -> Value {
        match self {
            ErrTree::Msg(s) => Value::String(s.clone()),
            ErrTree::Map(m) => {
                let mut o = Map::new();
                for (k, v) in m {
                    o.insert(k.clone(), v.to_json());
                }
                Value::Object(o)
            }
            ErrTree::List(l) => {
                let max = l.keys().max().copied().unwrap_or(0);
                let mut a = vec![Value::Null; max];
                for (i, v) in l {
                    if *i >= 1 {
                        a[i - 1] = v.to_json();
                    }
                }
                Value::Array(a)
            }
            ErrTree::Entity(v) => {
                Value::Array(v.iter().map(|s| Value::String(s.clone())).collect())
            }
        }
    }

    fn is_table(&self) -> bool {
        !matches!(self, ErrTree::Msg(_))
    }

    fn entries(&self) -> Vec<(String, &ErrTree, bool)> {
        // (key repr, value, key is numeric)
        match self {
            ErrTree::Msg(_) => vec![],
            ErrTree::Map(m) => m.iter().map(|(k, v)| (k.clone(), v, false)).collect(),
            ErrTree::List(l) => l.iter().map(|(k, v)| (k.to_string(), v, true)).collect(),
            ErrTree::Entity(_) => vec![],
        }
    }
}

/// Converts field errors to the JSON `fields` object.
pub fn fields_json(errors: &FieldErrors) -> Value {
    ErrTree::Map(errors.clone()).to_json()
}

fn lua_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Penlight's `pretty.write(t)` (multi-line, two-space indent), as Kong uses it
/// for nested error tables inside a schema-violation message.
pub fn pl_pretty(t: &ErrTree) -> String {
    pretty_inner(t, "")
}

fn pretty_inner(t: &ErrTree, indent: &str) -> String {
    match t {
        ErrTree::Msg(s) => lua_quote(s),
        ErrTree::Entity(v) => {
            let inner = format!("{indent}  ");
            let items: Vec<String> = v
                .iter()
                .map(|s| format!("{inner}{}", lua_quote(s)))
                .collect();
            format!("{{\n{}\n{indent}}}", items.join(",\n"))
        }
        _ => {
            let inner = format!("{indent}  ");
            let mut items = Vec::new();
            let entries = t.entries();
            // array part first (consecutive from 1), then the others
            let mut next = 1usize;
            let mut rest = Vec::new();
            for (k, v, numeric) in entries {
                if numeric && k.parse::<usize>().ok() == Some(next) {
                    items.push(format!("{inner}{}", pretty_inner(v, &inner)));
                    next += 1;
                } else {
                    rest.push((k, v, numeric));
                }
            }
            for (k, v, numeric) in rest {
                let key = if numeric {
                    format!("[{k}]")
                } else if is_identifier(&k) {
                    k
                } else {
                    format!("[{}]", lua_quote(&k))
                };
                items.push(format!("{inner}{key} = {}", pretty_inner(v, &inner)));
            }
            format!("{{\n{}\n{indent}}}", items.join(",\n"))
        }
    }
}

/// Penlight's compact `pretty.write(t, "")` on a JSON value, with Kong's
/// `"userdata: NULL"` → `null` substitution.
pub fn pl_compact(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => lua_quote(s),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(pl_compact).collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    let key = if is_identifier(k) {
                        k.clone()
                    } else {
                        format!("[{}]", lua_quote(k))
                    };
                    format!("{key}={}", pl_compact(&o[k]))
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

/// "schema violation (...)" / "N schema violations (...)" (K:db/errors.lua `schema_violation`).
pub fn schema_violation_message(errors: &FieldErrors) -> String {
    let mut buf: Vec<String> = Vec::new();
    if let Some(ErrTree::Entity(v)) = errors.get("@entity") {
        buf.extend(v.iter().cloned());
    }
    for (name, err) in errors {
        if name == "@entity" {
            continue;
        }
        if err.is_table() {
            match err {
                ErrTree::Entity(v) => {
                    for (i, s) in v.iter().enumerate() {
                        buf.push(format!("{name}.{}: {s}", i + 1));
                    }
                }
                _ => {
                    for (k, v, _) in err.entries() {
                        let value = if v.is_table() {
                            pl_pretty(v)
                        } else if let ErrTree::Msg(s) = v {
                            s.clone()
                        } else {
                            String::new()
                        };
                        buf.push(format!("{name}.{k}: {value}"));
                    }
                }
            }
        } else if let ErrTree::Msg(s) = err {
            buf.push(format!("{name}: {s}"));
        }
    }
    if buf.len() == 1 {
        format!("schema violation ({})", buf[0])
    } else {
        format!("{} schema violations ({})", buf.len(), buf.join("; "))
    }
}

/// An Admin API error: an HTTP status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

impl ApiError {
    /// A `{"message": ...}` error.
    pub fn message(status: u16, msg: &str) -> ApiError {
        ApiError {
            status,
            body: json!({ "message": msg }),
        }
    }

    /// 404 `{"message":"Not found"}`.
    pub fn not_found() -> ApiError {
        ApiError::message(404, "Not found")
    }

    /// 405 `{"message":"Method not allowed"}`.
    pub fn method_not_allowed() -> ApiError {
        ApiError::message(405, "Method not allowed")
    }

    /// Code 2, schema violation (400).
    pub fn schema_violation(errors: &FieldErrors) -> ApiError {
        ApiError {
            status: 400,
            body: json!({
                "code": 2,
                "name": "schema violation",
                "message": schema_violation_message(errors),
                "fields": fields_json(errors),
            }),
        }
    }

    /// Code 2 with a single field message.
    pub fn schema_violation_field(field: &str, msg: &str) -> ApiError {
        let mut e = FieldErrors::new();
        e.insert(field.to_string(), ErrTree::msg(msg));
        ApiError::schema_violation(&e)
    }

    /// Code 3, primary key violation (400).
    pub fn primary_key_violation(id: &str) -> ApiError {
        let pk = json!({ "id": id });
        ApiError {
            status: 400,
            body: json!({
                "code": 3,
                "name": "primary key violation",
                "message": format!("primary key violation on key '{}'", pl_compact(&pk)),
                "fields": pk,
            }),
        }
    }

    /// Code 4, foreign key violation on insert (400).
    pub fn foreign_key_invalid(field: &str, key: &Value, parent: &str) -> ApiError {
        ApiError {
            status: 400,
            body: json!({
                "code": 4,
                "name": "foreign key violation",
                "message": format!(
                    "the foreign key '{}' does not reference an existing '{}' entity.",
                    pl_compact(key),
                    parent
                ),
                "fields": { field: key },
            }),
        }
    }

    /// Code 4, foreign key violation on delete of a referenced parent (400).
    pub fn foreign_key_restricted(parent: &str, child: &str) -> ApiError {
        ApiError {
            status: 400,
            body: json!({
                "code": 4,
                "name": "foreign key violation",
                "message": format!("an existing '{child}' entity references this '{parent}' entity"),
                "fields": { "@referenced_by": child },
            }),
        }
    }

    /// Code 5, unique violation (409).
    pub fn unique_violation(key: Value) -> ApiError {
        ApiError {
            status: 409,
            body: json!({
                "code": 5,
                "name": "unique constraint violation",
                "message": format!("UNIQUE violation detected on '{}'", pl_compact(&key)),
                "fields": key,
            }),
        }
    }

    /// Code 7, invalid offset (400).
    pub fn invalid_offset(offset: &str, err: &str) -> ApiError {
        ApiError {
            status: 400,
            body: json!({
                "code": 7,
                "name": "invalid offset",
                "message": format!("'{offset}' is not a valid offset: {err}"),
            }),
        }
    }

    /// Code 9, invalid size (400).
    pub fn invalid_size(msg: &str) -> ApiError {
        ApiError {
            status: 400,
            body: json!({ "code": 9, "name": "invalid size", "message": msg }),
        }
    }

    /// Code 11, invalid options (400), errors under `options`.
    pub fn invalid_option(option: &str, msg: &str) -> ApiError {
        ApiError {
            status: 400,
            body: json!({
                "code": 11,
                "name": "invalid options",
                "message": format!("invalid option ({option}: {msg})"),
                "options": { option: msg },
            }),
        }
    }

    /// Code 13, foreign keys unresolved (400).
    pub fn foreign_key_unresolved(
        field: &str,
        endpoint_key: &str,
        value: &Value,
        parent: &str,
    ) -> ApiError {
        let text = format!(
            "the foreign key cannot be resolved with '{}' for an existing '{}' entity",
            pl_compact(&json!({ endpoint_key: value })),
            parent
        );
        ApiError {
            status: 400,
            body: json!({
                "code": 13,
                "name": "foreign keys unresolved",
                "message": format!("foreign key unresolved ({field}.{endpoint_key}: {text})"),
                "fields": { field: { endpoint_key: text } },
            }),
        }
    }
}

/// Result alias for Admin API handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_for_array_and_nested() {
        let mut e = FieldErrors::new();
        let mut l = BTreeMap::new();
        l.insert(2, ErrTree::msg("invalid value: x"));
        e.insert("hosts".into(), ErrTree::List(l));
        assert_eq!(
            schema_violation_message(&e),
            "schema violation (hosts.2: invalid value: x)"
        );
        assert_eq!(
            fields_json(&e),
            json!({"hosts": [null, "invalid value: x"]})
        );
        let mut inner = BTreeMap::new();
        inner.insert("host".to_string(), ErrTree::msg("required field missing"));
        let mut cfg = BTreeMap::new();
        cfg.insert("redis".to_string(), ErrTree::Map(inner));
        let mut e2 = FieldErrors::new();
        e2.insert("config".into(), ErrTree::Map(cfg));
        assert_eq!(
            schema_violation_message(&e2),
            "schema violation (config.redis: {\n  host = \"required field missing\"\n})"
        );
    }

    #[test]
    fn compact_pretty() {
        assert_eq!(pl_compact(&json!({"name": "foo"})), "{name=\"foo\"}");
        assert_eq!(
            pl_compact(&json!({"service": {"id": "a"}, "consumer": null})),
            "{consumer=null,service={id=\"a\"}}"
        );
    }
}
