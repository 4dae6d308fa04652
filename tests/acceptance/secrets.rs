//! Secrets never reach anything Terraform or the provider prints: a full apply, refresh and
//! destroy run with `TF_LOG=trace` (Terraform copies the provider's stderr into its log), and
//! everything printed is scanned for every secret's value; so are the diagnostics of
//! configurations that fail because of a secret.
//!
//! A resource with a secret joins by adding a [`SecretCase`] to [`cases`].

use kong_sandbox::{Edition, SandboxConfig};
use test_support::admin::{AdminClient, Resp, Trust};

use crate::certs::{CertSpec, Issued, KeyKind};
use crate::harness::{needs_sandbox, Kong, Run, Workspace};
use crate::idp::FakeIdp;
use crate::pki::{write_files, Pki};

/// The RBAC token the Enterprise sandbox requires.
const ADMIN_TOKEN: &str = "kong-admin-token-5e3f1a7c9b";
/// A header for an authenticating proxy in front of Kong.
const PROXY_HEADER: &str = "proxy-credential-8d2b6e4f0a";
/// The password of the Admin URL's userinfo (an authenticating proxy taking HTTP Basic).
const URL_PASSWORD: &str = "url-password-41c7e9d2b8";

/// The sandbox's Admin API URL with a user and [`URL_PASSWORD`] in it.
fn url_with_userinfo(url: &str) -> String {
    url.replacen("://", &format!("://dispatch-admin:{URL_PASSWORD}@"), 1)
}

