//! The front between a TLS client holding (or not) the pinned certificate and a stand-in for
//! tf-provider's server that records what reaches it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use test_support::certs::{CertSpec, KeyKind};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::grpc::Body;
use super::*;

/// A self-signed certificate and its key, as go-plugin makes one for the client (P-256 here:
/// rustls on *ring* cannot sign with P-521; that case is tested through OpenSSL below).
struct Identity {
    pem: String,
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

fn identity() -> Identity {
    let issued = CertSpec::leaf(&["localhost"])
        .key(KeyKind::P256)
        .self_signed();
    Identity {
        pem: issued.cert_pem(),
        der: CertificateDer::from(issued.cert_der()),
        key: issued.key_der(),
    }
}

/// A stand-in for tf-provider's server: plain HTTP/2, records every path it is called on;
/// ApplyResourceChange waits for `release`, every call answers its own request body back.
#[derive(Clone, Default)]
struct Backend {
    seen: Arc<Mutex<Vec<String>>>,
    release: Arc<Notify>,
}

impl Backend {
    async fn start(&self) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let backend = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let backend = backend.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let backend = backend.clone();
                        async move { backend.answer(request).await }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        address
    }

    async fn answer(
        &self,
        request: Request<Incoming>,
    ) -> Result<Response<Body>, std::convert::Infallible> {
        let path = request.uri().path().to_string();
        self.seen.lock().expect("lock").push(path.clone());
        if path.ends_with("/ApplyResourceChange") {
            self.release.notified().await;
        }
        let body = request
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "0".parse().expect("value"));
        trailers.insert("x-backend", path.parse().expect("value"));
        let body = Full::new(body)
            .with_trailers(std::future::ready(Some(Ok(trailers))))
            .map_err(|never| match never {})
            .boxed();
        Ok(Response::new(body))
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

/// A front for a client holding `client`, in front of `backend`.
async fn front(
    backend: &Backend,
    client: &Identity,
    interrupt: Interrupt,
) -> (SocketAddr, CertificateDer<'static>) {
    let backend_address = backend.start().await;
    let line = PluginFront::new(Some(&client.pem), interrupt)
        .expect("front")
        .listen(&format!("1|6|tcp|{backend_address}|grpc|"))
        .await
        .expect("listening");
    let handshake = Handshake::parse(&line).expect("a handshake line");
    let certificate = line.rsplit('|').next().expect("certificate");
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        certificate,
    )
    .expect("base64 without padding");
    (handshake.address, CertificateDer::from(der))
}

type Client = hyper::client::conn::http2::SendRequest<Full<Bytes>>;

/// An HTTP/2 client over TLS that trusts `server` and presents `identity` (if any).
async fn connect(
    address: SocketAddr,
    server: &CertificateDer<'static>,
    identity: Option<&Identity>,
) -> Result<Client, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.clone()).expect("root");
    let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("versions")
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone())),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").expect("name"), stream)
        .await
        .map_err(|e| e.to_string())?;
    let (client, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(client)
}

/// What a gRPC call got back: headers, body and trailers.
struct Answer {
    headers: HeaderMap,
    body: Bytes,
    trailers: HeaderMap,
}

