//! `Schema:validate_field` (K:db/schema/init.lua): a value's type, then its validators in
//! Kong's `validators_order`, with their error messages.

use super::validators;
use super::values::{lua_tostring, num_to_string, quoted_list, values_eq};
use super::{is_reference, Check, Ctx, Field, Ty};
use crate::errors::ErrTree;
use serde_json::Value;
use std::collections::BTreeMap;

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64()
                || n.is_u64()
                || n.as_f64()
                    .map(|f| f.is_finite() && f.fract() == 0.0)
                    .unwrap_or(false)
        }
        _ => false,
    }
}

/// `Schema:validate_field(field, value)`.
pub fn validate_field(field: &Field, value: &Value) -> Result<(), ErrTree> {
    if value.is_null() {
        if field.required {
            return Err(ErrTree::msg("required field missing"));
        }
        return Ok(());
    }
    if field.eq_null {
        return Err(ErrTree::msg(
            field
                .err
                .clone()
                .unwrap_or_else(|| "value must be null".into()),
        ));
    }
    let mut implicit_len_min = false;
    match &field.ty {
        Ty::Array(el) | Ty::Set(el) => {
            let Value::Array(a) = value else {
                let m = if matches!(field.ty, Ty::Set(_)) {
                    "expected a set"
                } else {
                    "expected an array"
                };
                return Err(ErrTree::msg(m));
            };
            let mut el = (**el).clone();
            el.required = true;
            let mut errs = BTreeMap::new();
            for (i, x) in a.iter().enumerate() {
                if let Err(e) = validate_field(&el, x) {
                    errs.insert(i + 1, e);
                }
            }
            if !errs.is_empty() {
                return Err(ErrTree::List(errs));
            }
        }
        Ty::Map(kf, vf) => {
            let Value::Object(o) = value else {
                return Err(ErrTree::msg("expected a map"));
            };
            let (mut kf, mut vf) = ((**kf).clone(), (**vf).clone());
            kf.required = true;
            vf.required = true;
            for (k, v) in o {
                validate_field(&kf, &Value::String(k.clone()))?;
                validate_field(&vf, v)?;
            }
        }
        Ty::Record(rs) => {
            let Value::Object(o) = value else {
                return Err(ErrTree::msg("expected a record"));
            };
            let copy = rs
                .process_auto_fields(o, Ctx::Insert)
                .map_err(ErrTree::Map)?;
            rs.validate(&copy, true, false).map_err(ErrTree::Map)?;
        }
        Ty::Foreign(_) => {
            let mut errs = BTreeMap::new();
            match value.as_object().and_then(|o| o.get("id")) {
                None => {
                    errs.insert("id".to_string(), ErrTree::msg("missing primary key"));
                }
                Some(Value::Null) => {
                    errs.insert("id".to_string(), ErrTree::msg("required field missing"));
                }
                Some(v) => {
                    if let Err(e) = validate_field(&Field::string().check(Check::Uuid), v) {
                        errs.insert("id".to_string(), e);
                    }
                }
            }
            if !errs.is_empty() {
                return Err(ErrTree::Map(errs));
            }
        }
        Ty::Int => {
            if !is_integer(value) {
                return Err(ErrTree::msg("expected an integer"));
            }
        }
        Ty::Num => {
            if !value.is_number() {
                return Err(ErrTree::msg("expected a number"));
            }
        }
        Ty::Bool => {
            if !value.is_boolean() {
                return Err(ErrTree::msg("expected a boolean"));
            }
        }
        Ty::Str => {
            if !value.is_string() {
                return Err(ErrTree::msg("expected a string"));
            }
            if field.referenceable && is_reference(value) {
                return Ok(());
            }
            implicit_len_min = !field.checks.iter().any(|c| matches!(c, Check::LenMin(_)));
        }
    }
    let mut checks: Vec<&Check> = field.checks.iter().collect();
    let lm = Check::LenMin(1);
    if implicit_len_min {
        checks.push(&lm);
        checks.sort_by_key(|c| c.rank());
    }
    for c in checks {
        if let Err(e) = run_check(c, value) {
            return Err(ErrTree::msg(field.err.clone().unwrap_or(e)));
        }
    }
    Ok(())
}

fn length(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    }
}

