//! The provider's documentation, generated from its schemas in the Terraform Registry layout
//! that `tfplugindocs` writes: `docs/index.md`, `docs/resources/<name>.md` and
//! `docs/data-sources/<name>.md` (names without the `dispatch_` prefix), each with its example
//! from `examples/` and a schema section (Required / Optional / Read-Only, nested blocks and
//! objects in their own sections, Sensitive marked).
//!
//! Resources and data sources are taken from the provider itself, so every one registered is
//! documented. `cargo run --bin gen-docs` writes the files; a test fails when they are stale.
//! The provider's page also carries the "Installing" section of the README ([`install`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, NestedBlock, Schema,
};
use tf_provider::{Diagnostics, Provider};

use crate::provider::{provider_schema, DispatchProvider, PROVIDER_NAME};

pub mod install;

/// Why the documentation could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// An example or a page could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The provider did not give its resources, data sources or a schema.
    #[error("the provider did not give {0}")]
    Schema(String),
    /// A schema uses something the Registry layout cannot show.
    #[error("cannot document `{0}`: {1}")]
    Unsupported(String, String),
}

/// One generated page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Path under `docs/`, such as `resources/api.md`.
    pub path: PathBuf,
    /// The Markdown.
    pub text: String,
}

/// Every page of the documentation, with examples read from `examples`.
pub fn pages(examples: &Path) -> Result<Vec<Page>, DocsError> {
    let provider = DispatchProvider::new();
    let mut diags = Diagnostics::default();
    let mut pages = vec![Page {
        path: PathBuf::from("index.md"),
        text: provider_page(
            &provider_schema(),
            &read_optional(&examples.join("provider/provider.tf"))?,
        )?,
    }];
    let resources = provider
        .get_resources(&mut diags)
        .ok_or_else(|| DocsError::Schema("its resources".into()))?;
    let data_sources = provider
        .get_data_sources(&mut diags)
        .ok_or_else(|| DocsError::Schema("its data sources".into()))?;
    let resources: BTreeMap<_, _> = resources.into_iter().collect();
    let data_sources: BTreeMap<_, _> = data_sources.into_iter().collect();
    for (short, resource) in &resources {
        let schema = resource.schema(&mut diags);
        pages.push(entity(examples, Kind::Resource, short, schema)?);
    }
    for (short, data_source) in &data_sources {
        let schema = data_source.schema(&mut diags);
        pages.push(entity(examples, Kind::DataSource, short, schema)?);
    }
    Ok(pages)
}

/// The page of the resource or data source `dispatch_<short>`, with its examples.
fn entity(
    examples: &Path,
    kind: Kind,
    short: &str,
    schema: Option<Schema>,
) -> Result<Page, DocsError> {
    let name = format!("{PROVIDER_NAME}_{short}");
    let schema = schema.ok_or_else(|| DocsError::Schema(format!("the schema of {name}")))?;
    let dir = examples.join(kind.dir()).join(&name);
    let example = read_optional(&dir.join(kind.example()))?;
    let import = match kind {
        Kind::Resource => read_optional(&dir.join("import.sh"))?,
        Kind::DataSource => String::new(),
    };
    Ok(Page {
        path: PathBuf::from(kind.dir()).join(format!("{short}.md")),
        text: entity_page(&name, kind, &schema, &example, &import)?,
    })
}

/// The Markdown files currently under `docs` that a generation owns (so stale ones can be found).
pub fn existing_pages(docs: &Path) -> Result<Vec<PathBuf>, DocsError> {
    let mut found = Vec::new();
    for dir in ["", Kind::Resource.dir(), Kind::DataSource.dir()] {
        let path = docs.join(dir);
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(DocsError::Io { path, source }),
        };
        for entry in entries {
            let entry = entry.map_err(|source| DocsError::Io {
                path: path.clone(),
                source,
            })?;
            let name = PathBuf::from(dir).join(entry.file_name());
            if name.extension().is_some_and(|e| e == "md") && entry.path().is_file() {
                found.push(name);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes `pages` under `docs`, and removes the pages no longer generated.
pub fn write(docs: &Path, pages: &[Page]) -> Result<(), DocsError> {
    for stale in existing_pages(docs)? {
        if !pages.iter().any(|p| p.path == stale) {
            let path = docs.join(&stale);
            std::fs::remove_file(&path).map_err(|source| DocsError::Io { path, source })?;
        }
    }
    for page in pages {
        let path = docs.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| DocsError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, &page.text).map_err(|source| DocsError::Io { path, source })?;
    }
    Ok(())
}

fn read_optional(path: &Path) -> Result<String, DocsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(DocsError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Resource,
    DataSource,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
        }
    }

    /// The folder of its pages under `docs/`, and of its examples under `examples/`.
    fn dir(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
        }
    }

    /// The example's file name in its folder of `examples/`.
    fn example(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
        }
    }
}

