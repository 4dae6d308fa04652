//! Value helpers shared by auto-field processing, validation and rendering: Lua's views of
//! JSON values (`tostring`, `deepcompare`), dotted paths and Kong's generated values.

use super::Obj;
use crate::errors::{ErrTree, FieldErrors};
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Kong's `random_string()`: 32 hex characters.
pub fn random_string() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub(super) fn is_nonempty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => true,
    }
}

/// `get_field(t, "a.b.c")`
pub fn get_path<'a>(obj: &'a Obj, name: &str) -> Option<&'a Value> {
    match name.split_once('.') {
        None => obj.get(name),
        Some((hd, tl)) => match obj.get(hd) {
            Some(Value::Object(o)) => get_path(o, tl),
            _ => None,
        },
    }
}

pub(super) fn set_err(errors: &mut FieldErrors, name: &str, err: ErrTree) {
    match name.split_once('.') {
        None => {
            errors.insert(name.to_string(), err);
        }
        Some((hd, tl)) => {
            let entry = errors
                .entry(hd.to_string())
                .or_insert_with(|| ErrTree::Map(BTreeMap::new()));
            if let ErrTree::Map(m) = entry {
                set_err(m, tl, err);
            }
        }
    }
}

pub(super) fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn lua_tostring(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => num_to_string(n.as_f64().unwrap_or(0.0)),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => "table".into(),
    }
}

pub(super) fn num_to_string(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// `deepcompare`: numbers by value, tables member by member.
pub(super) fn values_deep_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_deep_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).map(|q| values_deep_eq(p, q)).unwrap_or(false))
        }
        _ => values_eq(a, b),
    }
}

pub(super) fn values_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Normalises a JSON number: whole values become integers.
pub fn normalize_number(v: &Value) -> Value {
    if let Some(f) = v.as_f64() {
        if v.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 {
            return Value::from(f as i64);
        }
    }
    v.clone()
}
