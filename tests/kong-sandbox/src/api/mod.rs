//! The Admin API: routing (K:api/init.lua, K:api/endpoints.lua), lists with
//! pagination and tags, nested and foreign-entity endpoints, the custom
//! endpoints of certificates, consumers and acls, and node information.

pub mod body;
pub mod crud;
pub mod info;

use crate::entities::{Kind, Schemas, ALL_KINDS};
use crate::errors::{ApiError, ApiResult};
use crate::schema::Obj;
use crate::store::{fk_id, Store};
use crate::Edition;
use base64::Engine;
use body::{parse_body, parse_urlencoded, Body};
use crud::{is_uuid, Db};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A request as the Admin API sees it.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: String,
    /// Path (undecoded).
    pub path: String,
    /// Query string (undecoded, without `?`).
    pub query: String,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// `Kong-Admin-Token` header.
    pub admin_token: Option<String>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// An Admin API response.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl ApiResponse {
    fn json(status: u16, v: Value) -> ApiResponse {
        ApiResponse {
            status,
            body: Some(v),
            headers: vec![],
        }
    }
    fn no_content() -> ApiResponse {
        ApiResponse {
            status: 204,
            body: None,
            headers: vec![],
        }
    }
}

impl From<ApiError> for ApiResponse {
    fn from(e: ApiError) -> Self {
        ApiResponse::json(e.status, e.body)
    }
}

/// The Admin API state shared by all connections.
pub struct App {
    /// Edition served.
    pub edition: Edition,
    /// RBAC token (Enterprise).
    pub admin_token: Option<String>,
    /// The database.
    pub store: Mutex<Store>,
    /// Schemas of the edition.
    pub schemas: &'static Schemas,
    /// node_id reported by `GET /`.
    pub node_id: String,
    /// The version `GET /` reports.
    pub version: String,
    /// Requests served (for `/status`).
    pub total_requests: AtomicU64,
}

const ROOT_NAMES: [&str; 15] = [
    "status",
    "plugins",
    "services",
    "routes",
    "certificates",
    "snis",
    "consumers",
    "basic-auths",
    "acls",
    "jwts",
    "tags",
    "schemas",
    "endpoints",
    "workspaces",
    "kong",
];

/// ngx.escape_uri (component): everything but alphanumerics and `-_.~`.
const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

enum Route {
    Root,
    Status,
    PluginsEnabled,
    Tags(Option<String>),
    Validate(Kind),
    Workspaces(Option<String>),
    Collection(Kind),
    Entity(Kind, String),
    Nested {
        parent: Kind,
        pkey: String,
        child: Kind,
        field: &'static str,
    },
    NestedEntity {
        parent: Kind,
        pkey: String,
        child: Kind,
        field: &'static str,
        ckey: String,
    },
    ForeignEntity {
        kind: Kind,
        key: String,
        field: &'static str,
        target: Kind,
    },
}

impl Route {
    fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::Root | Route::Status | Route::PluginsEnabled | Route::Tags(_) => &["GET"],
            Route::Workspaces(None) | Route::Collection(_) | Route::Nested { .. } => {
                &["GET", "POST"]
            }
            Route::Workspaces(Some(_)) => &["GET", "DELETE"],
            Route::Validate(_) => &["POST"],
            _ => &["GET", "PUT", "PATCH", "DELETE"],
        }
    }
}

fn nested_child(parent: Kind, sub: &str) -> Option<(Kind, &'static str)> {
    for child in ALL_KINDS {
        for (field, target, _) in child.foreign_fields() {
            if *target == parent && child.nested_name() == sub {
                return Some((child, field));
            }
        }
    }
    None
}

