//! Request bodies and query strings: JSON, form-urlencoded (`service.id`,
//! `hosts[]`) and multipart, with Kong's schema-driven type inference
//! (K:api/arguments.lua).

use crate::errors::ApiError;
use crate::schema::{Field, Obj, Schema, Ty};
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// A parsed request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON object.
    Json(Obj),
    /// Form fields (urlencoded or multipart), in order.
    Form(Vec<(String, String)>),
}

/// Decodes `a=b&c=d` (with `+` as space).
pub fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |x: &str| {
                percent_decode_str(&x.replace('+', " "))
                    .decode_utf8_lossy()
                    .to_string()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// Parses a body according to its Content-Type; 415/400 as Kong answers.
pub fn parse_body(content_type: Option<&str>, bytes: &[u8]) -> Result<Body, ApiError> {
    let ct = content_type.map(|c| c.to_ascii_lowercase());
    match ct.as_deref() {
        None => {
            if bytes.is_empty() {
                Ok(Body::Empty)
            } else {
                // Kong lets a body without Content-Type through; nothing is decoded.
                Ok(Body::Empty)
            }
        }
        Some(c) if c.starts_with("application/json") => {
            if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(Body::Json(Obj::new()));
            }
            match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Object(o)) => Ok(Body::Json(o)),
                _ => Err(ApiError::message(400, "Cannot parse JSON body")),
            }
        }
        Some(c) if c.starts_with("application/x-www-form-urlencoded") => Ok(Body::Form(
            parse_urlencoded(&String::from_utf8_lossy(bytes)),
        )),
        Some(c) if c.starts_with("multipart/form-data") => {
            let boundary = c
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .map(|b| b.trim_matches('"').to_string());
            // the boundary is case-sensitive: take it from the original header
            let boundary = content_type
                .and_then(|orig| {
                    orig.split(';')
                        .filter_map(|p| {
                            let p = p.trim();
                            p.get(..9)
                                .filter(|x| x.eq_ignore_ascii_case("boundary="))
                                .map(|_| p[9..].trim_matches('"').to_string())
                        })
                        .next()
                })
                .or(boundary);
            match boundary {
                Some(b) => Ok(Body::Form(parse_multipart(
                    &String::from_utf8_lossy(bytes),
                    &b,
                ))),
                None => Ok(Body::Form(vec![])),
            }
        }
        Some(_) => Err(ApiError::message(415, "Unsupported Media Type")),
    }
}

fn parse_multipart(body: &str, boundary: &str) -> Vec<(String, String)> {
    let delim = format!("--{boundary}");
    let mut out = Vec::new();
    for part in body.split(&delim) {
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        if part.starts_with("--") || part.trim().is_empty() {
            continue;
        }
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head.lines().find_map(|l| {
            let l = l.trim();
            if !l.to_ascii_lowercase().starts_with("content-disposition") {
                return None;
            }
            l.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix("name=")
                    .map(|n| n.trim_matches('"').to_string())
            })
        });
        if let Some(n) = name {
            out.push((n, value.strip_suffix("\r\n").unwrap_or(value).to_string()));
        }
    }
    out
}

enum Tok {
    Key(String),
    Append,
    Index(usize),
}

fn tokens(key: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let mut rest = part;
        let name_end = rest.find('[').unwrap_or(rest.len());
        if name_end > 0 {
            out.push(Tok::Key(rest[..name_end].to_string()));
        }
        rest = &rest[name_end..];
        while let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { break };
            let inner = &r[..end];
            if inner.is_empty() {
                out.push(Tok::Append);
            } else if let Ok(n) = inner.parse::<usize>() {
                out.push(Tok::Index(n));
            } else {
                out.push(Tok::Key(inner.to_string()));
            }
            rest = &r[end + 1..];
        }
    }
    out
}

fn insert_path(target: &mut Value, toks: &[Tok], value: String) {
    let Some((first, rest)) = toks.split_first() else {
        return;
    };
    match first {
        Tok::Key(k) => {
            if !target.is_object() {
                *target = Value::Object(Obj::new());
            }
            let Some(o) = target.as_object_mut() else {
                return;
            };
            if rest.is_empty() {
                match o.get_mut(k) {
                    Some(Value::Array(a)) => a.push(Value::String(value)),
                    Some(existing) => {
                        let prev = existing.take();
                        *existing = Value::Array(vec![prev, Value::String(value)]);
                    }
                    None => {
                        o.insert(k.clone(), Value::String(value));
                    }
                }
            } else {
                let child = o.entry(k.clone()).or_insert(Value::Null);
                insert_path(child, rest, value);
            }
        }
        Tok::Append | Tok::Index(_) => {
            if !target.is_array() {
                *target = Value::Array(vec![]);
            }
            let Some(a) = target.as_array_mut() else {
                return;
            };
            let idx = match first {
                Tok::Index(n) if *n >= 1 => n - 1,
                _ => a.len(),
            };
            while a.len() <= idx {
                a.push(Value::Null);
            }
            if rest.is_empty() {
                a[idx] = Value::String(value);
            } else {
                insert_path(&mut a[idx], rest, value);
            }
        }
    }
}

fn infer_value(v: Value, field: &Field) -> Value {
    if v == Value::String(String::new()) {
        return Value::Null;
    }
    match (&field.ty, v) {
        (Ty::Int | Ty::Num, Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && f.abs() < 9e15 => Value::from(f as i64),
            Ok(f) => Value::from(f),
            Err(_) => Value::String(s),
        },
        (Ty::Bool, Value::String(s)) => match s.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(s),
        },
        (Ty::Array(el) | Ty::Set(el), v) => {
            let items = match v {
                Value::Array(a) => a,
                other => vec![other],
            };
            Value::Array(items.into_iter().map(|x| infer_value(x, el)).collect())
        }
        (Ty::Record(rs), Value::Object(o)) => Value::Object(infer(o, rs)),
        (Ty::Map(_, vf), Value::Object(o)) => Value::Object(
            o.into_iter()
                .map(|(k, x)| (k, infer_value(x, vf)))
                .collect(),
        ),
        (_, v) => v,
    }
}

/// Types form values after the schema (numbers, booleans, arrays, records).
pub fn infer(o: Obj, schema: &Schema) -> Obj {
    let sub = schema.get_subschema(&o);
    o.into_iter()
        .map(|(k, v)| {
            let f = sub
                .as_deref()
                .and_then(|s| s.field(&k))
                .or_else(|| schema.field(&k));
            let v = match f {
                Some(f) => infer_value(v, f),
                None => v,
            };
            (k, v)
        })
        .collect()
}

impl Body {
    /// The body as an object, typed after `schema` for forms.
    pub fn to_obj(&self, schema: &Schema) -> Obj {
        match self {
            Body::Empty => Obj::new(),
            Body::Json(o) => o.clone(),
            Body::Form(pairs) => {
                let mut root = Value::Object(Obj::new());
                for (k, v) in pairs {
                    insert_path(&mut root, &tokens(k), v.clone());
                }
                match root {
                    Value::Object(o) => infer(o, schema),
                    _ => Obj::new(),
                }
            }
        }
    }
}
