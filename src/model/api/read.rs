//! Kong's entities of an API ⇄ back to its declaration.

use super::paths::api_paths;
use super::{
    is_unlinked, plugin_id, target_of, ApiSpec, Environment, HttpsMode, Upstream,
    DEFAULT_REDIRECT_CODE, TERMINATION_PLUGIN, UNLINKED_MESSAGE, UNLINKED_STATUS,
};
use crate::kong::plugins::RequestTerminationConfig;
use crate::kong::{Plugin, Route, Service};
use crate::model::upstream::{Target, UpstreamTemplate, UNLINKED_URL};
use crate::model::{auth, naming, policies, sorted};

/// What Kong holds for one API.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The service.
    pub service: &'a Service,
    /// The route, unless it is gone.
    pub route: Option<&'a Route>,
    /// The plugins attached to the service (empty when they were not needed, see
    /// [`needs_plugins`]).
    pub plugins: &'a [Plugin],
}

/// The tag read back, beside both sides' tags, when the service and the route have different
/// tags. No declaration can hold it (it has a `/`), so the plan always shows the difference.
pub const TAGS_DIFFER: &str = "(the Kong service and route have different tags: /)";

/// The declaration Kong's entities amount to. `prior` (the last known declaration) decides
/// between equivalent spellings, so that only real differences show as drift.
///
/// The name and the tags live on both the service and the route. When the two disagree (an
/// update that failed half-way, or an out-of-band change to one of them), the declaration read
/// back says so with a value no declaration can have, whatever `prior` is: the next plan always
/// shows the difference and re-writes both, and successive refreshes agree with each other.
///
/// A managed request-termination plugin answering "no function linked" makes the API unlinked
/// whatever its service points at: Kong answers 503 before calling the upstream.
pub fn read_back(observed: Observed<'_>, prior: Option<&ApiSpec>, env: &Environment) -> ApiSpec {
    let service = observed.service;
    let route = observed.route;
    let naming = &env.naming;
    let name_of = |kong_name: Option<&String>| kong_name.map(|n| naming.shown_name(n));
    let service_name = name_of(service.name.as_ref()).unwrap_or_default();
    let route_name = route.and_then(|r| name_of(r.name.as_ref()));
    let name = match route_name {
        Some(route_name) if route_name != service_name => {
            format!("{service_name} (its Kong route is named {route_name})")
        }
        _ => service_name,
    };

    let termination = observed
        .plugins
        .iter()
        .find(|p| p.name == TERMINATION_PLUGIN);
    let upstream = read_upstream(service, termination, prior, &env.template);
    // Only the plugins this provider created for the API (ids derived from the service's):
    // one added by someone else is not the provider's to show or remove.
    let own_plugin = |name: &str| {
        let id = plugin_id(&service.id, name);
        observed
            .plugins
            .iter()
            .find(|p| p.name == name && p.id == id && p.enabled)
    };
    let policies = policies::read_back(service, own_plugin, prior.map(|p| &p.policies));

    let hosts = sorted(route.and_then(|r| r.hosts.clone()).unwrap_or_default());
    let kong_paths = route.and_then(|r| r.paths.clone()).unwrap_or_default();
    let paths = api_paths(&kong_paths, !hosts.is_empty(), naming);
    let methods = sorted(route.and_then(|r| r.methods.clone()).unwrap_or_default());
    let https = route
        .and_then(|r| r.protocols.as_deref())
        .map(HttpsMode::from_protocols)
        .unwrap_or(HttpsMode::Optional);
    let redirect_code = route
        .and_then(|r| r.https_redirect_status_code)
        .unwrap_or(DEFAULT_REDIRECT_CODE);
    let strip_path = route.is_none_or(|r| r.strip_path);
    let service_tags = naming::user_tags(service.tags.as_deref());
    let tags = match route.map(|r| naming::user_tags(r.tags.as_deref())) {
        Some(route_tags) if route_tags != service_tags => {
            let mut tags = service_tags;
            tags.extend(route_tags);
            tags.push(TAGS_DIFFER.to_string());
            sorted(tags)
        }
        _ => service_tags,
    };
    ApiSpec {
        name,
        upstream,
        hosts,
        paths,
        methods,
        https,
        redirect_code,
        strip_path,
        enabled: service.enabled,
        tags,
        policies,
        auth: auth::read_back(observed.plugins, prior.map(|p| &p.auth), naming),
    }
}

fn read_upstream(
    service: &Service,
    termination: Option<&Plugin>,
    prior: Option<&ApiSpec>,
    template: &UpstreamTemplate,
) -> Upstream {
    let target = target_of(service);
    let answering = termination.is_some_and(|p| {
        p.enabled
            && p.config::<RequestTerminationConfig>().is_some_and(|c| {
                c.status_code == Some(UNLINKED_STATUS)
                    && c.message.as_deref() == Some(UNLINKED_MESSAGE)
            })
    });
    if answering {
        return Upstream::Unlinked;
    }
    if is_unlinked(service) {
        // Without its plugin the placeholder is a plain (unreachable) URL: show it as such,
        // so the plan puts the plugin back.
        return Upstream::Url(UNLINKED_URL.to_string());
    }
    if let Some(Upstream::Url(url)) = prior.map(|p| &p.upstream) {
        return match Target::from_url(url) {
            Ok(declared) if declared == target => Upstream::Url(url.clone()),
            _ => Upstream::Url(target.to_url()),
        };
    }
    match template.function_of(&target) {
        Some(function) => Upstream::Function(function),
        None => Upstream::Url(target.to_url()),
    }
}
