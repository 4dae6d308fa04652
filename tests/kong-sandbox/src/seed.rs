//! Bulk seeding: Admin API writes carried out in process, without HTTP, latency, faults or
//! the request log, so that a benchmark or a scale test can fill the sandbox with tens of
//! thousands of entities in a second or two. Each write goes through the same routing,
//! validation and constraints as the Admin API, so seeded entities are exactly what Kong
//! would hold after the same requests.

use crate::api::{ApiRequest, App};
use serde_json::Value;
use std::sync::Arc;

/// One Admin API write to carry out.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRequest {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// Admin API path, e.g. `/services/<id>` (with the workspace prefix on Enterprise).
    pub path: String,
    /// JSON body (`Value::Null` for none).
    pub body: Value,
}

/// A seeding request the Admin API refused; the requests before it were carried out, none
/// after it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedError {
    /// Position of the refused request in the batch.
    pub index: usize,
    /// The status the Admin API answered.
    pub status: u16,
    /// The body the Admin API answered.
    pub body: Value,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed request {} answered {}: {}",
            self.index, self.status, self.body
        )
    }
}

impl std::error::Error for SeedError {}

/// Handle that seeds one sandbox; cheap to clone.
#[derive(Clone)]
pub struct Seeder {
    app: Arc<App>,
}

impl Seeder {
    pub(crate) fn new(app: Arc<App>) -> Seeder {
        Seeder { app }
    }

    /// Carries out `requests` in order, stopping at the first one answered with an error
    /// status; returns how many were carried out.
    pub fn seed(&self, requests: &[SeedRequest]) -> Result<usize, SeedError> {
        for (index, request) in requests.iter().enumerate() {
            let body = match &request.body {
                Value::Null => Vec::new(),
                other => other.to_string().into_bytes(),
            };
            let answer = self.app.handle(&ApiRequest {
                method: request.method.to_ascii_uppercase(),
                path: request.path.clone(),
                query: String::new(),
                content_type: (!body.is_empty()).then(|| "application/json".to_string()),
                // Seeding is the operator's own act, never subject to RBAC.
                admin_token: self.app.admin_token.clone(),
                body,
            });
            if answer.status >= 300 {
                return Err(SeedError {
                    index,
                    status: answer.status,
                    body: answer.body.unwrap_or(Value::Null),
                });
            }
        }
        Ok(requests.len())
    }

    /// Parses `{"requests": [{"method", "path", "body"?}, ...]}`, the control endpoint's body.
    pub fn requests_from_json(v: &Value) -> Result<Vec<SeedRequest>, String> {
        let list = v
            .get("requests")
            .and_then(|r| r.as_array())
            .ok_or("expected {\"requests\": [{\"method\", \"path\", \"body\"}, ...]}")?;
        list.iter()
            .enumerate()
            .map(|(i, r)| {
                let text = |field: &str| {
                    r.get(field)
                        .and_then(|x| x.as_str())
                        .map(str::to_string)
                        .ok_or_else(|| format!("requests[{i}].{field}: expected a string"))
                };
                Ok(SeedRequest {
                    method: text("method")?,
                    path: text("path")?,
                    body: r.get("body").cloned().unwrap_or(Value::Null),
                })
            })
            .collect()
    }
}
