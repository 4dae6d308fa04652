//! `Schema:validate` (K:db/schema/init.lua): unknown and required fields, each field's
//! validators, then the entity checks (`run_entity_check`) with Kong's error messages.

use super::field_validation::validate_field;
use super::values::{get_path, is_nonempty, lua_tostring, quoted_list, set_err};
use super::{is_reference, EntityCheck, Field, Match, Obj, Schema, Ty};
use crate::errors::{ErrTree, FieldErrors};
use serde_json::Value;

impl Schema {
    /// `Schema:validate(input, full_check)`; `updating` switches to the update wording.
    pub fn validate(
        &self,
        input: &Obj,
        full_check: bool,
        updating: bool,
    ) -> Result<(), FieldErrors> {
        if let Some(key) = self.subschema_key {
            let kv = input.get(key);
            if matches!(kv, None | Some(Value::Null)) {
                let mut e = FieldErrors::new();
                e.insert(key.to_string(), ErrTree::msg("required field missing"));
                return Err(e);
            }
            if self.get_subschema(input).is_none() {
                let shown = match kv {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(a)) => {
                        a.first().map(lua_tostring).unwrap_or_else(|| "nil".into())
                    }
                    Some(v) => lua_tostring(v),
                    None => "nil".into(),
                };
                let fmt = self.subschema_error.unwrap_or("unknown type: %s");
                let mut e = FieldErrors::new();
                e.insert(key.to_string(), ErrTree::msg(fmt.replace("%s", &shown)));
                return Err(e);
            }
        }
        let sub = self.get_subschema(input);
        let mut errors = FieldErrors::new();
        for (k, v) in input {
            match self.effective_field(sub.as_deref(), k) {
                None => {
                    errors.insert(k.clone(), ErrTree::msg("unknown field"));
                }
                Some(f) => {
                    if let Err(e) = validate_field(f, v) {
                        errors.insert(k.clone(), e);
                    }
                }
            }
        }
        for (name, field) in &self.fields {
            let v = input.get(*name);
            if field.required && (matches!(v, Some(Value::Null)) || (full_check && v.is_none())) {
                errors.insert(name.to_string(), ErrTree::msg("required field missing"));
            }
        }
        for c in &self.checks {
            self.run_entity_check(sub.as_deref(), c, input, full_check, updating, &mut errors);
        }
        if let Some(s) = sub.as_deref() {
            for c in &s.checks {
                self.run_entity_check(Some(s), c, input, full_check, updating, &mut errors);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn merged_match(&self, sub: Option<&Schema>, fname: &str, m: &Match) -> Field {
        let mut f = self
            .schema_field_at(sub, fname)
            .unwrap_or_else(Field::string);
        for c in &m.checks {
            f = f.check(c.clone());
        }
        if let Some(r) = m.required {
            f.required = r;
        }
        if let Some(el) = &m.elements {
            f.ty = match f.ty {
                Ty::Set(_) => Ty::Set(el.clone()),
                Ty::Array(_) => Ty::Array(el.clone()),
                other => other,
            };
        }
        if m.eq_null {
            f.eq_null = true;
        }
        f
    }

    fn run_entity_check(
        &self,
        sub: Option<&Schema>,
        check: &EntityCheck,
        input: &Obj,
        full_check: bool,
        updating: bool,
        errors: &mut FieldErrors,
    ) {
        // (fields, required fields, run_with_missing, run_with_invalid)
        let (fields, required, run_missing, run_invalid): (Vec<&str>, Vec<&str>, bool, bool) =
            match check {
                EntityCheck::AtLeastOneOf(f) => (f.clone(), f.clone(), true, true),
                EntityCheck::OnlyOneOf(f) => (f.clone(), f.clone(), false, true),
                EntityCheck::MutuallyRequired(f) | EntityCheck::MutuallyExclusive(f) => {
                    (f.clone(), f.clone(), true, false)
                }
                EntityCheck::Conditional {
                    if_field,
                    then_field,
                    ..
                } => (vec![if_field, then_field], vec![if_field], false, true),
                EntityCheck::ConditionalAtLeastOneOf {
                    if_field,
                    then,
                    else_then,
                    ..
                } => {
                    let mut v = vec![*if_field];
                    v.extend(then.iter().copied());
                    v.extend(else_then.iter().copied());
                    (v, vec![if_field], true, true)
                }
                EntityCheck::Custom {
                    sources,
                    run_with_missing,
                    ..
                } => (sources.clone(), sources.clone(), *run_with_missing, false),
            };
        let mut missing = Vec::new();
        let mut all_nil = true;
        let mut all_ok = true;
        for f in &fields {
            let v = get_path(input, f);
            if v.is_none() {
                if !run_missing && required.contains(f) {
                    missing.push(*f);
                }
            } else {
                all_nil = false;
                let field = sub.and_then(|s| s.field(f)).or_else(|| self.field(f));
                if field.is_some_and(|field| field.referenceable) && v.is_some_and(is_reference) {
                    return;
                }
            }
            if errors.contains_key(*f) {
                all_ok = false;
            }
        }
        if !all_ok && !run_invalid {
            return;
        }
        if all_nil && !(run_missing && full_check) {
            return;
        }
        if !missing.is_empty() {
            let msg = if updating {
                "field required for entity check when updating"
            } else {
                "field required for entity check"
            };
            for m in missing {
                set_err(errors, m, ErrTree::msg(msg));
            }
            return;
        }
        let push = |errors: &mut FieldErrors, msg: String| {
            let e = errors
                .entry("@entity".to_string())
                .or_insert_with(|| ErrTree::Entity(vec![]));
            if let ErrTree::Entity(v) = e {
                v.push(msg);
            }
        };
        match check {
            EntityCheck::AtLeastOneOf(f) => {
                if !f.iter().any(|n| is_nonempty(get_path(input, n))) {
                    let pre = if updating { "when updating, " } else { "" };
                    push(
                        errors,
                        format!(
                            "{pre}at least one of these fields must be non-empty: {}",
                            quoted_list(f)
                        ),
                    );
                }
            }
            EntityCheck::OnlyOneOf(f) => {
                let n = f.iter().filter(|n| is_nonempty(get_path(input, n))).count();
                if n != 1 {
                    push(
                        errors,
                        format!(
                            "exactly one of these fields must be non-empty: {}",
                            quoted_list(f)
                        ),
                    );
                }
            }
            EntityCheck::MutuallyRequired(f) => {
                let n = f.iter().filter(|n| is_nonempty(get_path(input, n))).count();
                if n != 0 && n != f.len() {
                    push(
                        errors,
                        format!(
                            "all or none of these fields must be set: {}",
                            quoted_list(f)
                        ),
                    );
                }
            }
            EntityCheck::MutuallyExclusive(f) => {
                let n = f.iter().filter(|n| is_nonempty(get_path(input, n))).count();
                if n > 1 {
                    push(
                        errors,
                        format!(
                            "only one or none of these fields must be set: {}",
                            quoted_list(f)
                        ),
                    );
                }
            }
            EntityCheck::Conditional {
                if_field,
                if_match,
                then_field,
                then_match,
                then_err,
            } => {
                let if_value = get_path(input, if_field).cloned().unwrap_or(Value::Null);
                let then_value = get_path(input, then_field).cloned().unwrap_or(Value::Null);
                let iff = self.merged_match(sub, if_field, if_match);
                if validate_field(&iff, &if_value).is_err() {
                    return;
                }
                let failed = if then_match.required == Some(true) && then_value.is_null() {
                    set_err(errors, then_field, ErrTree::msg("required field missing"));
                    true
                } else {
                    let thenf = self.merged_match(sub, then_field, then_match);
                    match validate_field(&thenf, &then_value) {
                        Err(e) => {
                            set_err(errors, then_field, e);
                            true
                        }
                        Ok(()) => false,
                    }
                };
                if failed {
                    let msg = match then_err {
                        Some(t) => t.replace("%s", if_field),
                        None => format!(
                            "failed conditional validation given value of field '{if_field}'"
                        ),
                    };
                    push(errors, msg);
                }
            }
            EntityCheck::ConditionalAtLeastOneOf {
                if_field,
                if_match,
                then,
                then_err,
                else_match,
                else_then,
                else_err,
            } => {
                let Some(if_value) = get_path(input, if_field).cloned() else {
                    return;
                };
                let iff = self.merged_match(sub, if_field, if_match);
                let (names, err) = if validate_field(&iff, &if_value).is_ok() {
                    (then, then_err)
                } else {
                    let Some(em) = else_match else { return };
                    let ef = self.merged_match(sub, if_field, em);
                    if validate_field(&ef, &if_value).is_err() {
                        return;
                    }
                    (else_then, else_err)
                };
                if names.iter().any(|n| is_nonempty(get_path(input, n))) {
                    return;
                }
                let list = quoted_list(names);
                let msg = match err {
                    Some(e) => e.replace("%s", &list),
                    None => {
                        let pre = if updating { "when updating, " } else { "" };
                        format!("{pre}at least one of these fields must be non-empty: {list}")
                    }
                };
                push(errors, msg);
            }
            EntityCheck::Custom { f, .. } => {
                if let Err(e) = f(input) {
                    push(errors, e);
                }
            }
        }
    }
}
