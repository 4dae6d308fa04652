//! A small re-implementation of Kong's schema library (K:db/schema/init.lua):
//! field types, validators in Kong's order, defaults and auto fields,
//! sets, records, subschemas, entity checks and their error messages.

mod entity_validation;
mod field_validation;
mod present;
mod process;
mod types;
pub mod validators;
mod values;

pub use field_validation::validate_field;
pub use present::present;
pub use types::{
    is_reference, Auto, Check, Ctx, CustomFn, EntityCheck, EntityFn, Field, Match, Obj, Pat,
    Schema, Shorthand, ShorthandFn, Ty,
};
pub use values::{get_path, normalize_number, random_string};
