//! Entity endpoints: one entity by id or endpoint key, certificates by SNI name, nested
//! collections and entities under a parent, and foreign entities (K:api/endpoints.lua).

use super::crud::{is_uuid, Db};
use super::{ApiResponse, Call};
use crate::entities::Kind;
use crate::errors::{ApiError, ApiResult};
use crate::schema::Obj;
use crate::store::fk_id;
use serde_json::{json, Value};

impl<'a> Call<'a> {
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

    pub(super) fn entity(&self, db: &mut Db, k: Kind, key: &str) -> ApiResult<ApiResponse> {
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

    pub(super) fn nested(
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

    pub(super) fn nested_entity(
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

    pub(super) fn foreign_entity(
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
}
