//! Property tests (proptest) over the validators and the declaration ⇄ Kong mapping:
//! - no input makes them panic;
//! - every declaration the validators accept maps to Kong entities that a real (in-process)
//!   Kong sandbox accepts, and reads back to the same declaration;
//! - each validator agrees with Kong, in both directions, on the values it checks;
//! - the certificate checks never panic, never quote a private key, and every certificate
//!   they accept is accepted by the sandbox and reads back to the same declaration.
//!
//! Case counts stay small for CI (`PROPTEST_CASES` raises them: `PROPTEST_CASES=5000 cargo
//! test --test properties`). A disagreement with the sandbox is a finding: decide which side is
//! wrong against Kong's documentation and source, and fix that side.

use std::net::Ipv6Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dispatch_provider::kong::{self, Client, ClientOptions, KongError, TlsOptions};
use dispatch_provider::model::api::{
    self, ApiSpec, Environment, HttpsMode, Observed, Upstream, DEFAULT_REDIRECT_CODE,
    REDIRECT_CODES,
};
use dispatch_provider::model::auth::{self as model_auth, Authentication, Mechanism, Oidc};
use dispatch_provider::model::certificate::{self, CertificateSpec};
use dispatch_provider::model::naming::Naming;
use dispatch_provider::model::policies::{
    Cors, Logging, Monitoring, Policies, RateLimit, CORS_METHODS, LIMIT_BY, MAX_TIMEOUT_MS,
    MAX_WHOLE,
};
use dispatch_provider::model::upstream::{Target, UpstreamTemplate, DEFAULT_FUNCTION_UPSTREAM_URL};
use dispatch_provider::model::{validate, Number};
use dispatch_provider::secret::Secret;
use dispatch_provider::settings::{self, RawSettings};
use kong_sandbox::Sandbox;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value as Json};

use test_support::certs::{CertSpec, Issued, KeyKind};
use test_support::drafts;

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
        1 => (any::<Ipv6Addr>(), 0u32..70_000)
            .prop_map(|(a, p)| format!("[{}]:{p}", a.segments().map(|s| format!("{s:x}")).join(":"))),
        1 => any::<Ipv6Addr>().prop_map(|a| format!("[{}]", a.segments().map(|s| format!("{s:x}")).join(":"))),
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
        // All eight groups: Rust writes IPv4-mapped addresses with a dotted tail, which Kong
        // refuses (kong/tools/ip.lua normalize_ipv6).
        1 => any::<Ipv6Addr>().prop_map(|a| format!("[{}]", a.segments().map(|s| format!("{s:x}")).join(":"))),
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

/// A user group (what `allowed_groups` and a user's `groups` hold).
fn group() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z0-9][a-zA-Z0-9._@-]{0,8}",
        1 => "[a-zA-Z0-9 ,./:@-]{0,6}",
    ]
}

/// An OpenID Connect issuer or JWKS URL: https, loopback http, or anything.
fn issuer_url() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => ("[a-z][a-z0-9-]{0,7}", prop::option::of("/[a-z0-9]{1,6}"))
            .prop_map(|(host, path)| format!("https://{host}.example.com{}", path.unwrap_or_default())),
        1 => (1u16..u16::MAX).prop_map(|port| format!("http://127.0.0.1:{port}")),
        2 => upstream_url(),
    ]
}

/// Who may call: public, basic (with or without groups), or OIDC on open-source Kong (the
/// `jwt` mechanism). The issuer's signing keys live on the issuer's consumer, outside the
/// API's entities (`model::issuer`), so the declaration holds no key ids here; Enterprise's
/// `openid-connect` is left out (the sandbox is the open-source edition, which refuses it).
fn authentication() -> BoxedStrategy<Authentication> {
    prop_oneof![
        3 => Just(Authentication::Public),
        3 => prop::collection::vec(group(), 0..3)
            .prop_map(|groups| Authentication::Basic { allowed_groups: sorted(groups) }),
        2 => (
            issuer_url(),
            prop::collection::vec(prop_oneof![4 => "[a-z]{1,6}", 1 => "[ -~]{0,3}"], 0..3),
            prop::option::of(issuer_url()),
        )
            .prop_map(|(issuer, audiences, jwks_url)| {
                Authentication::Oidc(Oidc {
                    issuer,
                    audiences: sorted(audiences),
                    jwks_url,
                    mechanism: Mechanism::Jwt,
                    signing_key_ids: Vec::new(),
                })
            }),
    ]
    .boxed()
}

