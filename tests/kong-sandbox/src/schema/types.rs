//! The schema library's definitions: field types, validators, fields, entity checks,
//! shorthands, schemas and the CRUD context (K:db/schema/init.lua, K:db/schema/typedefs.lua).

use serde_json::{Map, Value};
use std::collections::HashMap;
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
    pub(super) fn rank(&self) -> u8 {
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
