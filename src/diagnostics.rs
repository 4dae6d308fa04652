//! Turning the model's issues and Kong's errors into Terraform diagnostics, at the edge.

use tf_provider::{AttributePath, Diagnostics};

use crate::kong::KongError;
use crate::model::{AttrPath, Issue, Step};

/// The Terraform path of a model path.
pub fn attribute_path(path: &AttrPath) -> AttributePath {
    let mut out = AttributePath::root();
    for step in &path.0 {
        match step {
            Step::Attr(name) => out.add_attribute(*name),
            Step::Index(index) => out.add_index(*index as i64),
        };
    }
    out
}

/// Adds every issue as an error or a warning on its attribute.
pub fn report(diags: &mut Diagnostics, issues: impl IntoIterator<Item = Issue>) {
    for issue in issues {
        let path = attribute_path(&issue.path);
        if issue.is_error() {
            diags.error(issue.summary, issue.detail, path);
        } else {
            diags.warning(issue.summary, issue.detail, path);
        }
    }
}

/// An error for a failed Admin API call. `locate` maps Kong's field paths (such as
/// `["hosts", "1"]`) to the user's attribute; unmapped fields are reported without a path.
pub fn kong_error(
    diags: &mut Diagnostics,
    action: &str,
    error: &KongError,
    locate: impl Fn(&[String]) -> Option<AttrPath>,
) {
    let summary = match error {
        KongError::Unreachable { .. } => format!("Cannot reach Kong to {action}"),
        KongError::Tls { .. } => format!("No trusted TLS connection to Kong to {action}"),
        KongError::Timeout { .. } => format!("Kong timed out while trying to {action}"),
        KongError::Api {
            status: 401 | 403, ..
        } => {
            format!("Kong refused the credentials while trying to {action}")
        }
        KongError::Api { .. } => format!("Kong refused to {action}"),
        KongError::Decode { .. } | KongError::TooLarge { .. } | KongError::Paging { .. } => {
            format!("Unexpected answer from Kong while trying to {action}")
        }
        KongError::Url { .. } => format!("Cannot address the Admin API to {action}"),
        KongError::Stopped { .. } | KongError::Interrupted => {
            format!("Interrupted while trying to {action}")
        }
    };
    let mut detail = match error {
        // The timeout is the provider's setting: name it where the user can change it.
        KongError::Timeout { .. } => format!("{error} (request_timeout_ms)"),
        _ => error.to_string(),
    };
    match error {
        KongError::Unreachable { .. } => detail.push_str(
            "\n\nCheck kong_admin_url (or KONG_ADMIN_URL), the TLS settings, and that Kong's Admin API is running and reachable from here.",
        ),
        KongError::Tls { .. } => detail.push_str(
            "\n\nCheck tls_ca_certificate (the CA bundle that signed the Admin API's certificate; the system's roots are used when it is not set), and tls_client_certificate and tls_client_key when Kong requires a client certificate. The provider never falls back to plain HTTP.",
        ),
        KongError::Timeout { .. } => detail.push_str(
            "\n\nRaise request_timeout_ms if Kong is slow but healthy: a write that timed out may still be carried out by Kong after the provider gave up on it.",
        ),
        KongError::Api { status: 401 | 403, .. } => detail.push_str(
            "\n\nCheck kong_admin_token (or KONG_ADMIN_TOKEN) and kong_admin_headers.",
        ),
        KongError::TooLarge { .. } | KongError::Paging { .. } => detail.push_str(
            "\n\nKong's Admin API never answers like this: check that kong_admin_url (or KONG_ADMIN_URL) is Kong's Admin API, and what stands between it and the provider (a proxy, a load balancer).",
        ),
        _ => {}
    }
    let fields = error.field_errors();
    let mut placed = false;
    for field in &fields {
        if let Some(path) = locate(&field.path) {
            diags.error(
                summary.clone(),
                format!(
                    "{detail}\n\nKong says about `{}`: {}",
                    field.path.join("."),
                    field.message
                ),
                attribute_path(&path),
            );
            placed = true;
        }
    }
    if !placed {
        if !fields.is_empty() {
            detail.push_str("\n\nKong's field messages:");
            for field in &fields {
                detail.push_str(&format!("\n  - {field}"));
            }
        }
        diags.root_error(summary, detail);
    }
}
