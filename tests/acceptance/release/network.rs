//! A provider network mirror: `scripts/mirror.sh` lays out the release's files and the
//! protocol's JSON documents, a local HTTPS server serves them (a certificate made at test
//! time, trusted through `SSL_CERT_FILE`), and `terraform init` installs from it.

use std::process::Command;

use serde_json::{json, Value as Json};

use super::https::StaticServer;
use super::{
    constraint, h1_hash, host_platform, init, installed_executable, installing_workspace, locked,
    repo_root, required_providers, terraform, zip_name, Release, ADDRESS, VERSION,
};
use crate::harness::Run;
use crate::pki::Pki;

fn read_json(path: &std::path::Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

fn network_mirror_config(url: &str) -> String {
    format!(
        "provider_installation {{\n  network_mirror {{\n    url     = \"{url}\"\n    include = [\"{ADDRESS}\"]\n  }}\n}}\n"
    )
}

#[test]
fn a_network_mirror_served_over_https_installs_the_release() {
    let release = Release::for_this_machine();
    let platform = host_platform();
    let zip = zip_name(&platform);

    let out = tempfile::tempdir().expect("temp dir");
    let made = Command::new("bash")
        .arg(repo_root().join("scripts/mirror.sh"))
        .arg("--dist")
        .arg(release.dist())
        .arg(out.path())
        .output()
        .expect("bash runs");
    let made = Run::of(made).success();
    let provider_dir = out.path().join(ADDRESS);
    assert!(
        made.stdout.contains(&provider_dir.display().to_string()),
        "{made:?}"
    );
    assert_eq!(
        read_json(&provider_dir.join("index.json")),
        json!({"versions": {VERSION: {}}})
    );
    let h1 = h1_hash(&release.file(&zip));
    assert_eq!(
        read_json(&provider_dir.join(format!("{VERSION}.json"))),
        json!({"archives": {platform.as_str(): {
            "url": zip,
            "hashes": [h1],
        }}})
    );
    assert_eq!(
        std::fs::read(provider_dir.join(&zip)).expect("zip in the mirror"),
        std::fs::read(release.file(&zip)).expect("released zip")
    );

    let pki = Pki::new();
    let server = StaticServer::start(out.path(), &pki.server.cert_pem, &pki.server.key_pem);
    let ws = installing_workspace("http://127.0.0.1:9", &network_mirror_config(&server.url()));
    ws.write_file("main.tf", &required_providers(&constraint()));

    // Terraform verifies the server: a CA it was not told to trust is refused.
    let other_ca = ws.path().join("other-ca.pem");
    std::fs::write(&other_ca, &pki.other_ca_pem).expect("CA file");
    let other_ca = other_ca.to_str().expect("UTF-8 path").to_string();
    let refused = init(&ws, &[("SSL_CERT_FILE", &other_ca)])
        .failure()
        .output();
    assert!(refused.contains("certificate"), "{refused}");
    assert!(!installed_executable(ws.path(), &platform).exists());

    let ca = ws.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("CA file");
    let ca = ca.to_str().expect("UTF-8 path").to_string();
    let installed = init(&ws, &[("SSL_CERT_FILE", &ca)]).success().output();
    assert!(
        installed.contains(&format!("Installing dispatchframework/dispatch v{VERSION}")),
        "{installed}"
    );
    let requests = server.requests();
    for path in [
        format!("/{ADDRESS}/index.json"),
        format!("/{ADDRESS}/{VERSION}.json"),
        format!("/{ADDRESS}/{zip}"),
    ] {
        assert!(requests.contains(&path), "{path} was served: {requests:?}");
    }
    // The lock file holds the package's hash, which Terraform checked against the mirror's.
    let lock = locked(ws.path());
    assert_eq!(lock.version, VERSION);
    assert_eq!(lock.constraints, constraint());
    assert_eq!(lock.hashes, vec![h1]);
    assert!(installed_executable(ws.path(), &platform).exists());
    terraform(&ws, &["validate", "-no-color"], &[("SSL_CERT_FILE", &ca)]).success();
}
