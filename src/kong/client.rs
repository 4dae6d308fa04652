//! The Admin API client: one pooled connection per provider process, Kong's paths and
//! workspaces, authentication headers, TLS, timeouts, retries and tracing.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;
use url::Url;

use super::entities::{NodeInfo, Page};
use super::error::{KongError, KongErrorBody};
use super::redact;

/// Kong's largest page: `max_page_size` in kong/api/endpoints.lua `extract_options` (Kong
/// 3.9); a larger `size` is refused with "size must be an integer between 1 and 1000".
pub const MAX_PAGE_SIZE: usize = 1000;

/// A value that must never be printed: tokens, keys, passwords. It serialises as the plain
/// string (it has to reach Kong), but its `Debug` output is redacted.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// TLS settings for the connection to the Admin API.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM bundle of the CAs to trust instead of the system's.
    pub ca_pem: Option<String>,
    /// PEM client certificate (chain) for mutual TLS.
    pub client_cert_pem: Option<String>,
    /// PEM private key of the client certificate.
    pub client_key_pem: Option<Secret>,
    /// Accept any server certificate (insecure).
    pub skip_verify: bool,
}

/// Everything needed to build a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Admin API base URL, such as `http://localhost:8001`.
    pub base_url: Url,
    /// RBAC token, sent as `Kong-Admin-Token`.
    pub admin_token: Option<Secret>,
    /// Enterprise workspace that prefixes every path.
    pub workspace: Option<String>,
    /// Extra headers for every request.
    pub extra_headers: Vec<(String, Secret)>,
    /// TLS settings.
    pub tls: TlsOptions,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How many times an idempotent request is retried on 429, 5xx or a broken connection.
    pub max_retries: u32,
    /// First retry delay; later ones grow exponentially, with jitter.
    pub retry_base_delay: Duration,
}

impl ClientOptions {
    /// A one-line description for logs: what is configured, never a secret's value.
    pub fn summary(&self) -> String {
        let set = |present: bool| if present { "set" } else { "not set" };
        let headers: Vec<&str> = self.extra_headers.iter().map(|(n, _)| n.as_str()).collect();
        format!(
            "admin_url={} workspace={} admin_token={} extra_headers=[{}] tls_ca={} tls_client_certificate={} tls_skip_verify={} timeout_ms={} max_retries={}",
            self.base_url,
            self.workspace.as_deref().unwrap_or("-"),
            set(self.admin_token.is_some()),
            headers.join(","),
            if self.tls.ca_pem.is_some() { "bundle" } else { "system roots" },
            set(self.tls.client_cert_pem.is_some() && self.tls.client_key_pem.is_some()),
            self.tls.skip_verify,
            self.timeout.as_millis(),
            self.max_retries,
        )
    }
}

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
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("workspace", &self.workspace)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// Characters escaped in one path segment (an entity name or id). `\` too: in an http(s) URL
/// the URL parser reads it as `/`, so `a\..\..\services\x` would address another entity.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'\\')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Escapes one path segment, so a name can never change the path it is put in.
pub fn segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// The body of a successful answer, kept as bytes until decoded.
struct Answer {
    body: Vec<u8>,
}

