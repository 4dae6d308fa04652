//! Fetching an OpenID Connect issuer's signing keys: the discovery document, then the JWKS,
//! with a timeout, over rustls. Nothing in here knows about Terraform; the parsing is in
//! [`crate::model::jwk`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OnceCell};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::kong::{read_only, transport_error};
use crate::model::jwk::{self, JwksError, SigningKey};

/// How long one request to an identity provider may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest document accepted from an identity provider (a JWKS is a few kilobytes).
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Why an issuer's keys could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IdpError {
    /// A URL the provider may not fetch.
    #[error("{0}")]
    Url(String),
    /// No answer (refused, DNS, TLS, timeout).
    #[error("cannot fetch {url}: {cause}")]
    Unreachable {
        /// What was fetched.
        url: String,
        /// Why it failed.
        cause: String,
    },
    /// An answer other than 200.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// What was fetched.
        url: String,
        status: u16,
    },
    /// A document larger than any JWKS.
    #[error("{url} answered more than {MAX_DOCUMENT_BYTES} bytes, which is no JWKS or discovery document")]
    TooLarge {
        /// What was fetched.
        url: String,
    },
    /// An answer that is not a usable discovery document or JWKS.
    #[error("{url}: {error}")]
    Document {
        /// What was fetched.
        url: String,
        /// What is wrong with it.
        error: JwksError,
    },
}

/// Where keys come from: an issuer, and its JWKS URL when not discovered.
type KeySource = (String, Option<String>);

/// Fetches issuers' keys; remembers them for the life of the provider process, so that a plan
/// with many APIs of one issuer asks it once.
#[derive(Clone)]
pub struct IdpClient {
    timeout: Duration,
    /// Built at the first fetch: building loads the system's root certificates, which costs
    /// as much CPU as refreshing a hundred APIs, and most provider processes never fetch keys.
    http: Arc<OnceCell<reqwest::Client>>,
    cache: Arc<Mutex<HashMap<KeySource, Vec<SigningKey>>>>,
    /// Cancelled when Terraform asks the provider to stop: a read-only operation's fetch ends.
    stop: CancellationToken,
}

impl std::fmt::Debug for IdpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpClient").finish_non_exhaustive()
    }
}

impl IdpClient {
    /// A client whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            http: Arc::default(),
            cache: Arc::default(),
            stop: CancellationToken::new(),
        }
    }

    /// The same client, whose fetches for a read-only operation (a plan, a refresh) are
    /// abandoned when `stop` is cancelled (see [`crate::kong::read_only`]).
    pub fn stopped_by(mut self, stop: CancellationToken) -> Self {
        self.stop = stop;
        self
    }

    async fn http(&self) -> Result<&reqwest::Client, IdpError> {
        self.http
            .get_or_try_init(|| async {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout)
                    .user_agent(concat!(
                        "terraform-provider-dispatch/",
                        env!("CARGO_PKG_VERSION")
                    ))
                    // A redirect could lead a https issuer's keys to plain http.
                    .redirect(reqwest::redirect::Policy::custom(|attempt| {
                        if attempt.previous().len() < 5
                            && jwk::identity_provider_url(attempt.url().as_str()).is_ok()
                        {
                            attempt.follow()
                        } else {
                            attempt.stop()
                        }
                    }))
                    .build()
                    .map_err(|e| IdpError::Url(format!("cannot build the HTTP client: {e}")))
            })
            .await
    }

    /// The signing keys of `issuer`, from `jwks_url` when given, else from its discovery
    /// document. Successful answers are remembered; failures are not.
    pub async fn signing_keys(
        &self,
        issuer: &str,
        jwks_url: Option<&str>,
    ) -> Result<Vec<SigningKey>, IdpError> {
        let cache_key = (issuer.to_string(), jwks_url.map(str::to_string));
        if let Some(keys) = self.cache.lock().await.get(&cache_key) {
            tracing::debug!(
                issuer,
                "issuer keys: cache hit (fetched earlier in this run)"
            );
            return Ok(keys.clone());
        }
        let keys = self.fetch_keys(issuer, jwks_url).await?;
        self.cache.lock().await.insert(cache_key, keys.clone());
        Ok(keys)
    }

    async fn fetch_keys(
        &self,
        issuer: &str,
        jwks_url: Option<&str>,
    ) -> Result<Vec<SigningKey>, IdpError> {
        let jwks_url = match jwks_url {
            Some(url) => jwk::identity_provider_url(url).map_err(IdpError::Url)?,
            None => {
                let issuer_url = jwk::identity_provider_url(issuer).map_err(IdpError::Url)?;
                let discovery = jwk::discovery_url(&issuer_url).map_err(IdpError::Url)?;
                let document = self.fetch(&discovery).await?;
                jwk::jwks_uri_of_discovery(&document, issuer).map_err(|error| {
                    IdpError::Document {
                        url: discovery.to_string(),
                        error,
                    }
                })?
            }
        };
        let document = self.fetch(&jwks_url).await?;
        jwk::signing_keys(&document).map_err(|error| IdpError::Document {
            url: jwks_url.to_string(),
            error,
        })
    }

    /// One GET, logged as one line (debug) with its status, duration or error.
    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, IdpError> {
        let began = std::time::Instant::now();
        let result = read_only::unless_stopped(&self.stop, self.get(url))
            .await
            .unwrap_or_else(|| {
                Err(IdpError::Unreachable {
                    url: url.to_string(),
                    cause: "not waited for: Terraform asked the provider to stop".to_string(),
                })
            });
        let duration_ms = began.elapsed().as_millis() as u64;
        let (status, error) = match &result {
            Ok(_) => (Some(200u16), None),
            Err(IdpError::Status { status, .. }) => (Some(*status), None),
            Err(error) => (None, Some(tracing::field::display(error))),
        };
        tracing::debug!(url = %url, status, duration_ms, error, "identity provider call");
        result
    }

    async fn get(&self, url: &Url) -> Result<Vec<u8>, IdpError> {
        let unreachable = |e: reqwest::Error| IdpError::Unreachable {
            url: url.to_string(),
            cause: describe(&e),
        };
        let mut response = self
            .http()
            .await?
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(unreachable)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(IdpError::Status {
                url: url.to_string(),
                status: response.status().as_u16(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(IdpError::TooLarge {
                    url: url.to_string(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer within the timeout".to_string();
    }
    transport_error::error_chain(error)
}
