//! Which of the plugins Kong has on an API's service and route are the API's, and what else is
//! there that the declaration cannot express.
//!
//! Kong allows one plugin of a name per scope: its `cache_key` (name, route, service, consumer)
//! is unique (`kong/db/schema/entities/plugins.lua`, Kong 3.9), so a service has at most one
//! `rate-limiting` plugin of its own, and the API's route one more. For the API's request Kong
//! runs the most specific one: a plugin on the route (with or without the service) goes before
//! one on the service alone (`kong/runloop/plugins_iterator.lua`, `lookup_cfg`, Kong 3.9). So
//! for each kind the provider models there is one *slot*, and the plugin that fills it is:
//! - at an import, whichever Kong has (the route's before the service's), tagged or not;
//! - later, the one the provider created (its id derived from the service's) or the one an
//!   import adopted (its id remembered): a plugin someone else put there is not the API's.
//!
//! A slot's plugin that is disabled, or whose settings are not what a declaration would set, reads
//! as absent; its id is still remembered, so that declaring the feature rewrites (and enables)
//! *that* plugin instead of colliding with it.

use std::collections::BTreeMap;

pub use kept::KeptSetting;

use super::{auth, plugin_id, ApiSpec, Upstream, TERMINATION_PLUGIN};
use crate::kong::plugins::{
    AclConfig, BasicAuthConfig, CorsConfig, HttpLogConfig, JwtConfig, OpenIdConnectConfig,
    PluginConfig, PrometheusConfig, RateLimitingConfig, RequestSizeLimitingConfig,
};
use crate::kong::{Plugin, Route};
use crate::model::naming::Naming;

/// Every kind of plugin a `dispatch_api` declaration can express.
pub const MODELLED_PLUGINS: [&str; 10] = [
    TERMINATION_PLUGIN,
    CorsConfig::NAME,
    RateLimitingConfig::NAME,
    RequestSizeLimitingConfig::NAME,
    HttpLogConfig::NAME,
    PrometheusConfig::NAME,
    BasicAuthConfig::NAME,
    AclConfig::NAME,
    JwtConfig::NAME,
    OpenIdConnectConfig::NAME,
];

/// Where a plugin the API uses sits, when it is not the plugin the provider would have created
/// (on the service, at the id derived from the service's): found by an import and remembered, so
/// that every later write addresses it, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptedPlugin {
    /// Kong's id.
    pub id: String,
    /// The service it names (`None` on a plugin of the route alone).
    pub service: Option<String>,
    /// The route it names: the API's route, or `None` on the service's.
    pub route: Option<String>,
    /// Whether it carries the ownership tags (after the first write, it does).
    pub tagged: bool,
}

/// The adopted plugins of an API, by plugin name.
pub type Adopted = BTreeMap<String, AdoptedPlugin>;

/// Which plugins may be the API's.
#[derive(Debug, Clone, Copy)]
pub enum Trust<'a> {
    /// An import: any plugin in a slot is the API's.
    Import,
    /// A read of a managed API: the provider's own, and these adopted ones.
    Known(&'a Adopted),
}

/// Why an entity Kong attaches to the API is outside its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// A route of the API's service other than the API's own.
    ExtraRoute {
        /// Its path rules.
        paths: Vec<String>,
        /// Its host rules.
        hosts: Vec<String>,
    },
    /// A plugin of a kind `dispatch_api` does not model.
    Unmodelled,
    /// A plugin for one consumer only.
    Consumer(String),
    /// A plugin on another route of the API's service.
    OtherRoute(String),
    /// A plugin of a modelled kind in the slot, but disabled.
    Disabled,
    /// A plugin on the service shadowed, for the API's route, by the route's own.
    Shadowed,
    /// A plugin of a modelled kind whose settings are not what a declaration sets: the API reads
    /// as if it had none.
    NotExpressed,
    /// A plugin of a modelled kind in the slot that this provider neither created nor adopted.
    NotAdopted,
    /// An adopted plugin in force with settings `dispatch_api` does not declare, other than
    /// Kong's defaults: every write keeps them as they are.
    KeptSettings(Vec<KeptSetting>),
}

