//! The Admin API: routing (K:api/init.lua, K:api/endpoints.lua), lists with
//! pagination and tags, nested and foreign-entity endpoints, the custom
//! endpoints of certificates, consumers and acls, and node information.

pub mod body;
pub mod crud;
mod entity_endpoints;
pub mod info;
mod list;
mod routes;
mod workspaces;

use crate::entities::{Kind, Schemas};
use crate::errors::{ApiError, ApiResult};
use crate::schema::Obj;
use crate::store::Store;
use crate::Edition;
use body::{parse_body, Body};
use crud::Db;
use list::Query;
use percent_encoding::percent_decode_str;
use routes::{route_of, Route};
use serde_json::{json, Value};
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
}
