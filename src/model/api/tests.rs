use super::*;
use crate::kong::{Plugin, Route};
use crate::model::policies::PoliciesDraft;
use crate::model::upstream::DEFAULT_FUNCTION_UPSTREAM_URL;
use crate::model::validate::KongRules;
use crate::model::{validate, Field, Severity};
use url::Url;

fn env(org: Option<&str>) -> Environment {
    Environment {
        naming: Naming::new(org.map(str::to_string)),
        template: UpstreamTemplate::new(DEFAULT_FUNCTION_UPSTREAM_URL, org).expect("template"),
        gateway_url: Url::parse("http://localhost:8000").expect("url"),
        kong: KongRules::KONG_3_9,
    }
}

fn spec(name: &str) -> ApiSpec {
    ApiSpec {
        name: name.into(),
        upstream: Upstream::Function("hello-fn".into()),
        hosts: vec![],
        paths: ApiSpec::default_paths(name),
        methods: vec![],
        https: HttpsMode::Optional,
        redirect_code: DEFAULT_REDIRECT_CODE,
        strip_path: true,
        enabled: true,
        tags: vec![],
        policies: Policies::default(),
        auth: Authentication::Public,
    }
}

/// Plays Kong: the entities Kong would answer after storing `desired`.
fn stored(desired: &DesiredApi, service_id: &str) -> (Service, Route, Vec<Plugin>) {
    let service = Service {
        id: service_id.into(),
        name: Some(desired.service.name.clone()),
        protocol: desired.service.protocol.clone(),
        host: desired.service.host.clone(),
        port: desired.service.port,
        path: desired.service.path.clone(),
        enabled: desired.service.enabled,
        connect_timeout: Some(desired.service.connect_timeout),
        read_timeout: Some(desired.service.read_timeout),
        write_timeout: Some(desired.service.write_timeout),
        tags: Some(desired.service.tags.clone()),
    };
    let route = Route {
        id: "route-1".into(),
        name: Some(desired.route.name.clone()),
        protocols: Some(desired.route.protocols.clone()),
        hosts: desired.route.hosts.clone(),
        paths: desired.route.paths.clone(),
        methods: desired.route.methods.clone(),
        strip_path: desired.route.strip_path,
        https_redirect_status_code: Some(desired.route.https_redirect_status_code),
        service: Some(desired.route.service.clone()),
        tags: Some(desired.route.tags.clone()),
        ..Route::default()
    };
    let plugins = desired.plugins.iter().map(|p| Plugin {
        id: plugin_id(service_id, &p.name),
        name: p.name.clone(),
        service: p.service.clone(),
        route: None,
        consumer: None,
        config: p.config.clone(),
        enabled: p.enabled,
        tags: Some(p.tags.clone()),
    });
    (service, route, plugins.collect())
}

fn round_trip(spec: &ApiSpec, env: &Environment) -> ApiSpec {
    let desired = desired(spec, env, "svc-1").expect("valid");
    let (service, route, plugins) = stored(&desired, "svc-1");
    read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &plugins,
        },
        Some(spec),
        env,
    )
}

#[test]
fn a_public_api_is_one_service_and_one_route() {
    let e = env(None);
    let d = desired(&spec("hello"), &e, "svc-1").expect("valid");
    assert_eq!(d.service.name, "hello");
    assert_eq!(d.service.host, "dispatch-function-manager");
    assert_eq!(
        d.service.path.as_deref(),
        Some("/v1/functions/hello-fn/runs")
    );
    assert_eq!(d.route.name, "hello");
    assert_eq!(d.route.paths, Some(vec!["/hello".to_string()]));
    assert_eq!(d.route.protocols, vec!["http", "https"]);
    assert_eq!(d.route.hosts, None);
    assert_eq!(d.route.methods, None);
    assert_eq!(d.route.service, ForeignKey::new("svc-1"));
    assert!(d.plugins.is_empty());
    assert_eq!(
        d.service.tags,
        vec![
            "managed-by:terraform-provider-dispatch",
            "dispatch-api:hello"
        ]
    );
}

