//! Configure's one check of the connection to Kong ([`Client::probe`]), and what its failures
//! say: each names the setting to change and where that setting came from (the provider
//! block, or the environment variable read in its place).

use tf_provider::{AttributePath, Diagnostics};
use url::Url;

use crate::kong::{support, Client, KongError, Node, ProbeError, Support};
use crate::settings::{Source, Sources};

/// Checks that Kong can be worked with, and logs what it is. `None` (with an error) when it
/// cannot; `Some(None)` when it can but would not say what it is (403).
pub async fn connect(
    diags: &mut Diagnostics,
    client: &Client,
    base_url: &Url,
    sources: &Sources,
) -> Option<Option<Node>> {
    let admin_url = shown(base_url);
    match client.probe().await {
        Ok(node) => {
            let version = node
                .as_ref()
                .and_then(|n| n.version.as_ref())
                .map(|v| v.to_string());
            tracing::info!(
                admin_url,
                workspace = client.workspace(),
                kong_version = version.as_deref(),
                edition = node.as_ref().map(Node::edition),
                router_flavor = node.as_ref().and_then(|n| n.router_flavor.as_deref()),
                "connected to Kong's Admin API"
            );
            match node.as_ref().and_then(|n| n.version.as_ref()).map(support) {
                Some(Support::Refused(why)) => {
                    // On the URL: pointing it at another Kong is the change to make.
                    on(
                        diags,
                        Some(sources.admin_url),
                        "Unsupported Kong version".to_string(),
                        format!(
                            "{why}\n\nThe Admin API URL {admin_url} comes from {}.",
                            sources.admin_url.describe()
                        ),
                    );
                    return None;
                }
                Some(Support::Untested(why)) => diags.root_warning("Untested Kong version", why),
                Some(Support::Supported) | None => {}
            }
            Some(node)
        }
        Err(error) => {
            report(diags, &error, &admin_url, sources);
            None
        }
    }
}

/// The URL without credentials, as messages and logs show it.
fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.as_str().trim_end_matches('/').to_string()
}

/// The diagnostic on the setting `source` names: on its attribute when the provider block sets
/// it, else with no attribute (the message names the variable).
fn on(diags: &mut Diagnostics, source: Option<Source>, summary: String, detail: String) {
    match source {
        Some(Source::Attribute(name)) => diags.error(summary, detail, AttributePath::new(name)),
        _ => diags.root_error(summary, detail),
    }
}

fn report(diags: &mut Diagnostics, error: &ProbeError, admin_url: &str, sources: &Sources) {
    let url_from = sources.admin_url.describe();
    match error {
        ProbeError::WorkspaceMissing { workspace, visible } => {
            let source = sources.workspace;
            let name = source.map_or("kong_workspace", |s| s.name());
            let seen = match visible {
                Some(names) if names.is_empty() => {
                    "This token can see no workspace at all.".to_string()
                }
                Some(names) => format!(
                    "The workspaces this token can see: {}.",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "Kong would not list its workspaces for this token (GET /workspaces was refused): ask Kong's administrator which workspace to use.".to_string(),
            };
            on(
                diags,
                source,
                format!("No Kong workspace `{workspace}`"),
                format!(
                    "Kong Enterprise at {admin_url} has no workspace `{workspace}` that this token can see: every request under /{workspace}/ answers 404, so the APIs in Terraform's state would look deleted and plan to be created again. The workspace comes from {}.\n\n{seen} Set {name} to one of them (names are case-sensitive). If the workspace was deleted on purpose, what it held went with it: `terraform state rm` forgets its resources.",
                    source.map_or_else(|| "kong_workspace".to_string(), |s| s.describe()),
                ),
            );
        }
        ProbeError::NoWorkspaces { workspace, version } => {
            let source = sources.workspace;
            let name = source.map_or("kong_workspace", |s| s.name());
            on(
                diags,
                source,
                "Kong has no workspaces".to_string(),
                format!(
                    "Kong {version} at {admin_url} is the open-source edition, whose Admin API has no workspaces (every path under /{workspace}/ answers 404), but the workspace `{workspace}` comes from {}. Remove {name}: the open-source edition keeps everything in one place.",
                    source.map_or_else(|| "kong_workspace".to_string(), |s| s.describe()),
                ),
            );
        }
        ProbeError::NotAdminApi { path, cause } => on(
            diags,
            Some(sources.admin_url),
            "Not Kong's Admin API".to_string(),
            format!(
                "GET {path} at {admin_url}: {cause}. The URL comes from {url_from}; it must be Kong's Admin API (port 8001, or 8444 over TLS, by default), not its proxy (8000/8443) or another service."
            ),
        ),
        ProbeError::Kong(error) => report_kong(diags, error, admin_url, sources),
    }
}

fn report_kong(diags: &mut Diagnostics, error: &KongError, admin_url: &str, sources: &Sources) {
    let url_from = sources.admin_url.describe();
    let (source, summary, advice) = match error {
        KongError::Api { status: 401, .. } => {
            let token = match sources.admin_token {
                Some(source) => format!(
                    "The token sent comes from {}: it is wrong, expired, or its RBAC user is disabled.",
                    source.describe()
                ),
                None => "No token was sent: kong_admin_token is not set and KONG_ADMIN_TOKEN is empty, and this Kong requires one (Kong Enterprise with RBAC, enforce_rbac = on, reads it from the Kong-Admin-Token header).".to_string(),
            };
            (
                // Never on the attribute: Terraform would print its line, the token with it.
                None,
                "Kong refused the credentials",
                format!("{token} If a proxy in front of Kong asks for credentials of its own, check kong_admin_headers."),
            )
        }
        _ => (
            None,
            "Kong answered an error when the provider checked the connection",
            format!("The Admin API URL {admin_url} comes from {url_from}."),
        ),
    };
    on(
        diags,
        source,
        summary.to_string(),
        format!("{error}\n\n{advice}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        let url = Url::parse("https://admin:s3cret@kong.internal:8444/admin/").expect("url");
        assert_eq!(shown(&url), "https://kong.internal:8444/admin");
    }
}
