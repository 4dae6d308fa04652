//! The Admin API client: one pooled connection per provider process, Kong's paths and
//! workspaces, authentication headers, TLS, timeouts, retries and tracing.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::RETRY_AFTER;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use url::Url;

use super::body::{self, ReadError, MAX_ANSWER_BYTES};
use super::call_log;
use super::entities::{NodeInfo, Page};
use super::error::{KongError, KongErrorBody, Tries};
use super::options::{self, ClientOptions, ConfigError};
use super::paging::{Identified, Pager};
use super::path::{is_dot_segment, segment};
use super::read_only;
use super::redact;
use super::transport_error::{error_chain, is_tls_failure};

/// Kong's largest page: `max_page_size` in kong/api/endpoints.lua `extract_options` (Kong
/// 3.9); a larger `size` is refused with "size must be an integer between 1 and 1000".
pub const MAX_PAGE_SIZE: usize = 1000;

/// The Admin API client. Cheap to clone: the connection pool is shared.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: Url,
    workspace: Option<String>,
    timeout: Duration,
    max_retries: u32,
    retry_base_delay: Duration,
    writes: Arc<AtomicU64>,
    /// Cancelled when Terraform asks the provider to stop: retries stop waiting.
    stop: CancellationToken,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &redact::url(self.base_url.as_str()))
            .field("workspace", &self.workspace)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// A successful answer: its status, and its body kept as bytes until decoded.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Client {
    /// Builds the client (and its TLS configuration) from the options.
    pub fn new(options: ClientOptions) -> Result<Self, ConfigError> {
        let http = options::http_client(&options)?;
        let mut base_url = options.base_url;
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        Ok(Self {
            http,
            base_url,
            workspace: options.workspace.filter(|w| !w.is_empty()),
            timeout: options.timeout,
            max_retries: options.max_retries,
            retry_base_delay: options.retry_base_delay,
            writes: Arc::new(AtomicU64::new(0)),
            stop: CancellationToken::new(),
        })
    }

    /// The same client, whose retries end (with [`KongError::Stopped`]) instead of waiting once
    /// `stop` is cancelled. A request already sent still gets its answer (or its timeout).
    pub fn stopped_by(mut self, stop: CancellationToken) -> Self {
        self.stop = stop;
        self
    }

    /// The workspace that prefixes every path, if any.
    pub fn workspace(&self) -> Option<&str> {
        self.workspace.as_deref()
    }

    /// The same client without a workspace (its paths are the Admin API's root ones).
    pub(super) fn without_workspace(&self) -> Self {
        Self {
            workspace: None,
            ..self.clone()
        }
    }

    /// The same client, trying each request once.
    pub(super) fn without_retries(&self) -> Self {
        Self {
            max_retries: 0,
            ..self.clone()
        }
    }

    /// A counter that moves whenever a write starts or ends through this client (or a clone),
    /// so that cached reads can tell they may be stale.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// `GET /` (or the workspace's `/{ws}/kong`): the node's version and edition.
    pub async fn node_info(&self) -> Result<NodeInfo, KongError> {
        let path = if self.workspace.is_some() {
            "/kong"
        } else {
            "/"
        };
        self.get(path).await?.ok_or_else(|| KongError::Decode {
            method: "GET".into(),
            path: self.shown_path(path),
            cause: "Kong answered 404 to its root endpoint; is kong_admin_url the Admin API?"
                .into(),
        })
    }

    /// GET one entity; `None` when Kong answers 404.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, KongError> {
        match self.request(Method::GET, path, &[], None).await {
            Ok(answer) => self.decode(&Method::GET, path, answer).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// PUT (create or replace) an entity at `path`.
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, KongError> {
        self.send_json(Method::PUT, path, body).await
    }

    /// PATCH an entity: only the fields in `body` change. The provider always sends absolute
    /// values, so a repeated PATCH has the same effect and is retried like PUT.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, KongError> {
        self.send_json(Method::PATCH, path, body).await
    }

    /// POST a new entity. Never retried: a lost answer must not create a twin.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, KongError> {
        self.send_json(Method::POST, path, body).await
    }

    /// Sends `body` as JSON and decodes Kong's answer.
    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, KongError> {
        let body = encode(&method, path, body)?;
        let answer = self.request(method.clone(), path, &[], Some(body)).await?;
        self.decode(&method, path, answer)
    }

    /// DELETE an entity. Kong answers 204 whether or not it existed; a 404 (nested paths)
    /// also counts as gone.
    pub async fn delete(&self, path: &str) -> Result<(), KongError> {
        match self.request(Method::DELETE, path, &[], None).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every entity of a collection, following Kong's pages (checked by a [`Pager`]: a
    /// listing whose pages would never end is an error); `tags` are ANDed.
    pub async fn list_all<T: DeserializeOwned + Identified>(
        &self,
        path: &str,
        tags: &[String],
    ) -> Result<Vec<T>, KongError> {
        let mut out = Vec::new();
        let mut pager = Pager::new(path);
        let mut offset: Option<String> = None;
        loop {
            let page: Page<T> = self
                .list_page(path, tags, offset.as_deref(), &mut pager)
                .await?;
            out.extend(page.data);
            match page.offset {
                Some(next) => offset = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// One page of a collection, of Kong's largest size ([`MAX_PAGE_SIZE`]), from `offset`
    /// (the first page when `None`); `tags` are ANDed. The page's `offset` is `None` on the
    /// last page. `pager` holds the listing's earlier pages: a page that repeats one of them, or
    /// a listing past its budget, is a [`KongError::Paging`].
    pub async fn list_page<T: DeserializeOwned + Identified>(
        &self,
        path: &str,
        tags: &[String],
        offset: Option<&str>,
        pager: &mut Pager,
    ) -> Result<Page<T>, KongError> {
        let mut query = vec![("size", MAX_PAGE_SIZE.to_string())];
        if !tags.is_empty() {
            query.push(("tags", tags.join(",")));
        }
        if let Some(offset) = offset {
            query.push(("offset", offset.to_string()));
        }
        let answer = self.request(Method::GET, path, &query, None).await?;
        let bytes = answer.body.len();
        let mut page: Page<T> = self.decode(&Method::GET, path, answer)?;
        page.offset = pager.next(&page, bytes)?;
        Ok(page)
    }

    fn url_for(&self, path: &str, query: &[(&str, String)]) -> Result<Url, KongError> {
        let mut relative = String::new();
        if let Some(workspace) = &self.workspace {
            relative.push_str(&segment(workspace));
            relative.push('/');
        }
        relative.push_str(path.trim_start_matches('/'));
        let before_query = relative.split(['?', '#']).next().unwrap_or_default();
        if let Some(dots) = before_query.split('/').find(|s| is_dot_segment(s)) {
            return Err(KongError::Url {
                path: path.to_string(),
                cause: format!(
                    "the path segment `{dots}` would address another resource (`.` and `..` mean the current and the parent path)"
                ),
            });
        }
        let mut url = self.base_url.join(&relative).map_err(|e| KongError::Url {
            path: path.to_string(),
            cause: e.to_string(),
        })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// The Admin API path as sent, with the workspace that prefixes it: what errors and logs
    /// show, so that a wrong workspace is visible in them.
    fn shown_path(&self, path: &str) -> String {
        match &self.workspace {
            Some(workspace) => format!("/{}/{}", segment(workspace), path.trim_start_matches('/')),
            None => format!("/{}", path.trim_start_matches('/')),
        }
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, KongError> {
        let url = self.url_for(path, query)?;
        let is_write = !is_read(&method);
        if is_write {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        let result = self.send_with_retries(&method, path, &url, body).await;
        if is_write {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        result
    }

    /// Sends the request; an idempotent one is retried after a transient failure, with
    /// exponential back-off and jitter (Kong's `Retry-After` wins, but never adds retries). A
    /// stop from Terraform ends the wait at once. Each attempt is one log line; an error says
    /// how many attempts were made and for how long.
    async fn send_with_retries(
        &self,
        method: &Method,
        path: &str,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, KongError> {
        // A lost answer to a POST must not create a twin: never retried.
        let retries = if *method == Method::POST {
            0
        } else {
            self.max_retries as usize
        };
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(self.retry_base_delay)
            .with_max_delay(Duration::from_secs(10))
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(retries)
            .build();
        let shown = self.shown_path(path);
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let span = tracing::info_span!(
                "kong_request",
                method = %method,
                path = %shown,
                query = url.query(),
                attempt = attempts,
            );
            let began = Instant::now();
            let attempt = self
                .attempt(method.clone(), &shown, url, body.clone())
                .instrument(span.clone());
            let result = if is_read(method) {
                read_only::unless_stopped(&self.stop, attempt)
                    .await
                    .unwrap_or_else(|| {
                        Err(KongError::Abandoned {
                            method: method.to_string(),
                            path: shown.clone(),
                        })
                    })
            } else {
                attempt.await
            };
            let retry_in = match &result {
                Err(error) if error.is_transient() && !self.stop.is_cancelled() => delays
                    .next()
                    .map(|delay| error.retry_after().unwrap_or(delay)),
                _ => None,
            };
            let status = match &result {
                Ok(answer) => Some(answer.status),
                Err(error) => error.status(),
            };
            let error = result.as_ref().err();
            span.in_scope(|| call_log::attempt(method, status, error, began.elapsed(), retry_in));
            let error = match result {
                Ok(answer) => return Ok(answer),
                Err(error) => error.tried(Tries {
                    attempts,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                }),
            };
            let Some(delay) = retry_in else {
                if error.is_transient() && self.stop.is_cancelled() && delays.next().is_some() {
                    return Err(KongError::Stopped {
                        after: Box::new(error),
                    });
                }
                return Err(error);
            };
            tokio::select! {
                biased;
                () = self.stop.cancelled() => {}
                () = tokio::time::sleep(delay) => continue,
            }
            tracing::info!(%error, "Terraform asked the provider to stop: not retrying");
            return Err(KongError::Stopped {
                after: Box::new(error),
            });
        }
    }

    /// One attempt; `shown` is the path with its workspace, for errors.
    async fn attempt(
        &self,
        method: Method,
        shown: &str,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, KongError> {
        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(body) = body {
            if tracing::enabled!(tracing::Level::TRACE) {
                tracing::trace!(body = %redact::loggable(&body), "Kong request body");
            }
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| self.transport_error(url, error))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = match body::read_capped(response, MAX_ANSWER_BYTES).await {
            Ok(body) => body,
            Err(ReadError::Transport(e)) => return Err(self.transport_error(url, e)),
            Err(ReadError::TooLarge { declared }) if status.is_success() => {
                return Err(body::too_large(
                    method.as_str(),
                    shown,
                    MAX_ANSWER_BYTES,
                    declared,
                ));
            }
            // An error status keeps its meaning (a 404, a 5xx to retry); only its message is
            // lost.
            Err(ReadError::TooLarge { .. }) => Vec::new(),
        };
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(status = status.as_u16(), body = %redact::loggable(&body), "Kong answer body");
        }
        if status.is_success() {
            return Ok(Answer {
                status: status.as_u16(),
                body,
            });
        }
        let parsed: KongErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        Err(KongError::Api {
            method: method.to_string(),
            path: shown.to_string(),
            status: status.as_u16(),
            body: Box::new(parsed),
            retry_after_secs: retry_after,
            tries: Tries::default(),
        })
    }

    fn transport_error(&self, url: &Url, error: reqwest::Error) -> KongError {
        let mut shown = url.clone();
        shown.set_query(None);
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        if error.is_timeout() {
            return KongError::Timeout {
                url: shown.to_string(),
                timeout_ms: self.timeout.as_millis() as u64,
                tries: Tries::default(),
            };
        }
        if is_tls_failure(&error) {
            return KongError::Tls {
                url: shown.to_string(),
                cause: error_chain(&error),
            };
        }
        KongError::Unreachable {
            url: shown.to_string(),
            cause: error_chain(&error),
            connected: !error.is_connect(),
            tries: Tries::default(),
        }
    }

    fn decode<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        answer: Answer,
    ) -> Result<T, KongError> {
        // A 204 has no body: it decodes as `null`.
        let bytes: &[u8] = if answer.body.is_empty() {
            b"null"
        } else {
            &answer.body
        };
        serde_json::from_slice(bytes).map_err(|e| KongError::Decode {
            method: method.to_string(),
            path: self.shown_path(path),
            cause: e.to_string(),
        })
    }
}

fn is_read(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

fn encode<B: Serialize>(method: &Method, path: &str, body: &B) -> Result<Vec<u8>, KongError> {
    serde_json::to_vec(body).map_err(|e| KongError::Decode {
        method: method.to_string(),
        path: path.to_string(),
        cause: format!("cannot encode the request body: {e}"),
    })
}

#[cfg(test)]
mod tests;