impl Client {
    /// Builds the client (and its TLS configuration) from the options.
    pub fn new(options: ClientOptions) -> Result<Self, KongError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(concat!(
                "terraform-provider-dispatch/",
                env!("CARGO_PKG_VERSION")
            )),
        );
        for (name, value) in &options.extra_headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                KongError::Config(format!("`{name}` is not a valid HTTP header name"))
            })?;
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
                KongError::Config(format!(
                    "the value of header `{name}` is not a valid HTTP header value"
                ))
            })?;
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        if let Some(token) = &options.admin_token {
            let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
                KongError::Config("kong_admin_token is not a valid HTTP header value".into())
            })?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static("kong-admin-token"), value);
        }

        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .redirect(reqwest::redirect::Policy::none());

        if options.base_url.scheme() == "http" {
            // Plain HTTP, and redirects are never followed: no TLS, so the system's root
            // certificates (whose loading costs as much CPU as refreshing a hundred APIs, in
            // every provider process) are not loaded.
            builder = builder.tls_built_in_root_certs(false);
        }
        let tls = &options.tls;
        if let Some(ca) = &tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca.as_bytes()).map_err(|e| {
                KongError::Config(format!(
                    "tls_ca_certificate is not a PEM certificate bundle: {e}"
                ))
            })?;
            if certs.is_empty() {
                return Err(KongError::Config(
                    "tls_ca_certificate holds no PEM certificate".into(),
                ));
            }
            builder = builder.tls_built_in_root_certs(false);
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        match (&tls.client_cert_pem, &tls.client_key_pem) {
            (Some(cert), Some(key)) => {
                let pem = format!("{}\n{}", cert.trim_end(), key.expose().trim_end());
                // The key never reaches the message: only whether the pair could be used.
                let identity = reqwest::Identity::from_pem(pem.as_bytes()).map_err(|_| {
                    KongError::Config(
                        "tls_client_certificate and tls_client_key are not a usable PEM certificate and private key"
                            .into(),
                    )
                })?;
                builder = builder.identity(identity);
            }
            (None, None) => {}
            _ => {
                return Err(KongError::Config(
                    "tls_client_certificate and tls_client_key must be set together".into(),
                ))
            }
        }
        if tls.skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let http = builder
            .build()
            .map_err(|e| KongError::Config(format!("cannot build the HTTP client: {e}")))?;

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
        })
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
            path: path.into(),
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

    /// Every entity of a collection, following Kong's pages; `tags` are ANDed.
    pub async fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        tags: &[String],
    ) -> Result<Vec<T>, KongError> {
        let mut out = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let page: Page<T> = self.list_page(path, tags, offset.as_deref()).await?;
            out.extend(page.data);
            match page.offset {
                Some(next) => offset = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// One page of a collection, of Kong's largest size ([`MAX_PAGE_SIZE`]), from `offset`
    /// (the first page when `None`); `tags` are ANDed. The page's `offset` is `None` on the
    /// last page.
    pub async fn list_page<T: DeserializeOwned>(
        &self,
        path: &str,
        tags: &[String],
        offset: Option<&str>,
    ) -> Result<Page<T>, KongError> {
        let mut query = vec![("size", MAX_PAGE_SIZE.to_string())];
        if !tags.is_empty() {
            query.push(("tags", tags.join(",")));
        }
        if let Some(offset) = offset {
            query.push(("offset", offset.to_string()));
        }
        let answer = self.request(Method::GET, path, &query, None).await?;
        let mut page: Page<T> = self.decode(&Method::GET, path, answer)?;
        page.offset = page.offset.filter(|next| !next.is_empty());
        Ok(page)
    }

    fn url_for(&self, path: &str, query: &[(&str, String)]) -> Result<Url, KongError> {
        let mut relative = String::new();
        if let Some(workspace) = &self.workspace {
            relative.push_str(&segment(workspace));
            relative.push('/');
        }
        relative.push_str(path.trim_start_matches('/'));
        let mut url = self.base_url.join(&relative).map_err(|e| {
            KongError::Config(format!("cannot build an Admin API URL for {path}: {e}"))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, KongError> {
        let url = self.url_for(path, query)?;
        let is_write = method != Method::GET && method != Method::HEAD;
        if is_write {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        let result = self.send_with_retries(&method, path, &url, body).await;
        if is_write {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        result
    }

    async fn send_with_retries(
        &self,
        method: &Method,
        path: &str,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, KongError> {
        let attempt = || self.attempt(method.clone(), path, url, body.clone());
        if *method == Method::POST || self.max_retries == 0 {
            return attempt().await;
        }
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry_base_delay)
            .with_max_delay(Duration::from_secs(10))
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.max_retries as usize);
        attempt
            .retry(backoff)
            .when(KongError::is_transient)
            .adjust(|error, delay| {
                // Kong's Retry-After wins over our own schedule, but never adds retries.
                delay.map(|d| error.retry_after().unwrap_or(d))
            })
            .notify(|error, delay| {
                tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "retrying Kong request");
            })
            .await
    }

    async fn attempt(
        &self,
        method: Method,
        path: &str,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, KongError> {
        let span = tracing::info_span!(
            "kong_request",
            method = %method,
            path = %path,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let mut request = self.http.request(method.clone(), url.clone());
            if let Some(body) = body {
                if tracing::enabled!(tracing::Level::TRACE) {
                    tracing::trace!(body = %redact::loggable(&body), "Kong request body");
                }
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body);
            }
            let result = request.send().await;
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            let response = match result {
                Ok(response) => response,
                Err(error) => {
                    let error = self.transport_error(url, error);
                    tracing::debug!(%error, "Kong request failed");
                    return Err(error);
                }
            };
            let status = response.status();
            span.record("status", status.as_u16());
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let body = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(url, e))?
                .to_vec();
            tracing::debug!("Kong answered");
            if tracing::enabled!(tracing::Level::TRACE) {
                tracing::trace!(body = %redact::loggable(&body), "Kong answer body");
            }
            if status.is_success() {
                return Ok(Answer { body });
            }
            let parsed: KongErrorBody = serde_json::from_slice(&body).unwrap_or_default();
            Err(KongError::Api {
                method: method.to_string(),
                path: path.to_string(),
                status: status.as_u16(),
                body: Box::new(parsed),
                retry_after_secs: retry_after,
            })
        }
        .instrument(span)
        .await
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
            path: path.to_string(),
            cause: e.to_string(),
        })
    }
}

fn encode<B: Serialize>(method: &Method, path: &str, body: &B) -> Result<Vec<u8>, KongError> {
    serde_json::to_vec(body).map_err(|e| KongError::Decode {
        method: method.to_string(),
        path: path.to_string(),
        cause: format!("cannot encode the request body: {e}"),
    })
}

/// True when the TLS layer is behind the error: somewhere in its chain is a rustls error,
/// possibly inside I/O errors (whose `source` skips the error they wrap, and which nest).
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(cause) = current {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(inner) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            return is_tls_failure(inner);
        }
        current = cause.source();
    }
    false
}

