//! `dispatch_api` ⇄ Kong: one service and one route named after the API, plus a
//! request-termination plugin while no function is linked.

use serde_json::json;
use url::Url;

use super::auth::{self, Authentication};
use super::naming::{self, Naming};
use super::policies::{self, Policies, PoliciesDraft};
use super::upstream::{Target, UpstreamTemplate, UNLINKED_URL};
use super::{org_prefix, sorted, validate, AttrPath, Field, Issue};
use crate::kong::{ForeignKey, Plugin, PluginFields, Route, RouteFields, Service, ServiceFields};

/// Kong's default answer to plain HTTP on an HTTPS-only route ("Please use HTTPS").
pub const DEFAULT_REDIRECT_CODE: u16 = 426;
/// The answers Kong accepts for `https_redirect_status_code` (kong/db/schema/entities/routes.lua,
/// Kong 3.9: one_of).
pub const REDIRECT_CODES: [u16; 5] = [426, 301, 302, 307, 308];
/// Kong's default upstream timeouts, in milliseconds.
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = policies::DEFAULT_TIMEOUT_MS;
/// The plugin that answers while no function is linked.
pub const TERMINATION_PLUGIN: &str = "request-termination";
/// What an API without a function answers.
pub const UNLINKED_STATUS: u16 = 503;
/// The message of that answer.
pub const UNLINKED_MESSAGE: &str = "no function linked";

/// Which schemes an API is served on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpsMode {
    /// HTTP only.
    Disabled,
    /// HTTP and HTTPS.
    Optional,
    /// HTTPS only; plain HTTP gets the redirect code.
    Required,
}

impl HttpsMode {
    /// Every mode, in the order the documentation lists them.
    pub const ALL: [HttpsMode; 3] = [
        HttpsMode::Disabled,
        HttpsMode::Optional,
        HttpsMode::Required,
    ];

    /// The value users write.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpsMode::Disabled => "disabled",
            HttpsMode::Optional => "optional",
            HttpsMode::Required => "required",
        }
    }

    /// Parses the value users write.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// The URL schemes clients use.
    pub fn schemes(self) -> &'static [&'static str] {
        match self {
            HttpsMode::Disabled => &["http"],
            HttpsMode::Optional => &["http", "https"],
            HttpsMode::Required => &["https"],
        }
    }

    /// Kong's route `protocols` for this mode.
    pub fn protocols(self) -> Vec<String> {
        self.schemes().iter().map(|s| s.to_string()).collect()
    }

    /// The mode a route's `protocols` amount to.
    pub fn from_protocols(protocols: &[String]) -> Self {
        let http = protocols.iter().any(|p| p == "http");
        let https = protocols.iter().any(|p| p == "https");
        match (http, https) {
            (true, true) => HttpsMode::Optional,
            (false, true) => HttpsMode::Required,
            _ => HttpsMode::Disabled,
        }
    }
}

/// Where an API sends its traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// A Dispatch function, through `function_upstream_url`.
    Function(String),
    /// Any other URL.
    Url(String),
    /// Nothing yet: Kong answers 503 "no function linked".
    Unlinked,
}

/// A complete, known `dispatch_api` declaration (defaults applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSpec {
    /// API name (without the organization prefix).
    pub name: String,
    /// Where traffic goes.
    pub upstream: Upstream,
    /// Host rules, sorted.
    pub hosts: Vec<String>,
    /// Path rules, in order, without the organization prefix.
    pub paths: Vec<String>,
    /// Method rules, sorted.
    pub methods: Vec<String>,
    /// Schemes served.
    pub https: HttpsMode,
    /// Answer to plain HTTP when HTTPS is required.
    pub redirect_code: u16,
    /// Kong strip_path.
    pub strip_path: bool,
    /// Whether Kong serves it.
    pub enabled: bool,
    /// The user's extra tags, sorted.
    pub tags: Vec<String>,
    /// Gateway policies: CORS, rate limits, timeouts, size limit, logging.
    pub policies: Policies,
    /// Who may call the API.
    pub auth: Authentication,
}

impl ApiSpec {
    /// The paths of an API that declares none: `["/<name>"]`.
    pub fn default_paths(name: &str) -> Vec<String> {
        vec![format!("/{name}")]
    }
}

/// What the provider configuration contributes to every API.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Organization prefix and tags.
    pub naming: Naming,
    /// How a function name becomes an upstream URL.
    pub template: UpstreamTemplate,
    /// Public base URL of the Kong proxy.
    pub gateway_url: Url,
}

