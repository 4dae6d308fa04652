//! Adopting a Kong that already serves traffic (issue 14): an API made outside Terraform (by
//! curl, shaped as decK or the community provider leave it) is imported with its plugins, whatever
//! their ids and tags; later writes go to those plugins; what the declaration cannot express is
//! named at import and at every plan, and never blocks a destroy without being named.

use serde_json::{json, Value as Json};

use crate::harness::{Kong, Workspace};

mod adoption;
mod by_hand;
mod kept_settings;
mod migration;
mod outside;

/// An `import {}` block for `dispatch_api.legacy`.
pub const IMPORT_LEGACY: &str = "import {\n  to = dispatch_api.legacy\n  id = \"legacy\"\n}\n";

/// A service `legacy` and its route `legacy` (`/legacy`), made as an operator would by hand.
pub fn legacy_service(kong: &Kong) -> Json {
    let service = kong.send(
        "POST",
        "/services",
        json!({"name": "legacy", "url": "http://legacy.internal/"}),
    );
    kong.send(
        "POST",
        "/services/legacy/routes",
        json!({"name": "legacy", "paths": ["/legacy"]}),
    );
    service
}

/// Every plugin named `name` in Kong.
pub fn plugins_named(kong: &Kong, name: &str) -> Vec<Json> {
    kong.list("plugins")
        .into_iter()
        .filter(|p| p["name"] == name)
        .collect()
}

/// The only plugin named `name` in Kong.
#[track_caller]
pub fn only_plugin(kong: &Kong, name: &str) -> Json {
    let found = plugins_named(kong, name);
    assert_eq!(found.len(), 1, "one {name} plugin: {found:?}");
    found[0].clone()
}

#[track_caller]
pub fn has_ownership_tag(entity: &Json) -> bool {
    entity["tags"].as_array().is_some_and(|t| {
        t.iter()
            .any(|t| t == "managed-by:terraform-provider-dispatch")
    })
}

/// `terraform plan -generate-config-out=generated.tf`; returns the plan's output and the file.
#[track_caller]
pub fn generate_config(ws: &Workspace) -> (String, String) {
    let run = ws
        .run(&[
            "plan",
            "-input=false",
            "-no-color",
            "-generate-config-out=generated.tf",
        ])
        .success();
    let generated =
        std::fs::read_to_string(ws.path().join("generated.tf")).expect("generated.tf written");
    (run.output(), generated)
}

/// Edits `generated.tf` in place.
#[track_caller]
pub fn edit_generated(ws: &Workspace, from: &str, to: &str) {
    let path = ws.path().join("generated.tf");
    let text = std::fs::read_to_string(&path).expect("generated.tf");
    assert!(text.contains(from), "generated.tf holds {from:?}:\n{text}");
    std::fs::write(&path, text.replace(from, to)).expect("write generated.tf");
}
