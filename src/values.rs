//! Conversions between tf-provider's `Value`s and plain Rust values.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use tf_provider::value::Value;

use crate::model::{Field, Number};
use crate::secret::Secret;

/// A Terraform string.
pub type TfString = Value<String>;
/// A Terraform set of strings.
pub type TfStringSet = Value<BTreeSet<Value<String>>>;
/// A Terraform list of strings.
pub type TfStringList = Value<Vec<Value<String>>>;
/// A Terraform map of strings.
pub type TfStringMap = Value<BTreeMap<String, Value<String>>>;

/// A number attribute, decoded from whatever Terraform sends for it, exactly. cty's
/// MessagePack encoder (`marshal` in `cty/msgpack/marshal.go`) writes a number as an integer
/// when it is one that fits an int64, as a float64 when it is exactly one, and otherwise
/// (`0.1`, `1.0000000000000000001`, `1e400`, a 30-digit integer) as its decimal text.
/// tf-provider's `Value<f64>` and `Value<i64>` fail on the text with "data did not match any
/// variant of untagged enum Value", on the whole resource; this type takes every form, so
/// that the plan-time rules judge the number and put their error on the attribute. It is
/// written back as text (see [`number_as_text`]), which Terraform reads as the same number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TfNumber(pub Value<Number>);

impl serde::Serialize for TfNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        number_as_text(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for TfNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::<Decoded>::deserialize(deserializer).map(|value| Self(value.map(|d| d.0)))
    }
}

impl TfNumber {
    /// The number, or null.
    pub fn of(value: Option<u64>) -> Self {
        Self(value.map_or(Value::Null, |n| Value::Value(n.into())))
    }
}

/// A number in any of the forms Terraform writes one (see [`TfNumber`]).
struct Decoded(Number);

impl<'de> Deserialize<'de> for Decoded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DecodedVisitor)
    }
}

struct DecodedVisitor;

impl Visitor<'_> for DecodedVisitor {
    type Value = Decoded;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number, or the decimal text of one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decoded, E> {
        Ok(Decoded(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decoded, E> {
        Ok(Decoded(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decoded, E> {
        Number::from_f64(v)
            .map(Decoded)
            .ok_or_else(|| E::custom(format!("{v} is not a finite number")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decoded, E> {
        v.parse().map(Decoded).map_err(E::custom)
    }
}

/// The plan-time view of a scalar.
pub fn field<T: Clone>(value: &Value<T>) -> Field<T> {
    into_field(value.as_ref().map(T::clone))
}

fn into_field<T>(value: Value<T>) -> Field<T> {
    match value {
        Value::Value(v) => Field::Value(v),
        Value::Null => Field::Null,
        Value::Unknown => Field::Unknown,
    }
}

/// The plan-time view of a set or list of strings (`None` for unknown elements).
pub fn field_strings<'a, I>(value: &'a Value<I>) -> Field<Vec<Option<String>>>
where
    &'a I: IntoIterator<Item = &'a Value<String>>,
{
    into_field(value.as_ref().map(|items| {
        items
            .into_iter()
            .map(|v| v.as_ref_option().cloned())
            .collect()
    }))
}

/// All strings of a known set or list; `None` when it or an element is unknown.
/// A null collection is empty.
pub fn known_strings<'a, I>(value: &'a Value<I>) -> Option<Vec<String>>
where
    &'a I: IntoIterator<Item = &'a Value<String>>,
{
    match value {
        Value::Value(items) => items
            .into_iter()
            .map(|v| v.as_ref_option().cloned())
            .collect(),
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
    }
}

/// A set of strings.
pub fn set(values: &[String]) -> TfStringSet {
    Value::Value(values.iter().cloned().map(Value::Value).collect())
}

/// A list of strings.
pub fn list(values: &[String]) -> TfStringList {
    Value::Value(values.iter().cloned().map(Value::Value).collect())
}

/// A set of strings read back from Kong, written the way the prior state wrote "nothing"
/// (null or empty), so that Kong's `null` for an empty set never shows as a change.
pub fn set_like(values: &[String], prior: &TfStringSet) -> TfStringSet {
    if values.is_empty() {
        match prior {
            Value::Value(p) if p.is_empty() => set(values),
            _ => Value::Null,
        }
    } else {
        set(values)
    }
}

/// An optional block: null when absent.
pub fn block<T>(value: Option<T>) -> Value<T> {
    value.map_or(Value::Null, Value::Value)
}

/// An optional string.
pub fn opt_string(value: Option<&str>) -> TfString {
    value.map_or(Value::Null, |v| Value::Value(v.to_string()))
}

/// The configured value, or `fallback` when the user left it out (null); unknown stays unknown.
pub fn or_default<T: Clone>(configured: &Value<T>, fallback: T) -> Value<T> {
    match configured {
        Value::Null => Value::Value(fallback),
        other => other.clone(),
    }
}

/// A known, non-empty string, or `None`.
pub fn string(value: &TfString) -> Option<String> {
    value.as_ref_option().filter(|s| !s.is_empty()).cloned()
}

/// A known secret string, or `None`.
pub fn secret(value: &TfString) -> Option<Secret> {
    value.as_ref_option().map(Secret::new)
}

/// The known entries of a map of strings.
pub fn map_entries(value: &TfStringMap) -> Vec<(String, Secret)> {
    value
        .as_ref_option()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), Secret::new(v))))
                .collect()
        })
        .unwrap_or_default()
}

