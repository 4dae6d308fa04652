//! Errors of the Admin API client: Kong's own error body, and transport failures.

use std::fmt;

use serde::Deserialize;
use serde_json::Value as Json;

/// The JSON body Kong answers with on an error (`kong/db/errors.lua`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct KongErrorBody {
    /// Kong's numeric error code (2 schema violation, 4 foreign key, 5 unique, ...).
    #[serde(default)]
    pub code: Option<i64>,
    /// Kong's name for the code, such as "schema violation".
    #[serde(default)]
    pub name: Option<String>,
    /// The human message.
    #[serde(default)]
    pub message: Option<String>,
    /// Per-field messages, nested like the entity; `@entity` holds entity-level ones.
    #[serde(default)]
    pub fields: Option<Json>,
}

/// One message Kong attached to a field of the entity it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field inside the entity, such as `["hosts", "1"]` or `["@entity"]`.
    pub path: Vec<String>,
    /// Kong's message for it.
    pub message: String,
}

/// Everything that can go wrong talking to Kong.
#[derive(Debug, thiserror::Error)]
pub enum KongError {
    /// No connection could be made or kept (refused, reset, DNS, TLS handshake).
    #[error("cannot reach Kong's Admin API at {url}{tries}: {cause}")]
    Unreachable {
        /// The URL that was requested (never with credentials).
        url: String,
        /// The underlying cause, flattened to text.
        cause: String,
        /// Whether a connection was made (so the request may have reached Kong); `false` when
        /// it was refused or never established.
        connected: bool,
        /// How often and for how long it was tried.
        tries: Tries,
    },
    /// The TLS handshake with the Admin API failed: an untrusted or mismatched server
    /// certificate, or a client certificate Kong refused (or required and did not get). Never
    /// retried, and never followed by a plain HTTP attempt.
    #[error("TLS with Kong's Admin API at {url} failed: {cause}")]
    Tls {
        /// The URL that was requested (never with credentials).
        url: String,
        /// What the TLS layer said, flattened to text.
        cause: String,
    },
    /// Kong did not answer within the configured timeout.
    #[error("Kong's Admin API at {url} did not answer within {timeout_ms} ms{tries}")]
    Timeout {
        /// The URL that was requested.
        url: String,
        /// The timeout that was exceeded.
        timeout_ms: u64,
        /// How often and for how long it was tried.
        tries: Tries,
    },
    /// Kong answered with an error status.
    #[error("{method} {path}: Kong answered {status}{tries}: {}", .body.describe())]
    Api {
        /// HTTP method of the request.
        method: String,
        /// Admin API path of the request, with the workspace that prefixes it.
        path: String,
        /// HTTP status Kong answered.
        status: u16,
        /// Kong's error body (empty when the body was not Kong's JSON).
        body: Box<KongErrorBody>,
        /// Kong's `Retry-After`, in seconds, when it sent one.
        retry_after_secs: Option<u64>,
        /// How often and for how long it was tried (only for answers worth retrying: 429, 5xx).
        tries: Tries,
    },
    /// Kong answered 2xx with a body this client could not understand.
    #[error("{method} {path}: unexpected answer from Kong: {cause}")]
    Decode {
        /// HTTP method of the request.
        method: String,
        /// Admin API path of the request, with the workspace that prefixes it.
        path: String,
        /// What did not parse.
        cause: String,
    },
    /// Kong's answer was larger than the provider reads from one answer
    /// ([`super::body::MAX_ANSWER_BYTES`]); reading stopped there.
    #[error("{method} {path}: Kong's answer is larger than {limit} bytes ({} MiB), the most the provider reads from one Admin API answer{}", .limit >> 20, announced(.declared))]
    TooLarge {
        /// HTTP method of the request.
        method: String,
        /// Admin API path of the request.
        path: String,
        /// The limit, in bytes.
        limit: u64,
        /// The size Kong announced (`Content-Length`), when it did.
        declared: Option<u64>,
    },
    /// Kong's pages of a list did not end as Kong's pages do (an offset or an entity came back)
    /// or not within the budget of one listing ([`super::paging`]).
    #[error("GET {path}: stopped following Kong's pages: {cause}")]
    Paging {
        /// Admin API path of the list.
        path: String,
        /// What was wrong with the pages.
        cause: String,
    },
    /// No Admin API URL could be made for a path (the base URL cannot take it).
    #[error("cannot build an Admin API URL for {path}: {cause}")]
    Url {
        /// The Admin API path.
        path: String,
        /// What the URL parser said.
        cause: String,
    },
    /// A failure that would have been retried, but Terraform asked the provider to stop
    /// (Ctrl-C) while the retry waited.
    #[error("{after} (not retried: Terraform asked the provider to stop)")]
    Stopped {
        /// The failure that was not retried.
        after: Box<KongError>,
    },
    /// A read of a read-only operation (refresh, plan, import, a data source) that was still
    /// waiting for Kong when Terraform asked the provider to stop: not waited for.
    #[error("{method} {path}: not waited for, Terraform asked the provider to stop")]
    Abandoned {
        /// HTTP method of the request.
        method: String,
        /// Admin API path of the request.
        path: String,
    },
    /// Terraform is exiting without recording the result of the operation in flight (it was
    /// interrupted twice), so the operation undid what it had written instead of finishing.
    #[error("Terraform is exiting (interrupted) and would not record this result, so the provider undid what it had written to Kong")]
    Interrupted,
}