/// A whole number as Terraform hands it over: mostly small, sometimes zero or past what a
/// double holds exactly.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0u64..100_000,
        1 => 0u64..=MAX_WHOLE,
        1 => Just(MAX_WHOLE + 1),
    ]
}

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Za-z][A-Za-z0-9_-]{0,8}",
        1 => "[ -~]{0,4}",
    ]
}

/// A sorted set, or not declared.
fn declared_set(values: BoxedStrategy<String>) -> impl Strategy<Value = Option<Vec<String>>> {
    prop::option::of(prop::collection::vec(values, 0..3).prop_map(sorted))
}

fn cors() -> BoxedStrategy<Cors> {
    let origin = prop_oneof![
        2 => Just("*".to_string()),
        4 => "https://[a-z]{1,6}\\.example\\.com",
        2 => "https://\\.\\*\\\\\\.[a-z]{1,5}\\.com",
        1 => "[a-z(\\[*.+?\\\\]{1,5}",
    ];
    let method = prop_oneof![
        6 => prop::sample::select(CORS_METHODS.to_vec()).prop_map(str::to_string),
        1 => "[A-Za-z]{1,7}",
    ];
    (
        declared_set(origin.boxed()),
        declared_set(method.boxed()),
        declared_set(header().boxed()),
        declared_set(header().boxed()),
        prop::option::of(any::<bool>()),
        prop::option::of(count()),
        // Kong 3.9 has `private_network`, not `allow_origin_absent` (3.10): the plan must
        // refuse the second where the sandbox (Kong 3.9) would.
        [
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
        ],
    )
        .prop_map(
            |(origins, methods, headers, exposed_headers, credentials, max_age, later)| Cors {
                origins,
                methods,
                headers,
                exposed_headers,
                credentials,
                max_age,
                private_network: later[0],
                allow_origin_absent: later[1],
            },
        )
        .boxed()
}

fn rate_limit() -> BoxedStrategy<RateLimit> {
    // Mostly limits that grow with the period (as Kong requires), sometimes anything.
    let growing = (1u64..100, [any::<bool>(); 6]).prop_map(|(base, present)| {
        let mut limit = base;
        present.map(|p| {
            limit = limit.saturating_mul(60);
            p.then_some(limit / 60)
        })
    });
    let limits = prop_oneof![
        4 => growing,
        1 => [
            prop::option::of(count()),
            prop::option::of(count()),
            prop::option::of(count()),
            prop::option::of(count()),
            prop::option::of(count()),
            prop::option::of(count()),
        ],
    ];
    // What requests are counted by, with the field it needs (or, rarely, without it).
    let counting = prop_oneof![
        4 => Just((None, None, None)),
        2 => prop::sample::select(LIMIT_BY.to_vec())
            .prop_map(|by| (Some(by.to_string()), None, None)),
        1 => header().prop_map(|h| (Some("header".to_string()), Some(h), None)),
        1 => plain_path().prop_map(|p| (Some("path".to_string()), None, Some(p))),
        1 => (
            prop::option::of("[a-z]{0,6}"),
            prop::option::of(header()),
            prop::option::of(plain_path()),
        ),
    ];
    (limits, counting)
        .prop_map(
            |([second, minute, hour, day, month, year], (limit_by, header_name, path))| RateLimit {
                per_second: second,
                per_minute: minute,
                per_hour: hour,
                per_day: day,
                per_month: month,
                per_year: year,
                limit_by,
                header_name,
                path,
            },
        )
        .boxed()
}

