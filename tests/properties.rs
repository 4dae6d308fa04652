//! Property tests (proptest) over the validators and the declaration ⇄ Kong mapping:
//! - no input makes them panic;
//! - every declaration the validators accept maps to Kong entities that a real (in-process)
//!   Kong sandbox accepts, and reads back to the same declaration;
//! - each validator agrees with Kong, in both directions, on the values it checks.
//!
//! Case counts stay small for CI (`PROPTEST_CASES` raises them: `PROPTEST_CASES=5000 cargo
//! test --test properties`). A disagreement with the sandbox is a finding: decide which side is
//! wrong against Kong's documentation and source, and fix that side.

use std::net::Ipv6Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dispatch_provider::kong::{self, Client, ClientOptions, KongError, TlsOptions};
use dispatch_provider::model::api::{
    self, ApiSpec, Draft, Environment, HttpsMode, Observed, Upstream, DEFAULT_REDIRECT_CODE,
    REDIRECT_CODES,
};
use dispatch_provider::model::auth::Authentication;
use dispatch_provider::model::naming::Naming;
use dispatch_provider::model::policies::Policies;
use dispatch_provider::model::upstream::{Target, UpstreamTemplate, DEFAULT_FUNCTION_UPSTREAM_URL};
use dispatch_provider::model::{validate, Field};
use dispatch_provider::settings::{self, RawSettings};
use kong_sandbox::Sandbox;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value as Json};

/// Cases of a property, unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> Config {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

// ---------------------------------------------------------------------------------------------
// Generators: mostly plausible values, with enough junk mixed in to cross every rule.

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z0-9]([a-zA-Z0-9_-]{0,6}[a-z0-9])?",
        1 => "[a-zA-Z0-9_-]{0,4}",
    ]
}

fn hostname() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|labels| labels.join("."))
}

fn ipv4() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u16..256, 0u16..256, 0u16..256, 0u16..256)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        1 => "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}",
    ]
}

/// A route host: a name, an address, a wildcard, a port, or junk.
fn route_host() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => hostname(),
        1 => hostname().prop_map(|h| format!("*.{h}")),
        1 => hostname().prop_map(|h| format!("{h}.*")),
        1 => (hostname(), 0u32..70_000).prop_map(|(h, p)| format!("{h}:{p}")),
        1 => ipv4(),
        1 => (ipv4(), 0u32..70_000).prop_map(|(h, p)| format!("{h}:{p}")),
        1 => any::<Ipv6Addr>().prop_map(|a| a.to_string()),
        1 => (any::<Ipv6Addr>(), 0u32..70_000).prop_map(|(a, p)| format!("[{a}]:{p}")),
        1 => any::<Ipv6Addr>().prop_map(|a| format!("[{a}]")),
        2 => "[a-zA-Z0-9*.:_\\[\\] -]{0,16}",
    ]
}

fn path_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z0-9_~-]{1,6}",
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just(String::new()),
        2 => "%[0-9A-Fa-f]{2}",
        1 => "[!$&'()*+,;=:@.]{1,3}",
        1 => "[a-zé %]{1,4}",
    ]
}

fn plain_path() -> impl Strategy<Value = String> {
    prop::collection::vec(path_segment(), 0..4)
        .prop_map(|segments| format!("/{}", segments.join("/")))
}

/// A route path: a prefix, a regex, or junk.
fn route_path() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => plain_path(),
        3 => "~/[a-z0-9()\\[\\]^$.*+?|{}\\\\/-]{0,10}",
        1 => "[~a-z/%]{0,8}",
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Z]{1,8}",
        1 => "[A-Za-z0-9_-]{0,6}",
    ]
}

fn tag() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z]{1,6}(:[a-z0-9-]{1,6})?",
        2 => "[ -~]{1,8}",
        1 => "\\PC{1,4}",
        1 => "[\\x00-\\x20\\x7f]{1,3}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[A-Za-z0-9][A-Za-z0-9_-]{0,12}",
        1 => "[A-Za-z0-9._~ -]{0,8}",
    ]
}

