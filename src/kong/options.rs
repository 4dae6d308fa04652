//! How the Admin API client is set up: the options the provider configuration resolves to, and
//! the HTTP client (headers, TLS, timeouts) built from them. Nothing here knows the provider's
//! attribute names: [`ConfigError`] says what is wrong, and the provider puts it on the
//! attribute that caused it.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::secret::Secret;

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

/// Everything needed to build a [`Client`]. Its `Debug` is [`ClientOptions::summary`]: the base
/// URL may hold a password.
#[derive(Clone)]
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
            super::redact::url(self.base_url.as_str()),
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

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientOptions({})", self.summary())
    }
}

/// Why the HTTP client cannot be built from the options. Never holds a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An extra header's name is not an HTTP header name.
    #[error("`{name}` is not a valid HTTP header name")]
    HeaderName {
        /// The name given.
        name: String,
    },
    /// An extra header's value is not an HTTP header value (it is not shown: it is secret).
    #[error("the value of header `{name}` is not a valid HTTP header value")]
    HeaderValue {
        /// The header's name.
        name: String,
    },
    /// The admin token cannot travel in a header.
    #[error("the admin token is not a valid HTTP header value")]
    Token,
    /// The CA bundle does not parse as PEM certificates.
    #[error("the CA bundle is not a PEM certificate bundle: {cause}")]
    CaBundle {
        /// What the parser said.
        cause: String,
    },
    /// The CA bundle holds no certificate.
    #[error("the CA bundle holds no PEM certificate")]
    EmptyCaBundle,
    /// The client certificate and key are not a usable pair (the key is never shown).
    #[error(
        "the client certificate and private key are not a usable PEM certificate and private key"
    )]
    ClientIdentity,
    /// Only one of the client certificate and the client key is set.
    #[error("the client certificate and the client key must be set together")]
    ClientPairIncomplete,
    /// The HTTP client could not be built for another reason.
    #[error("cannot build the HTTP client: {cause}")]
    HttpClient {
        /// What reqwest said.
        cause: String,
    },
}

/// The HTTP client for the options: default headers (user agent, token, extra headers, all
/// but the user agent marked sensitive), TLS, timeouts, no redirects.
pub(crate) fn http_client(options: &ClientOptions) -> Result<reqwest::Client, ConfigError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::USER_AGENT,
        HeaderValue::from_static(concat!(
            "terraform-provider-dispatch/",
            env!("CARGO_PKG_VERSION")
        )),
    );
    for (name, value) in &options.extra_headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ConfigError::HeaderName { name: name.clone() })?;
        let mut value = HeaderValue::from_str(value.expose())
            .map_err(|_| ConfigError::HeaderValue { name: name.clone() })?;
        value.set_sensitive(true);
        headers.insert(header, value);
    }
    if let Some(token) = &options.admin_token {
        let mut value = HeaderValue::from_str(token.expose()).map_err(|_| ConfigError::Token)?;
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
            ConfigError::CaBundle {
                cause: e.to_string(),
            }
        })?;
        if certs.is_empty() {
            return Err(ConfigError::EmptyCaBundle);
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
            let identity = reqwest::Identity::from_pem(pem.as_bytes())
                .map_err(|_| ConfigError::ClientIdentity)?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        _ => return Err(ConfigError::ClientPairIncomplete),
    }
    if tls.skip_verify {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| ConfigError::HttpClient {
        cause: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_summary_and_debug_hold_no_secret() {
        let options = ClientOptions {
            base_url: Url::parse("https://admin:url-s3cret@kong:8444").expect("url"),
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
        let client = super::super::Client::new(ClientOptions {
            tls: TlsOptions::default(),
            ..options.clone()
        })
        .expect("client");
        let client = format!("{client:?}");
        for text in [&summary, &debug, &client] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert!(
            summary.contains("admin_url=https://<redacted>@kong:8444/"),
            "{summary}"
        );
        assert!(summary.contains("admin_token=set"), "{summary}");
        assert!(
            summary.contains("extra_headers=[X-Proxy-Auth]"),
            "{summary}"
        );
        assert!(summary.contains("tls_client_certificate=set"), "{summary}");
    }

    #[test]
    fn client_key_without_certificate_is_refused() {
        let err = http_client(&ClientOptions {
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

    #[test]
    fn bad_headers_are_named_without_their_value() {
        let options = |headers: Vec<(&str, &str)>, token: Option<&str>| ClientOptions {
            base_url: Url::parse("http://kong:8001").expect("url"),
            admin_token: token.map(Secret::new),
            workspace: None,
            extra_headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), Secret::new(v)))
                .collect(),
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(1),
            max_retries: 0,
            retry_base_delay: Duration::from_millis(10),
        };
        let error = |o: ClientOptions| http_client(&o).expect_err("refused");
        assert_eq!(
            error(options(vec![("X Bad", "v")], None)),
            ConfigError::HeaderName {
                name: "X Bad".into()
            }
        );
        let value = error(options(vec![("X-Proxy", "s3cret\nx")], None));
        assert_eq!(
            value,
            ConfigError::HeaderValue {
                name: "X-Proxy".into()
            }
        );
        assert!(!value.to_string().contains("s3cret"));
        assert_eq!(error(options(vec![], Some("tok\n"))), ConfigError::Token);
        assert!(http_client(&options(vec![("X-Proxy", "ok")], Some("tok"))).is_ok());
    }
}