#[test]
fn organization_prefixes_names_paths_and_tags() {
    let e = env(Some("shop"));
    let mut s = spec("cart");
    s.paths = vec!["/cart".into(), "~/items/\\d+".into()];
    let d = desired(&s, &e, "svc-1").expect("valid");
    assert_eq!(d.service.name, "shop.cart");
    assert_eq!(
        d.route.paths,
        Some(vec![
            "/shop/cart".to_string(),
            // A regex goes in a group after the prefix, so that it cannot leave it.
            "~/shop/(?:items/\\d+)".to_string()
        ])
    );
    assert!(d.route.tags.contains(&"dispatch-org:shop".to_string()));
    assert_eq!(round_trip(&s, &e), s);
}

#[test]
fn hosts_keep_paths_unprefixed() {
    let e = env(Some("shop"));
    let mut s = spec("cart");
    s.hosts = vec!["cart.example.com".into()];
    let d = desired(&s, &e, "svc-1").expect("valid");
    assert_eq!(d.route.paths, Some(vec!["/cart".to_string()]));
    assert_eq!(round_trip(&s, &e), s);
}

#[test]
fn https_modes_map_to_protocols_and_redirects() {
    let e = env(None);
    let mut s = spec("secure");
    s.https = HttpsMode::Required;
    s.redirect_code = 308;
    let d = desired(&s, &e, "svc-1").expect("valid");
    assert_eq!(d.route.protocols, vec!["https"]);
    assert_eq!(d.route.https_redirect_status_code, 308);
    assert_eq!(round_trip(&s, &e), s);
    s.https = HttpsMode::Disabled;
    s.redirect_code = DEFAULT_REDIRECT_CODE;
    let d = desired(&s, &e, "svc-1").expect("valid");
    assert_eq!(d.route.protocols, vec!["http"]);
    assert_eq!(d.route.https_redirect_status_code, 426);
    assert_eq!(round_trip(&s, &e), s);
}

#[test]
fn an_api_without_function_answers_503() {
    let e = env(None);
    let mut s = spec("soon");
    s.upstream = Upstream::Unlinked;
    let d = desired(&s, &e, "svc-1").expect("valid");
    let plugin = d.plugins[0].clone();
    assert_eq!(plugin.name, "request-termination");
    assert_eq!(plugin.config["status_code"], 503);
    assert_eq!(plugin.config["message"], "no function linked");
    assert_eq!(d.service.host, "no-function.dispatch.invalid");
    assert_eq!(round_trip(&s, &e), s);

    // The plugin deleted out of band shows as drift of the upstream.
    let (service, route, _) = stored(&d, "svc-1");
    let back = read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &[],
        },
        Some(&s),
        &e,
    );
    assert_eq!(back.upstream, Upstream::Url(UNLINKED_URL.into()));
}

#[test]
fn upstream_urls_keep_the_users_spelling_unless_kong_differs() {
    let e = env(None);
    let mut s = spec("ext");
    s.upstream = Upstream::Url("https://api.example.com:443/v2".into());
    assert_eq!(round_trip(&s, &e), s);

    let d = desired(&s, &e, "svc-1").expect("valid");
    let (mut service, route, _) = stored(&d, "svc-1");
    service.host = "evil.example.com".into();
    let back = read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &[],
        },
        Some(&s),
        &e,
    );
    assert_eq!(
        back.upstream,
        Upstream::Url("https://evil.example.com/v2".into())
    );
}

#[test]
fn import_recognises_functions_through_the_template() {
    let e = env(None);
    let s = spec("hello");
    let d = desired(&s, &e, "svc-1").expect("valid");
    let (service, route, _) = stored(&d, "svc-1");
    let back = read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &[],
        },
        None,
        &e,
    );
    assert_eq!(back, s);
}

#[test]
fn drift_on_the_route_alone_is_seen() {
    let e = env(None);
    let s = spec("hello");
    let d = desired(&s, &e, "svc-1").expect("valid");
    let (service, mut route, _) = stored(&d, "svc-1");
    route.name = Some("renamed".into());
    route.tags = Some(vec![
        "managed-by:terraform-provider-dispatch".into(),
        "x".into(),
    ]);
    route.methods = Some(vec!["DELETE".into()]);
    route.strip_path = false;
    let back = read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &[],
        },
        Some(&s),
        &e,
    );
    assert_eq!(back.name, "hello (its Kong route is named renamed)");
    assert_eq!(back.tags, vec![TAGS_DIFFER, "x"]);
    assert_eq!(back.methods, vec!["DELETE"]);
    assert!(!back.strip_path);
}

