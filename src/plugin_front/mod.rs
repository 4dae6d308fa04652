//! The plugin front: the provider's own gRPC endpoint, in front of tf-provider's server.
//!
//! Terraform stops a provider on Ctrl-C with `StopProvider`, then keeps calling it while the
//! operations in flight end. tf-provider 0.2.2 answers `StopProvider` by shutting its server
//! down, after which every call fails ("Plugin did not respond"), and its server is private. So
//! Terraform talks to the front instead:
//!
//! - `main` takes Terraform's client certificate (`PLUGIN_CLIENT_CERT`) out of the environment
//!   before tf-provider starts, so tf-provider serves plain HTTP/2 on loopback;
//! - when tf-provider prints its handshake line, the front connects to it, starts listening
//!   (TLS 1.3 with a fresh certificate, Terraform's client certificate required) and prints its
//!   own handshake line in place of tf-provider's;
//! - calls pass through unchanged (a protocol call's one message is read whole before it is
//!   passed on, go-plugin's streams as they come), except `StopProvider` (answered here; it
//!   sets the stop signal), go-plugin's `Shutdown` (sets the shutdown signal and waits for the calls in flight
//!   before it is passed on) and requests above tf-provider's 4 MiB limit (refused with a clear
//!   message instead of tonic's bare "OutOfRange").

mod grpc;
mod handshake;
mod proxy;
mod tls;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;

use tokio::runtime::Handle;

pub use handshake::Handshake;
pub use proxy::{SHUTDOWN_GRACE, SHUTDOWN_SETTLE};
pub use tls::{crypto_provider, plugin_client_config, FrontTls, PinnedClient};

use crate::interrupt::Interrupt;

/// The environment variable in which go-plugin passes its client certificate (PEM).
pub const CLIENT_CERT_VAR: &str = "PLUGIN_CLIENT_CERT";

/// Why the front could not start.
#[derive(Debug, thiserror::Error)]
pub enum FrontError {
    /// `PLUGIN_CLIENT_CERT` is not a usable certificate.
    #[error("{CLIENT_CERT_VAR} is {0}")]
    ClientCertificate(String),
    /// The server certificate could not be made.
    #[error("cannot make the plugin's TLS certificate: {0}")]
    ServerCertificate(#[from] rcgen::Error),
    /// rustls refused the TLS settings.
    #[error("cannot set up the plugin's TLS: {0}")]
    Tls(rustls::Error),
    /// A socket could not be opened.
    #[error("cannot open the plugin's socket: {0}")]
    Io(#[from] std::io::Error),
    /// tf-provider's server did not accept the front's HTTP/2 connection.
    #[error("cannot connect to tf-provider's server: {0}")]
    Backend(h2::Error),
    /// The line tf-provider printed is not a handshake the front can stand in front of.
    #[error("unexpected plugin handshake line: {0}")]
    Handshake(String),
    /// The front needs tf-provider's handshake line, which start-up only intercepts on Unix
    /// (a pipe in place of the standard output's descriptor).
    #[error("the plugin front is not available on this platform")]
    Unsupported,
}

/// The front, ready to start once tf-provider's server listens.
pub struct PluginFront {
    tls: Option<FrontTls>,
    interrupt: Interrupt,
}

impl PluginFront {
    /// Prepares the front with TLS for `client_pem` (Terraform's `PLUGIN_CLIENT_CERT`), or
    /// plain HTTP/2 when Terraform sent no certificate (as tf-provider would serve).
    pub fn new(client_pem: Option<&str>, interrupt: Interrupt) -> Result<Self, FrontError> {
        let tls = client_pem.map(FrontTls::for_client).transpose()?;
        Ok(Self { tls, interrupt })
    }

    /// Connects to the tf-provider server announced by `line`, starts listening on loopback
    /// and returns the handshake line Terraform must read instead. Blocks on `runtime` (call
    /// it from outside the runtime's threads, while a thread runs the runtime's own `block_on`,
    /// which drives a current-thread runtime's sockets); the front then runs on it.
    pub fn start(self, line: &str, runtime: &Handle) -> Result<String, FrontError> {
        runtime.block_on(self.listen(line))
    }

    /// [`PluginFront::start`], on the current runtime.
    pub async fn listen(self, line: &str) -> Result<String, FrontError> {
        let handshake =
            Handshake::parse(line).ok_or_else(|| FrontError::Handshake(line.to_string()))?;
        let listener = bind_loopback()?;
        let address = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let backend_address = handshake.address;
        let backend = proxy::connect(backend_address).await?;
        let front = Arc::new(proxy::Front::new(backend, backend_address, self.interrupt));
        let acceptor = self
            .tls
            .as_ref()
            .map(|tls| tokio_rustls::TlsAcceptor::from(tls.config.clone()));
        tokio::spawn(proxy::serve(listener, acceptor, front));
        tracing::debug!(%address, %backend_address, tls = self.tls.is_some(), "plugin front listening");
        let certificate = self.tls.as_ref().map(|tls| tls.certificate.as_ref());
        Ok(handshake.served_at(address, certificate))
    }
}

/// Puts the front in front of tf-provider for this process: takes `PLUGIN_CLIENT_CERT` out of
/// the environment (tf-provider then serves plain HTTP/2 on loopback) and has tf-provider's
/// handshake line replaced by the front's once tf-provider prints it. Call it before
/// tf-provider starts, outside the runtime's threads. Where the front cannot run, tf-provider
/// serves Terraform directly, as without the front: Ctrl-C is still survived, but after a
/// StopProvider tf-provider stops serving.
#[cfg(unix)]
pub fn install(interrupt: Interrupt, runtime: Handle) -> Result<(), FrontError> {
    let client_pem = std::env::var(CLIENT_CERT_VAR)
        .ok()
        .filter(|pem| !pem.trim().is_empty());
    let front = PluginFront::new(client_pem.as_deref(), interrupt)?;
    let rewrite = Box::new(move |line: &str| match front.start(line, &runtime) {
        Ok(line) => Some(line),
        Err(error) => {
            // tf-provider serves plain HTTP/2 now, which Terraform would not understand
            // when it asked for TLS: better no provider than a confusing TLS error.
            eprintln!("terraform-provider-dispatch: the plugin front did not start: {error}");
            std::process::exit(1);
        }
    });
    crate::startup::intercept_handshake(Some(rewrite))?;
    // Only once the line is sure to be replaced (tf-provider reads it when it starts).
    std::env::remove_var(CLIENT_CERT_VAR);
    Ok(())
}

/// See the Unix version: elsewhere tf-provider serves Terraform directly.
#[cfg(not(unix))]
pub fn install(_interrupt: Interrupt, _runtime: Handle) -> Result<(), FrontError> {
    Err(FrontError::Unsupported)
}

/// A loopback listener in go-plugin's port range (`PLUGIN_MIN_PORT`..`PLUGIN_MAX_PORT`, as
/// tf-provider reads them), else on any free port.
fn bind_loopback() -> Result<TcpListener, FrontError> {
    let port = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u16>().ok());
    let (min, max) = match (port("PLUGIN_MIN_PORT"), port("PLUGIN_MAX_PORT")) {
        (None, None) => (0, 0),
        (min, max) => {
            let (min, max) = (min.unwrap_or(1025), max.unwrap_or(u16::MAX));
            (min.min(max), min.max(max))
        }
    };
    let candidates: Vec<SocketAddr> = (min..=max)
        .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .collect();
    Ok(TcpListener::bind(candidates.as_slice())?)
}

#[cfg(test)]
mod tests;
