//! The front's HTTP/2: Terraform's connections in, one plain HTTP/2 connection to tf-provider's
//! server out. Every call is passed through (streams and trailers included), except the three
//! the front answers or holds itself; a protocol call's request, one message, is read whole
//! first.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body as HttpBody, Frame, Incoming};
use hyper::http::uri::Authority;
use hyper::service::service_fn;
use hyper::{Request, Response, Uri};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::grpc::{self, Body, Code, MAX_MESSAGE_LEN, PREFIX_LEN};
use super::FrontError;
use crate::interrupt::Interrupt;
use crate::model::certificate::{MAX_CERTIFICATE_LEN, MAX_PRIVATE_KEY_LEN};

/// Terraform's StopProvider: answered here, so that tf-provider keeps serving.
const STOP_PROVIDER: &str = "/tfplugin6.Provider/StopProvider";
/// go-plugin's Shutdown: held until the calls in flight have ended, then passed on.
const SHUTDOWN: &str = "/plugin.GRPCController/Shutdown";
/// The calls of Terraform's plugin protocol 6, each a single request message.
const PROVIDER_CALLS: &str = "/tfplugin6.Provider/";

/// How long a Shutdown waits for the calls in flight (creates undoing what they wrote) before
/// it is passed on anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// After a Ctrl-C, how long a Shutdown is held after the last call ended. Terraform writes its
/// state file for each answer from a goroutine of its own, truncating the file first, and exits
/// soon after the provider answers Shutdown: without this pause, a state file being written
/// for the last answers was seen left empty (Terraform 1.11, local state, a second Ctrl-C).
pub const SHUTDOWN_SETTLE: Duration = Duration::from_secs(2);

/// One plain HTTP/2 connection to tf-provider's server, shared by every call. The `h2` crate's
/// own client: each call is sent and answered in the task that serves it (hyper's client would
/// hand it to a task of its own and back).
pub type Backend = h2::client::SendRequest<Bytes>;

/// The flow-control windows of the connection to tf-provider (hyper's client defaults): a
/// message of a few MiB goes in a few round trips.
const BACKEND_STREAM_WINDOW: u32 = 2 * 1024 * 1024;
const BACKEND_CONNECTION_WINDOW: u32 = 5 * 1024 * 1024;

/// Opens the connection to tf-provider's server at `address`.
pub async fn connect(address: SocketAddr) -> Result<Backend, FrontError> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = h2::client::Builder::new()
        .enable_push(false)
        .initial_window_size(BACKEND_STREAM_WINDOW)
        .initial_connection_window_size(BACKEND_CONNECTION_WINDOW)
        .handshake(stream)
        .await
        .map_err(FrontError::Backend)?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "the connection to tf-provider's server ended");
        }
    });
    Ok(sender)
}

/// What the front needs to answer a call.
pub struct Front {
    backend: Backend,
    backend_authority: Authority,
    interrupt: Interrupt,
    /// How many protocol calls are being answered by tf-provider right now.
    in_flight: watch::Sender<usize>,
    /// When the last protocol call ended.
    last_answer: std::sync::Mutex<Option<Instant>>,
}

impl Front {
    /// A front passing calls on to `backend` (connected to `backend_address`).
    pub fn new(backend: Backend, backend_address: SocketAddr, interrupt: Interrupt) -> Self {
        // A socket address is always a valid authority.
        let backend_authority = Authority::try_from(backend_address.to_string())
            .unwrap_or_else(|_| Authority::from_static("localhost"));
        Self {
            backend,
            backend_authority,
            interrupt,
            in_flight: watch::Sender::new(0),
            last_answer: std::sync::Mutex::new(None),
        }
    }

    /// Answers one call.
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<Body>, Infallible> {
        let path = request.uri().path();
        if path == STOP_PROVIDER {
            tracing::info!("Terraform asked the provider to stop: waits end, the calls in flight finish or undo");
            self.interrupt.stop();
            return Ok(grpc::empty_message());
        }
        if path == SHUTDOWN {
            let interrupted = self.interrupt.is_stopped();
            self.interrupt.shut_down();
            self.wait_for_calls_in_flight().await;
            if interrupted {
                self.let_terraform_record_the_last_answers().await;
            }
            return Ok(self.forward(request).await);
        }
        if !path.starts_with(PROVIDER_CALLS) {
            // go-plugin's stdio and broker streams.
            return Ok(self.forward(request).await);
        }
        let (parts, mut body) = request.into_parts();
        let head = match read_prefix(&mut body).await {
            Ok(head) => head,
            Err(error) => return Ok(unreadable(error)),
        };
        if let Some(declared) = grpc::declared_len(&head).filter(|n| *n > MAX_MESSAGE_LEN) {
            let call = parts.uri.path().trim_start_matches(PROVIDER_CALLS);
            return Ok(grpc::error(
                Code::ResourceExhausted,
                &too_large(call, declared),
            ));
        }
        let _counted = self.enter();
        let message = match read_rest(head, body).await {
            Ok(message) => message,
            Err(error) => return Ok(unreadable(error)),
        };
        Ok(self.send(parts, Forwarded::Whole(message)).await)
    }

