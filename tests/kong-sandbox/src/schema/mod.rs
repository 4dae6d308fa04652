//! A small re-implementation of Kong's schema library (K:db/schema/init.lua):
//! field types, validators in Kong's order, defaults and auto fields,
//! sets, records, subschemas, entity checks and their error messages.

pub mod validators;

use crate::errors::{ErrTree, FieldErrors};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A JSON object (an entity or a record).
pub type Obj = Map<String, Value>;
/// A string predicate standing for a Lua pattern.
pub type Pat = fn(&str) -> bool;
/// A custom validator on a value.
pub type CustomFn = Arc<dyn Fn(&Value) -> Result<(), String> + Send + Sync>;
/// A custom entity check on (a projection of) the entity.
pub type EntityFn = Arc<dyn Fn(&Obj) -> Result<(), String> + Send + Sync>;
/// A shorthand field's expansion into real fields.
pub type ShorthandFn = Arc<dyn Fn(&Value) -> Obj + Send + Sync>;

/// Field types.
#[derive(Clone)]
pub enum Ty {
    /// string
    Str,
    /// integer
    Int,
    /// number
    Num,
    /// boolean
    Bool,
    /// array of elements
    Array(Box<Field>),
    /// set of elements
    Set(Box<Field>),
    /// map of keys to values
    Map(Box<Field>, Box<Field>),
    /// nested record
    Record(Arc<Schema>),
    /// foreign key `{id}` to the named entity
    Foreign(&'static str),
}

/// Automatically generated values.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Auto {
    /// none
    No,
    /// a UUID when absent on insert/upsert
    Uuid,
    /// created_at / updated_at in seconds
    Timestamp,
    /// a random string when absent on insert/upsert
    RandomString,
}