/// Resources and the secrets they hold, applied with the secret-laden provider below.
pub struct SecretCase {
    /// Name, for messages.
    pub name: &'static str,
    /// The resources.
    pub body: String,
    /// Files beside `main.tf` (secrets are read with `file()`, as users keep them out of
    /// their configuration: Terraform quotes the configuration's lines in diagnostics).
    pub files: Vec<(&'static str, String)>,
    /// Values that must never be printed.
    pub secrets: Vec<String>,
    /// Kong's edition for the case (open-source OIDC keeps jwt credentials in Kong).
    pub edition: Edition,
    /// Secrets Kong makes up for the case's entities, read from Kong (`GET` of a path) after
    /// the apply; they travel in Kong's answers, so they must not be printed either.
    pub made_by_kong: fn(&Get) -> Vec<String>,
}

/// Reads a path of the Admin API.
pub type Get<'a> = dyn Fn(&str) -> serde_json::Value + 'a;

fn none(_: &Get) -> Vec<String> {
    Vec::new()
}

/// The shared secrets Kong generates for jwt credentials that have none (the provider's hold
/// public keys and never use them).
fn jwt_secrets(get: &Get) -> Vec<String> {
    get("/jwts")["data"]
        .as_array()
        .map(|credentials| {
            credentials
                .iter()
                .filter_map(|c| c["secret"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The Admin API of a sandbox that requires the client certificate and the admin token.
fn mutual_admin(kong: &Kong, pki: &Pki) -> AdminClient {
    let trust = Trust {
        ca_pem: None,
        identity: Some(pki.client.clone()),
    };
    AdminClient::with_trust(&kong.url(), trust).with_header("Kong-Admin-Token", ADMIN_TOKEN)
}

/// The JSON answer to a request that must succeed.
#[track_caller]
fn succeeded(path: &str, answer: Resp) -> serde_json::Value {
    assert!(
        (200..300).contains(&answer.status),
        "{path}: {} {}",
        answer.status,
        answer.text()
    );
    serde_json::from_slice(&answer.body).expect("JSON")
}

/// A certificate read from `ledger.crt` and `ledger.key`.
const CERTIFICATE: &str = r#"
resource "dispatch_certificate" "ledger" {
  certificate = file("${path.module}/ledger.crt")
  private_key = file("${path.module}/ledger.key")
}
"#;

/// A basic-auth user's password.
const PASSWORD: &str = "correct-horse-battery-6e1d9a4c";

/// Every resource with a secret, and OIDC (whose jwt credentials Kong gives a secret).
/// (`dispatch_api` itself holds none; the provider's own secrets are in every case.)
/// `issuer` is an OpenID Connect issuer; `certificate` a certificate for `ledger.example.com`.
fn cases(issuer: &str, certificate: &Issued) -> Vec<SecretCase> {
    vec![
        SecretCase {
            name: "dispatch_api",
            body: r#"
resource "dispatch_api" "private" {
  name     = "private"
  function = "ledger"
  hosts    = ["ledger.example.com"]
}

resource "dispatch_api" "unlinked" {
  name = "unlinked"
}
"#
            .into(),
            files: vec![],
            secrets: vec![],
            edition: Edition::Enterprise,
            made_by_kong: none,
        },
        SecretCase {
            name: "dispatch_certificate",
            body: CERTIFICATE.into(),
            files: vec![
                ("ledger.crt", certificate.cert_pem()),
                ("ledger.key", certificate.key_pem()),
            ],
            secrets: vec![certificate.key_pem(), certificate.key_pem_traditional()],
            edition: Edition::Enterprise,
            made_by_kong: none,
        },
        SecretCase {
            name: "dispatch_basic_auth_user",
            body: r#"
resource "dispatch_basic_auth_user" "alice" {
  username = "alice"
  password = file("${path.module}/alice.password")
  groups   = ["staff"]
}

resource "dispatch_api" "private" {
  name           = "private"
  function       = "ledger"
  authentication = "basic"
  basic_auth {
    allowed_groups = ["staff"]
  }
}
"#
            .into(),
            files: vec![("alice.password", PASSWORD.to_string())],
            secrets: vec![PASSWORD.to_string()],
            edition: Edition::Enterprise,
            made_by_kong: none,
        },
        SecretCase {
            name: "OIDC on open-source Kong",
            body: format!(
                r#"
resource "dispatch_api" "private" {{
  name           = "private"
  function       = "ledger"
  authentication = "oidc"
  oidc {{
    issuer = "{issuer}"
  }}
}}
"#
            ),
            files: vec![],
            secrets: vec![],
            edition: Edition::Community,
            made_by_kong: jwt_secrets,
        },
    ]
}

/// A certificate for `ledger.example.com` (a P-256 key: quick to make).
fn ledger_certificate() -> Issued {
    CertSpec::leaf(&["ledger.example.com"])
        .key(KeyKind::P256)
        .self_signed()
}

/// The pieces of a secret worth looking for: the whole value, and each line of a PEM body
/// (a key printed in parts, or re-wrapped, still shows a line).
fn fragments(secret: &str) -> Vec<String> {
    let mut out = vec![secret.trim().to_string()];
    out.extend(
        secret
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
            .map(str::to_string),
    );
    out
}

#[track_caller]
fn assert_absent(run: &Run, secrets: &[String], context: &str) {
    let printed = format!("{}\n{}", run.stdout, run.stderr);
    for secret in secrets {
        for fragment in fragments(secret) {
            assert!(
                !printed.contains(&fragment),
                "{context}: a secret was printed: `{fragment}`"
            );
        }
    }
}

const TRACE: &[(&str, &str)] = &[("TF_LOG", "trace")];

/// What a failed traced run said: its stdout, and the warnings and errors of its trace.
fn failure(run: &Run) -> String {
    let notable: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| {
            l.contains("[ERROR]")
                || l.contains("[WARN]")
                || l.starts_with('│')
                || l.starts_with("Error")
        })
        .collect();
    format!("{}\n{}", run.stdout, notable.join("\n"))
}

/// A workspace whose provider uses every secret it has: an RBAC token, a proxy header, and a
/// client key for mutual TLS. Returns it with the provider's secrets.
fn secret_workspace(kong: &Kong, pki: &Pki) -> (Workspace, Vec<String>) {
    let mut ws = kong.workspace();
    ws.kong_url = url_with_userinfo(&ws.kong_url);
    write_files(
        &ws,
        &[
            ("ca.pem", &pki.ca_pem),
            ("client.pem", &pki.client.cert_pem),
            ("client.key", &pki.client.key_pem),
        ],
    );
    (
        ws,
        vec![
            ADMIN_TOKEN.to_string(),
            PROXY_HEADER.to_string(),
            URL_PASSWORD.to_string(),
            pki.client.key_pem.clone(),
        ],
    )
}

fn secret_provider() -> String {
    format!(
        "  kong_admin_token       = \"{ADMIN_TOKEN}\"\n  kong_admin_headers     = {{ \"X-Proxy-Authorization\" = \"{PROXY_HEADER}\" }}\n  tls_ca_certificate     = file(\"ca.pem\")\n  tls_client_certificate = file(\"client.pem\")\n  tls_client_key         = file(\"client.key\")"
    )
}

/// A sandbox of this edition over mutual TLS, requiring the RBAC token (open source ignores it).
fn sandbox(pki: &Pki, edition: Edition) -> Kong {
    pki.kong(
        true,
        SandboxConfig {
            edition,
            admin_token: Some(ADMIN_TOKEN.into()),
            ..SandboxConfig::default()
        },
    )
}

fn enterprise(pki: &Pki) -> Kong {
    sandbox(pki, Edition::Enterprise)
}

/// Every attribute that holds a secret, by where it is in `terraform providers schema -json`:
/// `("provider", name)` or `("<resource type>", name)`.
const SENSITIVE: &[(&str, &str)] = &[
    ("provider", "kong_admin_token"),
    ("provider", "kong_admin_headers"),
    ("provider", "tls_client_key"),
    ("dispatch_certificate", "private_key"),
    ("dispatch_basic_auth_user", "password"),
];

#[test]
fn every_secret_is_sensitive_in_the_schema() {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write("");
    let run = ws.run(&["providers", "schema", "-json"]).success();
    let schemas: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let provider = &schemas["provider_schemas"]["registry.terraform.io/dispatchframework/dispatch"];
    for (place, attribute) in SENSITIVE {
        let block = if *place == "provider" {
            &provider["provider"]["block"]
        } else {
            &provider["resource_schemas"][*place]["block"]
        };
        assert_eq!(
            block["attributes"][*attribute]["sensitive"],
            serde_json::Value::Bool(true),
            "{place}.{attribute} must be sensitive"
        );
    }
}

#[test]
fn no_secret_is_printed_by_a_traced_apply_refresh_and_destroy() {
    if needs_sandbox("an Enterprise sandbox over mutual TLS with an admin token, request counts") {
        return;
    }
    let pki = Pki::new();
    let idp = FakeIdp::start();
    let certificate = ledger_certificate();
    for case in cases(&idp.issuer(), &certificate) {
        let kong = sandbox(&pki, case.edition);
        let (ws, mut secrets) = secret_workspace(&kong, &pki);
        secrets.extend(case.secrets.iter().cloned());
        for (name, content) in &case.files {
            ws.write_file(name, content);
        }
        ws.write_with_provider(&secret_provider(), &case.body);

        let apply = ws.run_with_env(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            TRACE,
        );
        assert_eq!(apply.code, 0, "{}: {}", case.name, failure(&apply));
        let admin = mutual_admin(&kong, &pki);
        let made_by_kong = (case.made_by_kong)(&|path| succeeded(path, admin.get(path)));
        if case.edition == Edition::Community {
            assert!(
                !made_by_kong.is_empty(),
                "{}: Kong made its secrets",
                case.name
            );
        }
        secrets.extend(made_by_kong);
        // The scan is only worth something if the provider's own trace is in the output:
        // its Admin API calls, with their (redacted) bodies.
        for expected in ["kong_request", "Kong request body", "provider configured"] {
            assert!(
                apply.stderr.contains(expected),
                "{}: `{expected}` missing from the provider's trace",
                case.name
            );
        }
        assert!(
            apply.stderr.contains("admin_token=set"),
            "{}: the trace says a token is configured, without showing it",
            case.name
        );
        assert!(
            apply
                .stderr
                .contains("admin_url=https://<redacted>@localhost:"),
            "{}: the trace shows the Admin URL without its userinfo",
            case.name
        );
        assert_absent(&apply, &secrets, &format!("{}: apply", case.name));

        let plan = ws.run_with_env(&["plan", "-input=false", "-no-color"], TRACE);
        assert_eq!(plan.code, 0, "{}: {}", case.name, failure(&plan));
        assert_absent(&plan, &secrets, &format!("{}: plan", case.name));

        let show = ws.run(&["show", "-no-color"]).success();
        assert_absent(&show, &secrets, &format!("{}: show", case.name));

        let destroy = ws.run_with_env(
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            TRACE,
        );
        assert_eq!(destroy.code, 0, "{}: {}", case.name, failure(&destroy));
        assert_absent(&destroy, &secrets, &format!("{}: destroy", case.name));
        assert!(kong.sandbox.controls().request_count() > 0);
    }
}

#[test]
fn secrets_are_absent_from_the_diagnostics_of_failures_they_cause() {
    if needs_sandbox("an Enterprise sandbox over mutual TLS with an admin token") {
        return;
    }
    let pki = Pki::new();
    let kong = enterprise(&pki);
    let body = &cases("https://idp.example.com", &ledger_certificate())[0].body;

    // A token Kong refuses.
    let (ws, _) = secret_workspace(&kong, &pki);
    let wrong = "wrong-token-3c9e7d1b5a";
    ws.write_with_provider(&secret_provider().replace(ADMIN_TOKEN, wrong), body);
    let run = ws.run_with_env(&["apply", "-auto-approve", "-no-color"], TRACE);
    assert_ne!(run.code, 0);
    // Configure's check of Kong meets the refusal first, and names the token's attribute.
    assert!(
        run.output().contains("Kong refused the credentials")
            && run
                .output()
                .contains("`kong_admin_token` in the provider block"),
        "{}",
        run.output()
    );
    assert_absent(&run, &[wrong.into(), PROXY_HEADER.into()], "wrong token");

    // A header value that is not a valid HTTP header value.
    let (ws, _) = secret_workspace(&kong, &pki);
    let broken = "broken-credential-7a1f\\n-injected";
    ws.write_with_provider(&secret_provider().replace(PROXY_HEADER, broken), body);
    let run = ws.run_with_env(&["plan", "-no-color"], TRACE);
    assert_ne!(run.code, 0);
    assert!(
        run.output().contains(
            "the value of header `X-Proxy-Authorization` is not a valid HTTP header value"
        ),
        "{}",
        run.output()
    );
    assert_absent(
        &run,
        &["broken-credential-7a1f".into(), ADMIN_TOKEN.into()],
        "bad header",
    );

    // A client key that is not a key.
    let (ws, _) = secret_workspace(&kong, &pki);
    let garbage = "-----BEGIN PRIVATE KEY-----\nnot-a-key-but-still-secret-4b8e2d6f\n-----END PRIVATE KEY-----\n";
    write_files(&ws, &[("client.key", garbage)]);
    ws.write_with_provider(&secret_provider(), body);
    let run = ws.run_with_env(&["plan", "-no-color"], TRACE);
    assert_ne!(run.code, 0);
    assert!(
        run.output().contains("tls_client_key"),
        "names the attribute: {}",
        run.output()
    );
    assert_absent(
        &run,
        &[garbage.into(), ADMIN_TOKEN.into(), PROXY_HEADER.into()],
        "bad key",
    );

    // An Admin URL that is not valid, with a password in it: in the configuration, then in
    // KONG_ADMIN_URL.
    let invalid = format!("https://dispatch-admin:{URL_PASSWORD}@local host:1/");
    let mut ws = kong.workspace();
    ws.kong_url = invalid.clone();
    ws.write(body);
    let run = ws.run_with_env(&["plan", "-no-color"], TRACE).failure();
    assert!(
        run.output()
            .contains("kong_admin_url: `https://<redacted>@local host:1/` is not a valid URL"),
        "{}",
        run.output()
    );
    assert_absent(&run, &[URL_PASSWORD.into()], "invalid URL");
    ws.kong_url = String::new();
    ws.write(body);
    let run = ws
        .run_with_env(
            &["plan", "-no-color"],
            &[("TF_LOG", "trace"), ("KONG_ADMIN_URL", &invalid)],
        )
        .failure();
    assert!(
        run.output()
            .contains("KONG_ADMIN_URL: `https://<redacted>@local host:1/`"),
        "{}",
        run.output()
    );
    assert_absent(
        &run,
        &[URL_PASSWORD.into()],
        "invalid URL from the environment",
    );

    // A valid Admin URL with a password, where nothing answers: the connection error names the
    // URL without its userinfo.
    let mut ws = kong.workspace();
    ws.kong_url = format!("http://dispatch-admin:{URL_PASSWORD}@127.0.0.1:9");
    ws.write_with_provider(
        "  request_timeout_ms = 2000",
        "resource \"dispatch_api\" \"a\" {\n  name = \"a\"\n}\n",
    );
    let run = ws.run_with_env(&["apply", "-auto-approve", "-no-color"], TRACE);
    assert_ne!(run.code, 0);
    assert!(
        run.output().contains("Cannot reach Kong"),
        "{}",
        run.output()
    );
    assert_absent(
        &run,
        &[URL_PASSWORD.into()],
        "unreachable URL with userinfo",
    );

    // A certificate's key that is another certificate's, then one that is not a key.
    let certificate = ledger_certificate();
    let other = ledger_certificate();
    let provider_secrets = [ADMIN_TOKEN.to_string(), PROXY_HEADER.to_string()];
    for (key, expected) in [
        (
            other.key_pem(),
            "Private key does not match the certificate",
        ),
        (garbage.to_string(), "Invalid private key"),
    ] {
        let (ws, _) = secret_workspace(&kong, &pki);
        ws.write_file("ledger.crt", &certificate.cert_pem());
        ws.write_file("ledger.key", &key);
        ws.write_with_provider(&secret_provider(), CERTIFICATE);
        let run = ws.run_with_env(&["plan", "-no-color"], TRACE);
        assert_ne!(run.code, 0);
        assert!(run.output().contains(expected), "{}", run.output());
        let mut secrets = vec![key, certificate.key_pem()];
        secrets.extend(provider_secrets.iter().cloned());
        assert_absent(&run, &secrets, expected);
    }

    // Kong refuses a certificate (its hostname is another certificate's) and a user (the
    // username is another consumer's): their diagnostics quote Kong, never the request.
    let admin = mutual_admin(&kong, &pki);
    let post = |path: &str, body| succeeded(path, admin.post(path, body));
    let holder = post(
        "/certificates",
        serde_json::json!({"cert": other.cert_pem(), "key": other.key_pem(), "snis": ["ledger.example.com"]}),
    );
    let legacy = post("/consumers", serde_json::json!({"username": "legacy"}));
    post(
        &format!(
            "/consumers/{}/basic-auth",
            legacy["id"].as_str().expect("id")
        ),
        serde_json::json!({"username": "alice", "password": "legacy-password"}),
    );
    let (ws, _) = secret_workspace(&kong, &pki);
    let refused = cases("https://idp.example.com", &certificate);
    for (name, content) in refused[1].files.iter().chain(&refused[2].files) {
        ws.write_file(name, content);
    }
    ws.write_with_provider(
        &secret_provider(),
        &format!("{}\n{}", refused[1].body, refused[2].body),
    );
    let run = ws.run_with_env(&["apply", "-auto-approve", "-no-color"], TRACE);
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(
        out.contains("Hostname already served by another certificate"),
        "{out}"
    );
    assert!(out.contains(holder["id"].as_str().expect("id")), "{out}");
    assert!(out.contains("Username already taken in Kong"), "{out}");
    let mut secrets = vec![certificate.key_pem(), other.key_pem(), PASSWORD.to_string()];
    secrets.extend(provider_secrets.iter().cloned());
    assert_absent(&run, &secrets, "refused by Kong");
}
