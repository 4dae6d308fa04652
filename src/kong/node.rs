//! What the provider checks about Kong once, when it is configured, in one round trip when all
//! is well: `GET /` (or `GET /{workspace}/kong` with a workspace, go-kong `client.go`
//! `Root`) answers only when the Admin API is reachable, the token is accepted (Enterprise RBAC
//! answers 401 otherwise) and the workspace exists (Kong Enterprise answers 404 for a path under
//! an unknown workspace), and it names Kong's version and edition. Only when it fails does the
//! probe ask more, to say why: `GET /` without the workspace (is this Kong open source, which has
//! no workspaces?) and Enterprise's `GET /workspaces` (which ones can this token see?).

use std::cmp::Ordering;
use std::fmt;

use serde::Deserialize;

use super::client::Client;
use super::entities::NodeInfo;
use super::error::KongError;

/// Kong's version, compared by its numeric parts: `3.9.3`, Enterprise's `3.10.0.1`, or an old
/// `2.8.1-enterprise-edition` (its leading numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongVersion {
    text: String,
    parts: Vec<u32>,
}

impl KongVersion {
    /// Reads the numeric parts of Kong's version string; `None` when it starts with none.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<u32> = text
            .split(['.', '-'])
            .map_while(|part| part.parse().ok())
            .collect();
        (!parts.is_empty()).then(|| Self {
            text: text.to_string(),
            parts,
        })
    }

    /// True when this version is `min` or later (`at_least(&[3, 10])`).
    pub fn at_least(&self, min: &[u32]) -> bool {
        self.compare(min) != Ordering::Less
    }

    fn compare(&self, other: &[u32]) -> Ordering {
        let width = self.parts.len().max(other.len());
        let part = |parts: &[u32], i: usize| parts.get(i).copied().unwrap_or(0);
        (0..width)
            .map(|i| part(&self.parts, i).cmp(&part(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for KongVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Which Kong versions this provider works with, or why not this one. Kong 3.0 changed how a
/// route's paths are read (a regex path starts with `~`, kong/router/transform.lua in 3.x; Kong 2
/// takes any path with a regex character as a regex), and the organization prefix, the rule
/// corpus and the sandbox all follow Kong 3: an older Kong would route the paths the provider
/// writes differently, so it is refused. A newer major version is worked with, with a warning.
pub fn support(version: &KongVersion) -> Support {
    if !version.at_least(&[3]) {
        Support::Refused(format!(
            "Kong {version} is older than 3.0: it reads the paths of a route differently (Kong 3 marks a regex path with `~`, Kong 2 takes any path holding a regex character as a regex), so the routes this provider writes would not route as declared. Use Kong Gateway 3.x (open source or Enterprise)."
        ))
    } else if version.at_least(&[4]) {
        Support::Untested(format!(
            "Kong {version} is newer than the Kong 3.x this provider's plan-time rules follow (Kong 3.9's, see the rules guide): a rule Kong changed may be checked the old way at plan time and only refused (or accepted) by Kong at apply."
        ))
    } else {
        Support::Supported
    }
}

/// What [`support`] says about a Kong version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Kong 3.x.
    Supported,
    /// A later major version: worked with, with this warning.
    Untested(String),
    /// An earlier major version: refused, for this reason.
    Refused(String),
}

/// The Kong node the provider talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Its version (`None` when Kong's answer holds none this provider can read).
    pub version: Option<KongVersion>,
    /// Whether it is Kong Enterprise.
    pub enterprise: bool,
    /// Its `router_flavor` setting, when Kong said.
    pub router_flavor: Option<String>,
}

impl Node {
    fn of(info: &NodeInfo) -> Self {
        Self {
            version: KongVersion::parse(&info.version),
            enterprise: info.is_enterprise(),
            router_flavor: info.router_flavor().map(str::to_string),
        }
    }

    /// `enterprise` or `community`, for logs.
    pub fn edition(&self) -> &'static str {
        if self.enterprise {
            "enterprise"
        } else {
            "community"
        }
    }
}

/// Why the provider cannot work with the Kong it was given.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The workspace does not exist on this Kong Enterprise (or the token cannot see it).
    #[error("Kong has no workspace `{workspace}` that this token can see")]
    WorkspaceMissing {
        /// The workspace asked for.
        workspace: String,
        /// The workspaces `GET /workspaces` listed (`None` when it could not be asked).
        visible: Option<Vec<String>>,
    },
    /// A workspace was given, but this Kong is the open-source edition, which has none.
    #[error("Kong {version} is the open-source edition, which has no workspaces, but the workspace `{workspace}` is set")]
    NoWorkspaces {
        /// The workspace asked for.
        workspace: String,
        /// Kong's version.
        version: String,
    },
    /// Something answers at the URL, but not as Kong's Admin API: its root is not found, or
    /// its answer is not Kong's.
    #[error("GET {path} did not answer as Kong's Admin API does: {cause}")]
    NotAdminApi {
        /// The path asked.
        path: String,
        /// What was wrong with the answer.
        cause: String,
    },
    /// Kong could not be asked, or refused.
    #[error("{0}")]
    Kong(#[from] KongError),
}

/// A workspace as `GET /workspaces` lists it.
#[derive(Debug, Deserialize)]
struct Workspace {
    name: String,
}

/// Workspace names are unique: the listing's repeat checks go by name.
impl super::paging::Identified for Workspace {
    fn id(&self) -> &str {
        &self.name
    }
}

impl Client {
    /// Checks that Kong can be worked with (see the module's documentation) and says what it
    /// is. Only definite answers fail: a refused token (401), a missing workspace, or something
    /// that is not Kong's Admin API. `Ok(None)` when Kong could not say what it is: it forbids
    /// this token to read its node information (403: an RBAC role narrower than the endpoint,
    /// which the provider's own requests may still be allowed), or it could not be asked (no
    /// connection, TLS, timeout, 5xx). The probe is tried once, without retries: a plan that
    /// needs nothing from Kong (`-refresh=false`) still works then, and the first request that
    /// needs Kong fails with its own context (what it was doing, its path, its attempts).
    pub async fn probe(&self) -> Result<Option<Node>, ProbeError> {
        let once = self.without_retries();
        let error = match once.node_info().await {
            Ok(info) => return Ok(Some(Node::of(&info))),
            Err(error) => error,
        };
        match (&error, self.workspace()) {
            (KongError::Api { status: 401, .. }, _) => Err(ProbeError::Kong(error)),
            (KongError::Api { status: 403, .. }, _) => {
                tracing::warn!(%error, "Kong does not let this token read its version and edition; going on without them");
                Ok(None)
            }
            (KongError::Decode { path, cause, .. }, None) => Err(ProbeError::NotAdminApi {
                path: path.clone(),
                cause: cause.clone(),
            }),
            (KongError::Decode { .. }, Some(workspace)) => {
                Err(once.why_no_workspace(workspace, error).await)
            }
            _ => {
                tracing::warn!(%error, "cannot check Kong's Admin API now; going on, and each request that needs Kong will say what failed");
                Ok(None)
            }
        }
    }

    /// After a 404 under `workspace`: is the workspace missing, or is this no Enterprise Kong?
    async fn why_no_workspace(&self, workspace: &str, error: KongError) -> ProbeError {
        let root = self.without_workspace();
        let info = match root.node_info().await {
            Ok(info) => info,
            Err(KongError::Decode { path, cause, .. }) => {
                return ProbeError::NotAdminApi { path, cause }
            }
            Err(_) => return ProbeError::Kong(error),
        };
        if !info.is_enterprise() {
            return ProbeError::NoWorkspaces {
                workspace: workspace.to_string(),
                version: info.version,
            };
        }
        let visible = match root.list_all::<Workspace>("/workspaces", &[]).await {
            Ok(listed) => {
                let mut names: Vec<String> = listed.into_iter().map(|w| w.name).collect();
                names.sort();
                Some(names)
            }
            Err(error) => {
                tracing::debug!(%error, "cannot list the workspaces");
                None
            }
        };
        ProbeError::WorkspaceMissing {
            workspace: workspace.to_string(),
            visible,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_their_numbers() {
        let v = |text: &str| KongVersion::parse(text).expect("a version");
        assert!(v("3.9.3").at_least(&[3, 9]));
        assert!(!v("3.9.3").at_least(&[3, 10]));
        assert!(v("3.10.0.1").at_least(&[3, 10]));
        assert!(v("3.10.0.1").at_least(&[3, 10, 0, 1]));
        assert!(!v("3.10.0.1").at_least(&[3, 10, 0, 2]));
        assert!(v("2.8.1-enterprise-edition").at_least(&[2, 8, 1]));
        assert_eq!(v("3.10.0.1").to_string(), "3.10.0.1");
        assert_eq!(KongVersion::parse("next"), None);
    }

    #[test]
    fn kong_3_is_supported_2_refused_and_4_warned_about() {
        let v = |text: &str| KongVersion::parse(text).expect("a version");
        for supported in ["3.0.0", "3.4.3.12", "3.9.3", "3.10.0.1", "3.11.0"] {
            assert_eq!(support(&v(supported)), Support::Supported, "{supported}");
        }
        for old in ["2.8.1", "2.8.4.11-enterprise-edition", "1.5.0"] {
            match support(&v(old)) {
                Support::Refused(why) => {
                    assert!(why.contains(old) && why.contains("`~`"), "{why}")
                }
                other => panic!("{old}: {other:?}"),
            }
        }
        assert!(matches!(support(&v("4.0.0")), Support::Untested(_)));
    }
}
