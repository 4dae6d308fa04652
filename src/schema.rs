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

/// The block of a data source that shows what a resource holds: the `lookup` attributes (name
/// and description) are required, every other attribute is read-only, and each nested block
/// becomes a read-only list of objects (a data source's blocks would be configuration, not
/// results).
pub fn read_only_copy(resource: &Block, lookup: &[(&str, &str)], description: &str) -> Block {
    let mut attributes: HashMap<String, Attribute> = resource
        .attributes
        .iter()
        .map(|(name, attribute)| {
            let copy = match lookup.iter().find(|(n, _)| n == name) {
                Some((_, what)) => Attribute {
                    constraint: AttributeConstraint::Required,
                    description: Description::markdown(what),
                    ..attribute.clone()
                },
                None => Attribute {
                    constraint: AttributeConstraint::Computed,
                    description: Description::markdown(read_wording(
                        &attribute.description.content,
                    )),
                    ..attribute.clone()
                },
            };
            (name.clone(), copy)
        })
        .collect();
    for (name, nested) in &resource.blocks {
        let shape = match nested {
            NestedBlock::Optional(_) => "a list of zero or one object",
            NestedBlock::List(_) => "a list of objects",
            NestedBlock::Set(_) => "a set of objects",
            NestedBlock::Map(_) => "a map of objects",
            NestedBlock::Single(_) | NestedBlock::Group(_) => "an object",
        };
        let what = format!(
            "{} Read-only here: {shape}, with the fields of the resource's `{name}` block.",
            read_wording(&nested_block(nested).description.content)
        );
        attributes.insert(name.clone(), computed(nested_type(nested), &what));
    }
    Block {
        version: 0,
        attributes,
        blocks: HashMap::new(),
        description: Description::markdown(description),
        deprecated: false,
    }
}

/// The sentences of a resource's description that only tell how to configure it (a default
/// that applies when it is left out, what removing a block does, what must be set, what goes
/// with what, what is refused), which a read-only copy does not copy: a data source sets
/// nothing.
const CONFIGURATION_ONLY: [&str; 9] = [
    "Default ",
    "Removing the block ",
    "Fields left out ",
    "Set at least ",
    "Required with that mode",
    "Only with that mode",
    "Conflicts with ",
    "An empty block ",
    "Reserved for those",
];

/// A resource's description as a read-only copy shows it: without [`CONFIGURATION_ONLY`]
/// sentences.
fn read_wording(description: &str) -> String {
    description
        .trim_end()
        .split_inclusive(". ")
        .filter(|sentence| !CONFIGURATION_ONLY.iter().any(|s| sentence.starts_with(s)))
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// The block inside a nested block, whatever its nesting.
pub fn nested_block(nested: &NestedBlock) -> &Block {
    match nested {
        NestedBlock::Single(b)
        | NestedBlock::List(b)
        | NestedBlock::Set(b)
        | NestedBlock::Map(b)
        | NestedBlock::Group(b)
        | NestedBlock::Optional(b) => b,
    }
}

/// The type a nested block's value has: an object, or a collection of objects.
pub fn nested_type(nested: &NestedBlock) -> AttributeType {
    let object = Box::new(object_type(nested_block(nested)));
    match nested {
        NestedBlock::Optional(_) | NestedBlock::List(_) => AttributeType::List(object),
        NestedBlock::Set(_) => AttributeType::Set(object),
        NestedBlock::Map(_) => AttributeType::Map(object),
        NestedBlock::Single(_) | NestedBlock::Group(_) => *object,
    }
}

/// The object type a block's values have.
pub fn object_type(block: &Block) -> AttributeType {
    let mut fields: HashMap<String, AttributeType> = block
        .attributes
        .iter()
        .map(|(name, attribute)| (name.clone(), attribute.attr_type.clone()))
        .collect();
    for (name, nested) in &block.blocks {
        fields.insert(name.clone(), nested_type(nested));
    }
    AttributeType::Object(fields)
}

/// A resource or data source schema. Version 0: tf-provider 0.2.2 cannot upgrade state.
pub fn schema(block: Block) -> Schema {
    Schema { version: 0, block }
}

fn to_map<'a, T>(items: impl IntoIterator<Item = (&'a str, T)>) -> HashMap<String, T> {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_only_copy_drops_what_only_configuration_needs() {
        assert_eq!(
            read_wording("Whether it strips the path (Kong `strip_path`). Default `true`."),
            "Whether it strips the path (Kong `strip_path`)."
        );
        assert_eq!(
            read_wording(
                "Limits (Kong `rate-limiting`). Set at least one limit; a longer one may not be lower. Removing the block removes the plugin. Counted per node."
            ),
            "Limits (Kong `rate-limiting`). Counted per node."
        );
    }
}
