//! What `scripts/release.sh` writes: the Terraform Registry's file names, sums that match, one
//! executable per zip that says its version at once, the manifest, and a GPG signature that
//! verifies when a key is given.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{file_name, host_platform, sha256_hex, zip_entries, zip_name, Release, VERSION};
use crate::harness::provider_binary;

/// Runs `program args`, killing it if it has not ended within 10 s (a binary that starts the
/// plugin server instead of answering would wait for Terraform forever).
fn run_briefly(program: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("waits").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} {args:?} did not exit within 10 s", program.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks `--version` and `--help` of an executable: they answer at once, with exit 0 and no
/// plugin handshake line.
fn answers_version_and_help(executable: &Path) {
    let version = run_briefly(executable, &["--version"]);
    assert!(version.status.success(), "{version:?}");
    assert_eq!(
        text(&version.stdout),
        format!("terraform-provider-dispatch {VERSION}\n")
    );
    let help = run_briefly(executable, &["--help"]);
    assert!(help.status.success(), "{help:?}");
    let help = text(&help.stdout);
    assert!(help.contains("Terraform plugin"), "{help}");
    assert!(help.contains("terraform init"), "{help}");
    assert!(!help.contains("|6|tcp|"), "no handshake: {help}");
    // Run by hand without Terraform's handshake variable: a message, not a server.
    let by_hand = run_briefly(executable, &[]);
    assert_eq!(by_hand.status.code(), Some(1), "{by_hand:?}");
    assert!(text(&by_hand.stdout).is_empty(), "no handshake line");
    assert!(text(&by_hand.stderr).contains("started by Terraform"));
}

#[test]
fn the_provider_binary_answers_version_and_help_without_the_plugin_handshake() {
    answers_version_and_help(&provider_binary());
    let unknown = run_briefly(&provider_binary(), &["--serve"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("unknown argument `--serve`"));
}

#[test]
fn a_release_holds_what_the_registry_expects() {
    let release = Release::for_this_machine();
    let platform = host_platform();
    let zip = zip_name(&platform);
    let manifest = file_name("manifest.json");
    let sums = file_name("SHA256SUMS");
    let mut expected = vec![zip.clone(), manifest.clone(), sums];
    expected.sort();
    assert_eq!(release.names(), expected, "{}", release.output);
    assert!(
        release.output.contains("SHA256SUMS is unsigned"),
        "says the sums are unsigned: {}",
        release.output
    );

    // One line per zip and for the manifest, each the file's SHA-256.
    let lines = release.sums();
    let mut named: Vec<&str> = lines.iter().map(|(_, n)| n.as_str()).collect();
    named.sort();
    let mut want = vec![zip.as_str(), manifest.as_str()];
    want.sort();
    assert_eq!(named, want);
    for (sum, name) in &lines {
        assert_eq!(sum, &sha256_hex(&release.file(name)), "{name}");
    }

    // One executable, named as Terraform looks for it, with its execute bits.
    let entries = zip_entries(&release.file(&zip));
    assert_eq!(entries.len(), 1, "one file in the zip");
    let (name, mode, content) = &entries[0];
    assert_eq!(name, &format!("terraform-provider-dispatch_v{VERSION}"));
    assert_eq!(mode.map(|m| m & 0o777), Some(0o755));
    let unpacked = tempfile::tempdir().expect("temp dir");
    let executable = unpacked.path().join(name);
    std::fs::write(&executable, content).expect("unpacked");
    std::fs::set_permissions(&executable, std::fs::Permissions::from_mode(0o755))
        .expect("executable");
    answers_version_and_help(&executable);

    // The registry manifest, as committed.
    let committed = std::fs::read(super::repo_root().join("terraform-registry-manifest.json"))
        .expect("manifest");
    assert_eq!(
        std::fs::read(release.file(&manifest)).expect("copy"),
        committed
    );
    let manifest: serde_json::Value = serde_json::from_slice(&committed).expect("JSON");
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
}

/// A stand-in for an executable built elsewhere: the script cannot run a foreign binary, so it
/// checks that the file carries this version's User-Agent string (which the real one has
/// compiled in), and packages it as it is.
fn prebuilt_binary(dir: &Path) -> PathBuf {
    let path = dir.join("terraform-provider-dispatch");
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho built elsewhere: terraform-provider-dispatch/{VERSION}\n"),
    )
    .expect("stand-in");
    path
}