/// The Kong entities an API should consist of.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredApi {
    /// The service.
    pub service: ServiceFields,
    /// The route (pointing at the service).
    pub route: RouteFields,
    /// The plugins on the service, at most one per plugin name (request-termination while no
    /// function is linked, and the plugins of the API's features).
    pub plugins: Vec<PluginFields>,
}

/// The id of the API's plugin named `plugin`, derived from the service id so that every apply,
/// retry and clean-up addresses the same entity without looking it up.
pub fn plugin_id(service_id: &str, plugin: &str) -> String {
    derived_id(service_id, plugin)
}

/// The id of the API's route, derived from the service id like the plugins' ids, so that a
/// route re-created after an out-of-band delete is addressed the same way by every retry,
/// clean-up and read, whatever answer was lost.
pub fn route_id(service_id: &str) -> String {
    // A `/` keeps it apart from every plugin's id (plugin names have none).
    derived_id(service_id, "/route")
}

/// Namespace of the ids this provider derives (UUID v5) for entities that belong to an API.
const DERIVED_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x9b3c_54d1_7e2a_4f0b_8c6d_1e2f_3a4b_5c6d);

/// A stable id for the `what` entity of the API whose service is `service_id`.
pub fn derived_id(service_id: &str, what: &str) -> String {
    uuid::Uuid::new_v5(
        &DERIVED_ID_NAMESPACE,
        format!("{service_id}/{what}").as_bytes(),
    )
    .to_string()
}

/// The values of a declaration at plan time, for the checks that span attributes.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// `name`.
    pub name: Field<String>,
    /// `function`.
    pub function: Field<String>,
    /// `upstream_url`.
    pub upstream_url: Field<String>,
    /// `hosts`; `None` elements are not known yet.
    pub hosts: Field<Vec<Option<String>>>,
    /// `paths`.
    pub paths: Field<Vec<Option<String>>>,
    /// `methods`.
    pub methods: Field<Vec<Option<String>>>,
    /// `https`.
    pub https: Field<String>,
    /// `https_redirect_status_code`.
    pub redirect_code: Field<i64>,
    /// `tags`.
    pub tags: Field<Vec<Option<String>>>,
    /// The policy attributes and blocks.
    pub policies: PoliciesDraft,
}

/// Every problem of a declaration that can be seen without the provider configuration.
pub fn check_draft(draft: &Draft) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut check = |path: AttrPath, summary: &str, result: Result<(), String>| {
        if let Err(detail) = result {
            issues.push(Issue::error(path, summary, detail));
        }
    };
    if let Some(name) = draft.name.value() {
        check(
            AttrPath::attr("name"),
            "Invalid API name",
            validate::api_name(name),
        );
    }
    if let Some(function) = draft.function.value() {
        check(
            AttrPath::attr("function"),
            "Invalid function name",
            validate::function_name(function),
        );
    }
    if let Some(url) = draft.upstream_url.value() {
        check(
            AttrPath::attr("upstream_url"),
            "Invalid upstream URL",
            validate::upstream_url(url).map(|_| ()),
        );
    }
    if draft.function.is_set() && draft.upstream_url.is_set() {
        check(
            AttrPath::attr("upstream_url"),
            "Conflicting upstream",
            Err("`upstream_url` and `function` cannot both be set: an API invokes either a Dispatch function or another URL".into()),
        );
    }
    for host in draft.hosts.known_elements() {
        check(
            AttrPath::attr("hosts"),
            "Invalid host",
            validate::route_host(host),
        );
    }
    if let Field::Value(paths) = &draft.paths {
        for (i, path) in paths.iter().enumerate() {
            if let Some(path) = path {
                check(
                    AttrPath::attr("paths").index(i),
                    "Invalid path",
                    validate::route_path(path),
                );
            }
        }
    }
    for method in draft.methods.known_elements() {
        check(
            AttrPath::attr("methods"),
            "Invalid method",
            validate::method(method),
        );
    }
    for tag in draft.tags.known_elements() {
        check(AttrPath::attr("tags"), "Invalid tag", validate::tag(tag));
    }
    let https = draft.https.value().map(|h| (h, HttpsMode::parse(h)));
    if let Some((raw, None)) = https {
        check(
            AttrPath::attr("https"),
            "Invalid https mode",
            Err(format!(
                "`{raw}` is not one of \"disabled\", \"optional\" or \"required\""
            )),
        );
    }
    if let Some(code) = draft.redirect_code.value() {
        if !REDIRECT_CODES.iter().any(|c| i64::from(*c) == *code) {
            check(
                AttrPath::attr("https_redirect_status_code"),
                "Invalid redirect status code",
                Err(format!(
                    "{code} is not one of 426 (\"Please use HTTPS\"), 301, 302, 307 or 308"
                )),
            );
        }
        let required = match &draft.https {
            Field::Value(h) => h == HttpsMode::Required.as_str(),
            Field::Null => false,
            Field::Unknown => true,
        };
        if !required {
            check(
                AttrPath::attr("https_redirect_status_code"),
                "Redirect code without HTTPS-only",
                Err("`https_redirect_status_code` only applies when `https = \"required\"`: plain HTTP is otherwise served".into()),
            );
        }
    }
    issues.extend(policies::check(&draft.policies));
    issues
}

