//! The one Admin API test client: arranges and inspects Kong (the sandbox, or a real Kong in
//! the real-Kong lane) for the end-to-end tests, and drives the sandbox in its own contract
//! tests. Built on reqwest's blocking client. Requests no HTTP client would send (broken
//! framing, hand-made headers) go through [`crate::raw_http`] instead.

use reqwest::blocking::Client;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value as Json;

use crate::certs::TlsIdentity;

/// The tag the provider puts on every entity it owns.
pub const MANAGED_TAG: &str = "managed-by:terraform-provider-dispatch";

/// An answer: status, headers and body as received.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// Every header, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (Null when it is empty or not JSON).
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or(Json::Null)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How an HTTPS Admin API is trusted: any certificate (the default, for tests that only need
/// the bytes through), or exactly this CA, optionally with a client certificate.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// The CA to trust (none: every certificate is accepted).
    pub ca_pem: Option<String>,
    /// The client certificate to present.
    pub identity: Option<TlsIdentity>,
}

/// A blocking Admin API client for one base URL.
#[derive(Clone)]
pub struct AdminClient {
    base: String,
    http: Client,
    headers: Vec<(String, String)>,
}

impl AdminClient {
    /// A client for the Admin API at `base_url` that accepts any server certificate.
    pub fn new(base_url: &str) -> Self {
        Self::with_trust(base_url, Trust::default())
    }

    /// A client that trusts the server as `trust` says.
    pub fn with_trust(base_url: &str, trust: Trust) -> Self {
        let mut builder = Client::builder();
        builder = match &trust.ca_pem {
            Some(ca) => builder.tls_built_in_root_certs(false).add_root_certificate(
                reqwest::Certificate::from_pem(ca.as_bytes()).expect("CA PEM"),
            ),
            None => builder.danger_accept_invalid_certs(true),
        };
        if let Some(identity) = &trust.identity {
            let pem = format!("{}{}", identity.cert_pem, identity.key_pem);
            builder =
                builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
        }
        Self {
            base: base_url.trim_end_matches('/').to_string(),
            http: builder.build().expect("HTTP client"),
            headers: Vec::new(),
        }
    }

    /// The same client, sending this header on every request too.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The Admin API's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Sends `body` with this content type; an error only when no answer came (refused,
    /// reset, TLS handshake failed).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Resp, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .body(body.to_vec());
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request.send()?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes()?.to_vec();
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// GET.
    #[track_caller]
    pub fn get(&self, path: &str) -> Resp {
        self.raw("GET", path, None, b"").expect("Kong answers")
    }

    /// DELETE.
    #[track_caller]
    pub fn delete(&self, path: &str) -> Resp {
        self.raw("DELETE", path, None, b"").expect("Kong answers")
    }

    /// POST with a JSON body.
    #[track_caller]
    pub fn post(&self, path: &str, body: Json) -> Resp {
        self.send("POST", path, body)
    }

    /// PUT with a JSON body.
    #[track_caller]
    pub fn put(&self, path: &str, body: Json) -> Resp {
        self.send("PUT", path, body)
    }

    /// PATCH with a JSON body.
    #[track_caller]
    pub fn patch(&self, path: &str, body: Json) -> Resp {
        self.send("PATCH", path, body)
    }

    /// Any method with a JSON body.
    #[track_caller]
    pub fn send(&self, method: &str, path: &str, body: Json) -> Resp {
        self.raw(
            method,
            path,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
        .expect("Kong answers")
    }

    /// Any method with a form-urlencoded body.
    #[track_caller]
    pub fn form(&self, method: &str, path: &str, body: &str) -> Resp {
        self.raw(
            method,
            path,
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
        )
        .expect("Kong answers")
    }

    /// Any method, with a JSON body when there is one: the status and the JSON answer (Null
    /// when there is none).
    #[track_caller]
    pub fn call(&self, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
        let answer = match body {
            Some(body) => self.send(method, path, body),
            None => self.raw(method, path, None, b"").expect("Kong answers"),
        };
        (answer.status, answer.json())
    }

    /// Whether Kong stores `body` in `collection` (2xx) or refuses it (4xx, 5xx); what it
    /// stored is deleted again, so that the next probe meets the collection as it was (no
    /// unique-key clashes). For the tests that ask Kong for its verdict on many inputs.
    #[track_caller]
    pub fn stores(&self, collection: &str, body: Json) -> bool {
        let (status, answer) = self.call("POST", collection, Some(body));
        match status {
            200..=299 => {
                let id = answer["id"].as_str().expect("a stored entity has an id");
                let path = format!("{collection}/{id}");
                let (deleted, _) = self.call("DELETE", &path, None);
                assert_eq!(deleted, 204, "DELETE {path}");
                true
            }
            400..=599 => false,
            other => panic!("POST {collection} answered {other}: {answer}"),
        }
    }

    /// Every entity of a collection, all pages followed.
    #[track_caller]
    pub fn list(&self, collection: &str) -> Vec<Json> {
        let mut out = Vec::new();
        let mut path = format!("/{collection}?size=1000");
        loop {
            let (status, page) = self.call("GET", &path, None);
            assert_eq!(status, 200, "GET {path}: {page}");
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["offset"].as_str() {
                Some(offset) => path = format!("/{collection}?size=1000&offset={offset}"),
                None => return out,
            }
        }
    }
}

/// Whether an entity carries this tag.
pub fn has_tag(entity: &Json, tag: &str) -> bool {
    entity["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t == tag))
}
