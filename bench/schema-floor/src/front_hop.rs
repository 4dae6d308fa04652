//! What the plugin front costs per call: the provider binary is started as Terraform starts it
//! (a client certificate in `PLUGIN_CLIENT_CERT`), then the same gRPC calls go (a) through the
//! front, over TLS, as Terraform's do, and (b) straight to tf-provider's server behind it, plain
//! HTTP/2 on loopback: the difference bounds what the front adds (tf-provider served TLS itself
//! before the front existed, so part of it was paid already).
//!
//! `cargo build --release -p terraform-provider-dispatch -p bench-schema-floor --bins`, then
//! `target/release/front-hop [calls] [concurrency]` (default 20000 calls, 10 at a time). Timing
//! numbers only mean something on a quiet machine; the provider's CPU time per call (the last
//! column) is the steadier measure on a busy one.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use dispatch_provider::plugin_front::plugin_client_config;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer, ServerName};

type Client = SendRequest<Full<Bytes>>;

fn provider_binary() -> PathBuf {
    let here = std::env::current_exe().expect("own path");
    here.with_file_name("terraform-provider-dispatch")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);

    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let client_cert = params.self_signed(&key).expect("certificate");
    let mut child = Command::new(provider_binary())
        .env(
            dispatch_provider::startup::MAGIC_COOKIE_KEY,
            dispatch_provider::startup::MAGIC_COOKIE_VALUE,
        )
        .env("PLUGIN_CLIENT_CERT", client_cert.pem())
        .env("DISPATCH_LOG", "dispatch_provider::plugin_front=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("provider starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake line");
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    let front: SocketAddr = parts[3].parse().expect("front address");
    let server = CertificateDer::from(
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("certificate"),
    );
    // The front logs where tf-provider's server is, in a JSON line (Terraform's plugin log
    // format).
    let backend: SocketAddr = BufReader::new(child.stderr.take().expect("stderr"))
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            let fields: serde_json::Value = serde_json::from_str(&line).ok()?;
            fields.get("backend_address")?.as_str()?.parse().ok()
        })
        .expect("the front logs tf-provider's address");

    let config = plugin_client_config(
        server,
        client_cert.der().clone(),
        PrivatePkcs8KeyDer::from(key.serialize_der()),
    )
    .expect("client configuration");
    let stream = tokio::net::TcpStream::connect(front).await.expect("tcp");
    stream.set_nodelay(true).expect("nodelay");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").expect("name"), stream)
        .await
        .expect("tls");
    let through_front = h2(TokioIo::new(tls)).await;
    let stream = tokio::net::TcpStream::connect(backend).await.expect("tcp");
    stream.set_nodelay(true).expect("nodelay");
    let direct = h2(TokioIo::new(stream)).await;

    println!("{calls} calls, {concurrency} at a time (GetMetadata: small answer; GetProviderSchema: ~50 KB)");
    println!(
        "{:<18} {:<8} {:>10} {:>10} {:>16}",
        "call", "path", "calls/s", "µs/call", "provider CPU µs"
    );
    let pid = child.id();
    for method in ["GetMetadata", "GetProviderSchema"] {
        for (name, client) in [("front", &through_front), ("direct", &direct)] {
            run(client, method, calls / 10, concurrency).await; // warm-up
            let cpu = cpu_seconds(pid);
            let took = run(client, method, calls, concurrency).await;
            let cpu = cpu_seconds(pid) - cpu;
            println!(
                "{method:<18} {name:<8} {:>10.0} {:>10.1} {:>16.1}",
                calls as f64 / took.as_secs_f64(),
                took.as_micros() as f64 * concurrency as f64 / calls as f64,
                cpu * 1e6 / calls as f64
            );
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// User and system CPU time the process used so far (Linux: /proc/PID/stat, in clock ticks
/// of 10 ms; the difference over thousands of calls is what counts).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn h2<I>(io: I) -> Client
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (client, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
        .await
        .expect("http/2");
    tokio::spawn(connection);
    client
}

/// `calls` calls of `method` with an empty request, `concurrency` at a time; how long they took.
async fn run(client: &Client, method: &str, calls: usize, concurrency: usize) -> Duration {
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            let path = format!("http://localhost/tfplugin6.Provider/{method}");
            tokio::spawn(async move {
                for _ in 0..calls / concurrency {
                    let request = hyper::Request::post(path.as_str())
                        .header("content-type", "application/grpc")
                        .header("te", "trailers")
                        .body(Full::new(Bytes::from_static(&[0; 5])))
                        .expect("request");
                    let response = client.clone().send_request(request).await.expect("answer");
                    let body = response.into_body().collect().await.expect("body");
                    let status = body
                        .trailers()
                        .and_then(|t| t.get("grpc-status"))
                        .map(|v| v.as_bytes().to_vec());
                    assert_eq!(status.as_deref(), Some(&b"0"[..]), "grpc-status");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    started.elapsed()
}