async fn call(client: &Client, path: &str, body: Vec<u8>) -> Result<Answer, String> {
    let request = Request::post(format!("https://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(Bytes::from(body)))
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
    Ok(Answer {
        headers,
        body: collected.to_bytes(),
        trailers,
    })
}

/// A gRPC message: the prefix, then `payload`.
fn message(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

#[tokio::test]
async fn calls_pass_through_with_their_body_and_trailers() {
    let (backend, client_id) = (Backend::default(), identity());
    let (address, server) = front(&backend, &client_id, Interrupt::default()).await;
    let client = connect(address, &server, Some(&client_id))
        .await
        .expect("connected");
    let sent = message(b"schema please");
    let answer = call(
        &client,
        "/tfplugin6.Provider/GetProviderSchema",
        sent.clone(),
    )
    .await
    .expect("answered");
    assert_eq!(answer.body.as_ref(), sent.as_slice());
    assert_eq!(answer.trailers["grpc-status"], "0");
    assert_eq!(
        answer.trailers["x-backend"],
        "/tfplugin6.Provider/GetProviderSchema"
    );
    // go-plugin's own services pass too.
    call(&client, "/plugin.GRPCStdio/StreamStdio", vec![])
        .await
        .expect("answered");
    assert_eq!(
        backend.seen(),
        [
            "/tfplugin6.Provider/GetProviderSchema",
            "/plugin.GRPCStdio/StreamStdio"
        ]
    );
}

#[tokio::test]
async fn stop_provider_is_answered_by_the_front_and_calls_go_on_after_it() {
    let (backend, client_id, interrupt) = (Backend::default(), identity(), Interrupt::default());
    let (address, server) = front(&backend, &client_id, interrupt.clone()).await;
    let client = connect(address, &server, Some(&client_id))
        .await
        .expect("connected");
    let answer = call(&client, "/tfplugin6.Provider/StopProvider", message(b""))
        .await
        .expect("answered");
    assert_eq!(answer.headers["content-type"], "application/grpc");
    // StopProvider.Response { error: "" }: every field at its default, so no bytes at all.
    assert_eq!(answer.body.as_ref(), &[0, 0, 0, 0, 0]);
    assert_eq!(answer.trailers["grpc-status"], "0");
    assert!(interrupt.is_stopped());
    assert!(!interrupt.is_shut_down());
    assert!(backend.seen().is_empty(), "tf-provider never sees it");

    let answer = call(
        &client,
        "/tfplugin6.Provider/ReadResource",
        message(b"state"),
    )
    .await
    .expect("still served");
    assert_eq!(answer.trailers["grpc-status"], "0");
    assert_eq!(backend.seen(), ["/tfplugin6.Provider/ReadResource"]);
}

#[tokio::test]
async fn a_request_over_tf_providers_limit_is_refused_with_a_clear_message() {
    let (backend, client_id) = (Backend::default(), identity());
    let (address, server) = front(&backend, &client_id, Interrupt::default()).await;
    let client = connect(address, &server, Some(&client_id))
        .await
        .expect("connected");
    let payload = vec![b'x'; MAX_MESSAGE + 1];
    let answer = call(
        &client,
        "/tfplugin6.Provider/ValidateResourceConfig",
        message(&payload),
    )
    .await
    .expect("answered");
    assert_eq!(answer.headers["grpc-status"], "8", "RESOURCE_EXHAUSTED");
    let text = percent_encoding::percent_decode(answer.headers["grpc-message"].as_bytes())
        .decode_utf8()
        .expect("utf-8")
        .into_owned();
    assert!(
        text.starts_with("Terraform sent the provider a ValidateResourceConfig request of 4.0 MiB (4194305 bytes); the provider accepts at most 4 MiB (4194304 bytes) in one request."),
        "{text}"
    );
    assert!(
        text.contains("dispatch_certificate accepts at most 256 KiB in certificate"),
        "{text}"
    );
    assert!(backend.seen().is_empty());

    // At the limit, it passes.
    let payload = vec![b'x'; MAX_MESSAGE];
    let answer = call(
        &client,
        "/tfplugin6.Provider/ValidateResourceConfig",
        message(&payload),
    )
    .await
    .expect("answered");
    assert_eq!(answer.trailers["grpc-status"], "0");
    assert_eq!(answer.body.len(), MAX_MESSAGE + 5);
}

const MAX_MESSAGE: usize = grpc::MAX_MESSAGE_LEN;

#[tokio::test]
async fn shutdown_waits_for_the_calls_in_flight_and_is_then_passed_on() {
    let (backend, client_id, interrupt) = (Backend::default(), identity(), Interrupt::default());
    let (address, server) = front(&backend, &client_id, interrupt.clone()).await;
    let client = connect(address, &server, Some(&client_id))
        .await
        .expect("connected");
    let apply = tokio::spawn({
        let client = client.clone();
        async move {
            call(
                &client,
                "/tfplugin6.Provider/ApplyResourceChange",
                message(b"create"),
            )
            .await
        }
    });
    while backend.seen().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let shutdown = tokio::spawn({
        let client = client.clone();
        async move { call(&client, "/plugin.GRPCController/Shutdown", message(b"")).await }
    });
    while !interrupt.is_shut_down() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(interrupt.is_stopped(), "a shutdown stops too");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        backend.seen(),
        ["/tfplugin6.Provider/ApplyResourceChange"],
        "Shutdown is held while a call is in flight"
    );
    backend.release.notify_one();
    apply.await.expect("task").expect("the create answered");
    let answer = shutdown.await.expect("task").expect("answered");
    assert_eq!(
        answer.trailers["x-backend"],
        "/plugin.GRPCController/Shutdown"
    );
}

#[tokio::test]
async fn after_a_ctrl_c_shutdown_gives_terraform_time_to_record_the_last_answers() {
    let (backend, client_id, interrupt) = (Backend::default(), identity(), Interrupt::default());
    let (address, server) = front(&backend, &client_id, interrupt.clone()).await;
    let client = connect(address, &server, Some(&client_id))
        .await
        .expect("connected");
    call(&client, "/tfplugin6.Provider/StopProvider", message(b""))
        .await
        .expect("stopped");
    call(&client, "/tfplugin6.Provider/ReadResource", message(b""))
        .await
        .expect("answered");
    let last_answer = Instant::now();
    call(&client, "/plugin.GRPCController/Shutdown", message(b""))
        .await
        .expect("answered");
    assert!(last_answer.elapsed() >= SHUTDOWN_SETTLE);
    assert_eq!(
        backend.seen(),
        [
            "/tfplugin6.Provider/ReadResource",
            "/plugin.GRPCController/Shutdown"
        ]
    );
}

#[tokio::test]
async fn only_a_client_with_terraforms_certificate_is_served() {
    let (backend, client_id) = (Backend::default(), identity());
    let (address, server) = front(&backend, &client_id, Interrupt::default()).await;
    for stranger in [Some(identity()), None] {
        // TLS 1.3 checks the client's certificate after the client's handshake ends: the
        // refusal shows on the first exchange.
        let refused = match connect(address, &server, stranger.as_ref()).await {
            Err(_) => true,
            Ok(client) => call(&client, "/tfplugin6.Provider/GetMetadata", message(b""))
                .await
                .is_err(),
        };
        assert!(
            refused,
            "served a client with {:?}",
            stranger.map(|s| s.pem)
        );
    }
    assert!(backend.seen().is_empty());
    let client = connect(address, &server, Some(&client_id))
        .await
        .expect("connected");
    call(&client, "/tfplugin6.Provider/GetMetadata", message(b""))
        .await
        .expect("served");
}

/// A self-signed P-521 certificate signed with SHA-512 and its key, as go-plugin's
/// `generateCert` makes Terraform's.
pub(super) fn p521_identity() -> (
    openssl::x509::X509,
    openssl::pkey::PKey<openssl::pkey::Private>,
) {
    let issued = CertSpec::leaf(&["localhost"])
        .key(KeyKind::P521)
        .digest(test_support::certs::Digest::Sha512)
        .self_signed();
    (issued.cert, issued.key)
}

/// Connects with OpenSSL (TLS 1.3, ALPN h2) presenting `certificate`, sends HTTP/2's preface
/// and a SETTINGS frame, and tells whether the server answered with a frame of its own.
fn openssl_client_is_served(
    address: SocketAddr,
    certificate: &openssl::x509::X509,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
) -> bool {
    use std::io::{Read, Write};
    let mut connector =
        openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client()).expect("ssl");
    connector
        .set_min_proto_version(Some(openssl::ssl::SslVersion::TLS1_3))
        .expect("version");
    connector.set_certificate(certificate).expect("certificate");
    connector.set_private_key(key).expect("key");
    connector.set_alpn_protos(b"\x02h2").expect("alpn");
    // The server's side is tested above: only the client's certificate matters here.
    connector.set_verify(openssl::ssl::SslVerifyMode::NONE);
    let stream = std::net::TcpStream::connect(address).expect("tcp");
    let Ok(mut tls) = connector.build().connect("localhost", stream) else {
        return false;
    };
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
    if tls.write_all(preface).is_err() {
        return false;
    }
    let mut frame_header = [0u8; 9];
    tls.read_exact(&mut frame_header).is_ok() && frame_header[3] == 4
}

#[tokio::test]
async fn terraforms_p521_client_certificate_is_verified_and_accepted() {
    let (certificate, key) = p521_identity();
    let pem = String::from_utf8(certificate.to_pem().expect("pem")).expect("utf-8");
    let backend = Backend::default();
    let backend_address = backend.start().await;
    let line = PluginFront::new(Some(&pem), Interrupt::default())
        .expect("front")
        .listen(&format!("1|6|tcp|{backend_address}|grpc|"))
        .await
        .expect("listening");
    let address = Handshake::parse(&line).expect("handshake").address;
    let (other, other_key) = p521_identity();
    let (served, stranger_served) = tokio::task::spawn_blocking(move || {
        (
            openssl_client_is_served(address, &certificate, &key),
            openssl_client_is_served(address, &other, &other_key),
        )
    })
    .await
    .expect("task");
    assert!(served, "Terraform's P-521 certificate is accepted");
    assert!(!stranger_served, "another P-521 certificate is not");
}
