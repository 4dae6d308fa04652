//! Secrets never reach anything Terraform or the provider prints: a full apply, refresh and
//! destroy run with `TF_LOG=trace` (Terraform copies the provider's stderr into its log), and
//! everything printed is scanned for every secret's value; so are the diagnostics of
//! configurations that fail because of a secret.
//!
//! A resource with a secret joins by adding a [`SecretCase`] to [`cases`].

use kong_sandbox::{Edition, SandboxConfig};

use crate::harness::{Kong, Run, Workspace};
use crate::pki::{write_files, Pki};

/// The RBAC token the Enterprise sandbox requires.
const ADMIN_TOKEN: &str = "kong-admin-token-5e3f1a7c9b";
/// A header for an authenticating proxy in front of Kong.
const PROXY_HEADER: &str = "proxy-credential-8d2b6e4f0a";

/// Resources and the secrets they hold, applied with the secret-laden provider below.
pub struct SecretCase {
    /// Name, for messages.
    pub name: &'static str,
    /// The resources.
    pub body: String,
    /// Values that must never be printed.
    pub secrets: Vec<String>,
}

/// Every resource with a secret. (`dispatch_api` holds none; the provider's own secrets are
/// in every case.)
fn cases() -> Vec<SecretCase> {
    vec![SecretCase {
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
        secrets: vec![],
    }]
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
    let ws = kong.workspace();
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
            pki.client.key_pem.clone(),
        ],
    )
}

fn secret_provider() -> String {
    format!(
        "  kong_admin_token       = \"{ADMIN_TOKEN}\"\n  kong_admin_headers     = {{ \"X-Proxy-Authorization\" = \"{PROXY_HEADER}\" }}\n  tls_ca_certificate     = file(\"ca.pem\")\n  tls_client_certificate = file(\"client.pem\")\n  tls_client_key         = file(\"client.key\")"
    )
}

fn enterprise(pki: &Pki) -> Kong {
    pki.kong(
        true,
        SandboxConfig {
            edition: Edition::Enterprise,
            admin_token: Some(ADMIN_TOKEN.into()),
            ..SandboxConfig::default()
        },
    )
}

/// Every attribute that holds a secret, by where it is in `terraform providers schema -json`:
/// `("provider", name)` or `("<resource type>", name)`.
const SENSITIVE: &[(&str, &str)] = &[
    ("provider", "kong_admin_token"),
    ("provider", "kong_admin_headers"),
    ("provider", "tls_client_key"),
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
    let pki = Pki::new();
    for case in cases() {
        let kong = enterprise(&pki);
        let (ws, mut secrets) = secret_workspace(&kong, &pki);
        secrets.extend(case.secrets.iter().cloned());
        ws.write_with_provider(&secret_provider(), &case.body);

        let apply = ws.run_with_env(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            TRACE,
        );
        assert_eq!(apply.code, 0, "{}: {}", case.name, failure(&apply));
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
    let pki = Pki::new();
    let kong = enterprise(&pki);
    let body = &cases()[0].body;

    // A token Kong refuses.
    let (ws, _) = secret_workspace(&kong, &pki);
    let wrong = "wrong-token-3c9e7d1b5a";
    ws.write_with_provider(&secret_provider().replace(ADMIN_TOKEN, wrong), body);
    let run = ws.run_with_env(&["apply", "-auto-approve", "-no-color"], TRACE);
    assert_ne!(run.code, 0);
    assert!(
        run.output()
            .contains("Kong refused the credentials while trying to create the API"),
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
}
