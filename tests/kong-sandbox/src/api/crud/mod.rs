//! Insert, update, upsert and delete with Kong's DAO behaviour
//! (K:db/dao/init.lua, K:db/dao/plugins.lua, K:db/dao/certificates.lua,
//! K:plugins/basic-auth/daos.lua): foreign-key resolution, validation,
//! unique and foreign-key constraints, cascades, SNI sugar, password hashing.

mod constraints;

use crate::entities::crypto::basic_auth_hash;
use crate::entities::{Kind, OnDelete, Schemas, ALL_KINDS};
use crate::errors::{ApiError, ApiResult, ErrTree, FieldErrors};
use crate::schema::{present, Ctx, Obj, Schema};
use crate::store::{fk_id, Store};
use serde_json::{json, Value};

/// A view of the store for one workspace.
pub struct Db<'a> {
    /// the store
    pub store: &'a mut Store,
    /// workspace name
    pub ws: String,
    /// schemas of the edition
    pub schemas: &'static Schemas,
}

/// Whether `s` looks like a UUID (`utils.is_valid_uuid`).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && uuid::Uuid::parse_str(s).is_ok()
        && s.chars().filter(|c| *c == '-').count() == 4
}

fn kind_by_dao_name(name: &str) -> Option<Kind> {
    ALL_KINDS.iter().copied().find(|k| k.name() == name)
}

fn schema_violation(e: FieldErrors) -> ApiError {
    ApiError::schema_violation(&e)
}

impl<'a> Db<'a> {
    fn wsr(&self) -> &crate::store::Workspace {
        self.store.ws(&self.ws).expect("workspace exists")
    }

    fn wsm(&mut self) -> &mut crate::store::Workspace {
        let ws = self.ws.clone();
        self.store.ws_mut(&ws).expect("workspace exists")
    }

