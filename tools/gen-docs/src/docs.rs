//! The provider's documentation, generated from its schemas in the Terraform Registry layout
//! that `tfplugindocs` writes: `docs/index.md`, `docs/resources/<name>.md` and
//! `docs/data-sources/<name>.md` (names without the `dispatch_` prefix), each with its example
//! from `examples/` and a schema section (Required / Optional / Read-Only, nested blocks and
//! objects in their own sections, Sensitive marked).
//!
//! Resources and data sources are taken from the provider itself, so every one registered is
//! documented. `cargo run -p gen-docs` writes the files; a test fails when they are stale.
//! The provider's page also carries the "Installing" section of the README ([`install`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tf_provider::schema::Schema;
use tf_provider::{Diagnostics, Provider};

use dispatch_provider::provider::{provider_schema, DispatchProvider, PROVIDER_NAME};

pub mod install;
mod schema_section;

pub use schema_section::schema_section;
#[cfg(test)]
use schema_section::undescribed;

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
        let blocks = code_block("terraform", &import_blocks(import)).unwrap_or_default();
        sections.push(format!(
            "## Import\n\nIn Terraform 1.5 and later, an `import` block imports it when you plan and apply (add `-generate-config-out=generated.tf` to the plan to have its configuration written):\n\n{blocks}\n\nImport is supported using the following syntax:\n\n{code}"
        ));
    }
    Ok(sections.join("\n\n") + "\n")
}

/// The `import {}` blocks that do what an `import.sh`'s `terraform import ADDRESS ID` commands
/// do, its comments kept: the page shows both, and the commands are the ones the examples'
/// tests run.
fn import_blocks(script: &str) -> String {
    script
        .lines()
        .map(|line| {
            let command = line.trim().strip_prefix("terraform import ");
            match command.and_then(|c| c.split_once(' ')) {
                Some((address, id)) => {
                    format!("import {{\n  to = {address}\n  id = \"{}\"\n}}", id.trim())
                }
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests;
