//! Schema lookups and `process_auto_fields` (K:db/schema/init.lua): subschemas, shorthand
//! expansion, auto values, defaults, set de-duplication, and `merge_values` for PATCH.

use super::field_validation::validate_field;
use super::values::{
    get_path, lua_tostring, normalize_number, now_s, random_string, values_deep_eq, values_eq,
};
use super::{Auto, Ctx, EntityCheck, Field, Obj, Schema, Ty};
use crate::errors::{ErrTree, FieldErrors};
use serde_json::Value;
use std::sync::Arc;

impl Schema {
    /// A schema with these fields.
    pub fn new(fields: Vec<(&'static str, Field)>) -> Schema {
        Schema {
            fields,
            ..Default::default()
        }
    }

    /// Adds entity checks.
    pub fn with_checks(mut self, checks: Vec<EntityCheck>) -> Schema {
        self.checks = checks;
        self
    }

    /// The base field definition.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
    }

    /// Selects the subschema for this input (`get_subschema`).
    pub fn get_subschema(&self, input: &Obj) -> Option<Arc<Schema>> {
        let key = self.subschema_key?;
        match input.get(key) {
            Some(Value::String(s)) => self.subschemas.get(s).cloned(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str())
                .find_map(|s| self.subschemas.get(s).cloned()),
            _ => None,
        }
    }