fn function() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[A-Za-z0-9][A-Za-z0-9._-]{0,10}",
        1 => "[A-Za-z0-9._~/?# -]{0,8}",
    ]
}

fn upstream_url() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        4 => hostname(),
        1 => ipv4(),
        1 => any::<Ipv6Addr>().prop_map(|a| format!("[{a}]")),
    ];
    let port = prop::option::of(0u32..70_000);
    let path = prop::option::of(plain_path());
    prop_oneof![
        8 => (prop::sample::select(vec!["http", "https"]), host, port, path).prop_map(
            |(scheme, host, port, path)| {
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{scheme}://{host}{port}{}", path.unwrap_or_default())
            }
        ),
        1 => "[a-z:/.?#@%0-9-]{1,25}",
        1 => "(http|HTTPS):[/\\\\]{1,3}[a-z.\t]{1,8}[/\\\\][a-z \n]{0,8}",
    ]
}

fn upstream() -> impl Strategy<Value = Upstream> {
    prop_oneof![
        3 => function().prop_map(Upstream::Function),
        3 => upstream_url().prop_map(Upstream::Url),
        1 => Just(Upstream::Unlinked),
    ]
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

/// A declaration as Terraform would hand it over (defaults applied), and the redirect code
/// as configured (only with `https = "required"`).
fn declaration() -> impl Strategy<Value = (ApiSpec, Option<i64>)> {
    let rules = (
        prop::collection::vec(route_host(), 0..3),
        prop::option::of(prop::collection::vec(route_path(), 0..3)),
        prop::collection::vec(method(), 0..3),
        prop::collection::vec(tag(), 0..3),
    );
    let modes = (
        prop::sample::select(HttpsMode::ALL.to_vec()),
        prop::option::of(prop::sample::select(vec![
            426i64, 301, 302, 307, 308, 303, 200,
        ])),
        any::<bool>(),
        any::<bool>(),
    );
    (name(), upstream(), rules, modes).prop_map(
        |(name, upstream, (hosts, paths, methods, tags), (https, code, strip_path, enabled))| {
            let code = code.filter(|_| https == HttpsMode::Required);
            let spec = ApiSpec {
                paths: paths.unwrap_or_else(|| ApiSpec::default_paths(&name)),
                name,
                upstream,
                hosts: sorted(hosts),
                methods: sorted(methods),
                https,
                redirect_code: code
                    .and_then(|c| u16::try_from(c).ok())
                    .unwrap_or(DEFAULT_REDIRECT_CODE),
                strip_path,
                enabled,
                tags: sorted(tags),
                auth: Authentication::Public,
                policies: Policies::default(),
            };
            (spec, code)
        },
    )
}

/// The plan-time view of a declaration, as the resource builds it from the configuration.
fn draft(spec: &ApiSpec, code: Option<i64>) -> Draft {
    let strings = |v: &[String]| Field::Value(v.iter().cloned().map(Some).collect());
    let (function, upstream_url) = match &spec.upstream {
        Upstream::Function(f) => (Field::Value(f.clone()), Field::Null),
        Upstream::Url(u) => (Field::Null, Field::Value(u.clone())),
        Upstream::Unlinked => (Field::Null, Field::Null),
    };
    Draft {
        name: Field::Value(spec.name.clone()),
        function,
        upstream_url,
        hosts: strings(&spec.hosts),
        paths: strings(&spec.paths),
        methods: strings(&spec.methods),
        https: Field::Value(spec.https.as_str().to_string()),
        redirect_code: code.map_or(Field::Null, Field::Value),
        tags: strings(&spec.tags),
        policies: Default::default(),
    }
}

fn environment(organization: Option<&str>) -> Environment {
    Environment {
        naming: Naming::new(organization.map(str::to_string)),
        template: UpstreamTemplate::new(DEFAULT_FUNCTION_UPSTREAM_URL, organization)
            .expect("the default template is valid"),
        gateway_url: url::Url::parse("http://localhost:8000").expect("url"),
    }
}

// ---------------------------------------------------------------------------------------------
// No input panics.

#[test]
fn no_string_makes_a_validator_panic() {
    let strings = prop_oneof![
        any::<String>(),
        route_host(),
        route_path(),
        upstream_url(),
        "\\PC{0,30}",
    ];
    TestRunner::new(config(2000))
        .run(&strings, |s| {
            let _ = validate::api_name(&s);
            let _ = validate::function_name(&s);
            let _ = validate::organization(&s);
            let _ = validate::tag(&s);
            let _ = validate::method(&s);
            let _ = validate::route_host(&s);
            let _ = validate::route_path(&s);
            let _ = validate::upstream_url(&s);
            let _ = validate::raw_path(&s);
            let _ = validate::service_path(&s);
            let _ = validate::base_url(&s);
            let _ = validate::workspace(&s);
            let _ = validate::header_name(&s);
            if let Ok(target) = Target::from_url(&s) {
                prop_assert_eq!(
                    url::Url::parse(&target.to_url()).ok(),
                    url::Url::parse(&s).ok(),
                    "the Kong target is the URL that was written"
                );
                let again = Target::from_url(&target.to_url());
                prop_assert_eq!(again, Ok(target), "a Kong target survives a round trip");
            }
            // The string as a template, or in one (the function in the path, or in the host).
            let templates = [
                s.clone(),
                format!("http://fm/{s}/{{function}}"),
                format!("http://{s}{{function}}.svc/"),
            ];
            for template in templates.iter().filter(|t| t.contains("{function}")) {
                let Ok(template) = UpstreamTemplate::new(template, Some("org")) else {
                    continue;
                };
                for function in ["hello", "a.b-c_d", "9"] {
                    if let Ok(target) = template.target_for(function) {
                        prop_assert_eq!(
                            template.function_of(&target),
                            Some(function.to_string()),
                            "a template recognises the functions it renders"
                        );
                    }
                }
                if let Ok(target) = template.checked_target("Hello") {
                    prop_assert_eq!(template.function_of(&target), Some("Hello".to_string()));
                }
            }
            let _ = kong::redact::loggable(s.as_bytes());
            let normalized = validate::normalize_path(&s);
            if validate::service_path(&s).is_ok() {
                // (Like Kong's, one pass: `%%30a` becomes `%0a`, which the next pass decodes;
                // such paths are refused for their bad %-encoding.)
                prop_assert_eq!(
                    validate::normalize_path(&normalized),
                    normalized.clone(),
                    "normalising a well-encoded path is idempotent"
                );
            }
            if validate::route_path(&s).is_ok() && !s.starts_with('~') {
                prop_assert_eq!(normalized, s, "an accepted prefix is in normal form");
            }
            Ok(())
        })
        .expect("property holds");
}

#[test]
fn no_provider_configuration_makes_resolving_panic() {
    let text = || prop::option::of(prop_oneof![any::<String>(), upstream_url(), name()]);
    let raw = (
        (text(), text(), text(), text()),
        (text(), text(), text()),
        (
            prop::option::of(any::<bool>()),
            prop::option::of(any::<i64>()),
            prop::option::of(any::<i64>()),
        ),
        prop::collection::vec((any::<String>(), any::<String>()), 0..3),
    );
    TestRunner::new(config(500))
        .run(
            &raw,
            |(
                (url, token, workspace, ca),
                (org, template, gateway),
                (skip, timeout, retries),
                headers,
            )| {
                let raw = RawSettings {
                    kong_admin_url: url,
                    kong_admin_token: token.map(kong::Secret::new),
                    kong_workspace: workspace,
                    kong_admin_headers: headers
                        .into_iter()
                        .map(|(k, v)| (k, kong::Secret::new(v)))
                        .collect(),
                    tls_ca_certificate: ca,
                    tls_client_certificate: None,
                    tls_client_key: None,
                    tls_skip_verify: skip,
                    organization: org,
                    function_upstream_url: template,
                    gateway_url: gateway,
                    request_timeout_ms: timeout,
                    max_retries: retries,
                };
                if let Ok(settings) = settings::resolve(raw, |_| None) {
                    // What resolves must build a client (or say why not, without panicking).
                    let _ = Client::new(settings.client);
                }
                Ok(())
            },
        )
        .expect("property holds");
}

#[test]
fn no_declaration_makes_the_mapping_panic() {
    let input = (declaration(), prop::option::of("[a-z][a-z0-9-]{0,6}"));
    TestRunner::new(config(1000))
        .run(&input, |((spec, code), org)| {
            let env = environment(org.as_deref());
            let _ = api::check_draft(&draft(&spec, code));
            if let Ok(desired) = api::desired(&spec, &env, "00000000-0000-4000-8000-000000000000") {
                let _ = serde_json::to_vec(&desired.service);
            }
            let _ = api::invoke_urls(&spec, &env);
            Ok(())
        })
        .expect("property holds");
}

/// Whatever Kong holds (any names, hosts, paths, protocols, plugin settings), reading it back
/// does not panic, and reading back what was read back is stable.
#[test]
fn no_kong_entities_make_reading_back_panic() {
    let strings = || prop::option::of(prop::collection::vec("\\PC{0,12}", 0..3));
    let service = (
        prop::option::of("\\PC{0,12}"),
        prop::sample::select(vec!["http", "https", "grpc", "tcp", ""]),
        "\\PC{0,20}",
        any::<u16>(),
        prop::option::of("\\PC{0,12}"),
        any::<bool>(),
        strings(),
    );
    let route = prop::option::of((
        prop::option::of("\\PC{0,12}"),
        strings(),
        strings(),
        strings(),
        strings(),
        any::<bool>(),
        prop::option::of(any::<u16>()),
        strings(),
    ));
    let plugin = prop::option::of((any::<bool>(), any::<i64>(), "\\PC{0,12}"));
    let input = (
        service,
        route,
        plugin,
        prop::option::of(declaration()),
        any::<bool>(),
    );
    TestRunner::new(config(1000))
        .run(
            &input,
            |((name, protocol, host, port, path, enabled, tags), route, plugin, prior, org)| {
                let service = kong::Service {
                    id: "svc".into(),
                    name,
                    protocol: protocol.into(),
                    host,
                    port,
                    path,
                    enabled,
                    connect_timeout: None,
                    read_timeout: None,
                    write_timeout: None,
                    tags,
                };
                let route = route.map(
                    |(name, protocols, hosts, paths, methods, strip_path, code, tags)| {
                        kong::Route {
                            id: "route".into(),
                            name,
                            protocols,
                            hosts,
                            paths,
                            methods,
                            strip_path,
                            https_redirect_status_code: code,
                            service: Some(kong::ForeignKey::new("svc")),
                            tags,
                        }
                    },
                );
                let plugins: Vec<kong::Plugin> = plugin
                    .map(|(enabled, status, message)| kong::Plugin {
                        id: "plugin".into(),
                        name: api::TERMINATION_PLUGIN.into(),
                        service: Some(kong::ForeignKey::new("svc")),
                        route: None,
                        consumer: None,
                        config: json!({"status_code": status, "message": message}),
                        enabled,
                        tags: None,
                    })
                    .into_iter()
                    .collect();
                let env = environment(org.then_some("org"));
                let observed = Observed {
                    service: &service,
                    route: route.as_ref(),
                    plugins: &plugins,
                };
                let prior = prior.map(|(spec, _)| spec);
                let _ = api::needs_plugins(prior.as_ref(), &service);
                let back = api::read_back(observed, prior.as_ref(), &env);
                let _ = api::invoke_urls(&back, &env);
                prop_assert_eq!(
                    api::read_back(observed, Some(&back), &env),
                    back,
                    "a refresh of a refresh changes nothing"
                );
                Ok(())
            },
        )
        .expect("property holds");
}

// ---------------------------------------------------------------------------------------------
// Against a real in-process sandbox.

struct Kong {
    _sandbox: Sandbox,
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl Kong {
    fn start() -> Self {
        let sandbox = Sandbox::start();
        let client = Client::new(ClientOptions {
            base_url: url::Url::parse(&sandbox.url()).expect("url"),
            admin_token: None,
            workspace: None,
            extra_headers: vec![],
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(10),
            max_retries: 0,
            retry_base_delay: Duration::from_millis(10),
        })
        .expect("client");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Kong {
            _sandbox: sandbox,
            client,
            runtime,
        }
    }

    fn block_on<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }
}

fn refused(what: &str, input: &impl std::fmt::Debug, error: &KongError) -> TestCaseError {
    TestCaseError::fail(format!(
        "the validators accepted {what} {input:?}, but Kong refused it: {error}\n{:?}",
        error.field_errors()
    ))
}

/// Every accepted declaration is accepted by Kong, and reads back to itself (refresh) or to an
/// equivalent declaration (import, which knows no prior declaration).
#[test]
fn every_accepted_declaration_is_accepted_by_kong_and_reads_back() {
    let kong = Kong::start();
    let accepted = AtomicUsize::new(0);
    let input = (declaration(), prop::option::of("[a-z][a-z0-9-]{0,6}"));
    TestRunner::new(config(300))
        .run(&input, |((spec, code), org)| {
            let env = environment(org.as_deref());
            if !api::check_draft(&draft(&spec, code)).is_empty() {
                return Ok(());
            }
            let service_id = uuid::Uuid::new_v4().to_string();
            let Ok(desired) = api::desired(&spec, &env, &service_id) else {
                return Ok(());
            };
            accepted.fetch_add(1, Ordering::Relaxed);
            let route_id = api::route_id(&service_id);
            let client = &kong.client;
            kong.block_on(async {
                client
                    .put_service(&service_id, &desired.service)
                    .await
                    .map_err(|e| refused("the service of", &spec, &e))?;
                client
                    .put_route(&route_id, &desired.route)
                    .await
                    .map_err(|e| refused("the route of", &spec, &e))?;
                for plugin in &desired.plugins {
                    client
                        .put_plugin(&api::plugin_id(&service_id, &plugin.name), plugin)
                        .await
                        .map_err(|e| refused("a plugin of", &spec, &e))?;
                }
                let service = client.service(&service_id).await.ok().flatten();
                let route = client.route(&route_id).await.ok().flatten();
                let plugins = client
                    .service_plugins(&service_id)
                    .await
                    .unwrap_or_default();
                let service = service.ok_or_else(|| TestCaseError::fail("service not stored"))?;
                let observed = Observed {
                    service: &service,
                    route: route.as_ref(),
                    plugins: &plugins,
                };
                let refreshed = api::read_back(observed, Some(&spec), &env);
                prop_assert_eq!(&refreshed, &spec, "a refresh reads back the declaration");
                let imported = api::read_back(observed, None, &env);
                let again = api::desired(&imported, &env, &service_id)
                    .map_err(|issues| TestCaseError::fail(format!("{issues:?}")))?;
                prop_assert_eq!(again, desired, "an import maps to the same Kong entities");
                client
                    .delete_route(&route_id)
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                client
                    .delete_service(&service_id)
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                Ok(())
            })
        })
        .expect("property holds");
    let accepted = accepted.load(Ordering::Relaxed);
    assert!(
        accepted >= 50,
        "only {accepted} generated declarations were valid: the generators need tuning"
    );
}

/// Where the provider refuses, on purpose, a value Kong accepts: `None` when it may not.
type Stricter = fn(value: &str, why: &str) -> Option<&'static str>;

fn never_stricter(_: &str, _: &str) -> Option<&'static str> {
    None
}

