//! The constraints a write must meet before it is stored: unique fields (and the plugin and
//! acl compound keys), foreign keys, plugin protocols against the route's or service's
//! routes, and a certificate's `snis` (K:db/dao/init.lua, K:db/dao/plugins.lua,
//! K:db/dao/certificates.lua).

use super::Db;
use crate::entities::Kind;
use crate::errors::{ApiError, ApiResult};
use crate::schema::Obj;
use crate::store::fk_id;
use serde_json::{json, Value};

impl<'a> Db<'a> {
    pub(super) fn check_unique(&self, k: Kind, row: &Obj, self_id: &str) -> ApiResult<()> {
        for f in k.unique_fields() {
            let Some(v) = row.get(*f).and_then(|v| v.as_str()) else {
                continue;
            };
            let hit = if k == Kind::Snis {
                self.store.sni_anywhere(v).map(|(_, r)| r.clone())
            } else {
                self.wsr().col(k).find_unique(f, v).cloned()
            };
            if let Some(other) = hit {
                if other.get("id").and_then(|v| v.as_str()) != Some(self_id) {
                    return Err(ApiError::unique_violation(json!({ *f: v })));
                }
            }
        }
        match k {
            Kind::Plugins => {
                let key = |r: &Obj| {
                    (
                        r.get("name").cloned(),
                        fk_id(r.get("route")).map(|s| s.to_string()),
                        fk_id(r.get("service")).map(|s| s.to_string()),
                        fk_id(r.get("consumer")).map(|s| s.to_string()),
                    )
                };
                let mine = key(row);
                let dup = self
                    .wsr()
                    .col(k)
                    .rows
                    .iter()
                    .any(|(id, r)| id != self_id && key(r) == mine);
                if dup {
                    let fkv = |f: &str| {
                        row.get(f)
                            .filter(|v| !v.is_null())
                            .map(|v| json!({"id": v["id"]}))
                            .unwrap_or(Value::Null)
                    };
                    return Err(ApiError::unique_violation(json!({
                        "consumer": fkv("consumer"),
                        "name": row.get("name").cloned().unwrap_or(Value::Null),
                        "route": fkv("route"),
                        "service": fkv("service"),
                    })));
                }
            }
            Kind::Acls => {
                let consumer = fk_id(row.get("consumer")).unwrap_or("").to_string();
                let group = row.get("group").cloned().unwrap_or(Value::Null);
                let dup = self.wsr().col(k).rows.iter().any(|(id, r)| {
                    id != self_id
                        && fk_id(r.get("consumer")) == Some(consumer.as_str())
                        && r.get("group") == Some(&group)
                });
                if dup {
                    return Err(ApiError::unique_violation(
                        json!({ "consumer": {"id": consumer}, "group": group }),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn check_foreign(&self, k: Kind, row: &Obj) -> ApiResult<()> {
        for (field, target, _) in k.foreign_fields() {
            if let Some(id) = fk_id(row.get(*field)) {
                if self.get(*target, id).is_none() {
                    return Err(ApiError::foreign_key_invalid(
                        field,
                        &json!({ "id": id }),
                        target.name(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// K:db/dao/plugins.lua `check_protocols_match` (only when `protocols` is given).
    pub(super) fn check_plugin_protocols(&self, input: &Obj) -> ApiResult<()> {
        let Some(Value::Array(protos)) = input.get("protocols") else {
            return Ok(());
        };
        let has_common = |route: &Obj| {
            let rp = route
                .get("protocols")
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default();
            protos.iter().any(|p| rp.contains(p))
        };
        if let Some(rid) = fk_id(input.get("route")) {
            if let Some(route) = self.get(Kind::Routes, rid) {
                if !has_common(&route) {
                    return Err(ApiError::schema_violation_field(
                        "protocols",
                        "must match the associated route's protocols",
                    ));
                }
            }
        } else if let Some(sid) = fk_id(input.get("service")) {
            let ws = self.wsr();
            let routes = ws.children(Kind::Routes, "service", sid);
            if !routes.is_empty()
                && !routes
                    .iter()
                    .filter_map(|r| ws.get(Kind::Routes, r))
                    .any(has_common)
            {
                return Err(ApiError::schema_violation_field(
                    "protocols",
                    "must match the protocols of at least one route pointing to this Plugin's service",
                ));
            }
        }
        Ok(())
    }

    /// Validates the certificate `snis` sugar; returns the names to attach.
    pub(super) fn check_snis(&self, cert_id: &str, row: &Obj) -> ApiResult<Option<Vec<String>>> {
        let Some(v) = row.get("snis") else {
            return Ok(None);
        };
        let names: Vec<String> = match v {
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(|s| s.to_string()))
                .collect(),
            _ => vec![],
        };
        let mut seen = std::collections::HashSet::new();
        for n in &names {
            if !seen.insert(n.clone()) {
                return Err(ApiError::schema_violation_field(
                    "snis",
                    &format!("{n} is duplicated"),
                ));
            }
        }
        for n in &names {
            if let Some((_, sni)) = self.store.sni_anywhere(n) {
                let owner = fk_id(sni.get("certificate")).unwrap_or("");
                if owner != cert_id {
                    return Err(ApiError::schema_violation_field(
                        "snis",
                        &format!("{n} already associated with existing certificate '{owner}'"),
                    ));
                }
            }
        }
        Ok(Some(names))
    }
}