    /// Passes a call on to tf-provider as it comes.
    async fn forward(&self, request: Request<Incoming>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        self.send(parts, Forwarded::Streamed(body)).await
    }

    /// Sends a call to tf-provider's address; its answer, or the error Terraform gets instead.
    async fn send(
        &self,
        mut parts: hyper::http::request::Parts,
        body: Forwarded,
    ) -> Response<Body> {
        let mut uri = Uri::builder()
            .scheme("http")
            .authority(self.backend_authority.clone());
        if let Some(path) = parts.uri.path_and_query() {
            uri = uri.path_and_query(path.clone());
        }
        parts.uri = match uri.build() {
            Ok(uri) => uri,
            Err(error) => return grpc::error(Code::Unavailable, &error.to_string()),
        };
        match self.exchange(parts, body).await {
            Ok(response) => response,
            Err(error) => grpc::error(
                Code::Unavailable,
                &format!("the provider's plugin server did not answer: {error}"),
            ),
        }
    }

    /// Sends one call to tf-provider and returns its answer, streamed back as it comes.
    async fn exchange(
        &self,
        parts: hyper::http::request::Parts,
        body: Forwarded,
    ) -> Result<Response<Body>, h2::Error> {
        let mut backend = self.backend.clone().ready().await?;
        let (answer, mut stream) = backend.send_request(Request::from_parts(parts, ()), false)?;
        match body {
            Forwarded::Whole(message) => stream.send_data(message, true)?,
            Forwarded::Streamed(body) => {
                tokio::spawn(pipe_request(body, stream));
            }
        }
        let answer = answer.await?;
        Ok(answer.map(|body| Received::new(body).boxed()))
    }

    fn enter(&self) -> InFlight<'_> {
        self.in_flight.send_modify(|count| *count += 1);
        InFlight(self)
    }

    /// Holds Shutdown until [`SHUTDOWN_SETTLE`] has passed since the last call ended.
    async fn let_terraform_record_the_last_answers(&self) {
        let last = *self
            .last_answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(pause) = last.and_then(|last| SHUTDOWN_SETTLE.checked_sub(last.elapsed())) {
            tracing::debug!(
                ?pause,
                "letting Terraform record the last answers before it exits"
            );
            tokio::time::sleep(pause).await;
        }
    }

    /// Terraform exits after Shutdown, and records nothing that answers later: the creates in
    /// flight undo what they wrote (they see the shutdown after their next request) and answer.
    async fn wait_for_calls_in_flight(&self) {
        let mut count = self.in_flight.subscribe();
        let in_flight = *count.borrow();
        if in_flight == 0 {
            return;
        }
        tracing::info!(
            in_flight,
            "Terraform is exiting: waiting for the calls in flight to end"
        );
        let ended = tokio::time::timeout(SHUTDOWN_GRACE, count.wait_for(|n| *n == 0))
            .await
            .is_ok();
        if !ended {
            tracing::warn!(
                in_flight = *self.in_flight.borrow(),
                "calls still in flight after {SHUTDOWN_GRACE:?}: shutting down anyway"
            );
        }
    }
}

/// Counts a call while tf-provider answers it.
struct InFlight<'a>(&'a Front);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        *self
            .0
            .last_answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
        self.0.in_flight.send_modify(|count| *count -= 1);
    }
}

/// The answer to a request whose body could not be read.
fn unreadable(error: impl std::fmt::Display) -> Response<Body> {
    grpc::error(
        Code::Unavailable,
        &format!("the provider could not read Terraform's request: {error}"),
    )
}

/// The error for a request tf-provider would refuse with tonic's bare "OutOfRange" status.
fn too_large(call: &str, len: usize) -> String {
    format!(
        "Terraform sent the provider a {call} request of {:.1} MiB ({len} bytes); the provider accepts at most {} MiB ({MAX_MESSAGE_LEN} bytes) in one request. Such a size comes from a very large value in the configuration, such as a certificate chain or a file read with file(): dispatch_certificate accepts at most {} KiB in certificate and {} KiB in private_key.",
        len as f64 / (1024.0 * 1024.0),
        MAX_MESSAGE_LEN / (1024 * 1024),
        MAX_CERTIFICATE_LEN / 1024,
        MAX_PRIVATE_KEY_LEN / 1024,
    )
}