/// Kong checks a route path's %-encoding only when every character is in RFC 3986's list
/// (`typedefs.path` stops at the first error, and routes ignore the RFC 3986 one), so it takes
/// `/a b/%`. A `%` that starts no %-encoding is always a mistake: the provider says so.
fn stray_percent(value: &str, why: &str) -> Option<&'static str> {
    let rfc3986 = |c: char| c.is_ascii_alphanumeric() || "._~/%:@!$&'()*+,;=-".contains(c);
    (why.contains("invalid %-encoding") && !value.chars().all(rfc3986))
        .then_some("a stray `%` in a path with characters outside RFC 3986")
}

/// One value of one route field, as the provider's validator and Kong see it.
fn agree_on_route_field(
    kong: &Kong,
    service_id: &str,
    field: &str,
    value: &str,
    provider: Result<(), String>,
    stricter: Stricter,
) -> Result<(), TestCaseError> {
    let mut route = json!({
        "protocols": ["http", "https"],
        "service": {"id": service_id},
        "paths": ["/agreement"],
    });
    route[field] = json!([value]);
    let id = uuid::Uuid::new_v4().to_string();
    let kong_answer: Result<Json, KongError> =
        kong.block_on(kong.client.put(&format!("/routes/{id}"), &route));
    match (&provider, &kong_answer) {
        (Ok(()), Ok(stored)) => {
            prop_assert_eq!(
                &stored[field],
                &json!([value]),
                "Kong keeps the value as given, or reads would show drift"
            );
            kong.block_on(kong.client.delete_route(&id))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            Ok(())
        }
        (Err(_), Err(_)) => Ok(()),
        (Ok(()), Err(error)) => Err(TestCaseError::fail(format!(
            "{field} `{value}`: the provider accepts it, Kong refuses it: {:?}",
            error.field_errors()
        ))),
        (Err(why), Ok(_)) => match stricter(value, why) {
            Some(_) => Ok(()),
            None => Err(TestCaseError::fail(format!(
                "{field} `{value}`: Kong accepts it, the provider refuses it: {why}"
            ))),
        },
    }
}

