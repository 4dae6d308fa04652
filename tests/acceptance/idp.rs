//! A fake OpenID Connect provider on a loopback port: a discovery document and a JWKS holding
//! RSA and EC keys generated (by OpenSSL) when the test starts. Tests rotate its keys and make it
//! misbehave (no `jwks_uri`, an empty or malformed JWKS, a key type Kong cannot use).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use serde_json::{json, Value as Json};

/// One signing key of the provider.
pub struct Key {
    /// Its key id.
    pub kid: String,
    /// Its JWK (public part).
    pub jwk: Json,
    /// The key itself.
    pub pkey: PKey<Private>,
}

impl Key {
    /// A fresh RSA 2048 key.
    pub fn rsa(kid: &str) -> Key {
        let rsa = openssl::rsa::Rsa::generate(2048).expect("rsa key");
        let b64 = |n: &openssl::bn::BigNumRef| URL_SAFE_NO_PAD.encode(n.to_vec());
        let jwk = json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(rsa.n()), "e": b64(rsa.e())});
        Key {
            kid: kid.into(),
            jwk,
            pkey: PKey::from_rsa(rsa).expect("pkey"),
        }
    }

    /// A fresh EC P-256 key.
    pub fn ec(kid: &str) -> Key {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("group");
        let key = EcKey::generate(&group).expect("ec key");
        let (mut x, mut y) = (BigNum::new().expect("x"), BigNum::new().expect("y"));
        let mut ctx = BigNumContext::new().expect("ctx");
        key.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .expect("coordinates");
        let b64 = |n: &BigNum| URL_SAFE_NO_PAD.encode(n.to_vec_padded(32).expect("pad"));
        let jwk = json!({"kty": "EC", "kid": kid, "crv": "P-256", "use": "sig", "x": b64(&x), "y": b64(&y)});
        Key {
            kid: kid.into(),
            jwk,
            pkey: PKey::from_ec_key(key).expect("pkey"),
        }
    }

    /// The public key as OpenSSL writes it (SPKI PEM).
    pub fn public_pem(&self) -> String {
        String::from_utf8(self.pkey.public_key_to_pem().expect("pem")).expect("utf-8")
    }
}

/// What the provider answers.
#[derive(Default)]
struct State {
    keys: Vec<Key>,
    discovery: Option<Json>,
    jwks: Option<String>,
    requests: usize,
}

/// A running fake identity provider; it stops when dropped.
pub struct FakeIdp {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeIdp {
    /// Starts a provider with an RSA key `rsa-1` and an EC key `ec-1`.
    pub fn start() -> FakeIdp {
        Self::with_keys(vec![Key::rsa("rsa-1"), Key::ec("ec-1")])
    }

    /// Starts a provider publishing these keys.
    pub fn with_keys(keys: Vec<Key>) -> FakeIdp {
        let state = Arc::new(Mutex::new(State {
            keys,
            ..State::default()
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    tokio::select! {
                        _ = &mut rx => return,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let state = served.clone();
                            tokio::spawn(async move {
                                let service = service_fn(move |request| {
                                    let state = state.clone();
                                    async move { Ok::<_, Infallible>(answer(&state, addr, &request)) }
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
        FakeIdp {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The issuer identifier (`http://127.0.0.1:PORT`, allowed because it is loopback).
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the keys.
    pub fn set_keys(&self, keys: Vec<Key>) {
        self.lock().keys = keys;
    }

    /// OpenSSL's PEM of the published key `kid`.
    pub fn public_pem(&self, kid: &str) -> String {
        self.lock()
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .expect("known kid")
            .public_pem()
    }

    /// Serves this discovery document instead of the real one.
    pub fn set_discovery(&self, document: Json) {
        self.lock().discovery = Some(document);
    }

    /// Serves this JWKS body instead of the real one.
    pub fn set_jwks(&self, body: &str) {
        self.lock().jwks = Some(body.to_string());
    }
}

fn answer(
    state: &Mutex<State>,
    addr: SocketAddr,
    request: &Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    state.requests += 1;
    let issuer = format!("http://{addr}");
    let (status, body) = match request.uri().path() {
        "/.well-known/openid-configuration" => (
            200,
            state
                .discovery
                .clone()
                .unwrap_or_else(|| json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks"), "id_token_signing_alg_values_supported": ["RS256", "ES256"]}))
                .to_string(),
        ),
        "/jwks" => (
            200,
            state.jwks.clone().unwrap_or_else(|| {
                json!({"keys": state.keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}).to_string()
            }),
        ),
        _ => (404, "{\"error\":\"not found\"}".to_string()),
    };
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("response")
}

impl Drop for FakeIdp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