const FRONT_MATTER_COMMENT: &str =
    "# generated by https://github.com/hashicorp/terraform-plugin-docs";
const SCHEMA_COMMENT: &str = "<!-- schema generated by tfplugindocs -->";

fn provider_page(schema: &Schema, example: &str) -> Result<String, DocsError> {
    let description = schema.block.description.content.trim();
    let mut sections = vec![
        format!(
            "---\n{FRONT_MATTER_COMMENT}\npage_title: \"{PROVIDER_NAME} Provider\"\ndescription: |-\n{}\n---",
            front_matter(description)
        ),
        format!("# {PROVIDER_NAME} Provider"),
        description.to_string(),
        install::section().trim_end().to_string(),
    ];
    if let Some(code) = code_block("terraform", example) {
        sections.push(format!("## Example Usage\n\n{code}"));
    }
    sections.push(schema_section(schema)?);
    Ok(sections.join("\n\n") + "\n")
}

fn entity_page(
    name: &str,
    kind: Kind,
    schema: &Schema,
    example: &str,
    import: &str,
) -> Result<String, DocsError> {
    let description = schema.block.description.content.trim();
    let mut sections = vec![
        format!(
            "---\n{FRONT_MATTER_COMMENT}\npage_title: \"{name} {} - terraform-provider-{PROVIDER_NAME}\"\nsubcategory: \"\"\ndescription: |-\n{}\n---",
            kind.title(),
            front_matter(description)
        ),
        format!("# {name} ({})", kind.title()),
        description.to_string(),
    ];
    if let Some(code) = code_block("terraform", example) {
        sections.push(format!("## Example Usage\n\n{code}"));
    }
    sections.push(schema_section(schema)?);
    if let Some(code) = code_block("shell", import) {
        sections.push(format!(
            "## Import\n\nImport is supported using the following syntax:\n\n{code}"
        ));
    }
    Ok(sections.join("\n\n") + "\n")
}

/// A fenced code block of a file's content, or `None` when it is empty.
fn code_block(language: &str, content: &str) -> Option<String> {
    let content = content.trim();
    (!content.is_empty()).then(|| format!("```{language}\n{content}\n```"))
}