#[test]
fn every_platform_gets_its_zip_and_one_sums_file_covers_them_all() {
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = prebuilt_binary(dir.path());
    let binary = binary.to_str().expect("UTF-8 path");
    let args = [
        "--prebuilt".to_string(),
        format!("x86_64-unknown-linux-gnu={binary}"),
        "--prebuilt".to_string(),
        format!("aarch64-apple-darwin={binary}"),
        "--prebuilt".to_string(),
        format!("x86_64-pc-windows-gnu={binary}"),
        "--prebuilt".to_string(),
        format!("aarch64-unknown-linux-musl={binary}"),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let epoch = [("SOURCE_DATE_EPOCH", "1767225600")];
    let release = Release::make(&args, &epoch);
    let platforms = [
        "darwin_arm64",
        "linux_amd64",
        "linux_arm64",
        "windows_amd64",
    ];
    let mut expected: Vec<String> = platforms.iter().map(|p| zip_name(p)).collect();
    expected.push(file_name("SHA256SUMS"));
    expected.push(file_name("manifest.json"));
    expected.sort();
    assert_eq!(release.names(), expected, "{}", release.output);
    assert_eq!(
        release.sums().len(),
        platforms.len() + 1,
        "zips and manifest"
    );
    for (sum, name) in release.sums() {
        assert_eq!(sum, sha256_hex(&release.file(&name)), "{name}");
    }
    for platform in platforms {
        let entries = zip_entries(&release.file(&zip_name(platform)));
        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        let executable = if platform.starts_with("windows") {
            format!("terraform-provider-dispatch_v{VERSION}.exe")
        } else {
            format!("terraform-provider-dispatch_v{VERSION}")
        };
        assert_eq!(names, [executable.as_str()], "{platform}");
    }

    // The same executables and SOURCE_DATE_EPOCH make the same files, byte for byte.
    let again = Release::make(&args, &epoch);
    for name in release.names() {
        assert_eq!(
            sha256_hex(&release.file(&name)),
            sha256_hex(&again.file(&name)),
            "{name} is reproducible"
        );
    }
}

#[test]
fn a_binary_of_another_version_or_an_unknown_target_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stranger = dir.path().join("terraform-provider-dispatch");
    std::fs::write(&stranger, b"terraform-provider-dispatch/0.0.0-other").expect("file");
    let spec = format!("x86_64-unknown-linux-gnu={}", stranger.display());
    let (release, run) = Release::attempt(&["--prebuilt", &spec], &[]);
    assert_ne!(run.code, 0, "{}", release.output);
    assert!(
        release
            .output
            .contains(&format!("is not terraform-provider-dispatch {VERSION}")),
        "{}",
        release.output
    );
    assert!(!release.dist().exists(), "nothing written");

    let binary = prebuilt_binary(dir.path());
    let spec = format!("wasm32-unknown-unknown={}", binary.display());
    let (release, run) = Release::attempt(&["--prebuilt", &spec], &[]);
    assert_ne!(run.code, 0, "{}", release.output);
    assert!(
        release
            .output
            .contains("no Terraform platform for the target triple 'wasm32-unknown-unknown'"),
        "{}",
        release.output
    );
    assert!(!release.dist().exists(), "nothing written");

    let (release, run) = Release::attempt(&["--target"], &[]);
    assert_ne!(run.code, 0);
    assert!(
        release.output.contains("--target needs a triple"),
        "{}",
        release.output
    );
}

/// A GnuPG home of its own, with a throwaway RSA key protected by a passphrase; its agent is
/// stopped when the test ends.
struct Gpg {
    home: tempfile::TempDir,
    fingerprint: String,
}

const PASSPHRASE: &str = "release-test passphrase 7f3a";