fn run_check(c: &Check, value: &Value) -> Result<(), String> {
    let s = value.as_str().unwrap_or("");
    match c {
        Check::Eq(w) => {
            if values_eq(value, w) {
                Ok(())
            } else {
                Err(format!("value must be {}", lua_tostring(w)))
            }
        }
        Check::Ne(w) => {
            if !values_eq(value, w) {
                Ok(())
            } else {
                Err(format!("value must not be {}", lua_tostring(value)))
            }
        }
        Check::OneOf(opts) => {
            if opts
                .iter()
                .any(|o| values_eq(o, value) && o.is_string() == value.is_string())
            {
                Ok(())
            } else {
                Err(format!(
                    "expected one of: {}",
                    opts.iter().map(lua_tostring).collect::<Vec<_>>().join(", ")
                ))
            }
        }
        Check::NotOneOf(opts) => {
            if opts
                .iter()
                .any(|o| values_eq(o, value) && o.is_string() == value.is_string())
            {
                Err(format!(
                    "must not be one of: {}",
                    opts.iter().map(lua_tostring).collect::<Vec<_>>().join(", ")
                ))
            } else {
                Ok(())
            }
        }
        Check::Gt(l) => {
            if value.as_f64().map(|x| x > *l).unwrap_or(true) {
                Ok(())
            } else {
                Err(format!("value must be greater than {}", num_to_string(*l)))
            }
        }
        Check::Uuid => {
            let ok = s.len() == 36
                && uuid::Uuid::parse_str(s).is_ok()
                && s.chars().filter(|c| *c == '-').count() == 4;
            if ok {
                Ok(())
            } else {
                Err("expected a valid UUID".into())
            }
        }
        Check::IsRegex => match validators::pcre_check(s) {
            Ok(()) => Ok(()),
            Err(_) => Err(format!("not a valid regex: {s}")),
        },
        Check::Between(a, b) => {
            let x = value.as_f64().unwrap_or(0.0);
            if x < *a || x > *b {
                Err(format!(
                    "value should be between {} and {}",
                    a.trunc() as i64,
                    b.trunc() as i64
                ))
            } else {
                Ok(())
            }
        }
        Check::LenEq(n) => {
            if length(value) == *n {
                Ok(())
            } else {
                Err(format!("length must be {n}"))
            }
        }
        Check::LenMin(n) => {
            if length(value) >= *n {
                Ok(())
            } else {
                Err(format!("length must be at least {n}"))
            }
        }
        Check::LenMax(n) => {
            if length(value) <= *n {
                Ok(())
            } else {
                Err(format!("length must be at most {n}"))
            }
        }
        Check::StartsWith(p) => {
            if s.starts_with(p) {
                Ok(())
            } else {
                Err(format!("should start with: {p}"))
            }
        }
        Check::MatchNone(list) => {
            for (p, e) in list {
                if p(s) {
                    return Err(e.to_string());
                }
            }
            Ok(())
        }
        Check::Match(p) => {
            if p(s) {
                Ok(())
            } else {
                Err(format!("invalid value: {s}"))
            }
        }
        Check::MatchAll(list) => {
            for (p, e) in list {
                if !p(s) {
                    return Err(e.to_string());
                }
            }
            Ok(())
        }
        Check::MatchAny(list, e) => {
            if list.iter().any(|p| p(s)) {
                Ok(())
            } else {
                Err(e.to_string())
            }
        }
        Check::Contains(w) => {
            if value
                .as_array()
                .map(|a| a.iter().any(|x| x == w))
                .unwrap_or(false)
            {
                Ok(())
            } else {
                Err(format!("expected to contain: {}", lua_tostring(w)))
            }
        }
        Check::Custom(f) => f(value),
        Check::MutExSubsets(subsets) => {
            let mut member_of: Vec<&Vec<&str>> = Vec::new();
            for v in value.as_array().into_iter().flatten() {
                let Some(vs) = v.as_str() else { continue };
                if let Some(set) = subsets.iter().find(|set| set.contains(&vs)) {
                    if !member_of.iter().any(|m| std::ptr::eq(*m, set)) {
                        member_of.push(set);
                    }
                }
            }
            if member_of.len() <= 1 {
                Ok(())
            } else {
                let parts: Vec<String> = member_of
                    .iter()
                    .map(|set| format!("({})", quoted_list(set)))
                    .collect();
                Err(format!(
                    "these sets are mutually exclusive: {}",
                    parts.join(", ")
                ))
            }
        }
    }
}
