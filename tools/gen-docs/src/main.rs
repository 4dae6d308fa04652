//! Writes the provider's documentation under `docs/` from its schemas and `examples/`, in the
//! Terraform Registry layout, and the README's "Installing" section: `cargo run -p gen-docs`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod docs;

fn main() -> ExitCode {
    let root = repository_root();
    let result = docs::pages(&root.join("examples"))
        .and_then(|pages| docs::write(&root.join("docs"), &pages).map(|()| pages.len()))
        .and_then(|count| docs::install::update_readme(&root.join("README.md")).map(|()| count));
    match result {
        Ok(count) => {
            println!(
                "gen-docs: wrote {count} pages under {} and README.md's Installing section",
                root.join("docs").display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("gen-docs: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The repository's root: this crate sits in `tools/gen-docs`.
fn repository_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.join("../.."), Path::to_path_buf)
}
