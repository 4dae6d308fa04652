//! Contract tests: Enterprise (workspaces, RBAC, openid-connect), HTTPS and
//! client certificates, and the test controls (faults, latency, request log).

mod common;
use common::*;
use std::time::{Duration, Instant};

fn enterprise(token: Option<&str>) -> (Sandbox, Client) {
    let sb = Sandbox::spawn(SandboxConfig {
        edition: Edition::Enterprise,
        admin_token: token.map(|t| t.to_string()),
        ..Default::default()
    })
    .unwrap();
    let c = client(&sb);
    (sb, c)
}

// go-kong versioning.go: 4-part version and edition "enterprise"; openid-connect available.
#[test]
fn enterprise_root_info() {
    let (_sb, c) = enterprise(None);
    let r = c.get("/").json();
    assert_eq!(r["edition"], "enterprise");
    assert_eq!(r["version"].as_str().unwrap().split('.').count(), 4);
    assert!(r["plugins"]["available_on_server"]["openid-connect"].is_object());
    assert_eq!(c.get("/default/kong").json()["edition"], "enterprise");
}

// Workspaces prefix every path; default is `default`; unknown workspace 404.
#[test]
fn workspace_prefixed_paths() {
    let (_sb, c) = enterprise(None);
    let r = c.post(
        "/default/services",
        json!({ "name": "s", "host": "h.test" }),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        c.get("/services/s").status,
        200,
        "unprefixed paths are the default workspace"
    );
    assert_eq!(c.get("/default/services/s").status, 200);
    assert_eq!(c.get("/nope/services").status, 404);
    assert_eq!(c.post("/workspaces", json!({ "name": "team" })).status, 201);
    assert_eq!(c.get("/team/services").json()["data"], json!([]));
    assert_eq!(
        c.post("/team/services", json!({ "name": "s", "host": "h.test" }))
            .status,
        201,
        "names are per workspace"
    );
    let r = c.get("/team/services?size=1").json();
    assert!(r["next"].is_null());
}

// RBAC: Kong-Admin-Token required when enforced.
#[test]
fn rbac_token() {
    let (_sb, c) = enterprise(Some("secret"));
    let r = c.get("/services");
    assert_eq!(
        (r.status, r.json()),
        (
            401,
            json!({ "message": "Invalid credentials. Token or User credentials required" })
        )
    );
    assert_eq!(
        c.clone()
            .with_header("Kong-Admin-Token", "wrong")
            .get("/services")
            .status,
        401
    );
    assert_eq!(
        c.clone()
            .with_header("Kong-Admin-Token", "secret")
            .get("/default/services")
            .status,
        200
    );
}

// Community ignores Kong-Admin-Token (no RBAC).
#[test]
fn community_ignores_token() {
    let sb = Sandbox::spawn(SandboxConfig {
        admin_token: Some("secret".into()),
        ..Default::default()
    })
    .unwrap();
    let c = client(&sb);
    assert_eq!(c.get("/services").status, 200);
}

// openid-connect on EE: issuer required; defaults; cors gains allow_origin_absent on 3.10.
#[test]
fn openid_connect_on_enterprise() {
    let (_sb, c) = enterprise(None);
    let r = c.post(
        "/plugins",
        json!({ "name": "openid-connect", "config": {} }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["fields"]["config"],
        json!({ "issuer": "required field missing" })
    );
    let r = c.post("/plugins", json!({ "name": "openid-connect", "config": {
        "issuer": "https://idp.test/realms/x", "auth_methods": ["bearer"], "audience_required": ["api"], "bogus": 1 } }));
    assert_eq!(
        r.json()["fields"]["config"],
        json!({ "bogus": "unknown field" })
    );
    let r = c.post("/plugins", json!({ "name": "openid-connect", "config": {
        "issuer": "https://idp.test/realms/x", "auth_methods": ["bearer"], "audience_required": ["api"] } }));
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["config"]["auth_methods"], json!(["bearer"]));
    let r = c.post("/plugins", json!({ "name": "openid-connect", "config": { "issuer": "https://idp.test", "auth_methods": ["magic"] } }));
    assert_eq!(r.status, 400);
    assert_eq!(
        c.post("/plugins", json!({ "name": "cors" })).json()["config"]["allow_origin_absent"],
        true
    );
}