fn route_of(segs: &[String], edition: Edition) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(|s| s.as_str()).collect();
    Some(match s.as_slice() {
        [] => Route::Root,
        ["status"] => Route::Status,
        ["plugins", "enabled"] => Route::PluginsEnabled,
        ["tags"] => Route::Tags(None),
        ["tags", t] => Route::Tags(Some(t.to_string())),
        ["schemas", e, "validate"] => Route::Validate(
            ALL_KINDS
                .iter()
                .copied()
                .find(|k| k.name() == *e || k.admin_name() == *e)?,
        ),
        ["workspaces"] if edition == Edition::Enterprise => Route::Workspaces(None),
        ["workspaces", w] if edition == Edition::Enterprise => {
            Route::Workspaces(Some(w.to_string()))
        }
        [c] => Route::Collection(Kind::from_admin(c)?),
        [c, id] => Route::Entity(Kind::from_admin(c)?, id.to_string()),
        [c, id, sub] => {
            let parent = Kind::from_admin(c)?;
            if let Some((child, field)) = nested_child(parent, sub) {
                Route::Nested {
                    parent,
                    pkey: id.to_string(),
                    child,
                    field,
                }
            } else {
                let (field, target, _) =
                    parent.foreign_fields().iter().find(|(f, _, _)| f == sub)?;
                if parent == Kind::Snis {
                    return None; // `/snis/:snis/certificate` is disabled
                }
                Route::ForeignEntity {
                    kind: parent,
                    key: id.to_string(),
                    field,
                    target: *target,
                }
            }
        }
        [c, id, sub, cid] => {
            let parent = Kind::from_admin(c)?;
            let (child, field) = nested_child(parent, sub)?;
            Route::NestedEntity {
                parent,
                pkey: id.to_string(),
                child,
                field,
                ckey: cid.to_string(),
            }
        }
        _ => return None,
    })
}

/// Parsed query parameters (first value wins).
struct Query {
    raw: HashMap<String, String>,
}

impl Query {
    fn parse(q: &str) -> Query {
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

impl App {
    /// The state of a fresh node of `edition`, reporting `version` (the edition's own when
    /// `None`, see [`info::version`]).
    pub fn new(edition: Edition, admin_token: Option<String>, version: Option<String>) -> App {
        App {
            version: version.unwrap_or_else(|| info::version(edition).to_string()),
            edition,
            admin_token,
            store: Mutex::new(Store::default()),
            schemas: Schemas::for_edition(edition),
            node_id: uuid::Uuid::new_v4().to_string(),
            total_requests: AtomicU64::new(0),
        }
    }

    /// Drops every entity (and workspace but `default`) and zeroes the request counter of
    /// `/status`, as a new node on an empty database would have them.
    pub fn reset(&self) {
        let mut store = match self.store.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *store = Store::default();
        self.total_requests.store(0, Ordering::Relaxed);
    }

    /// Serves one request.
    pub fn handle(&self, req: &ApiRequest) -> ApiResponse {
        self.total_requests.fetch_add(1, Ordering::Relaxed);
        if self.edition == Edition::Enterprise {
            if let Some(tok) = &self.admin_token {
                if req.admin_token.as_deref() != Some(tok.as_str()) {
                    return ApiResponse::json(
                        401,
                        json!({"message": "Invalid credentials. Token or User credentials required"}),
                    );
                }
            }
        }
        let mut segs: Vec<String> = req
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode_str(s).decode_utf8_lossy().to_string())
            .collect();
        let mut store = match self.store.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut ws = "default".to_string();
        let mut prefix = String::new();
        if self.edition == Edition::Enterprise
            && !segs.is_empty()
            && !ROOT_NAMES.contains(&segs[0].as_str())
        {
            if store.ws(&segs[0]).is_some() {
                ws = segs.remove(0);
                prefix = format!("/{ws}");
                if segs.first().map(|s| s == "kong").unwrap_or(false) && segs.len() == 1 {
                    segs.clear();
                }
            } else {
                return ApiError::not_found().into();
            }
        }
        let Some(route) = route_of(&segs, self.edition) else {
            return ApiError::not_found().into();
        };
        let method = req.method.to_ascii_uppercase();
        if method == "OPTIONS" {
            let allow = route.methods().join(", ");
            return ApiResponse {
                status: 204,
                body: None,
                headers: vec![
                    ("Allow".into(), allow.clone()),
                    ("Access-Control-Allow-Origin".into(), "*".into()),
                    ("Access-Control-Allow-Methods".into(), allow),
                    ("Access-Control-Allow-Headers".into(), "Content-Type".into()),
                ],
            };
        }
        let method = if method == "HEAD" {
            "GET".to_string()
        } else {
            method
        };
        if !route.methods().contains(&method.as_str()) {
            return ApiError::method_not_allowed().into();
        }
        let body = if matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            match parse_body(req.content_type.as_deref(), &req.body) {
                Ok(b) => b,
                Err(e) => return e.into(),
            }
        } else {
            Body::Empty
        };
        let q = Query::parse(&req.query);
        let mut db = Db {
            store: &mut store,
            ws,
            schemas: self.schemas,
        };
        let ctx = Call {
            app: self,
            method: &method,
            body: &body,
            q: &q,
            prefix: &prefix,
        };
        match ctx.dispatch(&mut db, route) {
            Ok(r) => r,
            Err(e) => e.into(),
        }
    }
}

