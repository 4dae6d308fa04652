//! Kong sandbox: an in-memory, faithful imitation of Kong 3.x's Admin API,
//! used to prove terraform-provider-dispatch correct without a real Kong.
//!
//! The facts it follows are in `shared/kong-admin-api.md`; the Kong source
//! files each behaviour comes from are named in the module docs.
//!
//! ```no_run
//! let sandbox = kong_sandbox::Sandbox::start();
//! println!("Admin API at {}", sandbox.url());
//! ```

pub mod api;
pub mod controls;
pub mod entities;
pub mod errors;
pub mod hostile;
pub mod router;
pub mod schema;
pub mod seed;
pub mod server;
pub mod store;

pub use controls::{Controls, FaultAction, FaultRule, PagingFault, RequestRecord};
pub use seed::{SeedError, SeedRequest, Seeder};

use std::net::SocketAddr;
use std::sync::Arc;

/// Which Kong is imitated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edition {
    /// Kong Gateway OSS 3.9.3.
    Community,
    /// Kong Gateway Enterprise 3.10.0.1: workspaces, RBAC token, openid-connect.
    Enterprise,
}

/// HTTPS serving material (PEM).
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// Server certificate chain, leaf first.
    pub cert_pem: String,
    /// Server private key.
    pub key_pem: String,
    /// When set, clients must present a certificate signed by this CA.
    pub client_ca_pem: Option<String>,
}

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Edition.
    pub edition: Edition,
    /// RBAC admin token (Enterprise only; ignored by Community).
    pub admin_token: Option<String>,
    /// Serve HTTPS instead of HTTP.
    pub tls: Option<TlsConfig>,
    /// Listen address (default 127.0.0.1:0).
    pub bind: SocketAddr,
    /// The version `GET /` reports instead of the edition's (3.9.3, or 3.10.0.1 for
    /// Enterprise), such as `2.8.4` or `4.0.0`: for testing what a client does with the version
    /// it reads. Only the report changes; the Admin API still behaves as Kong 3.9's.
    pub version: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            edition: Edition::Community,
            admin_token: None,
            tls: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            version: None,
        }
    }
}

/// A running sandbox; it stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    tls: bool,
    controls: Controls,
    app: Arc<api::App>,
    seeder: Seeder,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox on its own thread and tokio runtime; returns once listening.
    pub fn spawn(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let acceptor = match &config.tls {
            Some(t) => Some(server::tls_acceptor(t)?),
            None => None,
        };
        let std_listener = std::net::TcpListener::bind(config.bind)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let controls = Controls::default();
        let app = Arc::new(api::App::new(
            config.edition,
            config.admin_token.clone(),
            config.version.clone(),
        ));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let seeder = Seeder::new(app.clone());
        let c2 = controls.clone();
        let app_handle = app.clone();
        let thread = std::thread::Builder::new()
            .name("kong-sandbox".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    server::serve(listener, app, c2, acceptor, rx).await;
                });
                rt.shutdown_background();
            })?;
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("sandbox thread exited before listening"))??;
        Ok(Sandbox {
            addr,
            tls: config.tls.is_some(),
            controls,
            app: app_handle,
            seeder,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `spawn(SandboxConfig::default())`, panicking on failure (for tests).
    pub fn start() -> Sandbox {
        Sandbox::spawn(SandboxConfig::default()).expect("start kong sandbox")
    }

    /// Base URL: `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else if self.addr.is_ipv6() {
            format!("http://[{}]:{}", self.addr.ip(), self.addr.port())
        } else {
            format!("http://{}:{}", self.addr.ip(), self.addr.port())
        }
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The test controls (request log, faults, latency).
    pub fn controls(&self) -> Controls {
        self.controls.clone()
    }

    /// Bulk seeding (Admin API writes in process, not recorded as requests).
    pub fn seeder(&self) -> Seeder {
        self.seeder.clone()
    }

    /// A handle that resets this sandbox (see [`Reset`]); cheap to clone.
    pub fn resetter(&self) -> Reset {
        Reset {
            app: self.app.clone(),
            controls: self.controls.clone(),
        }
    }

    /// Back to the state of a fresh start: see [`Reset::reset`].
    pub fn reset(&self) {
        self.resetter().reset()
    }
}

/// Resets a running sandbox, for suites that share one between tests.
#[derive(Clone)]
pub struct Reset {
    app: Arc<api::App>,
    controls: Controls,
}

impl Reset {
    /// Drops every entity and workspace, zeroes the request counters, and removes every
    /// fault rule and the added latency. The node (its id, edition, version, token) stays.
    pub fn reset(&self) {
        self.controls.reset();
        self.app.reset();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