/// Validators, run in Kong's `validators_order`.
#[derive(Clone)]
pub enum Check {
    /// eq (non-null)
    Eq(Value),
    /// ne
    Ne(Value),
    /// not_one_of
    NotOneOf(Vec<Value>),
    /// one_of
    OneOf(Vec<Value>),
    /// gt
    Gt(f64),
    /// uuid
    Uuid,
    /// is_regex (PCRE, as `ngx.re.match` compiles it)
    IsRegex,
    /// between
    Between(f64, f64),
    /// len_eq
    LenEq(usize),
    /// len_min
    LenMin(usize),
    /// len_max
    LenMax(usize),
    /// starts_with
    StartsWith(&'static str),
    /// match_none: (pattern matches → error)
    MatchNone(Vec<(Pat, &'static str)>),
    /// match ("invalid value: %s")
    Match(Pat),
    /// match_all
    MatchAll(Vec<(Pat, &'static str)>),
    /// match_any
    MatchAny(Vec<Pat>, &'static str),
    /// contains
    Contains(Value),
    /// custom_validator
    Custom(CustomFn),
    /// mutually_exclusive_subsets
    MutExSubsets(Vec<Vec<&'static str>>),
}

impl Check {
    fn rank(&self) -> u8 {
        match self {
            Check::Eq(_) => 0,
            Check::Ne(_) => 1,
            Check::NotOneOf(_) => 2,
            Check::OneOf(_) => 3,
            Check::Gt(_) => 4,
            Check::Uuid => 6,
            Check::IsRegex => 7,
            Check::Between(..) => 8,
            Check::LenEq(_) => 9,
            Check::LenMin(_) => 10,
            Check::LenMax(_) => 11,
            Check::StartsWith(_) => 12,
            Check::MatchNone(_) => 14,
            Check::Match(_) => 15,
            Check::MatchAll(_) => 16,
            Check::MatchAny(..) => 17,
            Check::Contains(_) => 18,
            Check::Custom(_) => 19,
            Check::MutExSubsets(_) => 20,
        }
    }
}

/// A field definition.
#[derive(Clone)]
pub struct Field {
    /// Type.
    pub ty: Ty,
    /// required
    pub required: bool,
    /// default
    pub default: Option<Value>,
    /// auto
    pub auto: Auto,
    /// `eq = null` (typedefs.no_*)
    pub eq_null: bool,
    /// custom error replacing every validator's message
    pub err: Option<String>,
    /// validators
    pub checks: Vec<Check>,
    /// `referenceable`: a vault reference is stored as it is, unchecked
    pub referenceable: bool,
}

/// `kong.vault.is_reference` (K:pdk/vault.lua): `{vault://…}`.
pub fn is_reference(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.starts_with("{vault://") && s.ends_with('}'))
}

impl Field {
    /// A field of the given type.
    pub fn new(ty: Ty) -> Field {
        Field {
            ty,
            required: false,
            default: None,
            auto: Auto::No,
            eq_null: false,
            err: None,
            checks: vec![],
            referenceable: false,
        }
    }

    /// `referenceable = true` (K:db/schema/init.lua `validate_field` skips the checks of a vault
    /// reference, and `run_entity_check` the entity checks that read it).
    pub fn referenceable(mut self) -> Field {
        self.referenceable = true;
        self
    }
    /// string
    pub fn string() -> Field {
        Field::new(Ty::Str)
    }
    /// integer
    pub fn integer() -> Field {
        Field::new(Ty::Int)
    }
    /// number
    pub fn number() -> Field {
        Field::new(Ty::Num)
    }
    /// boolean
    pub fn boolean() -> Field {
        Field::new(Ty::Bool)
    }
    /// array
    pub fn array(el: Field) -> Field {
        Field::new(Ty::Array(Box::new(el)))
    }
    /// set
    pub fn set(el: Field) -> Field {
        Field::new(Ty::Set(Box::new(el)))
    }
    /// map
    pub fn map(k: Field, v: Field) -> Field {
        Field::new(Ty::Map(Box::new(k), Box::new(v)))
    }
    /// record
    pub fn record(s: Schema) -> Field {
        Field::new(Ty::Record(Arc::new(s)))
    }
    /// foreign key
    pub fn foreign(entity: &'static str) -> Field {
        Field::new(Ty::Foreign(entity))
    }
    /// required = true
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    /// default
    pub fn default(mut self, v: Value) -> Field {
        self.default = Some(v);
        self
    }
    /// auto
    pub fn auto(mut self, a: Auto) -> Field {
        self.auto = a;
        self
    }
    /// eq = null with a custom error
    pub fn eq_null(mut self, err: Option<&str>) -> Field {
        self.eq_null = true;
        self.err = err.map(|s| s.to_string());
        self
    }
    /// custom `err`
    pub fn err(mut self, e: &str) -> Field {
        self.err = Some(e.to_string());
        self
    }
    /// add a validator
    pub fn check(mut self, c: Check) -> Field {
        self.checks
            .retain(|x| std::mem::discriminant(x) != std::mem::discriminant(&c));
        self.checks.push(c);
        self.checks.sort_by_key(|c| c.rank());
        self
    }
    /// one_of strings
    pub fn one_of(self, opts: &[&str]) -> Field {
        self.check(Check::OneOf(
            opts.iter().map(|s| Value::String(s.to_string())).collect(),
        ))
    }
    /// custom validator on a string value
    pub fn custom_str(self, f: fn(&str) -> Result<(), String>) -> Field {
        self.check(Check::Custom(Arc::new(move |v: &Value| match v.as_str() {
            Some(s) => f(s),
            None => Ok(()),
        })))
    }
}

/// Entity-check matchers (`if_match`/`then_match`), overriding the field's own definition.
#[derive(Clone, Default)]
pub struct Match {
    /// validator overrides
    pub checks: Vec<Check>,
    /// required override
    pub required: Option<bool>,
    /// elements override
    pub elements: Option<Box<Field>>,
    /// eq = null
    pub eq_null: bool,
}

impl Match {
    /// A matcher with one validator.
    pub fn check(c: Check) -> Match {
        Match {
            checks: vec![c],
            ..Default::default()
        }
    }
    /// `{ required = true }`
    pub fn required() -> Match {
        Match {
            required: Some(true),
            ..Default::default()
        }
    }
    /// `{ eq = null }`
    pub fn null() -> Match {
        Match {
            eq_null: true,
            ..Default::default()
        }
    }
    /// `{ elements = {...} }`
    pub fn elements(f: Field) -> Match {
        Match {
            elements: Some(Box::new(f)),
            ..Default::default()
        }
    }
}

/// Entity checks (K:db/schema/init.lua `entity_checkers`).
#[derive(Clone)]
pub enum EntityCheck {
    /// at_least_one_of
    AtLeastOneOf(Vec<&'static str>),
    /// only_one_of
    OnlyOneOf(Vec<&'static str>),
    /// mutually_required
    MutuallyRequired(Vec<&'static str>),
    /// mutually_exclusive
    MutuallyExclusive(Vec<&'static str>),
    /// conditional
    Conditional {
        /// if_field
        if_field: &'static str,
        /// if_match
        if_match: Match,
        /// then_field
        then_field: &'static str,
        /// then_match
        then_match: Match,
        /// then_err
        then_err: Option<&'static str>,
    },
    /// conditional_at_least_one_of
    ConditionalAtLeastOneOf {
        /// if_field
        if_field: &'static str,
        /// if_match
        if_match: Match,
        /// then_at_least_one_of
        then: Vec<&'static str>,
        /// then_err
        then_err: Option<&'static str>,
        /// else_match
        else_match: Option<Match>,
        /// else_then_at_least_one_of
        else_then: Vec<&'static str>,
        /// else_then_err
        else_err: Option<&'static str>,
    },
    /// custom_entity_check
    Custom {
        /// field_sources
        sources: Vec<&'static str>,
        /// run_with_missing_fields
        run_with_missing: bool,
        /// the check
        f: EntityFn,
    },
}

/// A shorthand field: validated as `field`, then expanded by `func` into real fields.
#[derive(Clone)]
pub struct Shorthand {
    /// name
    pub name: &'static str,
    /// definition
    pub field: Field,
    /// expansion
    pub func: ShorthandFn,
    /// has a `deprecation`: the fields it expands into take precedence over it
    pub deprecated: bool,
    /// `deprecation.replaced_with` path, when the deprecation names one
    pub replaced_with: Option<&'static str>,
}

/// A schema: an entity, a record, or a subschema.
#[derive(Clone, Default)]
pub struct Schema {
    /// Fields in order.
    pub fields: Vec<(&'static str, Field)>,
    /// entity_checks
    pub checks: Vec<EntityCheck>,
    /// subschema_key
    pub subschema_key: Option<&'static str>,
    /// subschemas by key value
    pub subschemas: HashMap<String, Arc<Schema>>,
    /// subschema_error (with one %s)
    pub subschema_error: Option<&'static str>,
    /// shorthand_fields
    pub shorthands: Vec<Shorthand>,
}

/// CRUD context of `process_auto_fields`.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Ctx {
    /// insert (POST)
    Insert,
    /// update (PATCH)
    Update,
    /// upsert (PUT)
    Upsert,
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Kong's `random_string()`: 32 hex characters.
pub fn random_string() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn is_nonempty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => true,
    }
}

/// `get_field(t, "a.b.c")`
pub fn get_path<'a>(obj: &'a Obj, name: &str) -> Option<&'a Value> {
    match name.split_once('.') {
        None => obj.get(name),
        Some((hd, tl)) => match obj.get(hd) {
            Some(Value::Object(o)) => get_path(o, tl),
            _ => None,
        },
    }
}

fn set_err(errors: &mut FieldErrors, name: &str, err: ErrTree) {
    match name.split_once('.') {
        None => {
            errors.insert(name.to_string(), err);
        }
        Some((hd, tl)) => {
            let entry = errors
                .entry(hd.to_string())
                .or_insert_with(|| ErrTree::Map(BTreeMap::new()));
            if let ErrTree::Map(m) = entry {
                set_err(m, tl, err);
            }
        }
    }
}

fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lua_tostring(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => num_to_string(n.as_f64().unwrap_or(0.0)),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => "table".into(),
    }
}

fn num_to_string(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// `deepcompare`: numbers by value, tables member by member.
fn values_deep_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_deep_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).map(|q| values_deep_eq(p, q)).unwrap_or(false))
        }
        _ => values_eq(a, b),
    }
}

fn values_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Normalises a JSON number: whole values become integers.
pub fn normalize_number(v: &Value) -> Value {
    if let Some(f) = v.as_f64() {
        if v.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 {
            return Value::from(f as i64);
        }
    }
    v.clone()
}

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

    fn effective_field<'a>(&'a self, sub: Option<&'a Schema>, name: &str) -> Option<&'a Field> {
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

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64()
                || n.is_u64()
                || n.as_f64()
                    .map(|f| f.is_finite() && f.fract() == 0.0)
                    .unwrap_or(false)
        }
        _ => false,
    }
}

