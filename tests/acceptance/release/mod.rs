//! Releases a team can install: what `scripts/release.sh` writes, and Terraform installing it
//! from mirrors made of those files alone (no `dev_overrides`), locking its hashes, refusing a
//! tampered package, and applying with it.
//!
//! The release binary is built once: by the first test that runs the script (`cargo build
//! --release`); every later run finds it up to date, and cargo's own lock makes tests that run
//! at the same time wait for that one build.

mod files;
mod https;
mod install;
mod network;
mod recorder;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::harness::{Run, Workspace};

/// The version in Cargo.toml, which names every release file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The provider's address in the registry (and in mirrors).
pub const ADDRESS: &str = "registry.terraform.io/dispatchframework/dispatch";

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The constraint the README and the examples suggest (`~> 0.1.0` for 0.1.x).
pub fn constraint() -> String {
    dispatch_provider::startup::compatible_constraint(VERSION)
}

/// Terraform's name of the platform these tests run on, which the script builds by default.
pub fn host_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// The name of a release file: `terraform-provider-dispatch_<V>_<suffix>`.
pub fn file_name(suffix: &str) -> String {
    format!("terraform-provider-dispatch_{VERSION}_{suffix}")
}

/// The zip of a platform.
pub fn zip_name(platform: &str) -> String {
    file_name(&format!("{platform}.zip"))
}

/// One run of `scripts/release.sh` into a directory of its own.
pub struct Release {
    dir: tempfile::TempDir,
    /// What the script printed (stdout, then stderr).
    pub output: String,
}

impl Release {
    /// Runs the script with these arguments (after `--dist`) and environment; panics with its
    /// output unless it succeeds.
    pub fn make(args: &[&str], env: &[(&str, &str)]) -> Release {
        let (release, run) = Self::attempt(args, env);
        assert_eq!(run.code, 0, "release.sh failed:\n{}", release.output);
        release
    }

    /// Runs the script; the caller checks how it ended.
    pub fn attempt(args: &[&str], env: &[(&str, &str)]) -> (Release, Run) {
        let dir = tempfile::tempdir().expect("temp dir");
        let dist = dir.path().join("dist");
        let mut command = Command::new("bash");
        command
            .arg(repo_root().join("scripts/release.sh"))
            .arg("--dist")
            .arg(&dist)
            .args(args)
            .env_remove("GPG_FINGERPRINT");
        for variable in cargo_test_variables() {
            command.env_remove(variable);
        }
        let output = command
            .envs(env.iter().copied())
            .output()
            .expect("bash runs");
        let run = Run::of(output);
        let release = Release {
            dir,
            output: format!("{}\n{}", run.stdout, run.stderr),
        };
        (release, run)
    }

    /// The release the installation tests use: this machine's target, unsigned.
    pub fn for_this_machine() -> Release {
        Release::make(&[], &[])
    }

    /// The directory the script wrote.
    pub fn dist(&self) -> PathBuf {
        self.dir.path().join("dist")
    }

    /// A file of the release.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dist().join(name)
    }

    /// The names in the release directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dist())
            .expect("dist readable")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The lines of SHA256SUMS as (sum, file name).
    pub fn sums(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.file(&file_name("SHA256SUMS"))).expect("sums");
        text.lines()
            .map(|line| {
                let (sum, name) = line
                    .split_once("  ")
                    .unwrap_or_else(|| panic!("not `<sum>  <name>`: {line:?}"));
                (sum.to_string(), name.to_string())
            })
            .collect()
    }
}

/// The variables cargo sets for a test process (this package's name, version, manifest, …).
/// Build scripts watch some of them (ring's: `CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`, …), so a
/// release build that saw them would differ from one started from a shell, and each would
/// rebuild most of the dependencies after the other.
fn cargo_test_variables() -> Vec<std::ffi::OsString> {
    std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| {
            let name = name.to_string_lossy();
            ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_", "NEXTEST"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                || [
                    "CARGO_CRATE_NAME",
                    "CARGO_TARGET_TMPDIR",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_RUSTC_CURRENT_DIR",
                ]
                .contains(&name.as_ref())
        })
        .collect()
}

/// SHA-256 of a file, in hex.
pub fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hex(&Sha256::digest(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The entries of a zip: name, Unix mode, content.
pub fn zip_entries(path: &Path) -> Vec<(String, Option<u32>, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("entry");
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("entry readable");
            let name = entry.name().expect("a UTF-8 entry name").to_string();
            (name, entry.unix_mode(), content)
        })
        .collect()
}