/// The Kong paths of an API: its own, under `/<organization>/` when it has no hosts (see
/// [`org_prefix`]: a path that cannot be kept under the prefix is an error on `paths[i]`).
pub fn kong_paths(spec: &ApiSpec, naming: &Naming) -> Result<Vec<String>, Vec<Issue>> {
    match naming.path_prefix().filter(|_| spec.hosts.is_empty()) {
        Some(prefix) => org_prefix::kong_paths(&prefix, &spec.paths).map_err(|errors| {
            errors
                .into_iter()
                .map(|(i, e)| {
                    Issue::error(
                        AttrPath::attr("paths").index(i),
                        "Path cannot be kept under the organization's prefix",
                        e.to_string(),
                    )
                })
                .collect()
        }),
        None => Ok(spec.paths.clone()),
    }
}

/// The API's own paths behind Kong's paths (the inverse of [`kong_paths`]).
fn api_paths(kong: &[String], has_hosts: bool, naming: &Naming) -> Vec<String> {
    match naming.path_prefix().filter(|_| !has_hosts) {
        Some(prefix) => org_prefix::api_paths(&prefix, kong),
        None => kong.to_vec(),
    }
}

/// The Kong entities for a declaration. Errors are problems only the provider configuration
/// reveals (a function the template cannot turn into a URL, an API that would match nothing).
pub fn desired(
    spec: &ApiSpec,
    env: &Environment,
    service_id: &str,
) -> Result<DesiredApi, Vec<Issue>> {
    let mut issues = Vec::new();
    let target = match &spec.upstream {
        Upstream::Function(function) => env.template.checked_target(function).map_err(|why| {
            Issue::error(
                AttrPath::attr("function"),
                "Function has no usable upstream URL",
                format!("function_upstream_url gives no usable URL for `{function}`: {why}"),
            )
        }),
        Upstream::Url(url) => Target::from_url(url).map_err(|why| {
            Issue::error(AttrPath::attr("upstream_url"), "Invalid upstream URL", why)
        }),
        Upstream::Unlinked => Target::from_url(UNLINKED_URL)
            .map_err(|why| Issue::error(AttrPath::attr("function"), "Internal error", why)),
    };
    let paths = kong_paths(spec, &env.naming).unwrap_or_else(|errors| {
        issues.extend(errors);
        Vec::new()
    });
    if paths.is_empty() && issues.is_empty() && spec.hosts.is_empty() && spec.methods.is_empty() {
        issues.push(Issue::error(
            AttrPath::attr("paths"),
            "The API matches no request",
            "Kong needs at least one of `paths`, `hosts` or `methods` to route requests to an API; remove `paths = []` or add hosts or methods.",
        ));
    }
    let target = match target {
        Ok(target) => target,
        Err(issue) => {
            issues.push(issue);
            return Err(issues);
        }
    };
    if !issues.is_empty() {
        return Err(issues);
    }
    let kong_name = env.naming.kong_name(&spec.name);
    let tags = naming::all_tags(env.naming.ownership_tags(Some(&spec.name)), &spec.tags);
    let service = ServiceFields {
        name: kong_name.clone(),
        protocol: target.protocol,
        host: target.host,
        port: target.port,
        path: target.path,
        enabled: spec.enabled,
        connect_timeout: spec.policies.service_timeout_ms(),
        read_timeout: spec.policies.service_timeout_ms(),
        write_timeout: spec.policies.service_timeout_ms(),
        tags: tags.clone(),
    };
    let non_empty = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let route = RouteFields {
        name: kong_name,
        protocols: spec.https.protocols(),
        hosts: non_empty(&spec.hosts),
        paths: non_empty(&paths),
        methods: non_empty(&spec.methods),
        strip_path: spec.strip_path,
        https_redirect_status_code: if spec.https == HttpsMode::Required {
            spec.redirect_code
        } else {
            DEFAULT_REDIRECT_CODE
        },
        service: ForeignKey::new(service_id),
        tags: tags.clone(),
    };
    let plugin = |name: &str, config: serde_json::Value| PluginFields {
        name: name.to_string(),
        service: Some(ForeignKey::new(service_id)),
        route: None,
        config,
        enabled: true,
        tags: tags.clone(),
    };
    let mut plugins = Vec::new();
    if spec.upstream == Upstream::Unlinked {
        plugins.push(plugin(
            TERMINATION_PLUGIN,
            json!({"status_code": UNLINKED_STATUS, "message": UNLINKED_MESSAGE}),
        ));
    }
    for (name, config) in spec.policies.plugins() {
        plugins.push(plugin(name, config));
    }
    plugins.extend(auth::plugins(&spec.auth, &env.naming, service_id, &tags));
    Ok(DesiredApi {
        service,
        route,
        plugins,
    })
}