fn policies() -> BoxedStrategy<Policies> {
    let timeout = prop_oneof![
        6 => 1u64..120_000,
        1 => 0u64..=MAX_TIMEOUT_MS + 1,
    ];
    (
        prop::option::of(cors()),
        prop::option::of(rate_limit()),
        prop::option::of(timeout),
        prop::option::of(count()),
        prop::option::of(upstream_url().prop_map(|http_endpoint| Logging { http_endpoint })),
        prop::option::of(
            prop::option::of(any::<bool>()).prop_map(|per_consumer| Monitoring { per_consumer }),
        ),
    )
        .prop_map(
            |(cors, rate_limit, timeout_ms, request_size_limit_kb, logging, monitoring)| Policies {
                cors,
                rate_limit,
                timeout_ms,
                request_size_limit_kb,
                logging,
                monitoring,
            },
        )
        .boxed()
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
    let gateway = (
        authentication(),
        prop_oneof![2 => Just(Policies::default()), 3 => policies()],
    )
        .boxed();
    (name(), upstream(), rules, modes, gateway).prop_map(
        |(
            name,
            upstream,
            (hosts, paths, methods, tags),
            (https, code, strip_path, enabled),
            (auth, policies),
        )| {
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
                auth,
                policies,
            };
            (spec, code)
        },
    )
}

/// Every plan-time issue of a declaration: the API's and its authentication's.
fn plan_issues(spec: &ApiSpec, code: Option<i64>) -> Vec<dispatch_provider::model::Issue> {
    let mut issues = api::check_draft(&drafts::api(spec, code), validate::KongRules::KONG_3_9);
    issues.extend(model_auth::check_draft(&drafts::auth(&spec.auth)));
    issues.retain(|i| i.is_error());
    issues
}