/// Writes a zip holding one executable (stored, not compressed: Terraform reads either, and
/// compressing in a test build is slow).
pub fn write_zip(path: &Path, name: &str, content: &[u8]) {
    let file = std::fs::File::create(path).expect("zip created");
    let mut archive = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    archive.start_file(name, options).expect("entry");
    std::io::Write::write_all(&mut archive, content).expect("content");
    archive.finish().expect("zip written");
}

/// Terraform's `h1:` hash of a package, computed here from the zip's entries: Go's
/// `dirhash.Hash1` (golang.org/x/mod/sumdb/dirhash, which terraform
/// `internal/getproviders/hash.go` `PackageHashV1` uses): SHA-256 over the sorted lines
/// `<sha256 hex of the file>  <name>\n`, base64.
pub fn h1_hash(zip_path: &Path) -> String {
    let mut lines: Vec<String> = zip_entries(zip_path)
        .into_iter()
        .map(|(name, _, content)| format!("{}  {name}\n", hex(&Sha256::digest(&content))))
        .collect();
    lines.sort();
    let summary = Sha256::digest(lines.concat().as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary)
    )
}

/// A filesystem mirror in Terraform's packed layout, made of release zips only.
pub struct Mirror {
    dir: tempfile::TempDir,
}

impl Mirror {
    /// Copies the release's zips (nothing else) under the provider's address.
    pub fn of(release: &Release) -> Mirror {
        let dir = tempfile::tempdir().expect("temp dir");
        let package_dir = dir.path().join(ADDRESS);
        std::fs::create_dir_all(&package_dir).expect("mirror dir");
        for name in release.names().iter().filter(|n| n.ends_with(".zip")) {
            std::fs::copy(release.file(name), package_dir.join(name)).expect("zip copied");
        }
        Mirror { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where a zip of the mirror is.
    pub fn zip(&self, platform: &str) -> PathBuf {
        self.path().join(ADDRESS).join(zip_name(platform))
    }

    /// The CLI configuration that installs the provider from this mirror only.
    pub fn cli_config(&self) -> String {
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{ADDRESS}\"]\n  }}\n}}\n",
            self.path().display()
        )
    }
}

/// `terraform { required_providers { dispatch = { source, version } } }`.
pub fn required_providers(version: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    dispatch = {{\n      source  = \"dispatchframework/dispatch\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n"
    )
}

/// A working directory whose Terraform installs providers as `cli_config` says (instead of
/// the `dev_overrides` every other test uses).
pub fn installing_workspace(kong_url: &str, cli_config: &str) -> Workspace {
    let ws = Workspace::new(kong_url);
    // Workspace::command points TF_CLI_CONFIG_FILE at this file.
    ws.write_file("terraform.rc", cli_config);
    ws
}

/// Runs terraform in `ws` with no plugin cache (so a package comes from the mirror).
pub fn terraform(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = ws
        .command(args, env)
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .output()
        .expect("terraform runs");
    Run::of(output)
}

/// `terraform init`.
pub fn init(ws: &Workspace, env: &[(&str, &str)]) -> Run {
    terraform(ws, &["init", "-input=false", "-no-color"], env)
}

/// The provider's entry of `.terraform.lock.hcl`: its version, constraints and hashes.
#[derive(Debug, PartialEq, Eq)]
pub struct Locked {
    pub version: String,
    pub constraints: String,
    pub hashes: Vec<String>,
}

/// Reads the lock file Terraform wrote in `dir` (its format is stable: one block per provider,
/// `version`, `constraints` and a `hashes` list of strings).
pub fn locked(dir: &Path) -> Locked {
    let text = std::fs::read_to_string(dir.join(".terraform.lock.hcl")).expect("a lock file");
    let block = text
        .split_once(&format!("provider \"{ADDRESS}\" {{"))
        .unwrap_or_else(|| panic!("no block for {ADDRESS}:\n{text}"))
        .1;
    let block = &block[..block.find("\n}").unwrap_or(block.len())];
    let value = |key: &str| {
        block
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(key)?.trim().strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap_or_default()
    };
    let hashes = block
        .split_once("hashes")
        .and_then(|(_, rest)| {
            rest.trim_start()
                .strip_prefix('=')?
                .trim_start()
                .strip_prefix('[')
        })
        .map(|rest| {
            rest.split(']')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|h| h.trim().trim_matches('"').to_string())
                .filter(|h| !h.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Locked {
        version: value("version"),
        constraints: value("constraints"),
        hashes,
    }
}

/// Where `terraform init` unpacked the provider in `dir`.
pub fn installed_executable(dir: &Path, platform: &str) -> PathBuf {
    dir.join(".terraform/providers")
        .join(ADDRESS)
        .join(VERSION)
        .join(platform)
        .join(format!("terraform-provider-dispatch_v{VERSION}"))
}