    pub(super) fn effective_field<'a>(
        &'a self,
        sub: Option<&'a Schema>,
        name: &str,
    ) -> Option<&'a Field> {
        if let Some(s) = sub {
            if let Some(f) = s.field(name) {
                return Some(f);
            }
        }
        self.field(name)
    }

    /// Field definition at a dotted path, subschema applied at the top.
    pub fn schema_field_at(&self, sub: Option<&Schema>, name: &str) -> Option<Field> {
        match name.split_once('.') {
            None => self.effective_field(sub, name).cloned(),
            Some((hd, tl)) => match self.effective_field(sub, hd).map(|f| &f.ty) {
                Some(Ty::Record(s)) => s.schema_field_at(None, tl),
                _ => None,
            },
        }
    }

    /// Expands shorthand fields (validated first); errors keyed by shorthand name
    /// (K:db/schema/init.lua `process_auto_fields`, 3.9.3). A deprecated shorthand yields to
    /// the field that replaces it, and both set to different values is an error
    /// (`validate_deprecation_exclusiveness`); records are merged one level deep
    /// (`table_merge`, `null_aware_table_merge` of K:tools/table.lua).
    pub fn apply_shorthands(&self, data: &mut Obj) -> Result<(), FieldErrors> {
        let mut errs = FieldErrors::new();
        for sh in &self.shorthands {
            let Some(v) = data.get(sh.name).cloned() else {
                continue;
            };
            if let Err(e) = validate_field(&sh.field, &v) {
                errs.insert(sh.name.to_string(), e);
                continue;
            }
            if let (false, Some(path)) = (v.is_null(), sh.replaced_with) {
                if let Some(nv) = get_path(data, path).filter(|nv| !nv.is_null()) {
                    if !values_deep_eq(nv, &v) {
                        errs.insert(
                            sh.name.to_string(),
                            ErrTree::msg(format!(
                                "both deprecated and new field are used but their values mismatch: {} = {} vs {path} = {}",
                                sh.name,
                                lua_tostring(&v),
                                lua_tostring(nv)
                            )),
                        );
                        continue;
                    }
                }
            }
            data.remove(sh.name);
            if v.is_null() {
                continue;
            }
            for (k, nv) in (sh.func)(&v) {
                let merged = match nv {
                    Value::Object(add) => {
                        let mut out = match data.get(&k) {
                            Some(Value::Object(o)) => o.clone(),
                            _ => Obj::new(),
                        };
                        for (ak, av) in add {
                            let keep = sh.deprecated
                                && out.get(&ak).map(|x| !x.is_null()).unwrap_or(false);
                            if !keep {
                                out.insert(ak, av);
                            }
                        }
                        Value::Object(out)
                    }
                    nv if !sh.deprecated || matches!(data.get(&k), None | Some(Value::Null)) => nv,
                    _ => continue,
                };
                data.insert(k, merged);
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// `process_auto_fields` for insert/update/upsert: auto values, defaults,
    /// set de-duplication, nested records. Unknown keys are kept (and later rejected).
    pub fn process_auto_fields(&self, data: &Obj, ctx: Ctx) -> Result<Obj, FieldErrors> {
        let mut data = data.clone();
        self.apply_shorthands(&mut data)?;
        let sub = self.get_subschema(&data);
        let mut out = Obj::new();
        let now = now_s();
        for (name, base) in &self.fields {
            let field = sub.as_deref().and_then(|s| s.field(name)).unwrap_or(base);
            let mut value = data.remove(*name);
            let ins = ctx == Ctx::Insert || ctx == Ctx::Upsert;
            match field.auto {
                Auto::Uuid if ins && value.is_none() => {
                    value = Some(Value::String(uuid::Uuid::new_v4().to_string()))
                }
                Auto::RandomString if ins && value.is_none() => {
                    value = Some(Value::String(random_string()))
                }
                Auto::Timestamp
                    if (*name == "created_at"
                        && ins
                        && matches!(value, None | Some(Value::Null)))
                        || (*name == "updated_at" && (ins || ctx == Ctx::Update)) =>
                {
                    value = Some(Value::from(now));
                }
                _ => {}
            }
            if let Some(v) = adjust_field(field, value, ctx) {
                out.insert(name.to_string(), v);
            }
        }
        for (k, v) in data {
            out.insert(k, v);
        }
        Ok(out)
    }

    /// `merge_values(top, bottom)`: PATCH semantics, records merged recursively.
    pub fn merge_values(&self, top: &Obj, bottom: &Obj) -> Obj {
        let mut out = bottom.clone();
        let sub = self
            .get_subschema(top)
            .or_else(|| self.get_subschema(bottom));
        for (k, v) in top {
            let merged = match (
                self.effective_field(sub.as_deref(), k).map(|f| &f.ty),
                v,
                bottom.get(k),
            ) {
                (Some(Ty::Record(rs)), Value::Object(t), Some(Value::Object(b))) => {
                    Value::Object(rs.merge_values(t, b))
                }
                _ => v.clone(),
            };
            out.insert(k.clone(), merged);
        }
        out
    }
}

fn adjust_field(field: &Field, value: Option<Value>, ctx: Ctx) -> Option<Value> {
    let value = match (&field.ty, value) {
        (Ty::Record(rs), v) => {
            let recurse = match ctx {
                Ctx::Update => !matches!(v, None | Some(Value::Null)),
                _ => !matches!(v, Some(Value::Null)) && (v.is_some() || field.required),
            };
            if recurse {
                let v = v.or_else(|| handle_missing(field));
                match v {
                    Some(Value::Object(o)) => match rs.process_auto_fields(&o, ctx) {
                        Ok(p) => Some(Value::Object(p)),
                        Err(_) => Some(Value::Object(o)),
                    },
                    other => other,
                }
            } else {
                v
            }
        }
        (Ty::Array(el), Some(Value::Array(a))) => Some(Value::Array(
            a.into_iter()
                .map(|x| adjust_field(el, Some(x), ctx).unwrap_or(Value::Null))
                .collect(),
        )),
        (Ty::Set(el), Some(Value::Array(a))) => {
            let mut out: Vec<Value> = Vec::new();
            for x in a {
                let scalar = !x.is_object() && !x.is_array();
                if scalar
                    && out
                        .iter()
                        .any(|o| values_eq(o, &x) && o.is_string() == x.is_string())
                {
                    continue;
                }
                out.push(adjust_field(el, Some(x), ctx).unwrap_or(Value::Null));
            }
            Some(Value::Array(out))
        }
        (Ty::Map(_, vf), Some(Value::Object(o))) => {
            let mut m = Obj::new();
            for (k, x) in o {
                m.insert(k, adjust_field(vf, Some(x), ctx).unwrap_or(Value::Null));
            }
            Some(Value::Object(m))
        }
        (Ty::Int | Ty::Num, Some(v)) if v.is_number() => Some(normalize_number(&v)),
        (_, v) => v,
    };
    if value.is_none() && ctx != Ctx::Update {
        return handle_missing(field);
    }
    value
}

fn handle_missing(field: &Field) -> Option<Value> {
    if let Some(d) = &field.default {
        if let (Ty::Record(rs), Value::Object(o)) = (&field.ty, d) {
            return rs
                .process_auto_fields(o, Ctx::Insert)
                .ok()
                .map(Value::Object);
        }
        return Some(d.clone());
    }
    if !field.required {
        return Some(Value::Null);
    }
    if let Ty::Record(rs) = &field.ty {
        return rs
            .process_auto_fields(&Obj::new(), Ctx::Insert)
            .ok()
            .map(Value::Object);
    }
    None
}
