//! Every example under `examples/` works: it is formatted, it applies against a sandbox with
//! real Terraform, the plan afterwards is empty, and it destroys cleanly; every `import.sh`
//! rebuilds the state its `resource.tf` created. Examples are found by walking the directory,
//! so new ones are tested without being listed here.

use std::path::{Path, PathBuf};

use crate::harness::{terraform_command, Kong, Run, Workspace};
use crate::idp::FakeIdp;

fn examples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every directory under `examples/` holding `.tf` files: each is a root module.
fn example_dirs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("examples readable")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        if entries
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "tf"))
        {
            out.push(dir.to_path_buf());
        }
        for entry in entries.iter().filter(|p| p.is_dir()) {
            walk(entry, out);
        }
    }
    let mut out = Vec::new();
    walk(&examples_root(), &mut out);
    out
}

/// A workspace holding a copy of the example's `.tf` files and the files they read (such as
/// PEM certificates); `import.sh` stays behind. Every example declares its provider's source
/// and version itself (`versions.tf` beside the documentation snippets), so that it works on
/// its own: `release::install::every_example_installs_the_release_on_its_own` runs
/// `terraform init` on each of them.
fn workspace_for(kong: &Kong, example: &Path) -> Workspace {
    let ws = kong.workspace();
    let mut declares_source = false;
    for entry in std::fs::read_dir(example).expect("example readable") {
        let path = entry.expect("entry").path();
        let file_name = path.file_name().expect("name");
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).expect("example file");
            declares_source |= text.contains("required_providers");
            std::fs::write(ws.path().join(file_name), text).expect("copy example");
        } else if path.is_file() && file_name != "import.sh" {
            std::fs::copy(&path, ws.path().join(file_name)).expect("copy example file");
        }
    }
    assert!(
        declares_source,
        "{}: no required_providers block (add a versions.tf)",
        example.display()
    );
    ws
}

/// What an example is given, the way a reader would give it: the Admin API URL
/// (`KONG_ADMIN_URL`, or a `kong_admin_url` variable), an `issuer` variable pointing at a local
/// fake identity provider, and a value for every variable named `*password`.
struct Inputs {
    idp: FakeIdp,
}

impl Inputs {
    fn new() -> Self {
        Self {
            idp: FakeIdp::start(),
        }
    }

    fn env(&self, ws: &Workspace) -> Vec<(String, String)> {
        let url = ws.kong_url.clone();
        let mut env = vec![
            ("KONG_ADMIN_URL".to_string(), url.clone()),
            ("TF_VAR_kong_admin_url".to_string(), url),
            ("TF_VAR_issuer".to_string(), self.idp.issuer()),
        ];
        for variable in declared_variables(ws.path()) {
            if variable.ends_with("password") {
                env.push((
                    format!("TF_VAR_{variable}"),
                    format!("Example-{variable}-9"),
                ));
            }
        }
        env
    }
}

/// The names of the variables the configuration in `dir` declares.
fn declared_variables(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).expect("workspace readable") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).expect("configuration");
            for line in text.lines() {
                if let Some(rest) = line.trim().strip_prefix("variable \"") {
                    if let Some((name, _)) = rest.split_once('"') {
                        names.push(name.to_string());
                    }
                }
            }
        }
    }
    names
}

fn run(ws: &Workspace, inputs: &Inputs, args: &[&str]) -> Run {
    let env = inputs.env(ws);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ws.run_with_env(args, &env)
}

fn name(example: &Path) -> String {
    example
        .strip_prefix(examples_root())
        .unwrap_or(example)
        .display()
        .to_string()
}

