//! Lists (K:api/endpoints.lua, K:db/dao/init.lua): query parameters, the `tags` filter,
//! offsets and page sizes, paging through a collection, and the `/tags` endpoint.

use super::body::parse_urlencoded;
use super::crud::Db;
use super::{ApiResponse, Call};
use crate::entities::{Kind, ALL_KINDS};
use crate::errors::{ApiError, ApiResult};
use crate::schema::Obj;
use crate::store::fk_id;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use std::collections::HashMap;

/// ngx.escape_uri (component): everything but alphanumerics and `-_.~`.
const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Parsed query parameters (first value wins).
pub(super) struct Query {
    raw: HashMap<String, String>,
}

impl Query {
    pub(super) fn parse(q: &str) -> Query {
        let mut raw = HashMap::new();
        for (k, v) in parse_urlencoded(q) {
            raw.entry(k).or_insert(v);
        }
        Query { raw }
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.raw.get(k).map(|s| s.as_str())
    }
}

fn parse_tags(raw: &str) -> ApiResult<(Vec<String>, bool)> {
    if raw.is_empty() {
        return Err(ApiError::invalid_option("tags", "cannot be null"));
    }
    let ok_byte = |b: u8| crate::schema::validators::tag_byte_ok(b) && b != b',' && b != b'/';
    let valid = |sep: u8| {
        raw.split(sep as char).enumerate().all(|(i, t)| {
            let last = i == raw.split(sep as char).count() - 1;
            (!t.is_empty() || (last && i > 0)) && t.bytes().all(ok_byte)
        })
    };
    let has_comma = raw.contains(',');
    let has_slash = raw.contains('/');
    let (tags, and) = if !has_slash && raw.bytes().all(|b| ok_byte(b) || b == b',') && valid(b',') {
        (
            raw.split(',')
                .filter(|t| !t.is_empty())
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            true,
        )
    } else if !has_comma && raw.bytes().all(|b| ok_byte(b) || b == b'/') && valid(b'/') {
        (
            raw.split('/')
                .filter(|t| !t.is_empty())
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            false,
        )
    } else {
        return Err(ApiError::invalid_option("tags", "invalid filter syntax"));
    };
    if tags.len() > 5 {
        return Err(ApiError::invalid_option(
            "tags",
            "cannot query more than 5 tags",
        ));
    }
    Ok((tags, and))
}

fn encode_offset(id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(json!([id]).to_string())
}

fn decode_offset(off: &str) -> ApiResult<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(off)
        .map_err(|_| ApiError::invalid_offset(off, "bad base64 encoding"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Array(a)) if a.len() == 1 && a[0].is_string() => {
            Ok(a[0].as_str().unwrap_or("").to_string())
        }
        _ => Err(ApiError::invalid_offset(off, "bad json encoding")),
    }
}

fn page_size(q: &Query) -> ApiResult<usize> {
    match q.get("size") {
        None => Ok(100),
        Some(s) => {
            let n: f64 = s
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid_size("size must be a number"))?;
            if !(1.0..=1000.0).contains(&n) || n.fract() != 0.0 {
                return Err(ApiError::invalid_size(
                    "size must be an integer between 1 and 1000",
                ));
            }
            Ok(n as usize)
        }
    }
}
impl<'a> Call<'a> {
    pub(super) fn list(
        &self,
        db: &Db,
        k: Kind,
        filter: Option<(&str, &str)>,
        next_base: &str,
        with_tags: bool,
    ) -> ApiResult<Value> {
        let size = page_size(self.q)?;
        let tags = match (with_tags, self.q.get("tags")) {
            (true, Some(t)) => Some(parse_tags(t)?),
            _ => None,
        };
        let start = match self.q.get("offset") {
            Some(o) => Some(decode_offset(o)?),
            None => None,
        };
        let ws = db.store.ws(&db.ws).expect("workspace");
        let rows = &ws.col(k).rows;
        let iter: Box<dyn Iterator<Item = (&String, &Obj)>> = match &start {
            Some(s) => Box::new(
                rows.range::<String, _>((std::ops::Bound::Excluded(s), std::ops::Bound::Unbounded)),
            ),
            None => Box::new(rows.iter()),
        };
        let matches = |r: &Obj| {
            if let Some((field, pid)) = filter {
                if fk_id(r.get(field)) != Some(pid) {
                    return false;
                }
            }
            if let Some((tags, and)) = &tags {
                let have: Vec<&str> = r
                    .get("tags")
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
                    .unwrap_or_default();
                let hit = |t: &String| have.contains(&t.as_str());
                return if *and {
                    tags.iter().all(hit)
                } else {
                    tags.iter().any(hit)
                };
            }
            true
        };
        let mut data = Vec::new();
        let mut last_id = None;
        let mut more = false;
        for (id, r) in iter {
            if !matches(r) {
                continue;
            }
            if data.len() == size {
                more = true;
                break;
            }
            data.push(db.render(k, r));
            last_id = Some(id.clone());
        }
        let mut out = serde_json::Map::new();
        out.insert("data".into(), Value::Array(data));
        match (more, last_id) {
            (true, Some(id)) => {
                let off = encode_offset(&id);
                let mut next = format!(
                    "{}{next_base}?offset={}",
                    self.prefix,
                    utf8_percent_encode(&off, ESCAPE)
                );
                if with_tags {
                    if let Some(t) = self.q.get("tags") {
                        next.push_str(&format!("&tags={t}"));
                    }
                    if let Some(s) = self.q.get("size") {
                        next.push_str(&format!("&size={s}"));
                    }
                }
                out.insert("offset".into(), json!(off));
                out.insert("next".into(), json!(next));
            }
            _ => {
                out.insert("next".into(), Value::Null);
            }
        }
        Ok(Value::Object(out))
    }

    pub(super) fn collection(&self, db: &mut Db, k: Kind) -> ApiResult<ApiResponse> {
        if self.method == "GET" {
            if k == Kind::Consumers {
                if let Some(cid) = self.q.get("custom_id") {
                    let found = db
                        .store
                        .ws(&db.ws)
                        .and_then(|w| w.col(k).find_unique("custom_id", cid))
                        .cloned();
                    let data: Vec<Value> = found.iter().map(|r| db.render(k, r)).collect();
                    return Ok(ApiResponse::json(
                        200,
                        json!({ "data": data, "next": null }),
                    ));
                }
            }
            let v = self.list(db, k, None, &format!("/{}", k.admin_name()), true)?;
            return Ok(ApiResponse::json(200, v));
        }
        let args = self.args(db, k);
        Ok(ApiResponse::json(201, db.insert(k, args)?))
    }

    pub(super) fn tags(&self, db: &Db, tag: Option<String>) -> ApiResult<ApiResponse> {
        if let Some(t) = &tag {
            if crate::schema::validators::validate_tag(t).is_err() {
                return Err(ApiError::message(400, &format!("invalid value: {t}")));
            }
        }
        let ws = db.store.ws(&db.ws).expect("workspace");
        let mut data = Vec::new();
        for k in ALL_KINDS {
            for (id, r) in &ws.col(k).rows {
                for t in r
                    .get("tags")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                {
                    let Some(ts) = t.as_str() else { continue };
                    if tag.as_deref().map(|x| x == ts).unwrap_or(true) {
                        data.push(json!({ "entity_name": k.name(), "entity_id": id, "tag": ts }));
                    }
                }
            }
        }
        Ok(ApiResponse::json(
            200,
            json!({ "data": data, "next": null }),
        ))
    }
}
