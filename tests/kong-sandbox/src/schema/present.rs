//! Rendering an entity for a response, as `process_auto_fields(..., "select")` shows it.

use super::values::get_path;
use super::{Field, Obj, Schema, Ty};
use serde_json::Value;

/// Renders an entity for a response: every schema field, `null` when unset.
pub fn present(schema: &Schema, entity: &Obj) -> Obj {
    let sub = schema.get_subschema(entity);
    let mut out = Obj::new();
    for (name, base) in &schema.fields {
        let field = sub.as_deref().and_then(|s| s.field(name)).unwrap_or(base);
        let v = entity.get(*name).cloned().unwrap_or(Value::Null);
        out.insert(name.to_string(), present_value(field, v));
    }
    // A deprecated shorthand that names its replacement is shown with the replacement's value
    // (K:db/schema/init.lua process_auto_fields, `is_select and not opts.hide_shorthands`; the
    // Admin API hides them only in the read before an update, K:db/dao/init.lua).
    for sh in &schema.shorthands {
        if let (true, Some(path)) = (sh.deprecated, sh.replaced_with) {
            let v = get_path(&out, path).cloned().unwrap_or(Value::Null);
            out.insert(sh.name.to_string(), v);
        }
    }
    out
}

/// A value as `process_auto_fields(..., "select")` shows it: records, also inside arrays, sets
/// and maps, with every field (K:db/schema/init.lua `adjust_field_for_context`).
fn present_value(field: &Field, v: Value) -> Value {
    match (&field.ty, v) {
        (Ty::Record(rs), Value::Object(o)) => Value::Object(present(rs, &o)),
        (Ty::Array(el) | Ty::Set(el), Value::Array(a)) => {
            Value::Array(a.into_iter().map(|x| present_value(el, x)).collect())
        }
        (Ty::Map(_, vf), Value::Object(o)) => Value::Object(
            o.into_iter()
                .map(|(k, x)| (k, present_value(vf, x)))
                .collect(),
        ),
        (_, v) => v,
    }
}
