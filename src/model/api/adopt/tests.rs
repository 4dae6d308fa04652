use serde_json::json;

use super::*;
use crate::kong::ForeignKey;
use crate::model::naming::MANAGED_TAG;

const SERVICE: &str = "11111111-1111-4111-8111-111111111111";
const ROUTE: &str = "22222222-2222-4222-8222-222222222222";
const OTHER_ROUTE: &str = "33333333-3333-4333-8333-333333333333";

fn plugin(id: &str, name: &str) -> Plugin {
    Plugin {
        id: id.into(),
        name: name.into(),
        service: Some(ForeignKey::new(SERVICE)),
        route: None,
        consumer: None,
        config: json!({}),
        enabled: true,
        tags: None,
    }
}

fn on_route(mut p: Plugin, service_too: bool) -> Plugin {
    p.route = Some(ForeignKey::new(ROUTE));
    if !service_too {
        p.service = None;
    }
    p
}

fn naming() -> Naming {
    Naming::new(None)
}

fn ids(plugins: &[Plugin]) -> Vec<&str> {
    plugins.iter().map(|p| p.id.as_str()).collect()
}

fn whys(resolved: &Resolved) -> Vec<(&str, &Why)> {
    resolved
        .outside
        .iter()
        .map(|o| (o.id.as_str(), &o.why))
        .collect()
}

#[test]
fn an_import_takes_every_plugin_in_a_slot_tagged_or_not() {
    let mut tagged = plugin("cors-1", "cors");
    tagged.tags = Some(vec![MANAGED_TAG.to_string()]);
    let plugins = [
        plugin("rl-1", "rate-limiting"),
        tagged,
        on_route(plugin("acl-1", "acl"), true),
        on_route(plugin("size-1", "request-size-limiting"), false),
    ];
    let resolved = resolve(&plugins, SERVICE, Some(ROUTE), Trust::Import, &naming());
    assert_eq!(
        ids(&resolved.plugins),
        vec!["acl-1", "cors-1", "rl-1", "size-1"]
    );
    assert!(resolved.outside.is_empty(), "{:?}", resolved.outside);
    assert_eq!(
        resolved.adopted["rate-limiting"],
        AdoptedPlugin {
            id: "rl-1".into(),
            service: Some(SERVICE.into()),
            route: None,
            tagged: false,
        }
    );
    assert!(resolved.adopted["cors"].tagged);
    assert_eq!(resolved.adopted["acl"].route.as_deref(), Some(ROUTE));
    assert_eq!(resolved.adopted["acl"].service.as_deref(), Some(SERVICE));
    assert_eq!(resolved.adopted["request-size-limiting"].service, None);
}

#[test]
fn the_routes_plugin_shadows_the_services_as_in_kong() {
    let plugins = [
        plugin("svc-rl", "rate-limiting"),
        on_route(plugin("route-rl", "rate-limiting"), false),
    ];
    let resolved = resolve(&plugins, SERVICE, Some(ROUTE), Trust::Import, &naming());
    assert_eq!(ids(&resolved.plugins), vec!["route-rl"]);
    assert_eq!(resolved.adopted["rate-limiting"].id, "route-rl");
    assert_eq!(whys(&resolved), vec![("svc-rl", &Why::Shadowed)]);
}

#[test]
fn a_refresh_trusts_the_providers_own_and_the_adopted_only() {
    let own = plugin_id(SERVICE, "cors");
    let mut adopted_rl = plugin("adopted-rl", "rate-limiting");
    adopted_rl.tags = Some(vec![MANAGED_TAG.to_string()]);
    let plugins = [
        plugin(&own, "cors"),
        adopted_rl,
        plugin("someone-elses", "http-log"),
    ];
    let mut adopted = Adopted::new();
    adopted.insert(
        "rate-limiting".into(),
        AdoptedPlugin {
            id: "adopted-rl".into(),
            service: Some(SERVICE.into()),
            route: None,
            tagged: true,
        },
    );
    let resolved = resolve(
        &plugins,
        SERVICE,
        Some(ROUTE),
        Trust::Known(&adopted),
        &naming(),
    );
    assert_eq!(ids(&resolved.plugins), vec![own.as_str(), "adopted-rl"]);
    assert_eq!(resolved.adopted, adopted, "the own plugin is not adopted");
    assert_eq!(whys(&resolved), vec![("someone-elses", &Why::NotAdopted)]);
}

#[test]
fn what_no_declaration_expresses_is_outside() {
    let mut consumer = plugin("per-consumer", "rate-limiting");
    consumer.consumer = Some(ForeignKey::new("c-1"));
    let mut other_route = plugin("other-route", "cors");
    other_route.route = Some(ForeignKey::new(OTHER_ROUTE));
    let mut elsewhere = plugin("elsewhere", "cors");
    elsewhere.service = Some(ForeignKey::new("another-service"));
    let plugins = [
        plugin("key-auth-1", "key-auth"),
        on_route(plugin("rt-1", "request-transformer"), false),
        consumer,
        other_route,
        elsewhere,
    ];
    let resolved = resolve(&plugins, SERVICE, Some(ROUTE), Trust::Import, &naming());
    assert!(resolved.plugins.is_empty());
    assert!(resolved.adopted.is_empty());
    assert_eq!(
        whys(&resolved),
        vec![
            ("key-auth-1", &Why::Unmodelled),
            ("rt-1", &Why::Unmodelled),
            ("per-consumer", &Why::Consumer("c-1".into())),
            ("other-route", &Why::OtherRoute(OTHER_ROUTE.into())),
        ]
    );
    assert!(resolved.outside[1].on_route);
    assert!(!resolved.outside[0].on_route);
}