/// An entity Kong attaches to the API that its declaration cannot express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outside {
    /// `route` or `plugin`.
    pub entity: &'static str,
    /// Kong's id.
    pub id: String,
    /// The route's name (or `(no name)`), the plugin's name.
    pub name: String,
    /// Whether the plugin is on the API's route (else on its service); false for routes.
    pub on_route: bool,
    /// Why it is outside.
    pub why: Why,
}

/// What the plugins of an API's service and route amount to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// The API's plugins in force: at most one per kind, enabled.
    pub plugins: Vec<Plugin>,
    /// The slots filled by a plugin the provider did not create where it would have.
    pub adopted: Adopted,
    /// What is attached to the API but outside its declaration (plugins only; see
    /// [`extra_routes`]).
    pub outside: Vec<Outside>,
}

/// Where a plugin sits relative to the API.
enum Place {
    /// In the service's slot or the route's.
    Slot { on_route: bool },
    /// Attached to the API, but not in a slot.
    Outside(Why, bool),
    /// Not attached to the API (another service's, a global one).
    Elsewhere,
}

fn place(plugin: &Plugin, service_id: &str, route_id: Option<&str>) -> Place {
    let on_service = plugin.service.as_ref().is_some_and(|s| s.id == service_id);
    let on_route = plugin
        .route
        .as_ref()
        .is_some_and(|r| Some(r.id.as_str()) == route_id);
    if !on_service && !on_route {
        return Place::Elsewhere;
    }
    if let (Some(route), false) = (&plugin.route, on_route) {
        return Place::Outside(Why::OtherRoute(route.id.clone()), false);
    }
    if let Some(consumer) = &plugin.consumer {
        return Place::Outside(Why::Consumer(consumer.id.clone()), on_route);
    }
    if !MODELLED_PLUGINS.contains(&plugin.name.as_str()) {
        return Place::Outside(Why::Unmodelled, on_route);
    }
    Place::Slot { on_route }
}

fn outside(plugin: &Plugin, on_route: bool, why: Why) -> Outside {
    Outside {
        entity: "plugin",
        id: plugin.id.clone(),
        name: plugin.name.clone(),
        on_route,
        why,
    }
}

/// Sorts out the plugins Kong has on the API's service (`service_id`) and route (`route_id`).
pub fn resolve(
    plugins: &[Plugin],
    service_id: &str,
    route_id: Option<&str>,
    trust: Trust<'_>,
    naming: &Naming,
) -> Resolved {
    let mut resolved = Resolved::default();
    // Per kind: the candidates of the route's slot and of the service's.
    let mut slots: BTreeMap<&str, (Option<&Plugin>, Option<&Plugin>)> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for plugin in plugins {
        if !seen.insert(plugin.id.as_str()) {
            continue;
        }
        match place(plugin, service_id, route_id) {
            Place::Elsewhere => {}
            Place::Outside(why, on_route) => resolved.outside.push(outside(plugin, on_route, why)),
            Place::Slot { on_route } => {
                let trusted = match trust {
                    Trust::Import => true,
                    Trust::Known(adopted) => {
                        (!on_route && plugin.id == plugin_id(service_id, &plugin.name))
                            || adopted.get(&plugin.name).is_some_and(|a| a.id == plugin.id)
                    }
                };
                if !trusted {
                    resolved
                        .outside
                        .push(outside(plugin, on_route, Why::NotAdopted));
                    continue;
                }
                let slot = slots.entry(plugin.name.as_str()).or_default();
                if on_route {
                    slot.0 = Some(plugin);
                } else {
                    slot.1 = Some(plugin);
                }
            }
        }
    }
    for (name, (route_slot, service_slot)) in slots {
        let (chosen, on_route) = match (route_slot, service_slot) {
            (Some(route), service) => {
                if let Some(service) = service {
                    resolved
                        .outside
                        .push(outside(service, false, Why::Shadowed));
                }
                (route, true)
            }
            (None, Some(service)) => (service, false),
            (None, None) => continue,
        };
        let adopted = on_route || chosen.id != plugin_id(service_id, name);
        if adopted {
            resolved.adopted.insert(
                name.to_string(),
                AdoptedPlugin {
                    id: chosen.id.clone(),
                    service: chosen.service.as_ref().map(|s| s.id.clone()),
                    route: chosen.route.as_ref().map(|r| r.id.clone()),
                    tagged: naming.owns(chosen.tags.as_deref()),
                },
            );
        }
        if chosen.enabled {
            resolved.plugins.push(chosen.clone());
        } else if adopted {
            resolved
                .outside
                .push(outside(chosen, on_route, Why::Disabled));
        }
        // The provider's own plugin disabled outside Terraform reads as absent: drift, which
        // the plan shows and the apply undoes, not something outside the declaration.
    }
    resolved
}

