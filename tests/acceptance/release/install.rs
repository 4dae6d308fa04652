//! Installing a release from a filesystem mirror made of its zips alone, as a platform team's
//! users do: `terraform init` with a version constraint (no `dev_overrides`), the lock file and
//! its hashes, an apply and an empty plan with the installed binary, and a tampered package
//! refused.

use std::path::{Path, PathBuf};

use super::recorder::Recorder;
use super::{
    constraint, h1_hash, host_platform, init, installed_executable, installing_workspace, locked,
    required_providers, terraform, write_zip, zip_entries, Mirror, Release, VERSION,
};
use crate::harness::Kong;

const API: &str = r#"
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders-handler"
  hosts    = ["orders.example.com"]
  methods  = ["GET", "POST"]
  rate_limit {
    per_minute = 60
  }
}
"#;

#[test]
fn installed_from_a_filesystem_mirror_the_release_is_locked_applies_and_plans_clean() {
    let release = Release::for_this_machine();
    let mirror = Mirror::of(&release);
    let platform = host_platform();
    let kong = Kong::start();
    // Every Admin API request passes through a recorder, for its User-Agent.
    let recorder = Recorder::start(&kong.url());
    let ws = installing_workspace(&recorder.url(), &mirror.cli_config());
    ws.write_file(
        "main.tf",
        &format!(
            "{}\nprovider \"dispatch\" {{\n  kong_admin_url = \"{}\"\n}}\n{API}",
            required_providers(&constraint()),
            recorder.url()
        ),
    );

    let out = init(&ws, &[]).success().output();
    assert!(
        out.contains(&format!("Installing dispatchframework/dispatch v{VERSION}")),
        "{out}"
    );
    // The lock file names the version the constraint chose, and the package's own hash.
    let lock = locked(ws.path());
    assert_eq!(lock.version, VERSION);
    assert_eq!(lock.constraints, constraint());
    assert_eq!(lock.hashes, vec![h1_hash(&mirror.zip(&platform))]);
    // What runs is the zip's executable, unpacked by Terraform.
    let installed = installed_executable(ws.path(), &platform);
    let (_, _, packaged) = zip_entries(&mirror.zip(&platform)).remove(0);
    assert_eq!(std::fs::read(&installed).expect("installed"), packaged);

    let apply = terraform(
        &ws,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[],
    );
    apply.success();
    assert_eq!(kong.get("/services/orders")["name"], "orders");
    let plan = terraform(
        &ws,
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &[],
    );
    assert_eq!(
        plan.code,
        0,
        "the plan after apply is empty: {}",
        plan.output()
    );

    let agents = recorder.user_agents();
    assert!(
        agents.len() >= 3,
        "requests went through the recorder: {agents:?}"
    );
    let expected = format!("terraform-provider-dispatch/{VERSION}");
    assert!(
        agents
            .iter()
            .all(|a| a.as_deref() == Some(expected.as_str())),
        "every Admin API request says {expected}: {agents:?}"
    );

    terraform(
        &ws,
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
        &[],
    )
    .success();
    assert!(kong.managed("services").is_empty());
}

#[test]
fn a_tampered_package_is_refused_because_the_lock_file_remembers_its_hash() {
    let release = Release::for_this_machine();
    let mirror = Mirror::of(&release);
    let platform = host_platform();
    let kong = Kong::start();
    let ws = installing_workspace(&kong.url(), &mirror.cli_config());
    ws.write_file("main.tf", &required_providers(&constraint()));
    init(&ws, &[]).success();
    let lock_file = ws.path().join(".terraform.lock.hcl");
    let recorded = std::fs::read_to_string(&lock_file).expect("lock file");

    // Someone with write access to the mirror swaps the executable for another one, under the
    // same name, in a well-formed zip.
    let zip = mirror.zip(&platform);
    let (name, _, mut content) = zip_entries(&zip).remove(0);
    content.extend_from_slice(b"\nnot what was released\n");
    write_zip(&zip, &name, &content);

    std::fs::remove_dir_all(ws.path().join(".terraform")).expect("fresh checkout");
    let out = init(&ws, &[]).failure().output();
    assert!(
        out.contains(
            "doesn't match any of the checksums previously recorded in the dependency lock file"
        ),
        "{out}"
    );
    assert!(
        !installed_executable(ws.path(), &platform).exists(),
        "the tampered executable is not installed"
    );
    assert_eq!(
        std::fs::read_to_string(&lock_file).expect("lock file"),
        recorded,
        "the lock file still holds the released hash"
    );
}