/// Serde for a block that appears at most once (a list of zero or one object in Terraform's
/// encoding), like `tf_provider::value::serde_as_vec`, except that a block not known yet (a
/// `dynamic` block whose `for_each` is unknown at plan time) stays unknown instead of failing
/// to decode.
pub mod optional_block {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use tf_provider::value::Value;

    /// Writes the block as a list of zero or one element, or as unknown.
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Value<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Value::Unknown => Value::<Vec<&T>>::Unknown.serialize(serializer),
            other => tf_provider::value::serde_as_vec::serialize(other, serializer),
        }
    }

    /// Reads a list of zero or one element (or null, or unknown) as one value.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Value<T>, D::Error> {
        match Value::<Vec<Value<T>>>::deserialize(deserializer)? {
            Value::Value(items) => {
                let mut items = items.into_iter();
                match (items.next(), items.next()) {
                    (None, _) => Ok(Value::Null),
                    (Some(item), None) => Ok(item),
                    _ => Err(D::Error::custom(
                        "more than one block where at most one is allowed",
                    )),
                }
            }
            Value::Null => Ok(Value::Null),
            Value::Unknown => Ok(Value::Unknown),
        }
    }
}

/// Serializes a number attribute of a state (an integer, or a float such as the policies'
/// numbers) as text, which Terraform decodes into the same number as it decodes the JSON of a
/// stored state. Use it on every number of a state struct, blocks included:
/// `#[serde(serialize_with = "crate::values::number_as_text")]`.
///
/// Why: on `UpgradeResourceState` tf-provider hands Terraform the stored JSON unchanged, and
/// cty decodes JSON numbers with arbitrary precision, while it decodes a MessagePack integer as
/// an int64-backed number. Terraform compares the two representations, not their values, so
/// every refresh of a state holding a number looked like a change to the state: a refresh-only
/// plan was never empty (`-detailed-exitcode` said 2 with "No changes"), which breaks drift
/// detection in CI. cty decodes MessagePack text like JSON.
pub fn number_as_text<N: std::fmt::Display, S: serde::Serializer>(
    value: &Value<N>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    value.as_ref().map(N::to_string).serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct WithNumber {
        #[serde(serialize_with = "number_as_text")]
        code: Value<i64>,
        #[serde(serialize_with = "number_as_text")]
        limit: Value<f64>,
    }

    #[test]
    fn tf_numbers_are_written_as_text_and_read_as_numbers() {
        assert_eq!(
            serde_json::to_value(TfNumber::of(Some(600))).expect("serializes"),
            "600"
        );
        assert_eq!(
            serde_json::to_value(TfNumber::of(None)).expect("serializes"),
            serde_json::Value::Null
        );
        let read: TfNumber = serde_json::from_str("1.5").expect("a number");
        assert_eq!(
            read,
            TfNumber(Value::Value("1.5".parse().expect("a number")))
        );
    }

    #[test]
    fn numbers_are_written_as_text_and_null_stays_null() {
        let json =
            |code, limit| serde_json::to_value(WithNumber { code, limit }).expect("serializes");
        let written = json(Value::Value(426), Value::Value(600.0));
        assert_eq!(written["code"], "426");
        assert_eq!(
            written["limit"], "600",
            "a whole float is written as an integer"
        );
        assert_eq!(json(Value::Null, Value::Value(0.5))["limit"], "0.5");
        let absent = json(Value::Null, Value::Null);
        assert_eq!(absent["code"], serde_json::Value::Null);
        assert_eq!(absent["limit"], serde_json::Value::Null);
    }

    /// Decodes what Terraform's MessagePack holds for a number attribute (the encoding of
    /// `value`), the way tf-provider decodes a configuration.
    fn decoded<T: serde::Serialize>(value: &T) -> Result<TfNumber, rmp_serde::decode::Error> {
        rmp_serde::from_slice(&rmp_serde::to_vec(value).expect("encodes"))
    }

    fn number(text: &str) -> TfNumber {
        TfNumber(Value::Value(text.parse().expect("a number")))
    }

    #[test]
    fn every_form_terraform_sends_a_number_in_decodes_exactly() {
        // cty writes an int64 as an integer, an exact float64 as a float, anything else as text.
        assert_eq!(decoded(&600i64).expect("int"), number("600"));
        assert_eq!(decoded(&-7i64).expect("negative int"), number("-7"));
        assert_eq!(
            decoded(&u64::MAX).expect("uint64"),
            number("18446744073709551615")
        );
        assert_eq!(decoded(&0.5f64).expect("float"), number("0.5"));
        assert_eq!(decoded(&1e22f64).expect("large float"), number("1e22"));
        for text in [
            "0.1",
            "1.0000000000000000001",
            "123456789012345678901234567890",
            "1e+400",
            "-2.5e-400",
        ] {
            assert_eq!(decoded(&text).expect("text"), number(text), "{text}");
        }
        assert_eq!(decoded(&()).expect("nil"), TfNumber(Value::Null));
        assert_eq!(
            decoded(&Value::<i64>::Unknown).expect("unknown"),
            TfNumber(Value::Unknown)
        );
        assert!(decoded(&"many").is_err(), "text that is no number");
    }

    #[test]
    fn tf_providers_own_number_values_fail_on_decimal_text() {
        // Why TfNumber exists: the whole resource failed to decode, with no attribute named.
        let text = rmp_serde::to_vec(&"0.1").expect("encodes");
        let error = rmp_serde::from_slice::<Value<f64>>(&text).expect_err("fails");
        assert!(error.to_string().contains("untagged enum Value"), "{error}");
    }

    #[test]
    fn a_number_in_a_block_decodes_and_is_written_back_as_the_same_text() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct Block {
            max_age: TfNumber,
            #[serde(default)]
            per_day: TfNumber,
        }
        let config =
            rmp_serde::to_vec_named(&serde_json::json!({"max_age": "0.1"})).expect("encodes");
        let block: Block = rmp_serde::from_slice(&config).expect("decodes");
        assert_eq!(block.max_age, number("0.1"));
        assert_eq!(block.per_day, TfNumber(Value::Null));
        let written: serde_json::Value =
            rmp_serde::from_slice(&rmp_serde::to_vec_named(&block).expect("encodes"))
                .expect("decodes");
        assert_eq!(written["max_age"], "0.1");
    }
}
