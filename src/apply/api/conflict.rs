//! Who is in the way when Kong refuses to write an API's entity as a duplicate (409, unique
//! violation): the entity holding the API's name, or a plugin of the same kind already in the
//! scope the API's plugin would take. Kong's answer says which key was violated in `fields`
//! (`kong/db/errors.lua`, `unique_violation`, Kong 3.9): `{name}` for a service's or route's
//! name, the plugin's `cache_key` (`{name, route, service, consumer}`,
//! `kong/db/schema/entities/plugins.lua`, Kong 3.9) for a plugin.

use serde_json::Value as Json;

use super::{name_holder, NameHolder};
use crate::apply::Context;
use crate::kong::KongError;
use crate::model::naming;

/// The entity Kong's refusal names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A service or route holds the API's name.
    Name(NameHolder),
    /// A plugin of the same kind is already where the API's would go.
    Plugin(PluginHolder),
}

/// A plugin of the kind the API declares, already on its service or route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginHolder {
    /// The plugin's name (its kind), such as `rate-limiting`.
    pub name: String,
    /// Kong's id.
    pub id: String,
    /// Whether it is on the API's route (else on its service).
    pub on_route: bool,
    /// Whether this provider manages it (tagged).
    pub managed: bool,
}

/// The entity in the way of a write of the API `api_name` that Kong refused with `error`, looked
/// up; `None` when the error is no unique violation or the holder cannot be found (the lookup only
/// explains an error being reported, so its own failures count as none).
pub(super) async fn in_the_way(
    context: &Context,
    api_name: &str,
    error: &KongError,
) -> Option<Conflict> {
    if !error.is_unique_violation() {
        return None;
    }
    let fields = error.body().and_then(|b| b.fields.as_ref());
    match fields.and_then(plugin_scope) {
        Some(scope) => plugin_holder(context, &scope).await.map(Conflict::Plugin),
        None => name_holder(context, api_name).await.map(Conflict::Name),
    }
}

/// The scope of a plugin Kong refused as a duplicate.
#[derive(Debug, PartialEq, Eq)]
struct PluginScope {
    name: String,
    service: Option<String>,
    route: Option<String>,
}

/// The plugin's cache key, when the violated key is one (it names a scope, not only a name).
fn plugin_scope(fields: &Json) -> Option<PluginScope> {
    let fields = fields.as_object()?;
    if !["service", "route", "consumer"]
        .iter()
        .any(|k| fields.contains_key(*k))
    {
        return None;
    }
    let id = |key: &str| {
        fields
            .get(key)
            .and_then(|f| f.get("id"))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    Some(PluginScope {
        name: fields.get("name")?.as_str()?.to_string(),
        service: id("service"),
        route: id("route"),
    })
}

/// The plugin of that scope (the API's plugins are never per consumer).
async fn plugin_holder(context: &Context, scope: &PluginScope) -> Option<PluginHolder> {
    let client = &context.client;
    let plugins = match (&scope.route, &scope.service) {
        (Some(route), _) => client.route_plugins(route).await.ok()?,
        (None, Some(service)) => client.service_plugins(service).await.ok()?,
        (None, None) => return None,
    };
    let route_id = |p: &crate::kong::Plugin| p.route.as_ref().map(|r| r.id.clone());
    let service_id = |p: &crate::kong::Plugin| p.service.as_ref().map(|s| s.id.clone());
    plugins
        .iter()
        .find(|p| {
            p.name == scope.name
                && p.consumer.is_none()
                && route_id(p) == scope.route
                && service_id(p) == scope.service
        })
        .map(|p| PluginHolder {
            name: p.name.clone(),
            id: p.id.clone(),
            on_route: p.route.is_some(),
            managed: naming::is_managed(p.tags.as_deref()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_cache_key_names_a_plugin_scope_and_a_name_does_not() {
        let key = json!({"consumer": null, "name": "rate-limiting", "route": null,
                         "service": {"id": "s1"}});
        assert_eq!(
            plugin_scope(&key),
            Some(PluginScope {
                name: "rate-limiting".into(),
                service: Some("s1".into()),
                route: None
            })
        );
        let key = json!({"consumer": null, "name": "cors", "route": {"id": "r1"},
                         "service": null});
        assert_eq!(
            plugin_scope(&key).and_then(|s| s.route),
            Some("r1".to_string())
        );
        assert_eq!(plugin_scope(&json!({"name": "hello"})), None);
    }
}
