//! Runs the real `terraform` CLI, offline, against the provider binary cargo built for these
//! tests (through `dev_overrides`, so no `init` and no registry) and a Kong sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;

use kong_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value as Json;
use test_support::admin::{has_tag, AdminClient, MANAGED_TAG};
use test_support::lane::{self, Inventory};

/// The provider binary cargo built for this test run (shared by every test).
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-dispatch"))
}

/// The `terraform` command: `$TERRAFORM`, else `terraform` on PATH.
pub fn terraform_command() -> String {
    std::env::var("TERRAFORM").unwrap_or_else(|_| "terraform".to_string())
}

/// What one terraform command printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// What a finished terraform process printed.
    pub fn of(output: std::process::Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Both streams with every run of white space made one space, so that assertions on
    /// messages do not depend on where Terraform wraps lines.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Panics with the output unless the command succeeded.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "terraform failed:\n{}", self.output());
        self
    }

    /// Panics with the output unless the command failed.
    #[track_caller]
    pub fn failure(self) -> Self {
        assert_ne!(
            self.code,
            0,
            "terraform should have failed:\n{}",
            self.output()
        );
        self
    }
}

/// A Terraform working directory wired to a sandbox.
pub struct Workspace {
    dir: tempfile::TempDir,
    cli_config: PathBuf,
    /// The sandbox this workspace's provider talks to.
    pub kong_url: String,
}

