//! The "Installing" section: one text (`installing.md`), on the provider's page and in the
//! README, with the version of this build filled in, so that a version bump updates both.

use std::path::Path;

use super::DocsError;
use crate::startup::{compatible_constraint, VERSION};

const TEMPLATE: &str = include_str!("installing.md");

/// The README line after which the section is written.
pub const README_BEGIN: &str =
    "<!-- Installing: written from src/docs/installing.md by `cargo run --bin gen-docs` -->";
/// The README line before which the section ends.
pub const README_END: &str = "<!-- Installing: end -->";

/// The section, for this version.
pub fn section() -> String {
    TEMPLATE
        .replace("@VERSION@", VERSION)
        .replace("@CONSTRAINT@", &compatible_constraint(VERSION))
}

/// `readme` with the section between its markers replaced by the current one.
pub fn readme_with_section(readme: &str) -> Result<String, DocsError> {
    let missing = || {
        DocsError::Unsupported(
            "README.md".into(),
            format!("it needs the lines {README_BEGIN} and {README_END}"),
        )
    };
    let (before, rest) = readme.split_once(README_BEGIN).ok_or_else(missing)?;
    let (_, after) = rest.split_once(README_END).ok_or_else(missing)?;
    Ok(format!(
        "{before}{README_BEGIN}\n{}{README_END}{after}",
        section()
    ))
}

/// Rewrites the section of the README at `path`.
pub fn update_readme(path: &Path) -> Result<(), DocsError> {
    let io = |source| DocsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let readme = std::fs::read_to_string(path).map_err(io)?;
    let updated = readme_with_section(&readme)?;
    if updated != readme {
        std::fs::write(path, updated).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_names_this_version_and_its_constraint() {
        let section = section();
        assert!(!section.contains('@'), "a placeholder is left: {section}");
        assert!(section.contains(&format!(
            "terraform-provider-dispatch_{VERSION}_<os>_<arch>.zip"
        )));
        assert!(section.contains(&format!("version = \"{}\"", compatible_constraint(VERSION))));
    }

    #[test]
    fn the_readme_section_is_replaced_between_its_markers_only() {
        let readme = format!("# Title\n\n{README_BEGIN}\nold text\n{README_END}\n\n## Next\n");
        let updated = readme_with_section(&readme).expect("markers found");
        assert_eq!(
            updated,
            format!(
                "# Title\n\n{README_BEGIN}\n{}{README_END}\n\n## Next\n",
                section()
            )
        );
        assert_eq!(readme_with_section(&updated).expect("again"), updated);
        assert!(readme_with_section("# no markers").is_err());
    }

    #[test]
    fn the_committed_readme_has_the_current_section() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
        assert!(
            readme_with_section(&readme).expect("README.md has the markers") == readme,
            "README.md's Installing section is out of date; run `cargo run --bin gen-docs` and \
             commit the result"
        );
    }
}