/// Whether reading the API back needs the service's plugins: only when the declaration (or
/// the service itself) involves one, so that a plain public API costs no extra request. With no
/// declaration at all (import, data sources) every plugin-backed feature has to be looked for.
pub fn needs_plugins(prior: Option<&ApiSpec>, service: &Service) -> bool {
    is_unlinked(service)
        || prior.is_none_or(|p| {
            p.upstream == Upstream::Unlinked
                || p.policies.has_plugins()
                || auth::involves_plugins(&p.auth)
        })
}

/// Whether reading back an API that may be anywhere between two declarations (after an update
/// that failed half-way) needs the service's plugins: the plugins of either may be in Kong.
pub fn needs_plugins_between(
    before: Option<&ApiSpec>,
    after: Option<&ApiSpec>,
    service: &Service,
) -> bool {
    // `None` for `after` means there is no second declaration, not an unknown one.
    needs_plugins(before, service) || after.is_some_and(|a| needs_plugins(Some(a), service))
}

/// True when the service points at the "no function" placeholder, so that reading it back
/// must also look at its request-termination plugin.
pub fn is_unlinked(service: &Service) -> bool {
    Target::from_url(UNLINKED_URL).is_ok_and(|t| t == target_of(service))
}

fn target_of(service: &Service) -> Target {
    Target {
        protocol: service.protocol.clone(),
        host: service.host.clone(),
        port: service.port,
        path: service.path.clone(),
    }
}

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
            && p.config.get("status_code") == Some(&json!(UNLINKED_STATUS))
            && p.config.get("message") == Some(&json!(UNLINKED_MESSAGE))
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

/// Every URL the API can be invoked on: scheme × host (or the gateway) × plain path.
/// Wildcard hosts and regex paths name no single URL and are left out.
pub fn invoke_urls(spec: &ApiSpec, env: &Environment) -> Vec<String> {
    let plain_paths: Vec<&str> = if spec.paths.is_empty() {
        vec!["/"]
    } else {
        spec.paths
            .iter()
            .filter(|p| !p.starts_with('~'))
            .map(String::as_str)
            .collect()
    };
    let mut urls = Vec::new();
    if spec.hosts.is_empty() {
        let prefix = env.naming.path_prefix().unwrap_or_default();
        for base in gateway_bases(&env.gateway_url, spec.https) {
            for path in &plain_paths {
                let path = if spec.paths.is_empty() && !prefix.is_empty() {
                    String::new()
                } else {
                    (*path).to_string()
                };
                urls.push(format!("{base}{prefix}{path}"));
            }
        }
    } else {
        for host in spec.hosts.iter().filter(|h| !h.contains('*')) {
            for scheme in spec.https.schemes() {
                for path in &plain_paths {
                    urls.push(format!("{scheme}://{host}{path}"));
                }
            }
        }
    }
    urls
}

/// The gateway's base URL for each scheme the API is served on. The other scheme's port is
/// Kong's usual pairing (8000/8443, 80/443); for other ports only the gateway's own scheme is known.
fn gateway_bases(gateway: &Url, https: HttpsMode) -> Vec<String> {
    let own = gateway.scheme().to_string();
    let port = gateway.port_or_known_default();
    let mut bases = Vec::new();
    for scheme in https.schemes() {
        let base = if *scheme == own {
            Some(gateway.clone())
        } else {
            let other_port = match (own.as_str(), port) {
                ("http", Some(80)) => Some(443),
                ("http", Some(8000)) => Some(8443),
                ("https", Some(443)) => Some(80),
                ("https", Some(8443)) => Some(8000),
                _ => None,
            };
            other_port.and_then(|p| {
                let mut other = gateway.clone();
                other.set_scheme(scheme).ok()?;
                let default = if *scheme == "https" { 443 } else { 80 };
                other.set_port((p != default).then_some(p)).ok()?;
                Some(other)
            })
        };
        if let Some(base) = base {
            bases.push(base.as_str().trim_end_matches('/').to_string());
        }
    }
    bases
}

#[cfg(test)]
mod tests;
