//! Helpers so that an attribute of a schema is one line, not fifteen.

use std::collections::HashMap;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};

/// A required attribute.
pub fn required(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Required, description)
}

/// An optional attribute the provider never fills in.
pub fn optional(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Optional, description)
}

/// An optional attribute the provider fills in (with its default) when the user does not.
pub fn optional_computed(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(
        attr_type,
        AttributeConstraint::OptionalComputed,
        description,
    )
}

/// A read-only attribute.
pub fn computed(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Computed, description)
}

/// The same attribute, marked sensitive: Terraform hides it in plans and output.
pub fn sensitive(mut attribute: Attribute) -> Attribute {
    attribute.sensitive = true;
    attribute
}

fn attribute(
    attr_type: AttributeType,
    constraint: AttributeConstraint,
    description: &str,
) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

/// `string`.
pub fn string() -> AttributeType {
    AttributeType::String
}

/// `bool`.
pub fn boolean() -> AttributeType {
    AttributeType::Bool
}

/// `number`.
pub fn number() -> AttributeType {
    AttributeType::Number
}

/// `set(string)`.
pub fn set_of_strings() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// `list(string)`.
pub fn list_of_strings() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

/// `map(string)`.
pub fn map_of_strings() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

/// A block with these attributes and nested blocks.
pub fn block<'a>(
    description: &str,
    attributes: impl IntoIterator<Item = (&'a str, Attribute)>,
    blocks: impl IntoIterator<Item = (&'a str, NestedBlock)>,
) -> Block {
    Block {
        version: 0,
        attributes: to_map(attributes),
        blocks: to_map(blocks),
        description: Description::markdown(description),
        deprecated: false,
    }
}

/// A nested block that appears at most once.
pub fn optional_block(block: Block) -> NestedBlock {
    NestedBlock::Optional(block)
}

/// A resource or data source schema. Version 0: tf-provider 0.2.2 cannot upgrade state.
pub fn schema(block: Block) -> Schema {
    Schema { version: 0, block }
}

fn to_map<'a, T>(items: impl IntoIterator<Item = (&'a str, T)>) -> HashMap<String, T> {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
