use std::collections::HashMap;

use tf_provider::schema::{AttributeConstraint, AttributeType, Block, Description};

use super::*;
use dispatch_provider::schema::{
    block, computed, list_of_strings, optional, optional_block, required, schema, sensitive,
    set_of_strings, string,
};

fn root() -> PathBuf {
    crate::repository_root()
}

#[test]
fn committed_docs_are_what_the_schema_generates() {
    let pages = pages(&root().join("examples")).expect("docs generate");
    let docs = root().join("docs");
    let mut stale = Vec::new();
    for page in &pages {
        let committed = std::fs::read_to_string(docs.join(&page.path)).unwrap_or_default();
        if committed != page.text {
            stale.push(page.path.display().to_string());
        }
    }
    let generated: Vec<&PathBuf> = pages.iter().map(|p| &p.path).collect();
    for existing in existing_pages(&docs).expect("docs listed") {
        if !generated.contains(&&existing) {
            stale.push(format!("{} (no longer generated)", existing.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is out of date ({}); run `cargo run -p gen-docs` and commit the result",
        stale.join(", ")
    );
}

#[test]
fn every_resource_and_data_source_is_documented_with_its_example() {
    let pages = pages(&root().join("examples")).expect("docs generate");
    let provider = DispatchProvider::new();
    let mut diags = Diagnostics::default();
    let resources = provider.get_resources(&mut diags).expect("resources");
    let data_sources = provider.get_data_sources(&mut diags).expect("data sources");
    let page = |path: String| {
        pages
            .iter()
            .find(|p| p.path == Path::new(&path))
            .unwrap_or_else(|| panic!("no page {path}"))
    };
    for name in resources.keys() {
        let text = &page(format!("resources/{name}.md")).text;
        assert!(
            text.contains("## Example Usage"),
            "resource {name}: example"
        );
        assert!(text.contains("## Import"), "resource {name}: import");
    }
    for name in data_sources.keys() {
        let text = &page(format!("data-sources/{name}.md")).text;
        assert!(
            text.contains("## Example Usage"),
            "data source {name}: example"
        );
    }
    assert!(page("index.md".into()).text.contains("## Example Usage"));
}

#[test]
fn every_attribute_and_block_has_a_description() {
    let provider = DispatchProvider::new();
    let mut diags = Diagnostics::default();
    let mut missing = Vec::new();
    for path in undescribed(&provider_schema()) {
        missing.push(format!("provider: {path}"));
    }
    for (name, resource) in provider.get_resources(&mut diags).expect("resources") {
        for path in undescribed(&resource.schema(&mut diags).expect("schema")) {
            missing.push(format!("resource {name}: {path}"));
        }
    }
    for (name, data_source) in provider.get_data_sources(&mut diags).expect("data sources") {
        for path in undescribed(&data_source.schema(&mut diags).expect("schema")) {
            missing.push(format!("data source {name}: {path}"));
        }
    }
    assert!(missing.is_empty(), "no description: {missing:?}");
}

#[test]
fn undescribed_finds_attributes_and_blocks_without_words() {
    let mut blank = optional(string(), "");
    blank.description = Description::markdown("  ");
    let s = schema(block(
        "A thing.",
        [("a", blank), ("b", optional(string(), "B."))],
        [(
            "inner",
            optional_block(block("", [("c", optional(string(), ""))], [])),
        )],
    ));
    assert_eq!(undescribed(&s), vec!["a", "inner", "inner.c"]);
}

/// A schema with one of everything the Registry layout shows.
fn sample() -> Schema {
    schema(block(
        "A sample.",
        [
            ("name", required(string(), "The name.")),
            (
                "secret",
                sensitive(optional(string(), "A secret.\n\nSecond paragraph.")),
            ),
            ("tags", optional(set_of_strings(), "Tags.")),
            ("urls", computed(list_of_strings(), "URLs.")),
            (
                "items",
                computed(
                    AttributeType::List(Box::new(AttributeType::Object(HashMap::from([
                        ("id".to_string(), AttributeType::String),
                        (
                            "sub".to_string(),
                            AttributeType::Object(HashMap::from([(
                                "x".to_string(),
                                AttributeType::Number,
                            )])),
                        ),
                    ])))),
                    "Items.",
                ),
            ),
        ],
        [(
            "limits",
            optional_block(block(
                "Limits.",
                [
                    (
                        "max",
                        required(dispatch_provider::schema::number(), "Most."),
                    ),
                    (
                        "min",
                        optional(dispatch_provider::schema::number(), "Least."),
                    ),
                ],
                [],
            )),
        )],
    ))
}

#[test]
fn schema_sections_follow_the_registry_layout() {
    let text = schema_section(&sample()).expect("renders");
    let expected = "<!-- schema generated by tfplugindocs -->
## Schema

### Required

- `name` (String) The name.

### Optional

- `limits` (Block List, Max: 1) Limits. (see [below for nested schema](#nestedblock--limits))
- `secret` (String, Sensitive) A secret.  \nSecond paragraph.
- `tags` (Set of String) Tags.

### Read-Only

- `items` (List of Object) Items. (see [below for nested schema](#nestedatt--items))
- `urls` (List of String) URLs.

<a id=\"nestedblock--limits\"></a>
### Nested Schema for `limits`

Required:

- `max` (Number) Most.

Optional:

- `min` (Number) Least.


<a id=\"nestedatt--items\"></a>
### Nested Schema for `items`

Read-Only:

- `id` (String)
- `sub` (Object) (see [below for nested schema](#nestedobjatt--items--sub))

<a id=\"nestedobjatt--items--sub\"></a>
### Nested Schema for `items.sub`

Read-Only:

- `x` (Number)";
    assert_eq!(text, expected);
}

#[test]
fn pages_have_front_matter_example_schema_and_import() {
    let text = entity_page(
        "dispatch_sample",
        Kind::Resource,
        &sample(),
        "resource \"dispatch_sample\" \"x\" {}\n\n",
        "terraform import dispatch_sample.x x\n",
    )
    .expect("renders");
    assert!(text.starts_with(
        "---\n# generated by https://github.com/hashicorp/terraform-plugin-docs\npage_title: \"dispatch_sample Resource - terraform-provider-dispatch\"\nsubcategory: \"\"\ndescription: |-\n  A sample.\n---\n\n# dispatch_sample (Resource)\n\nA sample.\n\n## Example Usage\n\n```terraform\nresource \"dispatch_sample\" \"x\" {}\n```\n\n<!-- schema generated by tfplugindocs -->\n"
    ));
    assert!(text.ends_with(
        "\n\nImport is supported using the following syntax:\n\n```shell\nterraform import dispatch_sample.x x\n```\n"
    ));
    assert!(
        text.contains("## Import\n\nIn Terraform 1.5 and later, an `import` block imports it"),
        "{text}"
    );
    assert!(
        text.contains("```terraform\nimport {\n  to = dispatch_sample.x\n  id = \"x\"\n}\n```"),
        "{text}"
    );
    let data =
        entity_page("dispatch_sample", Kind::DataSource, &sample(), "", "").expect("renders");
    assert!(data.contains("# dispatch_sample (Data Source)"));
    assert!(!data.contains("## Example Usage") && !data.contains("## Import"));
}

#[test]
fn front_matter_is_plain_text() {
    assert_eq!(
        front_matter("Uses `cors` and **[Kong](https://konghq.com)**.\nSecond line."),
        "  Uses cors and Kong.\n  Second line."
    );
}

/// Every attribute a user sets, as `dispatch_api.cors.origins`, walking nested blocks.
fn settable(prefix: &str, block: &Block, out: &mut Vec<String>) {
    for (name, attribute) in &block.attributes {
        if !matches!(attribute.constraint, AttributeConstraint::Computed) {
            out.push(format!("{prefix}{name}"));
        }
    }
    for (name, nested) in &block.blocks {
        let inner = dispatch_provider::schema::nested_block(nested);
        settable(&format!("{prefix}{name}."), inner, out);
    }
}

/// The rules guide (docs/guides/kong-rules.md) names, for every attribute a user sets, the
/// Kong rule the plan applies to it and whether the plan is stricter on purpose.
#[test]
fn the_rules_guide_has_a_row_for_every_attribute_a_user_sets() {
    let guide = std::fs::read_to_string(root().join("docs/guides/kong-rules.md")).expect("guide");
    let first_cells: Vec<&str> = guide
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("| provider `"))
        .filter_map(|l| l.split(" | ").next())
        .collect();
    let provider = DispatchProvider::new();
    let mut diags = Diagnostics::default();
    let mut attributes = Vec::new();
    let mut from_provider = Vec::new();
    settable("", &provider_schema().block, &mut from_provider);
    for (name, resource) in provider.get_resources(&mut diags).expect("resources") {
        let schema = resource.schema(&mut diags).expect("schema");
        settable(&format!("dispatch_{name}."), &schema.block, &mut attributes);
    }
    let missing: Vec<String> = attributes
        .iter()
        .filter(|a| !first_cells.iter().any(|c| c.contains(&format!("`{a}`"))))
        .cloned()
        .chain(
            from_provider
                .iter()
                .filter(|a| {
                    !first_cells
                        .iter()
                        .any(|c| c.starts_with("| provider ") && c.contains(&format!("`{a}`")))
                })
                .map(|a| format!("provider {a}")),
        )
        .collect();
    assert!(
        missing.is_empty(),
        "docs/guides/kong-rules.md has no row for: {missing:?}"
    );
}

/// A data source sets nothing: what it reads back is described without the resource's
/// wording about configuring it (defaults, what conflicts, what is refused, what removing a
/// block does).
#[test]
fn data_sources_copy_no_configuration_wording() {
    const CONFIGURING: [&str; 8] = [
        "the default",
        "Default ",
        "Conflicts with",
        "An empty block",
        "Removing the block",
        "refused at plan",
        "cannot be declared",
        "Only with that mode",
    ];
    let provider = DispatchProvider::new();
    let mut diags = Diagnostics::default();
    let mut found = Vec::new();
    for (name, data_source) in provider.get_data_sources(&mut diags).expect("data sources") {
        let schema = data_source.schema(&mut diags).expect("schema");
        for (attribute, value) in &schema.block.attributes {
            if !matches!(value.constraint, AttributeConstraint::Computed) {
                continue;
            }
            let text = &value.description.content;
            for phrase in CONFIGURING.iter().filter(|p| text.contains(*p)) {
                found.push(format!("{name}.{attribute}: {phrase:?}"));
            }
        }
    }
    assert!(found.is_empty(), "configuration wording: {found:?}");
}