/// The CA's PEM, the sandbox's TLS settings (a server certificate for `localhost` signed by the
/// CA; client certificates must be signed by it too), a client certificate it signed, and one
/// from another CA.
fn pki() -> (String, TlsConfig, TlsIdentity, TlsIdentity) {
    let pki = Pki::new();
    let tls = TlsConfig {
        cert_pem: pki.server.cert_pem.clone(),
        key_pem: pki.server.key_pem.clone(),
        client_ca_pem: Some(pki.ca_pem.clone()),
    };
    (pki.ca_pem, tls, pki.client, pki.rogue_client)
}

/// A client for this HTTPS sandbox that trusts `ca_pem` and presents `identity`.
fn https_client(sb: &Sandbox, ca_pem: &str, identity: Option<TlsIdentity>) -> Client {
    Client::with_trust(
        &sb.url(),
        Trust {
            ca_pem: Some(ca_pem.to_string()),
            identity,
        },
    )
}

#[test]
fn https_serving() {
    let (ca, mut tls, _, _) = pki();
    tls.client_ca_pem = None;
    let sb = Sandbox::spawn(SandboxConfig {
        tls: Some(tls),
        ..Default::default()
    })
    .unwrap();
    assert!(sb.url().starts_with("https://localhost:"));
    let c = https_client(&sb, &ca, None);
    assert_eq!(c.get("/").json()["tagline"], "Welcome to kong");
    let plain = RawClient::new(sb.addr());
    assert!(
        plain
            .raw("GET", "/", None, b"")
            .map(|r| r.status != 200)
            .unwrap_or(true),
        "plain HTTP is not served"
    );
}

#[test]
fn https_requires_client_certificate_signed_by_ca() {
    let (ca, tls, client, rogue) = pki();
    let sb = Sandbox::spawn(SandboxConfig {
        tls: Some(tls),
        ..Default::default()
    })
    .unwrap();
    let c = https_client(&sb, &ca, Some(client));
    assert_eq!(c.get("/status").status, 200);
    let none = https_client(&sb, &ca, None);
    assert!(
        none.raw("GET", "/status", None, b"").is_err(),
        "no client certificate"
    );
    let bad = https_client(&sb, &ca, Some(rogue));
    assert!(
        bad.raw("GET", "/status", None, b"").is_err(),
        "client certificate from another CA"
    );
}

// A client that resumes its TLS session on a new connection (rustls does, and so does any
// browser) is served when client certificates are required, as nginx in front of Kong serves it.
#[test]
fn https_with_client_certificates_serves_resumed_sessions() {
    use openssl::pkey::PKey;
    use openssl::ssl::{SslConnector, SslMethod, SslSessionCacheMode, SslStream, SslVersion};
    use openssl::x509::X509;
    use std::io::{Read, Write};

    let (ca, tls, client, _) = pki();
    let (client_cert, client_key) = (client.cert_pem, client.key_pem);
    let sb = Sandbox::spawn(SandboxConfig {
        tls: Some(tls),
        ..Default::default()
    })
    .unwrap();
    let mut b = SslConnector::builder(SslMethod::tls()).unwrap();
    b.cert_store_mut()
        .add_cert(X509::from_pem(ca.as_bytes()).unwrap())
        .unwrap();
    b.set_certificate(&X509::from_pem(client_cert.as_bytes()).unwrap())
        .unwrap();
    b.set_private_key(&PKey::private_key_from_pem(client_key.as_bytes()).unwrap())
        .unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    b.set_session_cache_mode(SslSessionCacheMode::CLIENT);
    let connector = b.build();
    let get = |ssl: openssl::ssl::Ssl| {
        let tcp = std::net::TcpStream::connect(sb.addr()).unwrap();
        let mut s = SslStream::new(ssl, tcp).unwrap();
        s.connect().unwrap();
        s.write_all(b"GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        (String::from_utf8_lossy(&out).to_string(), s)
    };
    // A full handshake; TLS 1.3 hands the session ticket over with the answer.
    let (answer, first) = get(connector
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let session = first.ssl().session().expect("a session").to_owned();
    // A new connection resumes it.
    let mut ssl = connector
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    // SAFETY: the session comes from a connection of this same connector (same context).
    // Test code: openssl offers session resumption only through this unsafe call.
    #[allow(unsafe_code)]
    unsafe {
        ssl.set_session(&session).unwrap()
    };
    let (answer, second) = get(ssl);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(second.ssl().session_reused(), "the session was resumed");
}

#[test]
fn fault_status_does_not_touch_store_and_respects_skip_times() {
    let (sb, c) = start();
    let ctl = sb.controls();
    ctl.inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/services".into()),
        skip: 1,
        times: 2,
        action: FaultAction::Status {
            status: 503,
            retry_after_secs: Some(7),
        },
    });
    assert_eq!(
        c.post("/services", json!({ "name": "a", "host": "h.test" }))
            .status,
        201,
        "skipped"
    );
    let r = c.post("/services", json!({ "name": "b", "host": "h.test" }));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("Retry-After"), Some("7"));
    assert!(r.json()["message"].is_string());
    assert_eq!(
        c.post("/services", json!({ "name": "c", "host": "h.test" }))
            .status,
        503
    );
    assert_eq!(
        c.post("/services", json!({ "name": "d", "host": "h.test" }))
            .status,
        201,
        "budget spent"
    );
    assert_eq!(
        c.get("/services/b").status,
        404,
        "faulted request not applied"
    );
    let statuses: Vec<u16> = ctl.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![201, 503, 503, 201, 404]);
    assert_eq!(ctl.requests()[4].path, "/services/b");
    ctl.reset_requests();
    assert_eq!(ctl.request_count(), 0);
}