    /// The schema of a kind.
    pub fn schema(&self, k: Kind) -> &'static Schema {
        self.schemas.get(k)
    }

    /// A row by id.
    pub fn get(&self, k: Kind, id: &str) -> Option<Obj> {
        self.wsr().get(k, id).cloned()
    }

    /// Looks an entity up by id, or by its endpoint key when `key` is not a UUID.
    pub fn resolve(&self, k: Kind, key: &str) -> ApiResult<Option<Obj>> {
        if is_uuid(key) {
            return Ok(self.get(k, &key.to_ascii_lowercase()));
        }
        match k.endpoint_key() {
            Some(field) => {
                if k == Kind::Snis {
                    return Ok(self.wsr().col(k).find_unique(field, key).cloned());
                }
                Ok(self.wsr().col(k).find_unique(field, key).cloned())
            }
            None => {
                let mut fields = FieldErrors::new();
                fields.insert("id".into(), ErrTree::msg("expected a valid UUID"));
                Err(ApiError {
                    status: 400,
                    body: json!({
                        "code": 1,
                        "name": "invalid primary key",
                        "message": format!("invalid primary key: '{}'", crate::errors::pl_compact(&json!({"id": key}))),
                        "fields": crate::errors::fields_json(&fields),
                    }),
                })
            }
        }
    }

    /// Renders an entity for a response.
    pub fn render(&self, k: Kind, row: &Obj) -> Value {
        let mut row = row.clone();
        if k == Kind::Certificates {
            let id = row
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            row.insert("snis".into(), json!(self.sni_names(&id)));
        }
        Value::Object(present(self.schema(k), &row))
    }

    fn sni_names(&self, cert_id: &str) -> Vec<String> {
        let ws = self.wsr();
        let mut names: Vec<String> = ws
            .children(Kind::Snis, "certificate", cert_id)
            .iter()
            .filter_map(|id| ws.get(Kind::Snis, id))
            .filter_map(|r| {
                r.get("name")
                    .and_then(|v| v.as_str())
                    .map(|s| s.to_string())
            })
            .collect();
        names.sort();
        names
    }

    /// `{name: "x"}` foreign keys become `{id}` (code 13 when unresolvable).
    fn resolve_foreign_keys(&self, k: Kind, input: &mut Obj) -> ApiResult<()> {
        for (field, target, _) in k.foreign_fields() {
            let Some(Value::Object(fk)) = input.get(*field) else {
                continue;
            };
            if fk.contains_key("id") {
                continue;
            }
            let Some(ek) = target.endpoint_key() else {
                continue;
            };
            let Some(val) = fk.get(ek).cloned() else {
                continue;
            };
            let found = val
                .as_str()
                .and_then(|s| self.wsr().col(*target).find_unique(ek, s).cloned());
            match found {
                Some(row) => {
                    input.insert(field.to_string(), json!({ "id": row["id"] }));
                }
                None => {
                    return Err(ApiError::foreign_key_unresolved(
                        field,
                        ek,
                        &val,
                        target.name(),
                    ))
                }
            }
        }
        Ok(())
    }

    fn normalize_fks(k: Kind, row: &mut Obj) {
        for (field, _, _) in k.foreign_fields() {
            if let Some(Value::Object(fk)) = row.get(*field) {
                if let Some(id) = fk.get("id").cloned() {
                    row.insert(field.to_string(), json!({ "id": id }));
                }
            }
        }
    }

    fn hash_password(k: Kind, row: &mut Obj, consumer_id: Option<&str>) {
        if k != Kind::BasicAuth {
            return;
        }
        if let (Some(Value::String(p)), Some(c)) = (row.get("password").cloned(), consumer_id) {
            row.insert("password".into(), json!(basic_auth_hash(&p, c)));
        }
    }

    fn finish_write(&mut self, k: Kind, mut row: Obj, snis: Option<Vec<String>>) -> Value {
        Self::normalize_fks(k, &mut row);
        let id = row
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        if k == Kind::Certificates {
            row.remove("snis");
        }
        self.wsm().put(k, row.clone());
        if let Some(names) = snis {
            self.set_snis(&id, names);
        }
        self.render(k, &row)
    }

    fn set_snis(&mut self, cert_id: &str, names: Vec<String>) {
        let existing = self.wsr().children(Kind::Snis, "certificate", cert_id);
        for id in existing {
            let keep = self
                .get(Kind::Snis, &id)
                .and_then(|r| {
                    r.get("name")
                        .and_then(|v| v.as_str())
                        .map(|s| s.to_string())
                })
                .map(|n| names.contains(&n))
                .unwrap_or(false);
            if !keep {
                self.wsm().remove(Kind::Snis, &id);
            }
        }
        for n in names {
            if self.wsr().col(Kind::Snis).find_unique("name", &n).is_some() {
                continue;
            }
            let mut sni = Obj::new();
            sni.insert("name".into(), json!(n));
            sni.insert("certificate".into(), json!({ "id": cert_id }));
            if let Ok(row) = self
                .schemas
                .get(Kind::Snis)
                .process_auto_fields(&sni, Ctx::Insert)
            {
                self.wsm().put(Kind::Snis, row);
            }
        }
    }

    /// POST: insert a new entity (201 body).
    pub fn insert(&mut self, k: Kind, mut input: Obj) -> ApiResult<Value> {
        let schema = self.schema(k);
        if k == Kind::Plugins {
            self.check_plugin_protocols(&input)?;
        }
        self.resolve_foreign_keys(k, &mut input)?;
        let consumer = fk_id(input.get("consumer")).map(|s| s.to_string());
        Self::hash_password(k, &mut input, consumer.as_deref());
        let row = schema
            .process_auto_fields(&input, Ctx::Insert)
            .map_err(schema_violation)?;
        schema
            .validate(&row, true, false)
            .map_err(schema_violation)?;
        let id = row
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let snis = if k == Kind::Certificates {
            self.check_snis(&id, &row)?
        } else {
            None
        };
        if self.get(k, &id).is_some() {
            return Err(ApiError::primary_key_violation(&id));
        }
        self.check_unique(k, &row, &id)?;
        self.check_foreign(k, &row)?;
        Ok(self.finish_write(k, row, snis))
    }

    /// PATCH: merge into an existing entity.
    pub fn update(&mut self, k: Kind, existing: &Obj, mut patch: Obj) -> ApiResult<Value> {
        let schema = self.schema(k);
        let id = existing
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        if k == Kind::Plugins {
            self.check_plugin_protocols(&patch)?;
        }
        self.resolve_foreign_keys(k, &mut patch)?;
        patch.remove("id");
        let consumer = fk_id(patch.get("consumer"))
            .or(fk_id(existing.get("consumer")))
            .map(|s| s.to_string());
        Self::hash_password(k, &mut patch, consumer.as_deref());
        let processed = schema
            .process_auto_fields(&patch, Ctx::Update)
            .map_err(schema_violation)?;
        let mut merged = schema.merge_values(&processed, existing);
        merged.insert("id".into(), json!(id));
        if k == Kind::Certificates && !patch.contains_key("snis") {
            merged.remove("snis");
        }
        schema
            .validate(&merged, false, true)
            .map_err(schema_violation)?;
        let snis = if k == Kind::Certificates {
            self.check_snis(&id, &merged)?
        } else {
            None
        };
        self.check_unique(k, &merged, &id)?;
        self.check_foreign(k, &merged)?;
        Ok(self.finish_write(k, merged, snis))
    }

    /// PUT: create or replace at `id` (fields missing from the body reset).
    pub fn upsert(&mut self, k: Kind, id: &str, mut input: Obj) -> ApiResult<Value> {
        let schema = self.schema(k);
        if k == Kind::Plugins {
            self.check_plugin_protocols(&input)?;
        }
        self.resolve_foreign_keys(k, &mut input)?;
        input.insert("id".into(), json!(id));
        let existing = self.get(k, id);
        if let Some(e) = &existing {
            if let Some(c) = e.get("created_at") {
                input.insert("created_at".into(), c.clone());
            }
        }
        let consumer = fk_id(input.get("consumer")).map(|s| s.to_string());
        Self::hash_password(k, &mut input, consumer.as_deref());
        if k == Kind::Certificates && !input.contains_key("snis") {
            input.insert("snis".into(), Value::Null);
        }
        let row = schema
            .process_auto_fields(&input, Ctx::Upsert)
            .map_err(schema_violation)?;
        schema
            .validate(&row, true, false)
            .map_err(schema_violation)?;
        let snis = if k == Kind::Certificates {
            Some(self.check_snis(id, &row)?.unwrap_or_default())
        } else {
            None
        };
        self.check_unique(k, &row, id)?;
        self.check_foreign(k, &row)?;
        Ok(self.finish_write(k, row, snis))
    }

    /// DELETE: restrict / cascade as Kong's foreign keys do.
    pub fn delete(&mut self, k: Kind, id: &str) -> ApiResult<()> {
        if self.get(k, id).is_none() {
            return Ok(());
        }
        for child in ALL_KINDS {
            for (field, target, on_delete) in child.foreign_fields() {
                if *target == k
                    && *on_delete == OnDelete::Restrict
                    && !self.wsr().children(child, field, id).is_empty()
                {
                    return Err(ApiError::foreign_key_restricted(k.name(), child.name()));
                }
            }
        }
        self.delete_cascade(k, id);
        Ok(())
    }

    fn delete_cascade(&mut self, k: Kind, id: &str) {
        self.wsm().remove(k, id);
        for child in ALL_KINDS {
            for (field, target, on_delete) in child.foreign_fields() {
                if *target == k && *on_delete == OnDelete::Cascade {
                    for cid in self.wsr().children(child, field, id) {
                        self.delete_cascade(child, &cid);
                    }
                }
            }
        }
    }

    /// The kind named by a DAO name (for foreign field references).
    pub fn kind_of(name: &str) -> Option<Kind> {
        kind_by_dao_name(name)
    }
}
