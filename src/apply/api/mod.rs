//! `dispatch_api` against Kong: one service and one route named after the API, the plugins of
//! its policies and authentication on the service, and on open-source Kong the OIDC issuer's
//! consumer it shares with the other APIs of that issuer ([`issuer`]).

mod conflict;
mod create;
mod delete;
mod issuer;
mod read;
pub mod routing;
mod update;

use crate::apply::Context;
use crate::kong::KongError;
use crate::model::api::adopt::{Adopted, Outside};
use crate::model::api::{ApiSpec, HttpsMode, Upstream};
use crate::model::auth::Authentication;
use crate::model::{certificate, naming};

pub use conflict::{Conflict, PluginHolder};
pub use create::{create, CreateError};
pub use delete::{delete, DeleteError};
pub use issuer::{plan_oidc, IssuerError, PlanError, UnverifiableKey};
pub use read::{find, import, list, read, Lookup};
pub use update::{update, UpdateError, UpdateFailure};

/// The Kong ids and name of an API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The service's id (the API's id).
    pub service: String,
    /// The route's id, unless the route is gone.
    pub route: Option<String>,
    /// The name of the service (and route).
    pub kong_name: String,
    /// The plugins the API uses that the provider did not create where it would have (adopted
    /// by an import), by plugin name: every write addresses them where they are.
    pub plugins: Adopted,
}

/// An API as Kong holds it: the declaration its entities amount to, and their ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The declaration, the issuer's keys included.
    pub spec: ApiSpec,
    /// The entities' ids.
    pub ids: Ids,
    /// What Kong attaches to the API outside its declaration; `None` when the read did not
    /// look (see [`read`]).
    pub outside: Option<Vec<Outside>>,
}

impl Found {
    /// Whether the next reads must look for what is outside the declaration: while something
    /// is there, and while an adopted plugin lacks the ownership tags (which only such a read
    /// sees). An API this provider created, or one whose adoption is complete, costs nothing.
    pub fn keep_looking(&self) -> bool {
        self.outside.as_ref().is_some_and(|o| !o.is_empty())
            || self.ids.plugins.values().any(|p| !p.tagged)
    }
}

/// Who holds the name of an API Kong refused to write because the name is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameHolder {
    /// `service` or `route`.
    pub kind: &'static str,
    /// The name they hold.
    pub kong_name: String,
    /// Whether this provider manages it (from another state, probably).
    pub managed: bool,
}

/// A write of the API's entities that Kong refused or that failed.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct WriteError {
    /// What went wrong.
    pub error: KongError,
    /// The entity in the way, when Kong refused the write as a duplicate.
    pub conflict: Option<Conflict>,
}

impl WriteError {
    /// The error, with the entity in the way looked up when Kong refused it as a duplicate.
    async fn explained(context: &Context, spec: &ApiSpec, error: KongError) -> Self {
        let conflict = conflict::in_the_way(context, &spec.name, &error).await;
        Self { error, conflict }
    }
}

/// The Kong service (else route) named like the API `name`, if any. Lookup failures count as
/// none: this only explains an error already being reported.
async fn name_holder(context: &Context, name: &str) -> Option<NameHolder> {
    let kong_name = context.environment.naming.kong_name(name);
    let client = &context.client;
    let (kind, tags) = match client.service(&kong_name).await.ok().flatten() {
        Some(service) => ("service", service.tags),
        None => ("route", client.route(&kong_name).await.ok().flatten()?.tags),
    };
    Some(NameHolder {
        kind,
        managed: naming::is_managed(tags.as_deref()),
        kong_name,
    })
}

/// The hosts of an API served over HTTPS that Kong has no certificate for. Only then (not for
/// APIs without hosts or without HTTPS) does it cost a request (`GET /snis`).
pub async fn hosts_without_certificate(
    context: &Context,
    spec: &ApiSpec,
) -> Result<Vec<String>, KongError> {
    if spec.https == HttpsMode::Disabled || spec.hosts.is_empty() {
        return Ok(Vec::new());
    }
    let snis: Vec<String> = context
        .client
        .snis()
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok(certificate::hosts_without_certificate(&spec.hosts, &snis))
}

/// The issuer an API's OIDC settings name (for messages).
pub fn issuer_of(spec: &ApiSpec) -> &str {
    match &spec.auth {
        Authentication::Oidc(oidc) => &oidc.issuer,
        _ => "",
    }
}

/// Whether an API invokes `function` (for filters).
pub fn invokes(spec: &ApiSpec, function: &str) -> bool {
    matches!(&spec.upstream, Upstream::Function(f) if f == function)
}