/// `Schema:validate_field(field, value)`.
pub fn validate_field(field: &Field, value: &Value) -> Result<(), ErrTree> {
    if value.is_null() {
        if field.required {
            return Err(ErrTree::msg("required field missing"));
        }
        return Ok(());
    }
    if field.eq_null {
        return Err(ErrTree::msg(
            field
                .err
                .clone()
                .unwrap_or_else(|| "value must be null".into()),
        ));
    }
    let mut implicit_len_min = false;
    match &field.ty {
        Ty::Array(el) | Ty::Set(el) => {
            let Value::Array(a) = value else {
                let m = if matches!(field.ty, Ty::Set(_)) {
                    "expected a set"
                } else {
                    "expected an array"
                };
                return Err(ErrTree::msg(m));
            };
            let mut el = (**el).clone();
            el.required = true;
            let mut errs = BTreeMap::new();
            for (i, x) in a.iter().enumerate() {
                if let Err(e) = validate_field(&el, x) {
                    errs.insert(i + 1, e);
                }
            }
            if !errs.is_empty() {
                return Err(ErrTree::List(errs));
            }
        }
        Ty::Map(kf, vf) => {
            let Value::Object(o) = value else {
                return Err(ErrTree::msg("expected a map"));
            };
            let (mut kf, mut vf) = ((**kf).clone(), (**vf).clone());
            kf.required = true;
            vf.required = true;
            for (k, v) in o {
                validate_field(&kf, &Value::String(k.clone()))?;
                validate_field(&vf, v)?;
            }
        }
        Ty::Record(rs) => {
            let Value::Object(o) = value else {
                return Err(ErrTree::msg("expected a record"));
            };
            let copy = rs
                .process_auto_fields(o, Ctx::Insert)
                .map_err(ErrTree::Map)?;
            rs.validate(&copy, true, false).map_err(ErrTree::Map)?;
        }
        Ty::Foreign(_) => {
            let mut errs = BTreeMap::new();
            match value.as_object().and_then(|o| o.get("id")) {
                None => {
                    errs.insert("id".to_string(), ErrTree::msg("missing primary key"));
                }
                Some(Value::Null) => {
                    errs.insert("id".to_string(), ErrTree::msg("required field missing"));
                }
                Some(v) => {
                    if let Err(e) = validate_field(&Field::string().check(Check::Uuid), v) {
                        errs.insert("id".to_string(), e);
                    }
                }
            }
            if !errs.is_empty() {
                return Err(ErrTree::Map(errs));
            }
        }
        Ty::Int => {
            if !is_integer(value) {
                return Err(ErrTree::msg("expected an integer"));
            }
        }
        Ty::Num => {
            if !value.is_number() {
                return Err(ErrTree::msg("expected a number"));
            }
        }
        Ty::Bool => {
            if !value.is_boolean() {
                return Err(ErrTree::msg("expected a boolean"));
            }
        }
        Ty::Str => {
            if !value.is_string() {
                return Err(ErrTree::msg("expected a string"));
            }
            if field.referenceable && is_reference(value) {
                return Ok(());
            }
            implicit_len_min = !field.checks.iter().any(|c| matches!(c, Check::LenMin(_)));
        }
    }
    let mut checks: Vec<&Check> = field.checks.iter().collect();
    let lm = Check::LenMin(1);
    if implicit_len_min {
        checks.push(&lm);
        checks.sort_by_key(|c| c.rank());
    }
    for c in checks {
        if let Err(e) = run_check(c, value) {
            return Err(ErrTree::msg(field.err.clone().unwrap_or(e)));
        }
    }
    Ok(())
}

