//! `dispatch_api` ⇄ Kong: one service and one route named after the API, plus a
//! request-termination plugin while no function is linked.

use url::Url;

use super::auth::{self, Authentication};
use super::naming::{self, derived_id, Naming};
use super::policies::{self, Policies};
use super::upstream::{unlinked_target, Target, UpstreamTemplate, UNLINKED_URL};
use super::validate::KongRules;
use super::{AttrPath, Issue};
use crate::kong::plugins::{PluginConfig, RequestTerminationConfig};
use crate::kong::{ForeignKey, PluginFields, RouteFields, Service, ServiceFields};

/// Kong's default answer to plain HTTP on an HTTPS-only route ("Please use HTTPS").
pub const DEFAULT_REDIRECT_CODE: u16 = 426;
/// The answers Kong accepts for `https_redirect_status_code` (kong/db/schema/entities/routes.lua,
/// Kong 3.9: one_of).
pub const REDIRECT_CODES: [u16; 5] = [426, 301, 302, 307, 308];
/// Kong's default upstream timeouts, in milliseconds.
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = policies::DEFAULT_TIMEOUT_MS;
/// The plugin that answers while no function is linked.
pub const TERMINATION_PLUGIN: &str = RequestTerminationConfig::NAME;
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
    /// The rules of the Kong in use, once its version is known.
    pub kong: KongRules,
}

/// The Kong entities an API should consist of.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredApi {
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
        Upstream::Unlinked => unlinked_target().cloned().ok_or_else(|| {
            Issue::error(
                AttrPath::attr("function"),
                "Internal error",
                format!("`{UNLINKED_URL}` is not a valid upstream URL"),
            )
        }),
    };
    let paths = kong_paths(spec, &env.naming, env.kong).unwrap_or_else(|errors| {
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
    let mut plugins = Vec::new();
    if spec.upstream == Upstream::Unlinked {
        let answer = RequestTerminationConfig {
            status_code: Some(UNLINKED_STATUS),
            message: Some(UNLINKED_MESSAGE.to_string()),
        };
        plugins.push(PluginFields::new(&answer, service_id, tags.clone()));
    }
    for (name, config) in spec.policies.plugins() {
        plugins.push(PluginFields::on_service(
            name,
            config,
            service_id,
            tags.clone(),
        ));
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
    unlinked_target().is_some_and(|t| *t == target_of(service))
}

pub(super) fn target_of(service: &Service) -> Target {
    Target {
        protocol: service.protocol.clone(),
        host: service.host.clone(),
        port: service.port,
        path: service.path.clone(),
    }
}

/// Where Kong's complaint about a field of the API's service, route or plugins (`path`, such
/// as `["hosts", "1"]` or `["config", "minute"]`) belongs in the declaration.
pub fn locate(spec: &ApiSpec, path: &[String]) -> Option<AttrPath> {
    let first = path.first()?.as_str();
    Some(match first {
        "name" => AttrPath::attr("name"),
        "protocol" | "host" | "port" | "path" | "url" => match spec.upstream {
            Upstream::Url(_) => AttrPath::attr("upstream_url"),
            _ => AttrPath::attr("function"),
        },
        "hosts" => AttrPath::attr("hosts"),
        "paths" => match path.get(1).and_then(|i| i.parse::<usize>().ok()) {
            Some(i) if i < spec.paths.len() => AttrPath::attr("paths").index(i),
            _ => AttrPath::attr("paths"),
        },
        "methods" => AttrPath::attr("methods"),
        "protocols" => AttrPath::attr("https"),
        "https_redirect_status_code" => AttrPath::attr("https_redirect_status_code"),
        "strip_path" => AttrPath::attr("strip_path"),
        "enabled" => AttrPath::attr("enabled"),
        "tags" => AttrPath::attr("tags"),
        "@entity" => AttrPath::attr("paths"),
        _ => return policies::locate(path),
    })
}

pub mod adopt;
mod check;
mod paths;
mod read;
pub mod routing;
mod urls;

pub use check::{check_draft, Draft};
pub use paths::kong_paths;
pub use read::{read_back, read_kong, Observed, Reading, TAGS_DIFFER};
pub use urls::invoke_urls;

#[cfg(test)]
mod tests;