#[test]
fn an_api_that_matches_nothing_is_refused() {
    let e = env(None);
    let mut s = spec("nothing");
    s.paths = vec![];
    let issues = desired(&s, &e, "svc-1").expect_err("no matcher");
    assert_eq!(issues[0].path, AttrPath::attr("paths"));
    // With an organization the prefix alone is a matcher.
    assert!(desired(&s, &env(Some("shop")), "svc-1").is_ok());
    assert_eq!(round_trip(&s, &env(Some("shop"))), s);
}

#[test]
fn urls_cover_schemes_hosts_and_plain_paths() {
    let e = env(None);
    let mut s = spec("hello");
    assert_eq!(
        invoke_urls(&s, &e),
        vec![
            "http://localhost:8000/hello",
            "https://localhost:8443/hello"
        ]
    );
    s.hosts = vec!["a.example.com".into(), "*.example.com".into()];
    s.paths = vec!["/x".into(), "~/y/\\d+".into()];
    s.https = HttpsMode::Required;
    assert_eq!(invoke_urls(&s, &e), vec!["https://a.example.com/x"]);
    let shop = env(Some("shop"));
    let s = spec("cart");
    assert_eq!(
        invoke_urls(&s, &shop),
        vec![
            "http://localhost:8000/shop/cart",
            "https://localhost:8443/shop/cart"
        ]
    );
}

#[test]
fn gateway_on_an_unusual_port_lists_only_its_scheme() {
    let mut e = env(None);
    e.gateway_url = Url::parse("http://gw.example.com:9000/").expect("url");
    assert_eq!(
        invoke_urls(&spec("hello"), &e),
        vec!["http://gw.example.com:9000/hello"]
    );
}

#[test]
fn draft_checks_report_each_bad_attribute() {
    let draft = Draft {
        name: Field::Value("bad name".into()),
        function: Field::Value("fn".into()),
        upstream_url: Field::Value("http://x".into()),
        hosts: Field::Value(vec![Some("a.*.com".into()), None]),
        paths: Field::Value(vec![Some("/ok".into()), Some("nope".into())]),
        methods: Field::Value(vec![Some("get".into())]),
        https: Field::Value("sometimes".into()),
        redirect_code: Field::Value(301u64.into()),
        tags: Field::Value(vec![Some("a,b".into())]),
        policies: PoliciesDraft::default(),
    };
    let issues = check_draft(&draft, KongRules::KONG_3_9);
    let paths: Vec<String> = issues.iter().map(|i| i.path.to_string()).collect();
    assert_eq!(
        paths,
        vec![
            "name",
            "upstream_url",
            "hosts",
            "paths[1]",
            "methods",
            "tags",
            "https",
            "https_redirect_status_code"
        ]
    );
    assert!(issues.iter().all(|i| i.severity == Severity::Error));
}

#[test]
fn ownership_tags_are_refused_on_tags() {
    let draft = Draft {
        name: Field::Value("x".into()),
        tags: Field::Value(vec![
            Some("team:a".into()),
            Some("managed-by:terraform-provider-dispatch".into()),
            Some("dispatch-org:other".into()),
        ]),
        ..Draft::default()
    };
    let issues = check_draft(&draft, KongRules::KONG_3_9);
    let reserved: Vec<_> = issues
        .iter()
        .map(|i| (i.path.to_string(), i.summary.as_str()))
        .collect();
    assert_eq!(
        reserved,
        vec![
            ("tags".into(), "Reserved tag"),
            ("tags".into(), "Reserved tag")
        ],
        "{issues:?}"
    );
}

#[test]
fn redirect_code_is_checked_only_against_known_https() {
    let draft = Draft {
        name: Field::Unknown,
        https: Field::Unknown,
        redirect_code: Field::Value(302u64.into()),
        ..Draft::default()
    };
    assert!(check_draft(&draft, KongRules::KONG_3_9).is_empty());
    let draft = Draft {
        name: Field::Unknown,
        https: Field::Value("required".into()),
        redirect_code: Field::Value(303u64.into()),
        ..Draft::default()
    };
    assert_eq!(check_draft(&draft, KongRules::KONG_3_9).len(), 1);
}