struct Call<'a> {
    app: &'a App,
    method: &'a str,
    body: &'a Body,
    q: &'a Query,
    prefix: &'a str,
}

impl<'a> Call<'a> {
    fn args(&self, db: &Db, k: Kind) -> Obj {
        self.body.to_obj(db.schema(k))
    }

    fn dispatch(&self, db: &mut Db, route: Route) -> ApiResult<ApiResponse> {
        match route {
            Route::Root => Ok(ApiResponse::json(200, info::root(self.app))),
            Route::Status => Ok(ApiResponse::json(200, info::status(self.app))),
            Route::PluginsEnabled => Ok(ApiResponse::json(200, info::enabled(self.app))),
            Route::Tags(tag) => self.tags(db, tag),
            Route::Validate(k) => {
                // K:api/routes/kong.lua `/schemas/:db_entity_name/validate`
                let schema = db.schema(k);
                let args = self.args(db, k);
                let row = schema
                    .process_auto_fields(&args, crate::schema::Ctx::Insert)
                    .map_err(|e| ApiError::schema_violation(&e))?;
                schema
                    .validate(&row, true, false)
                    .map_err(|e| ApiError::schema_violation(&e))?;
                Ok(ApiResponse::json(
                    200,
                    json!({ "message": "schema validation successful" }),
                ))
            }
            Route::Workspaces(w) => self.workspaces(db, w),
            Route::Collection(k) => self.collection(db, k),
            Route::Entity(k, key) => self.entity(db, k, &key),
            Route::Nested {
                parent,
                pkey,
                child,
                field,
            } => self.nested(db, parent, &pkey, child, field),
            Route::NestedEntity {
                parent,
                pkey,
                child,
                field,
                ckey,
            } => self.nested_entity(db, parent, &pkey, child, field, &ckey),
            Route::ForeignEntity {
                kind,
                key,
                field,
                target,
            } => self.foreign_entity(db, kind, &key, field, target),
        }
    }

