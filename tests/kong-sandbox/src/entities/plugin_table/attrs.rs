//! Types and attributes of plugin-table lines: `type` names and typedefs, `key=value`
//! attributes, and the matchers of entity checks.

use super::super::core::{header_name, host, path, port, route_hosts, sni, url};
use super::super::plugin_rules as rules;
use crate::schema::{Auto, Check, Field, Match};
use serde_json::{json, Value};

/// Splits `array<string> required` into (`array<string>`, `required`).
pub(super) fn split_type(spec: &'static str) -> (&'static str, &'static str) {
    let end = spec.find(' ').unwrap_or(spec.len());
    (&spec[..end], spec[end..].trim_start())
}

/// A type name, or a typedef of K:db/schema/typedefs.lua (3.9.3), as a field.
pub(super) fn typed(ty: &str) -> Option<Field> {
    if let Some(inner) = ty.strip_prefix("array<").and_then(|s| s.strip_suffix('>')) {
        return Some(Field::array(typed(inner)?));
    }
    if let Some(inner) = ty.strip_prefix("set<").and_then(|s| s.strip_suffix('>')) {
        return Some(Field::set(typed(inner)?));
    }
    if let Some(inner) = ty.strip_prefix("map<").and_then(|s| s.strip_suffix('>')) {
        let (k, v) = inner.split_once(',')?;
        return Some(Field::map(typed(k)?, typed(v)?));
    }
    Some(match ty {
        "string" => Field::string(),
        "integer" => Field::integer(),
        "number" => Field::number(),
        "boolean" => Field::boolean(),
        "host" => host(),
        "port" => port(),
        "path" => path(),
        "url" => url(),
        "sni" => sni(),
        "header_name" => header_name(),
        "hosts" => route_hosts(),
        // typedefs.http_method: match = "^%u+$"
        "http_method" => Field::string().check(Check::Match(rules::all_upper)),
        "ip_or_cidr" => Field::string().custom_str(crate::schema::validators::validate_ip_or_cidr),
        // typedefs.timeout: integer, between = { 0, 2^31 - 2 }
        "timeout" => Field::integer().check(Check::Between(0.0, 2147483646.0)),
        // typedefs.ttl: number, between = { 0, DAO_MAX_TTL = 1e8 } (K:constants.lua)
        "ttl" => Field::number().check(Check::Between(0.0, 1e8)),
        "lua_code" => rules::lua_code(),
        "queue" => rules::queue(),
        "propagation" => rules::propagation(),
        "redis" => rules::redis(),
        _ => return None,
    })
}

/// One parsed attribute value.
pub(super) enum Attr {
    Flag,
    Word(&'static str),
    Json(Value),
}

/// `key`, `key=word` and `key=JSON` attributes.
pub(super) fn attributes(mut s: &'static str) -> Result<Vec<(&'static str, Attr)>, String> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() || s.starts_with('#') {
            return Ok(out);
        }
        let key_end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        if key_end == 0 {
            return Err(format!("unexpected text: {s}"));
        }
        let key = &s[..key_end];
        s = &s[key_end..];
        match s.strip_prefix('=') {
            None => out.push((key, Attr::Flag)),
            Some(v)
                if v.starts_with(|c: char| "[{\"-0123456789".contains(c))
                    || v.starts_with("true")
                    || v.starts_with("false") =>
            {
                let mut it = serde_json::Deserializer::from_str(v).into_iter::<Value>();
                let value = it
                    .next()
                    .ok_or_else(|| format!("{key}: no value"))?
                    .map_err(|e| format!("{key}: {e}"))?;
                s = &v[it.byte_offset()..];
                out.push((key, Attr::Json(value)));
            }
            Some(v) => {
                let end = v.find(' ').unwrap_or(v.len());
                out.push((key, Attr::Word(&v[..end])));
                s = &v[end..];
            }
        }
    }
}

pub(super) fn json_str(s: &str) -> Result<&'static str, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(Value::String(m)) => Ok(Box::leak(m.into_boxed_str())),
        _ => Err(format!("expected a JSON string: {s}")),
    }
}

fn number(k: &str, v: &Attr) -> Result<f64, String> {
    match v {
        Attr::Json(j) => j.as_f64().ok_or_else(|| format!("{k}: expected a number")),
        _ => Err(format!("{k}: expected a number")),
    }
}

/// Applies one attribute to a field.
pub(super) fn apply(f: Field, k: &str, v: Attr) -> Result<Field, String> {
    let list = |v: &Attr| match v {
        Attr::Json(Value::Array(a)) => Ok(a.clone()),
        _ => Err(format!("{k}: expected a JSON array")),
    };
    Ok(match (k, &v) {
        ("required", Attr::Flag) => f.required(),
        ("optional", Attr::Flag) => f,
        ("auto", Attr::Flag) => f.auto(Auto::RandomString),
        ("is_regex", Attr::Flag) => f.check(Check::IsRegex),
        ("default", Attr::Json(j)) => f.default(j.clone()),
        ("default", Attr::Word("random_secret")) => f.default(json!(rules::random_secret())),
        ("eq", Attr::Json(j)) => f.check(Check::Eq(j.clone())),
        ("one_of", _) => f.check(Check::OneOf(list(&v)?)),
        ("not_one_of", _) => f.check(Check::NotOneOf(list(&v)?)),
        ("between", _) => {
            let b = list(&v)?;
            let n = |i: usize| b.get(i).and_then(|x| x.as_f64()).ok_or("between: [a, b]");
            f.check(Check::Between(n(0)?, n(1)?))
        }
        ("gt", _) => f.check(Check::Gt(number(k, &v)?)),
        ("len_eq", _) => f.check(Check::LenEq(number(k, &v)? as usize)),
        ("len_min", _) => f.check(Check::LenMin(number(k, &v)? as usize)),
        ("len_max", _) => f.check(Check::LenMax(number(k, &v)? as usize)),
        ("starts_with", Attr::Json(Value::String(p))) => {
            f.check(Check::StartsWith(Box::leak(p.clone().into_boxed_str())))
        }
        ("match", Attr::Word(rule)) => f.check(Check::Match(
            rules::pattern(rule).ok_or_else(|| format!("unknown pattern {rule}"))?,
        )),
        ("custom", Attr::Word(rule)) => f.check(Check::Custom(
            rules::validator(rule).ok_or_else(|| format!("unknown rule {rule}"))?,
        )),
        ("err", Attr::Json(Value::String(m))) => f.err(m),
        _ => return Err(format!("bad attribute {k}")),
    })
}

/// An entity check's `if_match` / `then_match`: `required`, `null`, or validators.
pub(super) fn matcher(s: &'static str) -> Result<Match, String> {
    let mut m = Match::default();
    for (k, v) in attributes(s)? {
        match (k, v) {
            ("required", Attr::Flag) => m.required = Some(true),
            ("null", Attr::Flag) => m.eq_null = true,
            ("contains", Attr::Json(j)) => m.checks.push(Check::Contains(j)),
            (k, v) => m.checks.extend(apply(Field::string(), k, v)?.checks),
        }
    }
    Ok(m)
}