impl Workspace {
    /// A fresh directory whose provider block points at `kong_url`.
    pub fn new(kong_url: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let cli_config = dir.path().join("terraform.rc");
        let provider_dir = provider_binary()
            .parent()
            .expect("binary has a directory")
            .to_path_buf();
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"dispatchframework/dispatch\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir.display()
            ),
        )
        .expect("write CLI config");
        Self {
            dir,
            cli_config,
            kong_url: kong_url.to_string(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file beside `main.tf` (read from the configuration with `file()`).
    pub fn write_file(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).expect("write file");
    }

    /// The `terraform` and `provider` blocks, with extra provider attributes.
    pub fn provider_block(&self, extra: &str) -> String {
        format!(
            "terraform {{\n  required_providers {{\n    dispatch = {{ source = \"dispatchframework/dispatch\" }}\n  }}\n}}\n\nprovider \"dispatch\" {{\n  kong_admin_url = \"{}\"\n  max_retries    = 1\n{extra}\n}}\n",
            self.kong_url
        )
    }

    /// Writes `main.tf`: the provider block, then `body`.
    pub fn write(&self, body: &str) {
        self.write_with_provider("", body);
    }

    /// Writes `main.tf` with extra provider attributes.
    pub fn write_with_provider(&self, provider_extra: &str, body: &str) {
        let text = format!("{}\n{body}\n", self.provider_block(provider_extra));
        std::fs::write(self.path().join("main.tf"), text).expect("write main.tf");
    }

    /// Runs terraform with these arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// The `terraform` command for these arguments, with this workspace's environment and
    /// `env` on top (for `TF_LOG`, say), not started yet.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(terraform_command());
        command
            .args(args)
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .env_remove("KONG_ADMIN_URL")
            .env_remove("KONG_ADMIN_TOKEN")
            .env_remove("KONG_WORKSPACE")
            .env_remove("DISPATCH_ORGANIZATION");
        command.envs(env.iter().copied());
        command
    }

    /// Runs terraform with these arguments and extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = self.command(args, env).output().expect("terraform runs");
        Run::of(output)
    }

    /// `terraform apply -auto-approve`.
    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
    pub fn plan(&self) -> Run {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Run {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform import ADDRESS ID`.
    pub fn import(&self, address: &str, id: &str) -> Run {
        self.run(&["import", "-input=false", "-no-color", address, id])
    }

    /// The attributes of a resource in the state (`terraform show -json`).
    pub fn resource(&self, address: &str) -> Option<Json> {
        let run = self.run(&["show", "-json", "-no-color"]).success();
        let show: Json = serde_json::from_str(&run.stdout).expect("show -json is JSON");
        show["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }

    /// Every resource instance in the state, as `terraform show -json` writes them (address,
    /// values, and `tainted` when it is).
    pub fn state_resources(&self) -> Vec<Json> {
        let run = self.run(&["show", "-json", "-no-color"]).success();
        let show: Json = serde_json::from_str(&run.stdout).expect("show -json is JSON");
        show["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The resource addresses in the state.
    pub fn state_list(&self) -> Vec<String> {
        let run = self.run(&["state", "list"]);
        run.stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Whether `request` is configure's check of Kong: `GET /`, or `GET /<workspace>/kong` with a
/// workspace (the provider's `Client::probe`).
pub fn is_configure_probe(request: &kong_sandbox::RequestRecord) -> bool {
    let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
    request.method == "GET" && matches!(segments.as_slice(), [] | [_, "kong"])
}

/// The Kong a test arranges, drives and inspects: an in-process sandbox of its own, or, in the
/// real-Kong lane ([`test_support::lane`]), the Kong at `DISPATCH_TEST_KONG_URL`.
pub struct Kong {
    /// The test's own sandbox, for its control port (faults, request counts, latency). A test
    /// that uses it starts with [`needs_sandbox`], so that it skips in the real-Kong lane;
    /// reaching it from the lane's handle panics and says so.
    pub sandbox: LocalSandbox,
    admin: AdminClient,
    /// In the lane: what Kong held when this handle was made, so that dropping the handle
    /// deletes exactly what the test added.
    before: Option<Inventory>,
}

impl Kong {
    /// A community-edition sandbox, or the lane's Kong.
    pub fn start() -> Self {
        match lane::kong_url() {
            Some(url) => Self::external(&url),
            None => Self::with(SandboxConfig::default()),
        }
    }

    /// A sandbox with this configuration, in the real-Kong lane too (where it says that the
    /// test ran on its own sandbox; a test that should skip there starts with
    /// [`needs_sandbox`]).
    pub fn with(config: SandboxConfig) -> Self {
        if lane::active() {
            lane::note("ran on a sandbox of its own, not the lane's Kong (Kong::with)");
        }
        let sandbox = Sandbox::spawn(config).expect("sandbox starts");
        Self {
            admin: AdminClient::new(&sandbox.url()),
            sandbox: LocalSandbox(Some(sandbox)),
            before: None,
        }
    }

    /// A sandbox of its own that says it is Kong `version` in `GET /` (its Admin API stays
    /// Kong 3.9's).
    pub fn reporting(version: &str) -> Self {
        Self::with(SandboxConfig {
            version: Some(version.into()),
            ..SandboxConfig::default()
        })
    }

    /// The lane's Kong at `url`.
    fn external(url: &str) -> Self {
        let admin = AdminClient::new(url);
        let before = Inventory::take(&admin);
        Self {
            admin,
            sandbox: LocalSandbox(None),
            before: Some(before),
        }
    }

    /// The Admin API URL.
    pub fn url(&self) -> String {
        self.admin.url().to_string()
    }

    /// A workspace pointed at this Kong.
    pub fn workspace(&self) -> Workspace {
        Workspace::new(&self.url())
    }

    /// The Admin API requests since the last reset but configure's check of Kong (one per
    /// provider process Terraform configures, see [`is_configure_probe`]): what the
    /// declarations themselves cost.
    pub fn requests_past_configure(&self) -> Vec<kong_sandbox::RequestRecord> {
        let mut requests = self.sandbox.controls().requests();
        requests.retain(|r| !is_configure_probe(r));
        requests
    }

    /// Sends a request to the Admin API; returns the status and the JSON body (Null if none).
    #[track_caller]
    pub fn call(&self, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
        self.admin.call(method, path, body)
    }

    /// GET that must succeed.
    #[track_caller]
    pub fn get(&self, path: &str) -> Json {
        let (status, body) = self.call("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Whether GET answers 404.
    #[track_caller]
    pub fn missing(&self, path: &str) -> bool {
        self.call("GET", path, None).0 == 404
    }

    /// Every entity of a collection (all pages).
    #[track_caller]
    pub fn list(&self, collection: &str) -> Vec<Json> {
        self.admin.list(collection)
    }

    /// The entities of a collection carrying the provider's ownership tag.
    #[track_caller]
    pub fn managed(&self, collection: &str) -> Vec<Json> {
        self.list(collection)
            .into_iter()
            .filter(|e| has_tag(e, MANAGED_TAG))
            .collect()
    }

    /// Sends a request that must succeed (2xx).
    #[track_caller]
    pub fn send(&self, method: &str, path: &str, body: Json) -> Json {
        let (status, answer) = self.call(method, path, Some(body));
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {answer}"
        );
        answer
    }
}

impl Drop for Kong {
    /// In the lane, deletes what the test added to the shared Kong, whether it passed or not.
    fn drop(&mut self) {
        if let Some(before) = &self.before {
            before.restore(&self.admin);
        }
    }
}

/// In the real-Kong lane: says that the running test is skipped because it needs a Kong sandbox
/// of its own (`why`: what for, such as "fault injection" or "request counts"), and answers
/// true, for the test to return at once. Outside the lane: false.
pub fn needs_sandbox(why: &str) -> bool {
    if lane::active() {
        lane::skip(&format!("needs a Kong sandbox of its own: {why}"));
        return true;
    }
    false
}

/// The test's own sandbox, when it has one.
pub struct LocalSandbox(Option<Sandbox>);

impl std::ops::Deref for LocalSandbox {
    type Target = Sandbox;

    #[track_caller]
    fn deref(&self) -> &Sandbox {
        self.0.as_ref().expect(
            "this test uses the sandbox's control port, which the real-Kong lane does not have: \
             start it with `if needs_sandbox(\"why\") { return; }` (it then skips in the lane)",
        )
    }
}

/// Strings of a JSON array, sorted.
pub fn strings(value: &Json) -> Vec<String> {
    let mut out: Vec<String> = value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