/// The adopted plugins in force that the declaration read back from them does not account for:
/// their settings are not what a declaration sets (a basic-auth that passes credentials on, an acl
/// that denies, a request-termination with another answer), so the API reads as if they were
/// absent although Kong runs them.
pub fn not_expressed(resolved: &Resolved, spec: &ApiSpec, naming: &Naming) -> Vec<Outside> {
    let declared = declared_plugins(spec, naming);
    resolved
        .plugins
        .iter()
        // The provider's own plugin changed outside Terraform is drift, not outside.
        .filter(|p| resolved.adopted.contains_key(&p.name))
        .filter(|p| !declared.contains(&p.name))
        .map(|p| {
            let on_route = p.route.is_some();
            outside(p, on_route, Why::NotExpressed)
        })
        .collect()
}

/// The adopted plugins in force with settings the declaration does not express (not Kong's
/// defaults), which every write keeps as they are; except those in `named` (a plugin that reads as
/// absent is named for that already).
pub fn kept_settings(resolved: &Resolved, named: &[Outside]) -> Vec<Outside> {
    resolved
        .plugins
        .iter()
        // Adopted plugins only: the provider's own ones it made with Kong's defaults.
        .filter(|p| resolved.adopted.contains_key(&p.name))
        .filter(|p| !named.iter().any(|n| n.id == p.id))
        .filter_map(|p| {
            let kept = kept::kept_settings(p);
            let on_route = p.route.is_some();
            (!kept.is_empty()).then(|| outside(p, on_route, Why::KeptSettings(kept)))
        })
        .collect()
}

/// The names of the plugins a declaration consists of.
pub fn declared_plugins(spec: &ApiSpec, naming: &Naming) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if spec.upstream == Upstream::Unlinked {
        names.push(TERMINATION_PLUGIN.to_string());
    }
    names.extend(
        spec.policies
            .plugins()
            .into_iter()
            .map(|(n, _)| n.to_string()),
    );
    names.extend(
        auth::plugins(&spec.auth, naming, "", &[])
            .into_iter()
            .map(|p| p.name),
    );
    names
}

/// The routes of the API's service other than its own.
pub fn extra_routes(routes: &[Route], route_id: Option<&str>) -> Vec<Outside> {
    routes
        .iter()
        .filter(|r| Some(r.id.as_str()) != route_id)
        .map(|r| Outside {
            entity: "route",
            id: r.id.clone(),
            name: r.name.clone().unwrap_or_else(|| "(no name)".to_string()),
            on_route: false,
            why: Why::ExtraRoute {
                paths: r.paths.clone().unwrap_or_default(),
                hosts: r.hosts.clone().unwrap_or_default(),
            },
        })
        .collect()
}

mod kept;
#[cfg(test)]
mod tests;