#[test]
fn a_null_name_is_an_error_on_name_and_an_unknown_one_is_not() {
    let issues = check_draft(&Draft::default(), KongRules::KONG_3_9);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].path.to_string(), "name");
    assert_eq!(issues[0].summary, "Missing API name");
    let unknown = Draft {
        name: Field::Unknown,
        ..Draft::default()
    };
    assert!(check_draft(&unknown, KongRules::KONG_3_9).is_empty());
}

#[test]
fn plugin_ids_are_stable_per_service_and_plugin() {
    assert_eq!(plugin_id("a", "cors"), plugin_id("a", "cors"));
    assert_ne!(plugin_id("a", "cors"), plugin_id("b", "cors"));
    assert_ne!(plugin_id("a", "cors"), plugin_id("a", "acl"));
    assert!(uuid::Uuid::parse_str(&plugin_id("a", "cors")).is_ok());
}

fn with_policies() -> ApiSpec {
    let mut s = spec("guarded");
    s.policies = Policies {
        cors: Some(policies::Cors {
            origins: Some(vec!["*".into()]),
            ..policies::Cors::default()
        }),
        rate_limit: Some(policies::RateLimit {
            per_minute: Some(60),
            ..policies::RateLimit::default()
        }),
        timeout_ms: Some(2500),
        request_size_limit_kb: Some(64),
        logging: Some(policies::Logging {
            http_endpoint: "http://logs.internal/kong".into(),
        }),
        monitoring: Some(policies::Monitoring::default()),
    };
    s
}

#[test]
fn policies_become_service_plugins_and_timeouts() {
    let e = env(None);
    let s = with_policies();
    let d = desired(&s, &e, "svc-1").expect("valid");
    assert_eq!(
        (
            d.service.connect_timeout,
            d.service.read_timeout,
            d.service.write_timeout
        ),
        (2500, 2500, 2500)
    );
    let names: Vec<&str> = d.plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "cors",
            "rate-limiting",
            "request-size-limiting",
            "http-log",
            "prometheus"
        ]
    );
    for plugin in &d.plugins {
        assert_eq!(plugin.service, Some(ForeignKey::new("svc-1")));
        assert!(plugin.tags.contains(&"dispatch-api:guarded".to_string()));
    }
    assert_eq!(round_trip(&s, &e), s);
    assert_eq!(
        desired(&spec("plain"), &e, "svc-1")
            .expect("valid")
            .service
            .read_timeout,
        60_000
    );
}

#[test]
fn only_the_apis_own_enabled_plugins_count() {
    let e = env(None);
    let s = with_policies();
    let d = desired(&s, &e, "svc-1").expect("valid");
    let (service, route, mut plugins) = stored(&d, "svc-1");
    // A cors plugin someone else attached (another id) is not the API's.
    plugins[0].id = "00000000-0000-0000-0000-00000000f00d".into();
    // A disabled plugin does not apply: the policy reads as gone, so the plan restores it.
    plugins[1].enabled = false;
    let back = read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &plugins,
        },
        Some(&s),
        &e,
    );
    assert_eq!(back.policies.cors, None);
    assert_eq!(back.policies.rate_limit, None);
    assert_eq!(back.policies.request_size_limit_kb, Some(64));
}

#[test]
fn plugins_are_fetched_only_when_a_declaration_may_have_them() {
    let e = env(None);
    let plain = spec("plain");
    let d = desired(&plain, &e, "svc-1").expect("valid");
    let (service, _, _) = stored(&d, "svc-1");
    assert!(!needs_plugins(Some(&plain), &service));
    assert!(needs_plugins(Some(&with_policies()), &service));
    let mut timeout_only = spec("plain");
    timeout_only.policies.timeout_ms = Some(10);
    assert!(!needs_plugins(Some(&timeout_only), &service));
    assert!(
        needs_plugins(None, &service),
        "import and data sources look"
    );
}

#[test]
fn authentication_plugins_join_the_apis_and_read_back() {
    let env = env(Some("shop"));
    let mut basic = spec("hello");
    basic.upstream = Upstream::Unlinked;
    basic.auth = Authentication::Basic {
        allowed_groups: vec!["admins".into()],
    };
    let desired = desired(&basic, &env, "svc-1").expect("valid");
    let names: Vec<&str> = desired.plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec![TERMINATION_PLUGIN, "acl", "basic-auth"]);
    assert!(desired
        .plugins
        .iter()
        .all(|p| p.tags.contains(&"dispatch-api:hello".to_string())));
    assert_eq!(round_trip(&basic, &env), basic);
}