/// The description as front matter: plain text, each line indented.
fn front_matter(description: &str) -> String {
    plain(description)
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Markdown made plain: no code spans, emphasis or link targets.
fn plain(markdown: &str) -> String {
    let without_links = regex::Regex::new(r"\[([^\]]*)\]\([^)]*\)")
        .map(|re| re.replace_all(markdown, "$1").into_owned())
        .unwrap_or_else(|_| markdown.to_string());
    without_links
        .replace("**", "")
        .replace('`', "")
        .trim()
        .to_string()
}

/// The schema section: `## Schema`, then the root block's attributes and blocks.
pub fn schema_section(schema: &Schema) -> Result<String, DocsError> {
    let mut out = format!("{SCHEMA_COMMENT}\n## Schema\n\n");
    write_block(&mut out, &[], &schema.block, true)?;
    Ok(out.trim_end().to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    const ALL: [Group; 3] = [Group::Required, Group::Optional, Group::ReadOnly];

    fn title(self, root: bool) -> &'static str {
        match (self, root) {
            (Group::Required, true) => "### Required",
            (Group::Optional, true) => "### Optional",
            (Group::ReadOnly, true) => "### Read-Only",
            (Group::Required, false) => "Required:",
            (Group::Optional, false) => "Optional:",
            (Group::ReadOnly, false) => "Read-Only:",
        }
    }

    fn of_attribute(attribute: &Attribute) -> Group {
        match attribute.constraint {
            AttributeConstraint::Required => Group::Required,
            AttributeConstraint::Optional | AttributeConstraint::OptionalComputed => {
                Group::Optional
            }
            AttributeConstraint::Computed => Group::ReadOnly,
        }
    }

    fn of_block(nested: &NestedBlock) -> Group {
        let (_, min, _) = nesting(nested);
        let block = crate::schema::nested_block(nested);
        if min > 0 {
            Group::Required
        } else if block
            .attributes
            .values()
            .all(|a| Group::of_attribute(a) == Group::ReadOnly)
            && block
                .blocks
                .values()
                .all(|b| Group::of_block(b) == Group::ReadOnly)
            && !(block.attributes.is_empty() && block.blocks.is_empty())
        {
            Group::ReadOnly
        } else {
            Group::Optional
        }
    }
}

/// A section still to write after the current block's lists.
enum Nested<'a> {
    Block(Vec<String>, &'a Block),
    Object(Vec<String>, &'a AttributeType, Group, &'static str),
}

/// The protocol's view of a nested block: its nesting mode, min and max items (as
/// tf-provider sends them).
fn nesting(nested: &NestedBlock) -> (&'static str, i64, i64) {
    match nested {
        NestedBlock::Single(_) => ("", 1, 1),
        NestedBlock::List(_) => (" List", 0, i64::MAX),
        NestedBlock::Set(_) => (" Set", 0, i64::MAX),
        NestedBlock::Map(_) => (" Map", 0, 0),
        NestedBlock::Group(_) => ("", 0, 0),
        NestedBlock::Optional(_) => (" List", 0, 1),
    }
}

fn write_block(
    out: &mut String,
    parents: &[String],
    block: &Block,
    root: bool,
) -> Result<(), DocsError> {
    let mut nested: Vec<Nested<'_>> = Vec::new();
    for group in Group::ALL {
        let mut names: Vec<&String> = block
            .attributes
            .iter()
            .filter(|(_, a)| Group::of_attribute(a) == group)
            .map(|(n, _)| n)
            .chain(
                block
                    .blocks
                    .iter()
                    .filter(|(_, b)| Group::of_block(b) == group)
                    .map(|(n, _)| n),
            )
            .collect();
        if names.is_empty() {
            continue;
        }
        names.sort();
        let _ = write!(out, "{}\n\n", group.title(root));
        for name in names {
            let mut path = parents.to_vec();
            path.push(name.clone());
            if let Some(child) = block.blocks.get(name) {
                let (mode, min, max) = nesting(child);
                let inner = crate::schema::nested_block(child);
                let mut line = format!("- `{name}` (Block{mode}");
                if mode.is_empty() {
                    line.push_str(match Group::of_block(child) {
                        Group::Required => ", Required",
                        Group::Optional => ", Optional",
                        Group::ReadOnly => ", Read-only",
                    });
                } else if min > 0 {
                    let _ = write!(line, ", Min: {min}");
                }
                if max > 0 {
                    let _ = write!(line, ", Max: {max}");
                }
                if inner.deprecated {
                    line.push_str(", Deprecated");
                }
                line.push(')');
                push_description(&mut line, &inner.description.content);
                let anchor = format!("nestedblock--{}", path.join("--"));
                let _ = writeln!(out, "{line} (see [below for nested schema](#{anchor}))");
                nested.push(Nested::Block(path, inner));
            } else if let Some(attribute) = block.attributes.get(name) {
                let mut line = format!("- `{name}` ({}", type_name(&path, &attribute.attr_type)?);
                if attribute.sensitive {
                    line.push_str(", Sensitive");
                }
                if attribute.deprecated {
                    line.push_str(", Deprecated");
                }
                line.push(')');
                push_description(&mut line, &attribute.description.content);
                if let Some(object) = object_of(&attribute.attr_type) {
                    let anchor = format!("nestedatt--{}", path.join("--"));
                    let _ = write!(line, " (see [below for nested schema](#{anchor}))");
                    nested.push(Nested::Object(path, object, group, "nestedatt"));
                }
                let _ = writeln!(out, "{line}");
            }
        }
        out.push('\n');
    }
    write_nested(out, nested)
}

fn write_nested(out: &mut String, nested: Vec<Nested<'_>>) -> Result<(), DocsError> {
    for section in nested {
        match section {
            Nested::Block(path, block) => {
                let _ = write!(
                    out,
                    "<a id=\"nestedblock--{}\"></a>\n### Nested Schema for `{}`\n\n",
                    path.join("--"),
                    path.join(".")
                );
                write_block(out, &path, block, false)?;
            }
            Nested::Object(path, object, group, prefix) => {
                let _ = write!(
                    out,
                    "<a id=\"{prefix}--{}\"></a>\n### Nested Schema for `{}`\n\n",
                    path.join("--"),
                    path.join(".")
                );
                write_object(out, &path, object, group)?;
            }
        }
        out.push('\n');
    }
    Ok(())
}

fn write_object(
    out: &mut String,
    parents: &[String],
    object: &AttributeType,
    group: Group,
) -> Result<(), DocsError> {
    let AttributeType::Object(fields) = object else {
        return Ok(());
    };
    let _ = write!(out, "{}\n\n", group.title(false));
    let mut names: Vec<&String> = fields.keys().collect();
    names.sort();
    let mut nested = Vec::new();
    for name in names {
        let mut path = parents.to_vec();
        path.push(name.clone());
        let field = &fields[name];
        let mut line = format!("- `{name}` ({})", type_name(&path, field)?);
        if let Some(inner) = object_of(field) {
            let anchor = format!("nestedobjatt--{}", path.join("--"));
            let _ = write!(line, " (see [below for nested schema](#{anchor}))");
            nested.push(Nested::Object(path, inner, group, "nestedobjatt"));
        }
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    write_nested(out, nested)
}

/// The object type of an object, or of a collection of objects.
fn object_of(attr_type: &AttributeType) -> Option<&AttributeType> {
    match attr_type {
        AttributeType::Object(_) => Some(attr_type),
        AttributeType::List(inner) | AttributeType::Set(inner) | AttributeType::Map(inner)
            if matches!(**inner, AttributeType::Object(_)) =>
        {
            Some(&**inner)
        }
        _ => None,
    }
}

fn type_name(path: &[String], attr_type: &AttributeType) -> Result<String, DocsError> {
    Ok(match attr_type {
        AttributeType::String => "String".into(),
        AttributeType::Number => "Number".into(),
        AttributeType::Bool => "Boolean".into(),
        AttributeType::List(inner) => format!("List of {}", type_name(path, inner)?),
        AttributeType::Set(inner) => format!("Set of {}", type_name(path, inner)?),
        AttributeType::Map(inner) => format!("Map of {}", type_name(path, inner)?),
        AttributeType::Object(_) => "Object".into(),
        AttributeType::Tuple(_) => "Tuple".into(),
        AttributeType::Any => "Dynamic".into(),
        AttributeType::AttributeSingle(_)
        | AttributeType::AttributeList(_)
        | AttributeType::AttributeSet(_)
        | AttributeType::AttributeMap(_) => {
            return Err(DocsError::Unsupported(
                path.join("."),
                "nested attribute types (tf-provider 0.2.2 sends them in a form Terraform rejects; use a block)".into(),
            ))
        }
    })
}

/// Appends ` <description>`, with paragraph breaks kept as Markdown line breaks.
fn push_description(line: &mut String, description: &str) {
    let description = description.trim();
    if description.is_empty() {
        return;
    }
    let joined = regex::Regex::new(r"\n\n+")
        .map(|re| re.replace_all(description, "  \n").into_owned())
        .unwrap_or_else(|_| description.to_string());
    line.push(' ');
    line.push_str(&joined);
}

/// Every attribute and block of `schema` without a description, as dotted paths.
pub fn undescribed(schema: &Schema) -> Vec<String> {
    fn walk(block: &Block, parents: &str, out: &mut Vec<String>) {
        for (name, attribute) in &block.attributes {
            if attribute.description.content.trim().is_empty() {
                out.push(format!("{parents}{name}"));
            }
        }
        for (name, nested) in &block.blocks {
            let inner = crate::schema::nested_block(nested);
            if inner.description.content.trim().is_empty() {
                out.push(format!("{parents}{name}"));
            }
            walk(inner, &format!("{parents}{name}."), out);
        }
    }
    let mut out = Vec::new();
    if schema.block.description.content.trim().is_empty() {
        out.push("(the schema itself)".into());
    }
    walk(&schema.block, "", &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests;
