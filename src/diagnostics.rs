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

/// Adds every issue as an error or a warning on its attribute (or on none, for an issue with
/// an empty path: one about an environment variable, say).
pub fn report(diags: &mut Diagnostics, issues: impl IntoIterator<Item = Issue>) {
    for issue in issues {
        let root = issue.path.0.is_empty();
        let path = attribute_path(&issue.path);
        match (issue.is_error(), root) {
            (true, true) => diags.root_error(issue.summary, issue.detail),
            (true, false) => diags.error(issue.summary, issue.detail, path),
            (false, true) => diags.root_warning(issue.summary, issue.detail),
            (false, false) => diags.warning(issue.summary, issue.detail, path),
        }
    }
}

/// At plan time, the errors among the checks `validate` already ran. Terraform validates a
/// configuration with its input variables unknown, so a value that comes from a variable (a
/// null in a required attribute, an invalid name) is only checked here; what `validate` could
/// see never reaches the plan, so nothing is reported twice. Warnings were `validate`'s to give.
pub fn report_plan_errors(diags: &mut Diagnostics, issues: impl IntoIterator<Item = Issue>) {
    report(diags, issues.into_iter().filter(Issue::is_error));
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
        KongError::Stopped { .. } | KongError::Abandoned { .. } | KongError::Interrupted => {
            format!("Interrupted while trying to {action}")
        }
    };
    let mut detail = match error {
        // The timeout is the provider's setting: name it where the user can change it.
        KongError::Timeout {
            url,
            timeout_ms,
            tries,
        } => format!(
            "Kong's Admin API at {url} did not answer within {timeout_ms} ms (request_timeout_ms){tries}"
        ),
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
        KongError::Api { status: 401, .. } => detail.push_str(
            "\n\nKong did not accept the token: check kong_admin_token (or KONG_ADMIN_TOKEN), that its RBAC user is enabled, and kong_admin_headers when a proxy in front of Kong asks for credentials of its own.",
        ),
        KongError::Api { status: 403, .. } => detail.push_str(
            "\n\nKong accepted the token but its RBAC roles do not allow this request: the token's user needs the permission on the endpoint above, in the workspace the path starts with, `default` when it names none (Kong Enterprise `/rbac/roles/<role>/endpoints`). Check kong_admin_token (or KONG_ADMIN_TOKEN) if another user's token was meant.",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kong::KongErrorBody;

    fn detail_of(status: u16) -> String {
        let error = KongError::Api {
            method: "PUT".into(),
            path: "/team-a/services/orders".into(),
            status,
            body: Box::new(KongErrorBody::default()),
            retry_after_secs: None,
            tries: Default::default(),
        };
        let mut diags = Diagnostics::default();
        kong_error(&mut diags, "create the API `orders`", &error, |_| None);
        diags.errors[0].detail.to_string()
    }

    #[test]
    fn refusals_point_at_the_token_or_at_its_rbac_permissions() {
        let unauthorized = detail_of(401);
        assert!(
            unauthorized.contains("PUT /team-a/services/orders"),
            "{unauthorized}"
        );
        assert!(
            unauthorized.contains("did not accept the token"),
            "{unauthorized}"
        );
        let forbidden = detail_of(403);
        assert!(
            forbidden.contains("accepted the token but its RBAC roles do not allow"),
            "{forbidden}"
        );
        assert!(forbidden.contains("/rbac/roles/"), "{forbidden}");
    }
}
