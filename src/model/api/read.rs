//! Kong's entities of an API ⇄ back to its declaration.

use super::adopt::{self, Adopted, Outside, Trust};
use super::paths::api_paths;
use super::{
    is_unlinked, target_of, ApiSpec, Environment, HttpsMode, Upstream, DEFAULT_REDIRECT_CODE,
    TERMINATION_PLUGIN, UNLINKED_MESSAGE, UNLINKED_STATUS,
};
use crate::kong::plugins::RequestTerminationConfig;
use crate::kong::{Plugin, Route, Service};
use crate::model::upstream::{Target, UpstreamTemplate, UNLINKED_URL};
use crate::model::{auth, naming, policies, sorted};

/// What Kong holds for one API.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub service: &'a Service,
    /// The route, unless it is gone.
    pub route: Option<&'a Route>,
    /// The plugins Kong has on the service and the route (empty when they were not needed, see
    /// [`needs_plugins`](super::needs_plugins)).
    pub plugins: &'a [Plugin],
}

/// The tag read back, beside both sides' tags, when the service and the route have different
/// tags. No declaration can hold it (it has a `/`), so the plan always shows the difference.
pub const TAGS_DIFFER: &str = "(the Kong service and route have different tags: /)";

/// What Kong's entities of an API amount to.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The declaration.
    pub spec: ApiSpec,
    /// The plugins the API uses that the provider did not create where it would have.
    pub adopted: Adopted,
    /// The plugins attached to the API that the declaration cannot express.
    pub outside: Vec<Outside>,
}

/// The declaration Kong's entities amount to, the plugins it adopted and what it cannot express.
/// `observed.plugins` are all the plugins Kong has on the service and the route; `trust` says
/// which of them may be the API's ([`adopt::resolve`]).
pub fn read_kong(
    observed: Observed<'_>,
    trust: Trust<'_>,
    prior: Option<&ApiSpec>,
    env: &Environment,
) -> Reading {
    let resolved = adopt::resolve(
        observed.plugins,
        &observed.service.id,
        observed.route.map(|r| r.id.as_str()),
        trust,
        &env.naming,
    );
    let own = Observed {
        plugins: &resolved.plugins,
        ..observed
    };
    let spec = read_spec(own, prior, env);
    let mut outside = adopt::not_expressed(&resolved, &spec, &env.naming);
    let kept = adopt::kept_settings(&resolved, &outside);
    outside.splice(0..0, resolved.outside);
    outside.extend(kept);
    Reading {
        spec,
        adopted: resolved.adopted,
        outside,
    }
}

/// The declaration Kong's entities amount to, for an API whose plugins are all the provider's
/// own (ids derived from the service's): [`read_kong`] with nothing adopted.
pub fn read_back(observed: Observed<'_>, prior: Option<&ApiSpec>, env: &Environment) -> ApiSpec {
    read_kong(observed, Trust::Known(&Adopted::new()), prior, env).spec
}

/// The declaration the API's own plugins (`observed.plugins`: at most one per kind, in force)
/// and its service and route amount to. `prior` (the last known declaration) decides
/// between equivalent spellings, so that only real differences show as drift.
///
/// The name and the tags live on both the service and the route. When the two disagree (an
/// update that failed half-way, or an out-of-band change to one of them), the declaration read
/// back says so with a value no declaration can have, whatever `prior` is: the next plan always
/// shows the difference and re-writes both, and successive refreshes agree with each other.
///
/// A managed request-termination plugin answering "no function linked" makes the API unlinked
/// whatever its service points at: Kong answers 503 before calling the upstream.
fn read_spec(observed: Observed<'_>, prior: Option<&ApiSpec>, env: &Environment) -> ApiSpec {
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
    let own_plugin = |name: &str| {
        observed
            .plugins
            .iter()
            .find(|p| p.name == name && p.enabled)
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
