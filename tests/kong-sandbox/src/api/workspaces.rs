//! The Enterprise `/workspaces` endpoints.

use super::body::Body;
use super::crud::Db;
use super::{ApiResponse, Call};
use crate::errors::{ApiError, ApiResult};
use serde_json::{json, Value};

impl<'a> Call<'a> {
    pub(super) fn workspaces(&self, db: &mut Db, name: Option<String>) -> ApiResult<ApiResponse> {
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