#[test]
fn fault_status_after_apply_is_a_lost_response() {
    let (sb, c) = start();
    sb.controls().inject(FaultRule {
        method: Some("POST".into()),
        path_contains: None,
        skip: 0,
        times: 1,
        action: FaultAction::StatusAfterApply { status: 502 },
    });
    assert_eq!(
        c.post("/services", json!({ "name": "lost", "host": "h.test" }))
            .status,
        502
    );
    assert_eq!(c.get("/services/lost").status, 200, "the write happened");
}

#[test]
fn fault_reset_closes_connection() {
    let (sb, c) = start();
    sb.controls().inject(FaultRule {
        method: None,
        path_contains: Some("/consumers".into()),
        skip: 0,
        times: 1,
        action: FaultAction::Reset,
    });
    assert!(
        c.raw("GET", "/consumers", None, b"").is_err(),
        "no response"
    );
    assert_eq!(c.get("/consumers").status, 200);
    let recs = sb.controls().requests();
    assert_eq!(recs[0].status, 0);
    assert_eq!(recs[0].method, "GET");
}

#[test]
fn fault_delay_and_latency() {
    let (sb, c) = start();
    let ctl = sb.controls();
    ctl.inject(FaultRule {
        method: Some("GET".into()),
        path_contains: None,
        skip: 0,
        times: 1,
        action: FaultAction::Delay(Duration::from_millis(300)),
    });
    let t = Instant::now();
    assert_eq!(c.get("/status").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    c.get("/status");
    assert!(t.elapsed() < Duration::from_millis(300), "budget spent");
    ctl.set_latency(Duration::from_millis(200));
    let t = Instant::now();
    c.get("/status");
    assert!(t.elapsed() >= Duration::from_millis(200));
    ctl.set_latency(Duration::ZERO);
    ctl.inject(FaultRule {
        method: None,
        path_contains: None,
        skip: 0,
        times: 5,
        action: FaultAction::Status {
            status: 500,
            retry_after_secs: None,
        },
    });
    ctl.clear_faults();
    assert_eq!(c.get("/status").status, 200);
    let r = ctl.requests().last().cloned().unwrap();
    assert_eq!(
        (
            r.method.as_str(),
            r.path.as_str(),
            r.query.as_str(),
            r.status
        ),
        ("GET", "/status", "", 200)
    );
}

// OpenResty's `lua_check_client_abort` is off by default: a client that stops waiting does
// not abort its request, which Kong still carries out.
#[test]
fn a_delayed_write_is_carried_out_after_its_client_gives_up() {
    use std::io::Write;
    let (sb, c) = start();
    sb.controls().inject(FaultRule {
        method: Some("POST".into()),
        path_contains: Some("/services".into()),
        skip: 0,
        times: 1,
        action: FaultAction::Delay(Duration::from_millis(400)),
    });
    let body = br#"{"name":"late","host":"late.test"}"#;
    let mut tcp = std::net::TcpStream::connect(sb.addr()).unwrap();
    write!(
        tcp,
        "POST /services HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    tcp.write_all(body).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    drop(tcp); // the client gives up
    assert_eq!(c.get("/services/late").status, 404, "not yet");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(c.get("/services/late").status, 200, "carried out anyway");
    let recs = sb.controls().requests();
    assert!(recs
        .iter()
        .any(|r| r.method == "POST" && r.path == "/services" && r.status == 201));
}

#[test]
fn request_log_keeps_query() {
    let (sb, c) = start();
    c.get("/services?size=5&tags=a");
    let r = &sb.controls().requests()[0];
    assert_eq!(r.query, "size=5&tags=a");
}
