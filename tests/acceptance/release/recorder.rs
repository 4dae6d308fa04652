//! A plain-HTTP proxy in front of a sandbox that records the `User-Agent` of every request it
//! forwards (the sandbox records paths and statuses, not headers).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

pub struct Recorder {
    addr: SocketAddr,
    agents: Arc<Mutex<Vec<Option<String>>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Recorder {
    /// Forwards to the Admin API at `upstream` (an `http://` URL).
    pub fn start(upstream: &str) -> Recorder {
        let agents = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let recorded = agents.clone();
        let upstream = upstream.trim_end_matches('/').to_string();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let client = reqwest::Client::new();
                loop {
                    tokio::select! {
                        _ = &mut rx => return,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let (agents, client, upstream) =
                                (recorded.clone(), client.clone(), upstream.clone());
                            tokio::spawn(async move {
                                let service = service_fn(move |request| {
                                    let (agents, client, upstream) =
                                        (agents.clone(), client.clone(), upstream.clone());
                                    async move {
                                        Ok::<_, Infallible>(
                                            forward(&agents, &client, &upstream, request).await,
                                        )
                                    }
                                });
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        Recorder {
            addr,
            agents,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `User-Agent` of each request so far (None when it had none).
    pub fn user_agents(&self) -> Vec<Option<String>> {
        self.agents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

async fn forward(
    agents: &Mutex<Vec<Option<String>>>,
    client: &reqwest::Client,
    upstream: &str,
    request: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let agent = request
        .headers()
        .get(hyper::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    agents.lock().unwrap_or_else(|p| p.into_inner()).push(agent);
    let method = request.method().as_str().to_string();
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let content_type = request.headers().get(hyper::header::CONTENT_TYPE).cloned();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut outgoing = client
        .request(method, format!("{upstream}{target}"))
        .body(body);
    if let Some(content_type) = content_type {
        outgoing = outgoing.header(reqwest::header::CONTENT_TYPE, content_type.as_bytes());
    }
    let (status, content_type, body) = match outgoing.send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let content_type = answer
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .map(|v| v.as_bytes().to_vec());
            (
                status,
                content_type,
                answer.bytes().await.unwrap_or_default(),
            )
        }
        Err(_) => (502, None, Bytes::new()),
    };
    let mut response = Response::builder().status(status);
    if let Some(content_type) = content_type {
        response = response.header(hyper::header::CONTENT_TYPE, content_type);
    }
    response.body(Full::new(body)).expect("response")
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