fn length(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    }
}

fn run_check(c: &Check, value: &Value) -> Result<(), String> {
    let s = value.as_str().unwrap_or("");
    match c {
        Check::Eq(w) => {
            if values_eq(value, w) {
                Ok(())
            } else {
                Err(format!("value must be {}", lua_tostring(w)))
            }
        }
        Check::Ne(w) => {
            if !values_eq(value, w) {
                Ok(())
            } else {
                Err(format!("value must not be {}", lua_tostring(value)))
            }
        }
        Check::OneOf(opts) => {
            if opts
                .iter()
                .any(|o| values_eq(o, value) && o.is_string() == value.is_string())
            {
                Ok(())
            } else {
                Err(format!(
                    "expected one of: {}",
                    opts.iter().map(lua_tostring).collect::<Vec<_>>().join(", ")
                ))
            }
        }
        Check::NotOneOf(opts) => {
            if opts
                .iter()
                .any(|o| values_eq(o, value) && o.is_string() == value.is_string())
            {
                Err(format!(
                    "must not be one of: {}",
                    opts.iter().map(lua_tostring).collect::<Vec<_>>().join(", ")
                ))
            } else {
                Ok(())
            }
        }
        Check::Gt(l) => {
            if value.as_f64().map(|x| x > *l).unwrap_or(true) {
                Ok(())
            } else {
                Err(format!("value must be greater than {}", num_to_string(*l)))
            }
        }
        Check::Uuid => {
            let ok = s.len() == 36
                && uuid::Uuid::parse_str(s).is_ok()
                && s.chars().filter(|c| *c == '-').count() == 4;
            if ok {
                Ok(())
            } else {
                Err("expected a valid UUID".into())
            }
        }
        Check::IsRegex => match validators::pcre_check(s) {
            Ok(()) => Ok(()),
            Err(_) => Err(format!("not a valid regex: {s}")),
        },
        Check::Between(a, b) => {
            let x = value.as_f64().unwrap_or(0.0);
            if x < *a || x > *b {
                Err(format!(
                    "value should be between {} and {}",
                    a.trunc() as i64,
                    b.trunc() as i64
                ))
            } else {
                Ok(())
            }
        }
        Check::LenEq(n) => {
            if length(value) == *n {
                Ok(())
            } else {
                Err(format!("length must be {n}"))
            }
        }
        Check::LenMin(n) => {
            if length(value) >= *n {
                Ok(())
            } else {
                Err(format!("length must be at least {n}"))
            }
        }
        Check::LenMax(n) => {
            if length(value) <= *n {
                Ok(())
            } else {
                Err(format!("length must be at most {n}"))
            }
        }
        Check::StartsWith(p) => {
            if s.starts_with(p) {
                Ok(())
            } else {
                Err(format!("should start with: {p}"))
            }
        }
        Check::MatchNone(list) => {
            for (p, e) in list {
                if p(s) {
                    return Err(e.to_string());
                }
            }
            Ok(())
        }
        Check::Match(p) => {
            if p(s) {
                Ok(())
            } else {
                Err(format!("invalid value: {s}"))
            }
        }
        Check::MatchAll(list) => {
            for (p, e) in list {
                if !p(s) {
                    return Err(e.to_string());
                }
            }
            Ok(())
        }
        Check::MatchAny(list, e) => {
            if list.iter().any(|p| p(s)) {
                Ok(())
            } else {
                Err(e.to_string())
            }
        }
        Check::Contains(w) => {
            if value
                .as_array()
                .map(|a| a.iter().any(|x| x == w))
                .unwrap_or(false)
            {
                Ok(())
            } else {
                Err(format!("expected to contain: {}", lua_tostring(w)))
            }
        }
        Check::Custom(f) => f(value),
        Check::MutExSubsets(subsets) => {
            let mut member_of: Vec<&Vec<&str>> = Vec::new();
            for v in value.as_array().into_iter().flatten() {
                let Some(vs) = v.as_str() else { continue };
                if let Some(set) = subsets.iter().find(|set| set.contains(&vs)) {
                    if !member_of.iter().any(|m| std::ptr::eq(*m, set)) {
                        member_of.push(set);
                    }
                }
            }
            if member_of.len() <= 1 {
                Ok(())
            } else {
                let parts: Vec<String> = member_of
                    .iter()
                    .map(|set| format!("({})", quoted_list(set)))
                    .collect();
                Err(format!(
                    "these sets are mutually exclusive: {}",
                    parts.join(", ")
                ))
            }
        }
    }
}

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