#[test]
fn route_validators_agree_with_kong_in_both_directions() {
    let kong = Kong::start();
    let service_id = uuid::Uuid::new_v4().to_string();
    let service: Json = kong
        .block_on(kong.client.put(
            &format!("/services/{service_id}"),
            &json!({"name": "agreement", "host": "upstream.internal"}),
        ))
        .expect("service");
    assert_eq!(service["id"], json!(service_id));

    type Check = fn(&str) -> Result<(), String>;
    let fields: [(&str, BoxedStrategy<String>, Check, Stricter); 4] = [
        (
            "hosts",
            route_host().boxed(),
            validate::route_host,
            never_stricter,
        ),
        (
            "paths",
            route_path().boxed(),
            validate::route_path,
            stray_percent,
        ),
        (
            "methods",
            method().boxed(),
            validate::method,
            never_stricter,
        ),
        ("tags", tag().boxed(), validate::tag, never_stricter),
    ];
    for (field, values, check, stricter) in fields {
        TestRunner::new(config(300))
            .run(&values, |value| {
                agree_on_route_field(&kong, &service_id, field, &value, check(&value), stricter)
            })
            .unwrap_or_else(|e| panic!("{field}: {e}"));
    }
}

/// The redirect codes the provider offers are exactly those Kong accepts.
#[test]
fn redirect_codes_agree_with_kong() {
    let kong = Kong::start();
    for code in [200u16, 301, 302, 303, 307, 308, 426, 500] {
        let answer: Result<Json, KongError> = kong.block_on(kong.client.put(
            &format!("/routes/{}", uuid::Uuid::new_v4()),
            &json!({"protocols": ["https"], "paths": ["/r"], "https_redirect_status_code": code}),
        ));
        assert_eq!(
            answer.is_ok(),
            REDIRECT_CODES.contains(&code),
            "{code}: {answer:?}"
        );
    }
}
