//! HTTP(S) serving with hyper: request recording, injected faults, latency,
//! and TLS (optionally requiring a client certificate) with OpenSSL.

use crate::api::{ApiRequest, ApiResponse, App};
use crate::controls::{Controls, FaultAction, RequestRecord};
use crate::hostile;
use crate::TlsConfig;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use openssl::ssl::{Ssl, SslAcceptor, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Error returned by the service to make hyper drop the connection (FaultAction::Reset).
#[derive(Debug)]
pub struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ResetConnection {}

/// Builds the TLS acceptor from PEM material.
pub fn tls_acceptor(cfg: &TlsConfig) -> std::io::Result<SslAcceptor> {
    let io = |e: openssl::error::ErrorStack| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
    };
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).map_err(io)?;
    let mut chain = X509::stack_from_pem(cfg.cert_pem.as_bytes())
        .map_err(io)?
        .into_iter();
    let leaf = chain.next().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no certificate in cert_pem",
        )
    })?;
    b.set_certificate(&leaf).map_err(io)?;
    for c in chain {
        b.add_extra_chain_cert(c).map_err(io)?;
    }
    let key = openssl::pkey::PKey::private_key_from_pem(cfg.key_pem.as_bytes()).map_err(io)?;
    b.set_private_key(&key).map_err(io)?;
    b.check_private_key().map_err(io)?;
    // Clients resume TLS sessions on new connections (rustls does); OpenSSL refuses to resume
    // one without a session id context when it verifies client certificates ("internal error"),
    // which nginx, in front of Kong, always sets.
    b.set_session_id_context(b"kong-sandbox").map_err(io)?;
    if let Some(ca) = &cfg.client_ca_pem {
        let mut store = X509StoreBuilder::new().map_err(io)?;
        for c in X509::stack_from_pem(ca.as_bytes()).map_err(io)? {
            store.add_cert(c).map_err(io)?;
        }
        b.set_verify_cert_store(store.build()).map_err(io)?;
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    }
    Ok(b.build())
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "Request timeout",
        409 => "Conflict",
        429 => "API rate limit exceeded",
        500 => "An unexpected error occurred",
        502 => "An invalid response was received from the upstream server",
        503 => "Service unavailable",
        504 => "The upstream server is timing out",
        _ => "Error",
    }
}

/// A response body: built whole, or made as it is sent.
type Answer = Response<BoxBody<Bytes, Infallible>>;

fn to_http(resp: ApiResponse) -> Answer {
    let mut b = Response::builder()
        .status(resp.status)
        .header("Server", "kong/3.9.3");
    let body = match resp.body {
        Some(v) => {
            b = b.header("Content-Type", "application/json; charset=utf-8");
            Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
        }
        None => Bytes::new(),
    };
    for (k, v) in resp.headers {
        b = b.header(k, v);
    }
    b.body(Full::new(body).boxed())
        .unwrap_or_else(|_| Response::new(BoxBody::default()))
}

fn fault_response(status: u16, retry_after: Option<u64>) -> ApiResponse {
    let mut headers = vec![];
    if let Some(s) = retry_after {
        headers.push(("Retry-After".to_string(), s.to_string()));
    }
    ApiResponse {
        status,
        body: Some(serde_json::json!({ "message": reason(status) })),
        headers,
    }
}

async fn handle(
    req: Request<Incoming>,
    app: Arc<App>,
    controls: Controls,
) -> Result<Answer, ResetConnection> {
    let latency = controls.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let record = |status: u16| RequestRecord {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        status,
    };
    let fault = controls.take_fault(&method, &path);
    let mut after_apply = None;
    let mut delay = None;
    let mut paging = None;
    let mut served_query = query.clone();
    match fault {
        Some(FaultAction::Reset) => {
            controls.record(record(0));
            return Err(ResetConnection);
        }
        Some(FaultAction::Status {
            status,
            retry_after_secs,
        }) => {
            controls.record(record(status));
            return Ok(to_http(fault_response(status, retry_after_secs)));
        }
        Some(FaultAction::HugeBody { bytes, declared }) => {
            controls.record(record(200));
            return Ok(hostile::huge_body(bytes, declared));
        }
        Some(FaultAction::Delay(d)) => delay = Some(d),
        Some(FaultAction::StatusAfterApply { status }) => after_apply = Some(status),
        Some(FaultAction::Paging(fault)) => {
            served_query = hostile::without_offset(&query);
            paging = Some(fault);
        }
        None => {}
    }
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.to_string())
    };
    let content_type = header("content-type");
    let admin_token = header("kong-admin-token");
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => {
            controls.record(record(0));
            return Err(ResetConnection);
        }
    };
    let api_req = ApiRequest {
        method: method.clone(),
        path: path.clone(),
        query: served_query,
        content_type,
        admin_token,
        body,
    };
    // Kong (OpenResty, `lua_check_client_abort off`) carries a request out even when its client
    // gives up waiting: the work runs on a task of its own, which a closed connection does not
    // cancel.
    let work = tokio::spawn(async move {
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let mut resp = app.handle(&api_req);
        if let Some(status) = after_apply {
            resp = fault_response(status, None);
        }
        if let Some(fault) = paging {
            hostile::mis_page(&mut resp, fault, &api_req.path);
        }
        controls.record(RequestRecord {
            method,
            path,
            query,
            status: resp.status,
        });
        resp
    });
    match work.await {
        Ok(resp) => Ok(to_http(resp)),
        Err(_) => Err(ResetConnection),
    }
}

/// Accepts connections until `shutdown` fires.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    controls: Controls,
    tls: Option<SslAcceptor>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let tls = tls.map(Arc::new);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let controls = controls.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc =
                hyper::service::service_fn(move |req| handle(req, app.clone(), controls.clone()));
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                None => {
                    let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                }
                Some(acc) => {
                    let Ok(ssl) = Ssl::new(acc.context()) else {
                        return;
                    };
                    let Ok(mut stream) = tokio_openssl::SslStream::new(ssl, tcp) else {
                        return;
                    };
                    if Pin::new(&mut stream).accept().await.is_err() {
                        return;
                    }
                    let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
    }
}