fn environment(organization: Option<&str>) -> Environment {
    Environment {
        naming: Naming::new(organization.map(str::to_string)),
        template: UpstreamTemplate::new(DEFAULT_FUNCTION_UPSTREAM_URL, organization)
            .expect("the default template is valid"),
        gateway_url: url::Url::parse("http://localhost:8000").expect("url"),
        kong: validate::KongRules::KONG_3_9,
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
            let _ = validate::route_path(&s, validate::KongRules::KONG_3_9);
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
            if validate::route_path(&s, validate::KongRules::KONG_3_9).is_ok()
                && !s.starts_with('~')
            {
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
            prop::option::of(decimal()),
            prop::option::of(decimal()),
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
                    kong_admin_token: token.map(Secret::new),
                    kong_workspace: workspace,
                    kong_admin_headers: headers
                        .into_iter()
                        .map(|(k, v)| (k, Secret::new(v)))
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

/// Any number Terraform can send for a number attribute: an integer, a double, or the decimal
/// text of a number that is neither (`values::TfNumber`).
fn decimal() -> BoxedStrategy<Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        "[+-]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][+-]?[0-9]{1,12})?"
            .prop_filter_map("decimal text", |t| t.parse().ok()),
    ]
    .boxed()
}

#[test]
fn numbers_are_judged_exactly_and_written_back_as_themselves() {
    TestRunner::new(config(2000))
        .run(&(decimal(), any::<i64>(), any::<i64>()), |(n, a, b)| {
            let (min, max) = (i128::from(a.min(b)), i128::from(a.max(b)));
            let shown = n.to_string();
            prop_assert_eq!(shown.parse::<Number>().ok(), Some(n.clone()), "{}", shown);
            match n.whole_in(min, max) {
                Ok(v) => {
                    prop_assert!(n.is_whole() && (min..=max).contains(&v));
                    prop_assert_eq!(Number::from(i64::try_from(v).expect("in range")), n);
                }
                Err(why) => {
                    prop_assert!(why.contains(&shown), "{} names {}", why, shown);
                    prop_assert!(n.to_i128().is_none_or(|v| !(min..=max).contains(&v)));
                }
            }
            Ok(())
        })
        .expect("property holds");
}

#[test]
fn no_declaration_makes_the_mapping_panic() {
    let input = (declaration(), prop::option::of("[a-z][a-z0-9-]{0,6}"));
    TestRunner::new(config(1000))
        .run(&input, |((spec, code), org)| {
            let env = environment(org.as_deref());
            let _ = plan_issues(&spec, code);
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
                            ..kong::Route::default()
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

/// An empty array as `null`: Kong answers `null` for an unset array, and its plugins treat
/// the two alike (`kong-admin-api.md`, "Conventions").
fn empty_as_null(value: Json) -> Json {
    match value {
        Json::Array(items) if items.is_empty() => Json::Null,
        Json::Array(items) => Json::Array(items.into_iter().map(empty_as_null).collect()),
        Json::Object(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| (k, empty_as_null(v)))
                .collect(),
        ),
        other => other,
    }
}

/// What Kong holds for an API (service, route, plugins by name), without timestamps.
async fn stored(client: &Client, service_id: &str, route_id: &str) -> Vec<Json> {
    let mut out = Vec::new();
    let plain = |mut entity: Json| {
        if let Some(object) = entity.as_object_mut() {
            object.remove("created_at");
            object.remove("updated_at");
        }
        empty_as_null(entity)
    };
    for path in [
        format!("/services/{service_id}"),
        format!("/routes/{route_id}"),
    ] {
        let entity: Option<Json> = client.get(&path).await.ok().flatten();
        out.push(plain(entity.unwrap_or(Json::Null)));
    }
    let plugins: Option<Json> = client
        .get(&format!("/services/{service_id}/plugins"))
        .await
        .ok()
        .flatten();
    let mut plugins: Vec<Json> = plugins
        .and_then(|p| p["data"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(plain)
        .collect();
    plugins.sort_by_key(|p| p["name"].to_string());
    out.extend(plugins);
    out
}

/// Every accepted declaration (authentication and policies included) is accepted by Kong, and
/// reads back to itself (refresh) or to an equivalent declaration (import, which knows no
/// prior declaration, and maps to what Kong holds).
#[test]
fn every_accepted_declaration_is_accepted_by_kong_and_reads_back() {
    let kong = Kong::start();
    let accepted = AtomicUsize::new(0);
    let kinds: [AtomicUsize; KINDS.len()] = Default::default();
    let input = (declaration(), prop::option::of("[a-z][a-z0-9-]{0,6}"));
    TestRunner::new(config(720))
        .run(&input, |((spec, code), org)| {
            let env = environment(org.as_deref());
            if !plan_issues(&spec, code).is_empty() {
                return Ok(());
            }
            let service_id = uuid::Uuid::new_v4().to_string();
            let Ok(desired) = api::desired(&spec, &env, &service_id) else {
                return Ok(());
            };
            accepted.fetch_add(1, Ordering::Relaxed);
            for (i, present) in kinds_of(&spec).iter().enumerate() {
                if *present {
                    kinds[i].fetch_add(1, Ordering::Relaxed);
                }
            }
            let route_id = api::route_id(&service_id);
            let client = &kong.client;
            kong.block_on(async {
                // In the provider's order: the plugins before the route.
                let outcome = async {
                    client
                        .put_service(&service_id, &desired.service)
                        .await
                        .map_err(|e| refused("the service of", &spec, &e))?;
                    for plugin in &desired.plugins {
                        client
                            .put_plugin(&api::plugin_id(&service_id, &plugin.name), plugin)
                            .await
                            .map_err(|e| refused("a plugin of", &spec, &e))?;
                    }
                    client
                        .put_route(&route_id, &desired.route)
                        .await
                        .map_err(|e| refused("the route of", &spec, &e))?;
                    let service = client.service(&service_id).await.ok().flatten();
                    let route = client.route(&route_id).await.ok().flatten();
                    let plugins = client
                        .service_plugins(&service_id)
                        .await
                        .unwrap_or_default();
                    let service =
                        service.ok_or_else(|| TestCaseError::fail("service not stored"))?;
                    let observed = Observed {
                        service: &service,
                        route: route.as_ref(),
                        plugins: &plugins,
                    };
                    let refreshed = api::read_back(observed, Some(&spec), &env);
                    prop_assert_eq!(&refreshed, &spec, "a refresh reads back the declaration");
                    // An import knows no declaration: a field declared at Kong's default
                    // (an empty `cors.origins`, say) reads back as not declared. What it maps
                    // to must leave Kong exactly as it is.
                    let imported = api::read_back(observed, None, &env);
                    let again = api::desired(&imported, &env, &service_id)
                        .map_err(|issues| TestCaseError::fail(format!("{issues:?}")))?;
                    let before = stored(client, &service_id, &route_id).await;
                    let names = |d: &api::DesiredApi| -> Vec<String> {
                        d.plugins.iter().map(|p| p.name.clone()).collect()
                    };
                    prop_assert_eq!(names(&again), names(&desired), "the same plugins");
                    client
                        .put_service(&service_id, &again.service)
                        .await
                        .map_err(|e| refused("the imported service of", &spec, &e))?;
                    for plugin in &again.plugins {
                        client
                            .put_plugin(&api::plugin_id(&service_id, &plugin.name), plugin)
                            .await
                            .map_err(|e| refused("an imported plugin of", &spec, &e))?;
                    }
                    client
                        .put_route(&route_id, &again.route)
                        .await
                        .map_err(|e| refused("the imported route of", &spec, &e))?;
                    prop_assert_eq!(
                        stored(client, &service_id, &route_id).await,
                        before,
                        "an import maps to what Kong holds"
                    );
                    Ok(())
                }
                .await;
                // Whatever happened, so that the next case (or a shrunk one) starts clean.
                let cleaned = async {
                    client.delete_route(&route_id).await?;
                    client.delete_service(&service_id).await
                }
                .await;
                outcome?;
                cleaned.map_err(|e| TestCaseError::fail(e.to_string()))
            })
        })
        .expect("property holds");
    let accepted = accepted.load(Ordering::Relaxed);
    assert!(
        accepted >= 100,
        "only {accepted} generated declarations were valid: the generators need tuning"
    );
    let counts: Vec<usize> = kinds.iter().map(|k| k.load(Ordering::Relaxed)).collect();
    eprintln!("{accepted} valid declarations; with {KINDS:?}: {counts:?}");
    for (kind, count) in KINDS.iter().zip(counts) {
        assert!(
            count >= 5,
            "only {count} valid declarations had {kind}: the generators need tuning"
        );
    }
}

/// What a valid declaration should often hold, so that the property covers it.
const KINDS: [&str; 8] = [
    "basic authentication with groups",
    "OIDC authentication",
    "cors",
    "a rate limit",
    "logging",
    "monitoring",
    "a request size limit",
    "a timeout",
];

fn kinds_of(spec: &ApiSpec) -> [bool; KINDS.len()] {
    let p = &spec.policies;
    [
        matches!(&spec.auth, Authentication::Basic { allowed_groups } if !allowed_groups.is_empty()),
        matches!(spec.auth, Authentication::Oidc(_)),
        p.cors.is_some(),
        p.rate_limit.is_some(),
        p.logging.is_some(),
        p.monitoring.is_some(),
        p.request_size_limit_kb.is_some(),
        p.timeout_ms.is_some(),
    ]
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
            |path| validate::route_path(path, validate::KongRules::KONG_3_9),
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

// ---------------------------------------------------------------------------------------------
// Certificates.

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// The base64 lines of a PEM text long enough to be worth looking for.
fn secret_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .map(str::trim)
        .filter(|l| {
            l.len() >= 16
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        })
        .collect()
}

/// A real PEM text with some of its characters replaced, lines cut, or junk put in.
fn mangled(pem: String) -> impl Strategy<Value = String> {
    let len = pem.len();
    (
        prop::collection::vec((0..len, any::<char>()), 0..4),
        prop::option::of(0..len),
        prop::option::of("\\PC{0,12}"),
    )
        .prop_map(move |(replacements, cut, junk)| {
            let mut chars: Vec<char> = pem.chars().collect();
            for (at, c) in replacements {
                if at < chars.len() {
                    chars[at] = c;
                }
            }
            let mut text: String = chars.into_iter().collect();
            if let Some(cut) = cut.filter(|c| text.is_char_boundary(*c)) {
                text.truncate(cut);
            }
            if let Some(junk) = junk {
                text.push_str(&junk);
            }
            text
        })
}

/// Whatever the PEM texts, the certificate checks do not panic, and no message about a key
/// quotes it: the key is a secret, and diagnostics are printed.
#[test]
fn no_pem_text_makes_the_certificate_checks_panic_or_quote_a_key() {
    let issued = CertSpec::leaf(&["pem.example.com"])
        .key(KeyKind::P256)
        .self_signed();
    let texts = || {
        prop_oneof![
            2 => any::<String>(),
            1 => "\\PC{0,40}".prop_map(|body| format!(
                "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
            )),
            1 => "[A-Za-z0-9+/=\n]{0,80}".prop_map(|body| format!(
                "-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
            )),
            3 => mangled(issued.cert_pem()),
            3 => mangled(issued.key_pem()),
            1 => mangled(issued.key_pem_traditional()),
            1 => Just(format!("{}{}", issued.key_pem(), issued.key_pem())),
        ]
    };
    let input = (
        texts(),
        texts(),
        prop::option::of(prop::collection::vec(route_host(), 0..3)),
    );
    TestRunner::new(config(1000))
        .run(&input, |(cert, key, hostnames)| {
            let _ = certificate::parse_chain(&cert);
            let _ = certificate::chain_ders(&cert);
            if let Err(error) = certificate::private_key_public_half(&key) {
                let message = error.to_string();
                for line in secret_lines(&key) {
                    prop_assert!(!message.contains(line), "{message} quotes the key");
                }
            }
            let checked = certificate::check(
                &drafts::certificate(&cert, &key, hostnames.as_deref(), &[]),
                unix_now(),
            );
            for issue in &checked.issues {
                for line in secret_lines(&key) {
                    prop_assert!(
                        !issue.summary.contains(line) && !issue.detail.contains(line),
                        "{issue:?} quotes the key"
                    );
                }
            }
            let _ = certificate::same_private_key(&key, &cert);
            Ok(())
        })
        .expect("property holds");
}

/// How to make one certificate and its declaration.
#[derive(Debug, Clone)]
struct CertificateCase {
    dns_names: Vec<String>,
    key: KeyKind,
    /// Valid from, until (days from now).
    valid: (i64, i64),
    /// Signed by the test CA, the chain in order (`Some(true)`) or not; else self-signed.
    chain: Option<bool>,
    /// The key of another certificate.
    other_key: bool,
    /// `BEGIN RSA/EC PRIVATE KEY` rather than PKCS#8.
    traditional: bool,
    /// The declared hostnames: indexes into `dns_names`, and names of its own; `None`: the
    /// default (the certificate's DNS names).
    hostnames: Option<(Vec<prop::sample::Index>, Vec<String>)>,
    tags: Vec<String>,
}

fn certificate_case() -> impl Strategy<Value = CertificateCase> {
    let dns_name = prop_oneof![
        6 => hostname(),
        2 => hostname().prop_map(|h| format!("*.{h}")),
        1 => "[a-z0-9.*-]{1,12}",
    ];
    (
        prop::collection::vec(dns_name, 0..3),
        prop_oneof![
            6 => Just(KeyKind::P256),
            2 => Just(KeyKind::P384),
            1 => Just(KeyKind::Rsa),
        ],
        (
            prop_oneof![6 => -400i64..-1, 1 => 1i64..10],
            prop_oneof![6 => 31i64..800, 1 => -5i64..31],
        ),
        prop::option::of(prop_oneof![4 => Just(true), 1 => Just(false)]),
        prop::bool::weighted(0.1),
        any::<bool>(),
        prop::option::of((
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            prop::collection::vec(route_host(), 0..2),
        )),
        prop::collection::vec(tag(), 0..2),
    )
        .prop_map(
            |(dns_names, key, valid, chain, other_key, traditional, hostnames, tags)| {
                CertificateCase {
                    dns_names: dns_names.into_iter().filter(|n| !n.is_empty()).collect(),
                    key,
                    valid,
                    chain,
                    other_key,
                    traditional,
                    hostnames,
                    tags,
                }
            },
        )
}

/// The PEM chain, the key, the declared hostnames and tags of a case.
fn make_certificate(
    case: &CertificateCase,
    ca: &Issued,
) -> (String, String, Option<Vec<String>>, Vec<String>) {
    let names: Vec<&str> = case.dns_names.iter().map(String::as_str).collect();
    let spec = CertSpec::leaf(&names)
        .key(case.key)
        .valid_days(case.valid.0, case.valid.1);
    let leaf = match case.chain {
        None => spec.self_signed(),
        Some(_) => spec.signed_by(ca),
    };
    let chain = match case.chain {
        None => leaf.cert_pem(),
        Some(true) => format!("{}{}", leaf.cert_pem(), ca.cert_pem()),
        Some(false) => format!("{}{}", ca.cert_pem(), leaf.cert_pem()),
    };
    let holder = if case.other_key {
        CertSpec::leaf(&["other.example.com"])
            .key(case.key)
            .self_signed()
    } else {
        leaf
    };
    let key = if case.traditional {
        holder.key_pem_traditional()
    } else {
        holder.key_pem()
    };
    let hostnames = case.hostnames.as_ref().map(|(picks, own)| {
        let mut names: Vec<String> = if case.dns_names.is_empty() {
            Vec::new()
        } else {
            picks
                .iter()
                .map(|i| i.get(&case.dns_names).clone())
                .collect()
        };
        names.extend(own.iter().cloned());
        names
    });
    (chain, key, hostnames, case.tags.clone())
}

/// Every certificate the plan-time checks accept (errors only; warnings such as a name not
/// covered or an early expiry do not stop an apply) is accepted by Kong with its SNIs, and
/// reads back to the same declaration, on refresh and on import.
#[test]
fn every_accepted_certificate_is_accepted_by_kong_and_reads_back() {
    let kong = Kong::start();
    let ca = CertSpec::ca("Property CA").key(KeyKind::P256).self_signed();
    let naming = Naming::new(None);
    let accepted = AtomicUsize::new(0);
    TestRunner::new(config(100))
        .run(&certificate_case(), |case| {
            let (chain, key, hostnames, tags) = make_certificate(&case, &ca);
            let checked = certificate::check(
                &drafts::certificate(&chain, &key, hostnames.as_deref(), &tags),
                unix_now(),
            );
            if checked.issues.iter().any(|i| i.is_error()) {
                return Ok(());
            }
            let info = checked
                .info
                .ok_or_else(|| TestCaseError::fail("accepted without information"))?;
            accepted.fetch_add(1, Ordering::Relaxed);
            let spec = CertificateSpec {
                certificate: chain,
                private_key: Secret::new(key),
                hostnames: sorted(
                    hostnames.unwrap_or_else(|| certificate::default_hostnames(&info)),
                ),
                tags: sorted(tags),
            };
            let id = uuid::Uuid::new_v4().to_string();
            let client = &kong.client;
            kong.block_on(async {
                let outcome = async {
                    client
                        .put_certificate(&id, &certificate::desired(&spec, &naming))
                        .await
                        .map_err(|e| refused("the certificate", &case, &e))?;
                    let stored = client
                        .certificate(&id)
                        .await
                        .map_err(|e| TestCaseError::fail(e.to_string()))?
                        .ok_or_else(|| TestCaseError::fail("certificate not stored"))?;
                    let refreshed = certificate::read_back(
                        &stored,
                        Some(&spec.certificate),
                        Some(&spec.private_key),
                    );
                    prop_assert_eq!(&refreshed.certificate, &spec.certificate);
                    prop_assert_eq!(refreshed.private_key.as_ref(), Some(&spec.private_key));
                    prop_assert_eq!(&refreshed.hostnames, &spec.hostnames);
                    prop_assert_eq!(&refreshed.tags, &spec.tags);
                    prop_assert_eq!(refreshed.info.as_ref(), Some(&info));
                    let imported = certificate::read_back(&stored, None, None);
                    prop_assert_eq!(imported.info.as_ref(), Some(&info));
                    prop_assert!(
                        imported.private_key.as_ref().is_some_and(|k| {
                            certificate::same_private_key(k.expose(), spec.private_key.expose())
                        }),
                        "an import reads the same key"
                    );
                    prop_assert_eq!(&imported.hostnames, &spec.hostnames);
                    prop_assert_eq!(&imported.tags, &spec.tags);
                    Ok(())
                }
                .await;
                let cleaned = client.delete_certificate(&id).await;
                outcome?;
                cleaned.map_err(|e| TestCaseError::fail(e.to_string()))
            })
        })
        .expect("property holds");
    let accepted = accepted.load(Ordering::Relaxed);
    eprintln!("{accepted} valid certificates");
    assert!(
        accepted >= 12,
        "only {accepted} generated certificates were valid: the generators need tuning"
    );
}