impl Gpg {
    fn new() -> Gpg {
        // Short path: gpg-agent's socket lives in it, and socket paths are limited to ~100 bytes.
        let home = tempfile::Builder::new()
            .prefix("gpg")
            .tempdir_in("/tmp")
            .expect("GNUPGHOME");
        // No passphrase cache: every signature needs the passphrase it is given.
        std::fs::write(
            home.path().join("gpg-agent.conf"),
            "default-cache-ttl 0\nmax-cache-ttl 0\n",
        )
        .expect("agent configuration");
        let mut gpg = Gpg {
            home,
            fingerprint: String::new(),
        };
        let made = gpg
            .command()
            .args(["--pinentry-mode", "loopback", "--passphrase", PASSPHRASE])
            .args([
                "--quick-generate-key",
                "Dispatch release test <release-test@example.invalid>",
                "rsa2048",
                "sign",
                "never",
            ])
            .output()
            .expect("gpg runs (the Debian package gnupg; scripts/setup.sh installs it)");
        assert!(made.status.success(), "{}", text(&made.stderr));
        let listed = gpg
            .command()
            .args(["--with-colons", "--list-secret-keys"])
            .output()
            .expect("gpg lists");
        let fingerprint = text(&listed.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_string())
            .expect("a fingerprint");
        gpg.fingerprint = fingerprint;
        gpg
    }

    fn command(&self) -> Command {
        let mut command = Command::new("gpg");
        command.arg("--batch").env("GNUPGHOME", self.home.path());
        command
    }

    /// Whether `signature` is a valid signature of `file` by this key.
    fn verifies(&self, signature: &Path, file: &Path) -> bool {
        let out = self
            .command()
            .args(["--status-fd", "1", "--verify"])
            .arg(signature)
            .arg(file)
            .output()
            .expect("gpg verifies");
        out.status.success()
            && text(&out.stdout).contains(&format!("[GNUPG:] VALIDSIG {}", self.fingerprint))
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.home.path())
            .output();
    }
}

#[test]
fn a_release_signed_with_a_gpg_key_verifies_with_that_key() {
    let gpg = Gpg::new();
    let home = gpg.home.path().to_str().expect("UTF-8 path").to_string();

    // The key is used, not merely named: with a wrong passphrase gpg cannot sign, and the
    // release fails, leaving no unsigned files behind that could pass for it.
    let (failed, run) = Release::attempt(
        &["--gpg-key", &gpg.fingerprint],
        &[("GNUPGHOME", &home), ("GPG_PASSPHRASE", "wrong")],
    );
    assert_ne!(run.code, 0, "{}", failed.output);
    assert!(
        failed.output.contains("signing failed"),
        "{}",
        failed.output
    );
    assert!(failed.names().is_empty(), "{:?}", failed.names());

    let release = Release::make(
        &["--gpg-key", &gpg.fingerprint],
        &[("GNUPGHOME", &home), ("GPG_PASSPHRASE", PASSPHRASE)],
    );
    let sums = release.file(&file_name("SHA256SUMS"));
    let signature = release.file(&file_name("SHA256SUMS.sig"));
    assert!(
        release.names().contains(&file_name("SHA256SUMS.sig")),
        "{:?}\n{}",
        release.names(),
        release.output
    );
    assert_eq!(release.names().len(), 4, "{:?}", release.names());
    assert!(!release.output.contains("unsigned"), "{}", release.output);
    assert!(
        !release.output.contains(PASSPHRASE),
        "the passphrase is never shown"
    );
    assert!(gpg.verifies(&signature, &sums), "{}", release.output);
    // Binary, not ASCII-armoured: what Terraform's registry client reads.
    let bytes = std::fs::read(&signature).expect("signature");
    assert!(!bytes.starts_with(b"-----BEGIN"), "a binary signature");

    // It signs these sums and no others.
    let altered = tempfile::NamedTempFile::new().expect("temp file");
    let mut text = std::fs::read_to_string(&sums).expect("sums");
    text = text.replacen('0', "1", 1);
    std::fs::write(altered.path(), text).expect("altered sums");
    assert!(!gpg.verifies(&signature, altered.path()));
}