    fn list(
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

    fn collection(&self, db: &mut Db, k: Kind) -> ApiResult<ApiResponse> {
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

    /// Certificates: a non-UUID key is an SNI name.
    fn resolve_cert(&self, db: &Db, key: &str) -> ApiResult<Result<Option<Obj>, String>> {
        if is_uuid(key) {
            return Ok(Ok(db.get(Kind::Certificates, &key.to_ascii_lowercase())));
        }
        match db
            .store
            .ws(&db.ws)
            .and_then(|w| w.col(Kind::Snis).find_unique("name", key))
            .cloned()
        {
            Some(sni) => Ok(Ok(
                fk_id(sni.get("certificate")).and_then(|id| db.get(Kind::Certificates, id))
            )),
            None => Ok(Err(key.to_string())),
        }
    }

    fn entity(&self, db: &mut Db, k: Kind, key: &str) -> ApiResult<ApiResponse> {
        if k == Kind::Certificates {
            return self.certificate(db, key);
        }
        match self.method {
            "GET" => match db.resolve(k, key)? {
                Some(r) => Ok(ApiResponse::json(200, db.render(k, &r))),
                None => Err(ApiError::not_found()),
            },
            "PATCH" => match db.resolve(k, key)? {
                Some(r) => {
                    let args = self.args(db, k);
                    Ok(ApiResponse::json(200, db.update(k, &r, args)?))
                }
                None => Err(ApiError::not_found()),
            },
            "PUT" => {
                let mut args = self.args(db, k);
                let id = match db.resolve(k, key)? {
                    Some(r) => r["id"].as_str().unwrap_or("").to_string(),
                    None if is_uuid(key) => key.to_ascii_lowercase(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                if !is_uuid(key) {
                    if let Some(ek) = k.endpoint_key() {
                        args.insert(ek.to_string(), json!(key));
                    }
                }
                Ok(ApiResponse::json(200, db.upsert(k, &id, args)?))
            }
            _ => {
                if let Some(r) = db.resolve(k, key)? {
                    let id = r["id"].as_str().unwrap_or("").to_string();
                    db.delete(k, &id)?;
                }
                Ok(ApiResponse::no_content())
            }
        }
    }

    fn certificate(&self, db: &mut Db, key: &str) -> ApiResult<ApiResponse> {
        let k = Kind::Certificates;
        let found = self.resolve_cert(db, key)?;
        let sni_not_found = || ApiError::message(404, "SNI not found");
        match self.method {
            "GET" => match found {
                Ok(Some(r)) => Ok(ApiResponse::json(200, db.render(k, &r))),
                Ok(None) => Err(ApiError::not_found()),
                Err(_) => Err(sni_not_found()),
            },
            "PATCH" => match found {
                Ok(Some(r)) => {
                    let args = self.args(db, k);
                    Ok(ApiResponse::json(200, db.update(k, &r, args)?))
                }
                Ok(None) => Err(ApiError::not_found()),
                Err(_) => Err(sni_not_found()),
            },
            "PUT" => {
                let mut args = self.args(db, k);
                let id = match &found {
                    Ok(Some(r)) => r["id"].as_str().unwrap_or("").to_string(),
                    Ok(None) => key.to_ascii_lowercase(),
                    Err(_) => uuid::Uuid::new_v4().to_string(),
                };
                if !is_uuid(key) && matches!(args.get("snis"), None | Some(Value::Null)) {
                    args.insert("snis".into(), json!([key]));
                }
                Ok(ApiResponse::json(200, db.upsert(k, &id, args)?))
            }
            _ => match found {
                Ok(Some(r)) => {
                    let id = r["id"].as_str().unwrap_or("").to_string();
                    db.delete(k, &id)?;
                    Ok(ApiResponse::no_content())
                }
                Ok(None) => Ok(ApiResponse::no_content()),
                Err(_) => Err(sni_not_found()),
            },
        }
    }

    fn parent(&self, db: &Db, parent: Kind, pkey: &str) -> ApiResult<Obj> {
        let r = if parent == Kind::Certificates {
            self.resolve_cert(db, pkey)?.ok().flatten()
        } else {
            db.resolve(parent, pkey)?
        };
        r.ok_or_else(ApiError::not_found)
    }

    fn nested(
        &self,
        db: &mut Db,
        parent: Kind,
        pkey: &str,
        child: Kind,
        field: &str,
    ) -> ApiResult<ApiResponse> {
        let p = self.parent(db, parent, pkey)?;
        let pid = p["id"].as_str().unwrap_or("").to_string();
        if self.method == "GET" {
            let base = format!("/{}/{}/{}", parent.admin_name(), pkey, child.nested_name());
            let v = self.list(db, child, Some((field, &pid)), &base, false)?;
            return Ok(ApiResponse::json(200, v));
        }
        let mut args = self.args(db, child);
        args.insert(field.to_string(), json!({ "id": pid }));
        Ok(ApiResponse::json(201, db.insert(child, args)?))
    }

    fn child_lookup(&self, db: &Db, child: Kind, pid: &str, ckey: &str) -> ApiResult<Option<Obj>> {
        if child == Kind::Acls && !is_uuid(ckey) {
            let ws = db.store.ws(&db.ws).expect("workspace");
            return Ok(ws
                .col(Kind::Acls)
                .rows
                .values()
                .find(|r| {
                    fk_id(r.get("consumer")) == Some(pid)
                        && r.get("group").and_then(|g| g.as_str()) == Some(ckey)
                })
                .cloned());
        }
        db.resolve(child, ckey)
    }

    fn nested_entity(
        &self,
        db: &mut Db,
        parent: Kind,
        pkey: &str,
        child: Kind,
        field: &str,
        ckey: &str,
    ) -> ApiResult<ApiResponse> {
        let p = self.parent(db, parent, pkey)?;
        let pid = p["id"].as_str().unwrap_or("").to_string();
        let found = self.child_lookup(db, child, &pid, ckey)?;
        let owned = |r: &Obj| fk_id(r.get(field)) == Some(pid.as_str());
        match self.method {
            "GET" => match found {
                Some(r) if owned(&r) => Ok(ApiResponse::json(200, db.render(child, &r))),
                _ => Err(ApiError::not_found()),
            },
            "PATCH" => match found {
                Some(r) if owned(&r) => {
                    let mut args = self.args(db, child);
                    if !args.contains_key(field) {
                        args.insert(field.to_string(), json!({ "id": pid }));
                    }
                    Ok(ApiResponse::json(200, db.update(child, &r, args)?))
                }
                _ => Err(ApiError::not_found()),
            },
            "PUT" => {
                let mut args = self.args(db, child);
                args.insert(field.to_string(), json!({ "id": pid }));
                let id = match &found {
                    Some(r) => r["id"].as_str().unwrap_or("").to_string(),
                    None if is_uuid(ckey) => ckey.to_ascii_lowercase(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                if !is_uuid(ckey) {
                    let key_field = if child == Kind::Acls {
                        Some("group")
                    } else {
                        child.endpoint_key()
                    };
                    if let Some(ek) = key_field {
                        args.insert(ek.to_string(), json!(ckey));
                    }
                }
                Ok(ApiResponse::json(200, db.upsert(child, &id, args)?))
            }
            _ => match found {
                Some(r) if owned(&r) => {
                    let id = r["id"].as_str().unwrap_or("").to_string();
                    db.delete(child, &id)?;
                    Ok(ApiResponse::no_content())
                }
                _ => Err(ApiError::not_found()),
            },
        }
    }

    fn foreign_entity(
        &self,
        db: &mut Db,
        kind: Kind,
        key: &str,
        field: &str,
        target: Kind,
    ) -> ApiResult<ApiResponse> {
        let e = db.resolve(kind, key)?.ok_or_else(ApiError::not_found)?;
        let fid = fk_id(e.get(field)).map(|s| s.to_string());
        match self.method {
            "GET" => {
                let r = fid
                    .and_then(|id| db.get(target, &id))
                    .ok_or_else(ApiError::not_found)?;
                Ok(ApiResponse::json(200, db.render(target, &r)))
            }
            "PATCH" => {
                let r = fid
                    .and_then(|id| db.get(target, &id))
                    .ok_or_else(ApiError::not_found)?;
                let args = self.args(db, target);
                Ok(ApiResponse::json(200, db.update(target, &r, args)?))
            }
            "PUT" => {
                let args = self.args(db, target);
                let (id, associate) = match fid {
                    Some(id) => (id, false),
                    None => (uuid::Uuid::new_v4().to_string(), true),
                };
                let out = db.upsert(target, &id, args)?;
                if associate {
                    let mut patch = Obj::new();
                    patch.insert(field.to_string(), json!({ "id": id }));
                    db.update(kind, &e, patch)?;
                }
                Ok(ApiResponse::json(200, out))
            }
            _ => match fid {
                Some(_) => Err(ApiError::method_not_allowed()),
                None => Err(ApiError::not_found()),
            },
        }
    }

    fn tags(&self, db: &Db, tag: Option<String>) -> ApiResult<ApiResponse> {
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

    fn workspaces(&self, db: &mut Db, name: Option<String>) -> ApiResult<ApiResponse> {
        let render = |w: &crate::store::Workspace| json!({ "id": w.id, "name": w.name, "created_at": w.created_at, "comment": null, "config": {}, "meta": {} });
        match (self.method, name) {
            ("GET", None) => {
                let data: Vec<Value> = db.store.workspaces.values().map(render).collect();
                Ok(ApiResponse::json(
                    200,
                    json!({ "data": data, "next": null }),
                ))
            }
            ("POST", None) => {
                let args = match self.body {
                    Body::Json(o) => o.clone(),
                    other => other.to_obj(&crate::schema::Schema::default()),
                };
                let Some(name) = args.get("name").and_then(|v| v.as_str()) else {
                    return Err(ApiError::schema_violation_field(
                        "name",
                        "required field missing",
                    ));
                };
                if let Err(e) = crate::schema::validators::validate_utf8_name(name) {
                    return Err(ApiError::schema_violation_field("name", &e));
                }
                if db.store.ws(name).is_some() {
                    return Err(ApiError::unique_violation(json!({ "name": name })));
                }
                let w = crate::store::Workspace::new(name);
                let out = render(&w);
                db.store.workspaces.insert(name.to_string(), w);
                Ok(ApiResponse::json(201, out))
            }
            ("GET", Some(n)) => {
                let w = db
                    .store
                    .workspaces
                    .values()
                    .find(|w| w.name == n || w.id == n)
                    .ok_or_else(ApiError::not_found)?;
                Ok(ApiResponse::json(200, render(w)))
            }
            (_, Some(n)) => {
                if n != "default" {
                    let name = db
                        .store
                        .workspaces
                        .values()
                        .find(|w| w.name == n || w.id == n)
                        .map(|w| w.name.clone());
                    if let Some(name) = name {
                        db.store.workspaces.remove(&name);
                    }
                }
                Ok(ApiResponse::no_content())
            }
            _ => Err(ApiError::method_not_allowed()),
        }
    }
}