/// Reads the body until its message prefix is in: the first bytes of the body, at least
/// [`PREFIX_LEN`] of them unless the body is shorter.
async fn read_prefix(body: &mut Incoming) -> Result<Bytes, hyper::Error> {
    let mut head = BytesMut::new();
    while head.len() < PREFIX_LEN {
        let Some(frame) = body.frame().await else {
            break;
        };
        // A gRPC request carries no trailers; any other frame is data.
        if let Ok(data) = frame?.into_data() {
            if head.is_empty() && data.len() >= PREFIX_LEN {
                return Ok(data);
            }
            head.extend_from_slice(&data);
        }
    }
    Ok(head.freeze())
}

/// The rest of a protocol call's body after `head`, read whole: a call carries one message,
/// which tf-provider reads whole anyway, and a whole message goes to tf-provider with its
/// request from the task that serves the call. The prefix declared at most
/// [`MAX_MESSAGE_LEN`]; a body is not read beyond that.
async fn read_rest(head: Bytes, body: Incoming) -> Result<Bytes, String> {
    let limit = (MAX_MESSAGE_LEN + PREFIX_LEN).saturating_sub(head.len());
    let rest = Limited::new(body, limit)
        .collect()
        .await
        .map_err(|error| error.to_string())?
        .to_bytes();
    if rest.is_empty() {
        return Ok(head);
    }
    let mut message = BytesMut::with_capacity(head.len() + rest.len());
    message.extend_from_slice(&head);
    message.extend_from_slice(&rest);
    Ok(message.freeze())
}

/// Passes a streamed request body (go-plugin's stdio and broker streams, whose messages are
/// small) on to tf-provider as it comes, trailers included.
async fn pipe_request(mut body: Incoming, mut stream: h2::SendStream<Bytes>) {
    loop {
        let sent = match body.frame().await {
            None => stream.send_data(Bytes::new(), true),
            Some(Err(error)) => {
                tracing::debug!(%error, "a stream from Terraform ended early");
                stream.send_reset(h2::Reason::CANCEL);
                return;
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => match stream.send_data(data, false) {
                    Ok(()) => continue,
                    Err(error) => Err(error),
                },
                Err(frame) => match frame.into_trailers() {
                    Ok(trailers) => stream.send_trailers(trailers),
                    Err(_) => continue,
                },
            },
        };
        if let Err(error) = sent {
            tracing::debug!(%error, "tf-provider's server closed a stream early");
        }
        return;
    }
}

/// tf-provider's answer on its way back to Terraform: its data (the window given back as it is
/// passed on), then its trailers.
struct Received {
    body: h2::RecvStream,
    data_done: bool,
    done: bool,
}

impl Received {
    fn new(body: h2::RecvStream) -> Self {
        Self {
            body,
            data_done: false,
            done: false,
        }
    }
}

impl HttpBody for Received {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if !this.data_done {
            match std::task::ready!(this.body.poll_data(cx)) {
                Some(Ok(data)) => {
                    // Given back at once: Terraform's side of the front has its own window.
                    let _ = this.body.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Some(Err(error)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(error)));
                }
                None => this.data_done = true,
            }
        }
        this.done = true;
        match std::task::ready!(this.body.poll_trailers(cx)) {
            Ok(Some(trailers)) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Ok(None) => Poll::Ready(None),
            Err(error) => Poll::Ready(Some(Err(error))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.body.is_end_stream()
    }
}

/// A request body on its way to tf-provider.
enum Forwarded {
    /// A protocol call's message, read whole.
    Whole(Bytes),
    /// go-plugin's streams, passed on as they come.
    Streamed(Incoming),
}

/// Accepts Terraform's connections for ever: TLS first when `tls` is set.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, front: Arc<Front>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of descriptors, say: try again shortly instead of spinning.
                tracing::warn!(%error, "the plugin front cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small gRPC frames must not wait for the peer's delayed ACK (Nagle's algorithm).
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY on Terraform's connection");
        }
        let (tls, front) = (tls.clone(), front.clone());
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => serve_connection(stream, front).await,
                    Err(error) => {
                        tracing::warn!(%error, "refused a connection to the plugin: no TLS with Terraform's client certificate");
                    }
                },
                None => serve_connection(stream, front).await,
            }
        });
    }
}

async fn serve_connection<I>(stream: I, front: Arc<Front>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| front.clone().handle(request));
    let served = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        // As tf-provider's own server (tonic's default): no limit on concurrent calls.
        .max_concurrent_streams(None)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = served {
        tracing::debug!(%error, "a connection to the plugin front ended");
    }
}