#[test]
fn examples_are_formatted() {
    let output = std::process::Command::new(terraform_command())
        .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .arg(examples_root())
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("terraform fmt runs");
    assert!(
        output.status.success(),
        "terraform fmt -check -recursive examples:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_example_applies_then_plans_empty_then_destroys() {
    let examples = example_dirs();
    for expected in [
        "provider",
        "resources/dispatch_api",
        "data-sources/dispatch_api",
        "data-sources/dispatch_apis",
        "scenarios/public-api",
        "scenarios/api-with-policies",
    ] {
        assert!(
            examples.iter().any(|e| name(e) == expected),
            "example {expected} is missing"
        );
    }
    let inputs = Inputs::new();
    let mut failures = Vec::new();
    for example in &examples {
        let kong = Kong::start();
        let ws = workspace_for(&kong, example);
        let apply = run(
            &ws,
            &inputs,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        );
        if apply.code != 0 {
            failures.push(format!(
                "{}: apply failed: {}",
                name(example),
                apply.output()
            ));
            continue;
        }
        let plan = run(
            &ws,
            &inputs,
            &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        );
        if plan.code != 0 {
            failures.push(format!(
                "{}: the plan after apply is not empty: {}",
                name(example),
                plan.output()
            ));
        }
        let destroy = run(
            &ws,
            &inputs,
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        );
        if destroy.code != 0 {
            failures.push(format!(
                "{}: destroy failed: {}",
                name(example),
                destroy.output()
            ));
        }
        for collection in [
            "services",
            "routes",
            "plugins",
            "certificates",
            "consumers",
            "basic-auths",
            "acls",
            "jwts",
        ] {
            if !kong.managed(collection).is_empty() {
                failures.push(format!("{}: destroy left {collection}", name(example)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The `terraform import ADDRESS ID` lines of an `import.sh`.
fn import_commands(script: &str) -> Vec<(String, String)> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("terraform import "))
        .filter_map(|l| {
            let words: Vec<&str> = l
                .split_whitespace()
                .map(|w| w.trim_matches(['\'', '"']))
                .collect();
            match words.as_slice() {
                [_, _, address, id] => Some((address.to_string(), id.to_string())),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn every_import_example_rebuilds_the_state_of_its_resource() {
    let resources = examples_root().join("resources");
    let inputs = Inputs::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in example_dirs().iter().filter(|d| d.starts_with(&resources)) {
        let Ok(script) = std::fs::read_to_string(example.join("import.sh")) else {
            continue;
        };
        let commands = import_commands(&script);
        assert!(
            !commands.is_empty(),
            "{}: import.sh has no `terraform import ADDRESS ID` line",
            name(example)
        );
        let kong = Kong::start();
        let original = workspace_for(&kong, example);
        run(
            &original,
            &inputs,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .success();

        for (address, id) in &commands {
            // Ids are made at create time: an id in import.sh illustrates the form, so the
            // test imports by the id the example's resource got.
            let id = if uuid::Uuid::parse_str(id).is_ok() {
                original
                    .resource(address)
                    .and_then(|r| r["id"].as_str().map(str::to_string))
                    .unwrap_or_else(|| id.clone())
            } else {
                id.clone()
            };
            let id = &id;
            let ws = workspace_for(&kong, example);
            let import = run(
                &ws,
                &inputs,
                &["import", "-input=false", "-no-color", address, id],
            );
            if import.code != 0 {
                failures.push(format!(
                    "{}: import {address} {id}: {}",
                    name(example),
                    import.output()
                ));
                continue;
            }
            let plan = run(&ws, &inputs, &["plan", "-input=false", "-no-color"]).success();
            // Other resources of the example are still to create; the imported one must match.
            // Kong keeps only a hash of a user's password, so an imported user's first plan
            // writes the password once (documented on dispatch_basic_auth_user).
            let changes: &[&str] = if address.starts_with("dispatch_basic_auth_user.") {
                &["must be replaced", "will be destroyed"]
            } else {
                &["will be updated", "must be replaced", "will be destroyed"]
            };
            for change in changes {
                if plan.stdout.contains(&format!("# {address} {change}")) {
                    failures.push(format!(
                        "{}: after importing {address}, it {change}: {}",
                        name(example),
                        plan.output()
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no import.sh found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn import_lines_are_parsed() {
    assert_eq!(
        import_commands("# comment\nterraform import dispatch_api.orders orders\nterraform import 'dispatch_api.x' \"x\"\n"),
        vec![
            ("dispatch_api.orders".to_string(), "orders".to_string()),
            ("dispatch_api.x".to_string(), "x".to_string())
        ]
    );
}