/// How a request that failed was tried: the attempts made, and the time from the first
/// attempt's start to the last one's end (back-off waits included). Shown in the error of a
/// failure worth retrying (no answer, a timeout, 429, 5xx), empty for the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// Attempts made (0: not recorded).
    pub attempts: u32,
    /// Milliseconds from the first attempt to the end of the last.
    pub elapsed_ms: u64,
}

impl fmt::Display for Tries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = if self.elapsed_ms < 1000 {
            format!("{} ms", self.elapsed_ms)
        } else {
            format!("{:.1} s", self.elapsed_ms as f64 / 1000.0)
        };
        match self.attempts {
            0 => Ok(()),
            1 => write!(f, " after 1 attempt ({time})"),
            n => write!(f, " after {n} attempts over {time}"),
        }
    }
}

impl KongError {
    /// The same error, saying how it was tried (for the failures worth retrying; others are
    /// returned unchanged).
    pub fn tried(mut self, record: Tries) -> Self {
        match &mut self {
            KongError::Unreachable { tries, .. } | KongError::Timeout { tries, .. } => {
                *tries = record
            }
            KongError::Api { status, tries, .. } if *status == 429 || *status >= 500 => {
                *tries = record
            }
            _ => {}
        }
        self
    }

    /// The HTTP status Kong answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            KongError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when Kong answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for Kong's unique constraint violation (409, code 5).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, KongError::Api { status: 409, .. })
    }

    /// True for failures worth retrying for an idempotent request: 429, 5xx, a broken or
    /// refused connection, a timeout.
    pub fn is_transient(&self) -> bool {
        match self {
            KongError::Api { status, .. } => *status == 429 || *status >= 500,
            KongError::Unreachable { .. } | KongError::Timeout { .. } => true,
            // A certificate does not become trusted by asking again.
            KongError::Tls { .. } | KongError::Decode { .. } | KongError::Url { .. } => false,
            // Asking again brings the same answer.
            KongError::TooLarge { .. } | KongError::Paging { .. } => false,
            KongError::Stopped { .. } | KongError::Abandoned { .. } | KongError::Interrupted => {
                false
            }
        }
    }

    /// Whether the request may have been carried out despite the error: the answer may have
    /// been lost (a broken connection, a timeout, a 5xx from a proxy in front of Kong), or was
    /// a success this client could not read. `false` when Kong refused (4xx) or when the
    /// request never left (no connection, no TLS, a bad configuration). Deciding what to undo
    /// after a failed write rests on it.
    pub fn may_have_been_done(&self) -> bool {
        match self {
            KongError::Api { status, .. } => *status >= 500,
            KongError::Unreachable { connected, .. } => *connected,
            KongError::Timeout { .. } | KongError::Decode { .. } => true,
            // Kong answered 2xx: it carried the request out.
            KongError::TooLarge { .. } => true,
            // Lists are reads.
            KongError::Paging { .. } => false,
            KongError::Tls { .. } | KongError::Url { .. } => false,
            KongError::Stopped { after } => after.may_have_been_done(),
            // Only reads are abandoned.
            KongError::Abandoned { .. } => false,
            // What was written has been undone.
            KongError::Interrupted => false,
        }
    }

    /// Whether the request may still be carried out after this error was returned: Kong does
    /// not abort a request whose client stopped waiting (a timeout), so an undo sent now may
    /// come before the write it undoes. What such a write creates must stay tracked.
    pub fn may_land_later(&self) -> bool {
        match self {
            KongError::Timeout { .. } => true,
            KongError::Stopped { after } => after.may_land_later(),
            _ => false,
        }
    }

    /// How long Kong asked us to wait before retrying, capped at a minute.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            KongError::Api {
                retry_after_secs: Some(secs),
                ..
            } => Some(std::time::Duration::from_secs((*secs).min(60))),
            _ => None,
        }
    }

    /// Kong's body, when Kong answered.
    pub fn body(&self) -> Option<&KongErrorBody> {
        match self {
            KongError::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Every field message of Kong's body, flattened to paths.
    pub fn field_errors(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if let Some(fields) = self.body().and_then(|b| b.fields.as_ref()) {
            flatten_fields(fields, &mut Vec::new(), &mut out);
        }
        out
    }
}

/// ", and announced N bytes" when Kong's Content-Length said so.
fn announced(declared: &Option<u64>) -> String {
    declared
        .map(|bytes| format!(" (it announced {bytes} bytes)"))
        .unwrap_or_default()
}

fn flatten_fields(value: &Json, path: &mut Vec<String>, out: &mut Vec<FieldError>) {
    match value {
        Json::String(message) => out.push(FieldError {
            path: path.clone(),
            message: message.clone(),
        }),
        Json::Object(map) => {
            for (key, child) in map {
                path.push(key.clone());
                flatten_fields(child, path, out);
                path.pop();
            }
        }
        Json::Array(items) => {
            // Kong lists entity-level messages as plain arrays and per-element messages as
            // arrays with nulls in the places of valid elements.
            let per_element = items.iter().any(|i| i.is_null());
            for (index, child) in items.iter().enumerate() {
                if per_element {
                    path.push(index.to_string());
                }
                flatten_fields(child, path, out);
                if per_element {
                    path.pop();
                }
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}

impl KongErrorBody {
    /// A one-line description: the message, else the name, else a placeholder.
    pub fn describe(&self) -> String {
        match (&self.message, &self.name) {
            (Some(message), _) => message.clone(),
            (None, Some(name)) => name.clone(),
            (None, None) => "no error message".to_string(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path.join("."), self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api_error(fields: Json) -> KongError {
        KongError::Api {
            method: "PUT".into(),
            path: "/routes/x".into(),
            status: 400,
            body: Box::new(KongErrorBody {
                code: Some(2),
                name: Some("schema violation".into()),
                message: Some("2 schema violations".into()),
                fields: Some(fields),
            }),
            retry_after_secs: None,
            tries: Tries::default(),
        }
    }

    #[test]
    fn nested_fields_flatten_to_paths() {
        let err = api_error(json!({
            "hosts": [null, "invalid wildcard"],
            "config": {"second": "expected a number"},
            "@entity": ["must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"]
        }));
        let mut fields: Vec<String> = err.field_errors().iter().map(|f| f.to_string()).collect();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                "@entity: must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
                "config.second: expected a number",
                "hosts.1: invalid wildcard",
            ]
        );
    }

    #[test]
    fn only_errors_that_may_hide_a_done_write_count_as_maybe_done() {
        let status = |status: u16| KongError::Api {
            method: "PUT".into(),
            path: "/services/x".into(),
            status,
            body: Box::default(),
            retry_after_secs: None,
            tries: Tries::default(),
        };
        assert!(!status(400).may_have_been_done(), "Kong refused");
        assert!(!status(409).may_have_been_done());
        assert!(status(500).may_have_been_done());
        assert!(status(502).may_have_been_done(), "a proxy lost the answer");
        let unreachable = |connected| KongError::Unreachable {
            url: "http://kong:8001/".into(),
            cause: "reset".into(),
            connected,
            tries: Tries::default(),
        };
        assert!(unreachable(true).may_have_been_done());
        assert!(!unreachable(false).may_have_been_done(), "never connected");
        assert!(KongError::Timeout {
            url: "http://kong:8001/".into(),
            timeout_ms: 10,
            tries: Tries::default(),
        }
        .may_have_been_done());
        let tls = KongError::Tls {
            url: "https://kong:8444/".into(),
            cause: "invalid peer certificate: UnknownIssuer".into(),
        };
        assert!(!tls.may_have_been_done());
        assert!(!tls.may_land_later() && !status(502).may_land_later());
        assert!(KongError::Timeout {
            url: "http://kong:8001/".into(),
            timeout_ms: 10,
            tries: Tries::default(),
        }
        .may_land_later());
        assert!(
            !tls.is_transient(),
            "a certificate is not fixed by retrying"
        );
    }

    #[test]
    fn display_names_method_path_status_and_message() {
        let err = api_error(json!({}));
        assert_eq!(
            err.to_string(),
            "PUT /routes/x: Kong answered 400: 2 schema violations"
        );
        assert!(!err.is_not_found());
        assert!(!err.is_unique_violation());
    }

    #[test]
    fn failures_worth_retrying_say_how_they_were_tried() {
        let unavailable = KongError::Api {
            method: "PUT".into(),
            path: "/team-a/services/x".into(),
            status: 503,
            body: Box::new(KongErrorBody {
                message: Some("unavailable".into()),
                ..KongErrorBody::default()
            }),
            retry_after_secs: None,
            tries: Tries::default(),
        }
        .tried(Tries {
            attempts: 4,
            elapsed_ms: 2345,
        });
        assert_eq!(
            unavailable.to_string(),
            "PUT /team-a/services/x: Kong answered 503 after 4 attempts over 2.3 s: unavailable"
        );
        let refused = api_error(json!({})).tried(Tries {
            attempts: 1,
            elapsed_ms: 3,
        });
        assert_eq!(
            refused.to_string(),
            "PUT /routes/x: Kong answered 400: 2 schema violations",
            "a refusal is not retried: nothing to say about tries"
        );
        let unreachable = KongError::Unreachable {
            url: "http://kong:8001/services/x".into(),
            cause: "Connection refused".into(),
            connected: false,
            tries: Tries::default(),
        }
        .tried(Tries {
            attempts: 1,
            elapsed_ms: 12,
        });
        assert_eq!(
            unreachable.to_string(),
            "cannot reach Kong's Admin API at http://kong:8001/services/x after 1 attempt (12 ms): Connection refused"
        );
    }
}