/// Every directory under `examples/` holding `.tf` files.
fn example_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
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
        example_dirs(entry, out);
    }
}

#[test]
fn every_example_installs_the_release_on_its_own() {
    let release = Release::for_this_machine();
    let mirror = Mirror::of(&release);
    let mut examples = Vec::new();
    example_dirs(&super::repo_root().join("examples"), &mut examples);
    assert!(examples.len() >= 10, "{examples:?}");
    let mut failures = Vec::new();
    for example in &examples {
        // The example's files as they are, nothing added: what a new user copies.
        let ws = installing_workspace("http://127.0.0.1:9", &mirror.cli_config());
        for entry in std::fs::read_dir(example).expect("example readable") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::copy(&path, ws.path().join(path.file_name().expect("name")))
                    .expect("copied");
            }
        }
        let initialised = init(&ws, &[]);
        let name = example.display();
        if initialised.code != 0 {
            failures.push(format!("{name}: init failed: {}", initialised.output()));
            continue;
        }
        let lock = locked(ws.path());
        if lock.version != VERSION || lock.constraints.is_empty() {
            failures.push(format!(
                "{name}: locked {lock:?}, not {VERSION} under a constraint"
            ));
        }
        // The installed provider serves its schema to the example (no Kong needed).
        let validate = terraform(&ws, &["validate", "-no-color"], &[]);
        if validate.code != 0 {
            failures.push(format!("{name}: validate failed: {}", validate.output()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn terraform_providers_lock_records_every_platform_of_the_mirror() {
    // Stand-ins for executables built elsewhere: `providers lock` hashes packages, it never
    // runs them.
    let dir = tempfile::tempdir().expect("temp dir");
    let platforms = [
        ("x86_64-unknown-linux-gnu", "linux_amd64"),
        ("aarch64-apple-darwin", "darwin_arm64"),
        ("x86_64-pc-windows-msvc", "windows_amd64"),
    ];
    let mut specs = Vec::new();
    for (triple, _) in platforms {
        let stand_in = dir.path().join(triple);
        std::fs::write(
            &stand_in,
            format!("terraform-provider-dispatch/{VERSION} for {triple}\n"),
        )
        .expect("stand-in");
        specs.push("--prebuilt".to_string());
        specs.push(format!("{triple}={}", stand_in.display()));
    }
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let release = Release::make(&specs, &[]);
    let mirror = Mirror::of(&release);
    let ws = installing_workspace("http://127.0.0.1:9", &mirror.cli_config());
    ws.write_file("main.tf", &required_providers(&constraint()));

    let mut args = vec![
        "providers".to_string(),
        "lock".to_string(),
        "-no-color".to_string(),
    ];
    args.push(format!("-fs-mirror={}", mirror.path().display()));
    args.extend(platforms.iter().map(|(_, p)| format!("-platform={p}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    terraform(&ws, &args, &[]).success();

    let lock = locked(ws.path());
    assert_eq!(lock.version, VERSION);
    let mut expected: Vec<String> = platforms
        .iter()
        .map(|(_, platform)| h1_hash(&mirror.zip(platform)))
        .collect();
    expected.sort();
    let mut hashes = lock.hashes.clone();
    hashes.sort();
    assert_eq!(hashes, expected, "one h1: hash per platform");
}
