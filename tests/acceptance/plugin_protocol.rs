//! The provider process as Terraform's plugin client sees it: the handshake line, mutual TLS,
//! and what StopProvider, Shutdown and an oversized request do. Then an oversized certificate
//! through the real terraform CLI.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use dispatch_provider::plugin_front::plugin_client_config;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer, ServerName};

use crate::certs::{CertSpec, KeyKind};
use crate::harness::{provider_binary, Kong};

/// The provider process, started as go-plugin starts it, with the client certificate given.
struct Plugin {
    child: Child,
    address: SocketAddr,
    certificate: CertificateDer<'static>,
    client_der: CertificateDer<'static>,
    client_key: Vec<u8>,
}

impl Plugin {
    fn start() -> Self {
        let client = CertSpec::leaf(&["localhost"])
            .key(KeyKind::P256)
            .self_signed();
        let mut child = Command::new(provider_binary())
            .env(
                dispatch_provider::startup::MAGIC_COOKIE_KEY,
                dispatch_provider::startup::MAGIC_COOKIE_VALUE,
            )
            .env("PLUGIN_CLIENT_CERT", client.cert_pem())
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env_remove("TF_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("provider starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("handshake line");
        let parts: Vec<&str> = line.trim_end().split('|').collect();
        assert_eq!(parts[..3], ["1", "6", "tcp"], "{line}");
        assert_eq!(parts[4], "grpc", "{line}");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("the certificate is base64 without padding");
        Self {
            child,
            address: parts[3].parse().expect("address"),
            certificate: CertificateDer::from(der),
            client_der: CertificateDer::from(client.cert_der()),
            client_key: client.key_der(),
        }
    }

    /// An HTTP/2 connection as go-plugin's: TLS trusting exactly the certificate of the
    /// handshake line, presenting the client certificate.
    async fn connect(&self) -> Client {
        let config = plugin_client_config(
            self.certificate.clone(),
            self.client_der.clone(),
            PrivatePkcs8KeyDer::from(self.client_key.clone()),
        )
        .expect("client configuration");
        let stream = tokio::net::TcpStream::connect(self.address)
            .await
            .expect("tcp");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").expect("name"), stream)
            .await
            .expect("tls");
        let (client, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .expect("http/2");
        tokio::spawn(connection);
        client
    }

    /// Waits for the process to end.
    fn wait(mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.child.try_wait().expect("wait").is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        false
    }
}

type Client = hyper::client::conn::http2::SendRequest<Full<Bytes>>;

/// What a call got: the status (from the trailers, or the headers of a trailers-only
/// answer), its message, and the body.
#[derive(Debug)]
struct Answer {
    status: Option<String>,
    message: String,
    body: Bytes,
}

async fn call(client: &Client, method: &str, message: Vec<u8>) -> Result<Answer, String> {
    let request = hyper::Request::post(format!("https://localhost/tfplugin6.Provider/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(Bytes::from(message)))
        .expect("request");
    let response = client
        .clone()
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let headers = response.headers().clone();
    let collected = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let field = |name: &str| {
        [&trailers, &headers]
            .into_iter()
            .find_map(|map: &HeaderMap| map.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let message = field("grpc-message").unwrap_or_default();
    Ok(Answer {
        status: field("grpc-status"),
        message: percent_encoding::percent_decode_str(&message)
            .decode_utf8_lossy()
            .into_owned(),
        body: collected.to_bytes(),
    })
}

/// A request whose message has every field at its default: no bytes after the prefix.
fn empty_message() -> Vec<u8> {
    vec![0; 5]
}

#[tokio::test]
async fn after_stop_provider_the_provider_still_answers_until_shutdown() {
    let plugin = Plugin::start();
    let client = plugin.connect().await;
    let schema = call(&client, "GetProviderSchema", empty_message())
        .await
        .expect("answered");
    assert_eq!(schema.status.as_deref(), Some("0"), "{schema:?}");
    assert!(schema.body.len() > 100, "a schema came back");

    let stopped = call(&client, "StopProvider", empty_message())
        .await
        .expect("answered");
    assert_eq!(stopped.status.as_deref(), Some("0"));
    assert_eq!(stopped.body.as_ref(), &[0, 0, 0, 0, 0]);

    // Terraform still plans, reads and applies what is in flight after a StopProvider.
    let again = call(&client, "GetProviderSchema", empty_message())
        .await
        .expect("still served after StopProvider");
    assert_eq!(again.status.as_deref(), Some("0"), "{again:?}");
    // The same schema (tf-provider orders its maps differently from call to call).
    assert_eq!(again.body.len(), schema.body.len());

    let request = hyper::Request::post("https://localhost/plugin.GRPCController/Shutdown")
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(Bytes::from(empty_message())))
        .expect("request");
    let _ = client.clone().send_request(request).await;
    assert!(
        plugin.wait(Duration::from_secs(30)),
        "the provider exits after Shutdown"
    );
}

#[tokio::test]
async fn a_request_over_four_mib_gets_a_clear_resource_exhausted() {
    let plugin = Plugin::start();
    let client = plugin.connect().await;
    let mut message = vec![0];
    let len: u32 = 5 * 1024 * 1024;
    message.extend_from_slice(&len.to_be_bytes());
    message.resize(5 + len as usize, 0);
    let answer = call(&client, "ValidateResourceConfig", message)
        .await
        .expect("answered");
    assert_eq!(answer.status.as_deref(), Some("8"), "{answer:?}");
    assert!(
        answer
            .message
            .starts_with("Terraform sent the provider a ValidateResourceConfig request of 5.0 MiB"),
        "{answer:?}"
    );
    // The provider goes on serving.
    let schema = call(&client, "GetProviderSchema", empty_message())
        .await
        .expect("answered");
    assert_eq!(schema.status.as_deref(), Some("0"));
    drop(client);
    let mut child = plugin.child;
    let _ = child.kill();
    let _ = child.wait();
}

/// A certificate chain of at least `len` bytes: one real certificate, repeated.
fn chain_of(pem: &str, len: usize) -> String {
    let mut chain = String::new();
    while chain.len() < len {
        chain.push_str(pem);
    }
    chain
}

#[test]
fn an_oversized_certificate_gets_a_clear_error_at_plan() {
    let kong = Kong::start();
    let ws = kong.workspace();
    let issued = CertSpec::leaf(&["big.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    ws.write_file("site.key", &issued.key_pem());
    ws.write(
        r#"
resource "dispatch_certificate" "big" {
  certificate = file("${path.module}/chain.pem")
  private_key = file("${path.module}/site.key")
}
"#,
    );

    // Larger than any message tf-provider accepts (the issue's 14 MB chain).
    ws.write_file("chain.pem", &chain_of(&issued.cert_pem(), 14 * 1024 * 1024));
    let plan = ws.plan().failure();
    let output = plan.output();
    assert!(
        output.contains("the provider accepts at most 4 MiB (4194304 bytes) in one request"),
        "{output}"
    );
    assert!(
        output.contains("dispatch_certificate accepts at most 256 KiB in certificate"),
        "{output}"
    );
    assert!(!output.contains("OutOfRange"), "{output}");
    assert!(
        !output.contains("decoded message length too large"),
        "{output}"
    );

    // Small enough to reach the provider, too large to be a chain: refused on the attribute.
    ws.write_file("chain.pem", &chain_of(&issued.cert_pem(), 300 * 1024));
    let plan = ws.plan().failure();
    let output = plan.output();
    assert!(output.contains("Value too large"), "{output}");
    assert!(output.contains("with dispatch_certificate.big"), "{output}");
    assert!(
        output.contains("the provider accepts at most 262144 bytes (256 KiB)"),
        "{output}"
    );
    assert!(kong.managed("certificates").is_empty());
}