#[test]
fn a_disabled_adopted_plugin_reads_as_absent_but_keeps_its_slot() {
    let mut disabled = plugin("rl-off", "rate-limiting");
    disabled.enabled = false;
    let mut own_disabled = plugin(&plugin_id(SERVICE, "cors"), "cors");
    own_disabled.enabled = false;
    let resolved = resolve(
        &[disabled, own_disabled],
        SERVICE,
        None,
        Trust::Import,
        &naming(),
    );
    assert!(resolved.plugins.is_empty());
    assert_eq!(resolved.adopted["rate-limiting"].id, "rl-off");
    // The provider's own plugin disabled outside Terraform is drift (the plan shows it), not
    // something outside the declaration.
    assert_eq!(whys(&resolved), vec![("rl-off", &Why::Disabled)]);
}

#[test]
fn an_adopted_plugin_the_declaration_does_not_account_for_is_named() {
    use crate::model::api::{ApiSpec, HttpsMode, Upstream, DEFAULT_REDIRECT_CODE};
    use crate::model::auth::Authentication;
    use crate::model::policies::Policies;
    // basic-auth passing the credentials on: not what `authentication = "basic"` sets, so the
    // API reads as public although Kong authenticates.
    let mut basic = plugin("basic-1", "basic-auth");
    basic.config = json!({"hide_credentials": false});
    let resolved = resolve(&[basic], SERVICE, None, Trust::Import, &naming());
    let spec = ApiSpec {
        name: "legacy".into(),
        upstream: Upstream::Url("http://legacy.internal/".into()),
        hosts: vec![],
        paths: vec!["/legacy".into()],
        methods: vec![],
        https: HttpsMode::Optional,
        redirect_code: DEFAULT_REDIRECT_CODE,
        strip_path: true,
        enabled: true,
        tags: vec![],
        policies: Policies::default(),
        auth: Authentication::Public,
    };
    let outside = not_expressed(&resolved, &spec, &naming());
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0].id, "basic-1");
    assert_eq!(outside[0].why, Why::NotExpressed);
    let basic_spec = ApiSpec {
        auth: Authentication::Basic {
            allowed_groups: vec![],
        },
        ..spec
    };
    assert!(not_expressed(&resolved, &basic_spec, &naming()).is_empty());
}

#[test]
fn adopted_plugins_with_settings_kept_outside_the_declaration_are_named_once() {
    // Adopted, counting in Redis: named with the setting.
    let mut redis = plugin("rl-1", "rate-limiting");
    redis.config = json!({"minute": 5, "policy": "redis", "redis": {"host": "r"}});
    // Adopted with Kong's defaults only: nothing to name.
    let mut plain = on_route(plugin("cors-1", "cors"), false);
    plain.config = json!({"origins": ["*"], "preflight_continue": false});
    // Adopted but already named as not expressed: not named twice.
    let mut realm = plugin("basic-1", "basic-auth");
    realm.config = json!({"hide_credentials": false, "realm": "staff"});
    // The provider's own (at the derived id), changed in Kong: not adopted, not named.
    let mut own = plugin(&plugin_id(SERVICE, "prometheus"), "prometheus");
    own.config = json!({"upstream_health_metrics": true});
    let plugins = [redis, plain, realm.clone(), own];
    let resolved = resolve(&plugins, SERVICE, Some(ROUTE), Trust::Import, &naming());
    let already = [outside(&realm, false, Why::NotExpressed)];
    let kept = kept_settings(&resolved, &already);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].id, "rl-1");
    assert!(!kept[0].on_route);
    assert_eq!(
        kept[0].why,
        Why::KeptSettings(vec![
            KeptSetting {
                path: "policy".into(),
                value: Some("\"redis\"".into())
            },
            KeptSetting {
                path: "redis.host".into(),
                value: Some("\"r\"".into())
            },
        ])
    );
}

#[test]
fn extra_routes_are_every_route_of_the_service_but_the_apis() {
    let route = |id: &str, name: Option<&str>| Route {
        id: id.into(),
        name: name.map(str::to_string),
        protocols: None,
        hosts: Some(vec!["old.example.com".into()]),
        paths: None,
        methods: None,
        strip_path: true,
        https_redirect_status_code: None,
        service: Some(ForeignKey::new(SERVICE)),
        tags: None,
        ..Route::default()
    };
    let routes = [route(ROUTE, Some("legacy")), route(OTHER_ROUTE, None)];
    let extra = extra_routes(&routes, Some(ROUTE));
    assert_eq!(extra.len(), 1);
    assert_eq!(extra[0].id, OTHER_ROUTE);
    assert_eq!(extra[0].name, "(no name)");
    assert_eq!(
        extra[0].why,
        Why::ExtraRoute {
            paths: vec![],
            hosts: vec!["old.example.com".into()]
        }
    );
    assert_eq!(extra_routes(&routes, None).len(), 2);
}
