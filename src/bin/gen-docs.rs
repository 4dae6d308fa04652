//! Writes the provider's documentation under `docs/` from its schemas and `examples/`, in the
//! Terraform Registry layout, and the README's "Installing" section: `cargo run --bin gen-docs`.

use std::path::Path;
use std::process::ExitCode;

use dispatch_provider::docs;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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