/// The error and its sources, joined: reqwest hides the useful part ("Connection refused",
/// "invalid peer certificate: UnknownIssuer") a few levels down.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str, workspace: Option<&str>) -> Client {
        Client::new(ClientOptions {
            base_url: Url::parse(base).expect("url"),
            admin_token: Some(Secret::new("s3cr3t-token")),
            workspace: workspace.map(str::to_string),
            extra_headers: vec![],
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(1),
            max_retries: 0,
            retry_base_delay: Duration::from_millis(10),
        })
        .expect("client")
    }

    #[test]
    fn paths_join_the_base_url_and_the_workspace() {
        let c = client("http://kong:8001", None);
        assert_eq!(
            c.url_for("/services/a", &[]).expect("url").as_str(),
            "http://kong:8001/services/a"
        );
        let c = client("https://gw.example/admin", Some("team-a"));
        assert_eq!(
            c.url_for("/services", &[("size", "1000".into())])
                .expect("url")
                .as_str(),
            "https://gw.example/admin/team-a/services?size=1000"
        );
    }

    #[test]
    fn segments_cannot_escape_their_place() {
        assert_eq!(segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(segment("*.example.com"), "*.example.com");
        // The URL parser reads `\` as `/` in http(s) URLs, and then resolves the `..`.
        let c = client("http://kong:8001", None);
        let path = format!("/consumers/{}", segment("x\\..\\..\\services\\abc"));
        assert_eq!(
            c.url_for(&path, &[]).expect("url").as_str(),
            "http://kong:8001/consumers/x%5C..%5C..%5Cservices%5Cabc"
        );
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let c = client("http://kong:8001", None);
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert_eq!(format!("{:?}", Secret::new("pw")), "Secret(<redacted>)");
    }

    #[test]
    fn options_summary_and_debug_hold_no_secret() {
        let options = ClientOptions {
            base_url: Url::parse("https://kong:8444").expect("url"),
            admin_token: Some(Secret::new("tok-s3cret")),
            workspace: Some("team".into()),
            extra_headers: vec![("X-Proxy-Auth".into(), Secret::new("hdr-s3cret"))],
            tls: TlsOptions {
                ca_pem: None,
                client_cert_pem: Some("-----BEGIN CERTIFICATE-----".into()),
                client_key_pem: Some(Secret::new(
                    "-----BEGIN PRIVATE KEY-----\nkey-s3cret\n-----END PRIVATE KEY-----",
                )),
                skip_verify: false,
            },
            timeout: Duration::from_secs(1),
            max_retries: 2,
            retry_base_delay: Duration::from_millis(10),
        };
        let summary = options.summary();
        let debug = format!("{options:?}");
        for text in [&summary, &debug] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert!(summary.contains("admin_token=set"), "{summary}");
        assert!(
            summary.contains("extra_headers=[X-Proxy-Auth]"),
            "{summary}"
        );
        assert!(summary.contains("tls_client_certificate=set"), "{summary}");
    }

    #[test]
    fn client_key_without_certificate_is_refused() {
        let err = Client::new(ClientOptions {
            base_url: Url::parse("https://kong:8444").expect("url"),
            admin_token: None,
            workspace: None,
            extra_headers: vec![],
            tls: TlsOptions {
                client_key_pem: Some(Secret::new("-----BEGIN PRIVATE KEY-----")),
                ..TlsOptions::default()
            },
            timeout: Duration::from_secs(1),
            max_retries: 0,
            retry_base_delay: Duration::from_millis(10),
        })
        .expect_err("must fail");
        assert!(err.to_string().contains("must be set together"));
        assert!(!err.to_string().contains("BEGIN"));
    }
}