#[test]
fn plugins_are_read_when_authentication_needs_them_or_on_import() {
    let env = env(None);
    let public = spec("hello");
    let service = stored(&desired(&public, &env, "svc-1").expect("valid"), "svc-1").0;
    assert!(
        !needs_plugins(Some(&public), &service),
        "a public API costs no extra request"
    );
    assert!(needs_plugins(None, &service), "an import reads everything");
    let mut basic = spec("hello");
    basic.auth = Authentication::Basic {
        allowed_groups: vec![],
    };
    assert!(needs_plugins(Some(&basic), &service));
}

#[test]
fn a_service_and_route_that_disagree_read_the_same_whatever_the_prior() {
    // An update that renamed and re-tagged the service, then failed before the route.
    let e = env(None);
    let old = spec("old");
    let mut new = spec("new");
    new.tags = vec!["team:a".into()];
    let (service, _, _) = stored(&desired(&new, &e, "svc-1").expect("valid"), "svc-1");
    let (_, route, _) = stored(&desired(&old, &e, "svc-1").expect("valid"), "svc-1");
    let observed = Observed {
        service: &service,
        route: Some(&route),
        plugins: &[],
    };
    let reads: Vec<ApiSpec> = [None, Some(&old), Some(&new)]
        .into_iter()
        .map(|prior| read_back(observed, prior, &e))
        .collect();
    assert!(reads.windows(2).all(|w| w[0] == w[1]), "{reads:?}");
    let back = &reads[0];
    assert_eq!(back.name, "new (its Kong route is named old)");
    assert_eq!(back.tags, vec![TAGS_DIFFER, "team:a"]);
    assert!(validate::api_name(&back.name).is_err());
    assert!(validate::tag(TAGS_DIFFER).is_err());
    // Reading back what was read back changes nothing: refreshes are stable.
    assert_eq!(read_back(observed, Some(back), &e), *back);
}

#[test]
fn a_termination_plugin_left_on_a_linked_service_reads_as_unlinked() {
    // An update that linked a function, then failed before removing the plugin: Kong still
    // answers 503, and the state must say so, so that the next plan removes the plugin.
    let e = env(None);
    let mut unlinked = spec("soon");
    unlinked.upstream = Upstream::Unlinked;
    let linked = spec("soon");
    let (_, _, plugins) = stored(&desired(&unlinked, &e, "svc-1").expect("valid"), "svc-1");
    let (service, route, _) = stored(&desired(&linked, &e, "svc-1").expect("valid"), "svc-1");
    assert!(needs_plugins_between(
        Some(&unlinked),
        Some(&linked),
        &service
    ));
    assert!(!needs_plugins(Some(&linked), &service));
    let back = read_back(
        Observed {
            service: &service,
            route: Some(&route),
            plugins: &plugins,
        },
        Some(&linked),
        &e,
    );
    assert_eq!(back.upstream, Upstream::Unlinked);
}

#[test]
fn derived_ids_are_stable_and_distinct() {
    assert_eq!(route_id("svc-1"), route_id("svc-1"));
    assert_ne!(route_id("svc-1"), route_id("svc-2"));
    assert_ne!(route_id("svc-1"), plugin_id("svc-1", "route"));
    assert!(uuid::Uuid::parse_str(&route_id("svc-1")).is_ok());
}

#[test]
fn a_function_that_would_not_read_back_is_refused_at_plan_time() {
    // Host names are lower case: `Resize` in a host would read back as `resize`, for ever.
    let e = Environment {
        template: UpstreamTemplate::new("https://{function}.fn.svc", None).expect("template"),
        ..env(None)
    };
    let mut s = spec("resize");
    s.upstream = Upstream::Function("Resize".into());
    let issues = desired(&s, &e, "svc-1").expect_err("refused");
    assert_eq!(issues[0].path, AttrPath::attr("function"));
    assert!(issues[0]
        .detail
        .contains("reads back as the function `resize`"));
    s.upstream = Upstream::Function("resize".into());
    assert_eq!(round_trip(&s, &e), s);
}
