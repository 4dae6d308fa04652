use super::*;
use crate::model::api::plugin_id;
use serde_json::json;

/// The plan-time checks, by Kong 3.9's rules.
fn check(draft: &PoliciesDraft) -> Vec<Issue> {
    super::check(draft, KongRules::KONG_3_9)
}

fn http_endpoint(raw: &str) -> Result<(), String> {
    super::http_endpoint(raw, KongRules::KONG_3_9)
}

/// The typed config Kong's JSON decodes to.
fn decoded<C: serde::de::DeserializeOwned>(config: Json) -> C {
    serde_json::from_value(config).expect("decodes")
}

fn service(timeouts: [u64; 3]) -> Service {
    Service {
        id: "svc-1".into(),
        name: Some("hello".into()),
        protocol: "http".into(),
        host: "fn".into(),
        port: 80,
        path: None,
        enabled: true,
        connect_timeout: Some(timeouts[0]),
        read_timeout: Some(timeouts[1]),
        write_timeout: Some(timeouts[2]),
        tags: None,
    }
}

/// Plays Kong: the plugin Kong answers after storing `config`, with its schema's defaults
/// filled in (`kong/plugins/*/schema.lua`).
fn stored(name: &str, config: &Json) -> Plugin {
    let defaults = match name {
        CORS_PLUGIN => json!({
            "origins": null, "headers": null, "exposed_headers": null, "max_age": null,
            "methods": CORS_METHODS, "credentials": false, "private_network": false,
            "preflight_continue": false,
        }),
        RATE_LIMIT_PLUGIN => json!({
            "second": null, "minute": null, "hour": null, "day": null, "month": null,
            "year": null, "limit_by": "consumer", "header_name": null, "path": null,
            "policy": "local", "fault_tolerant": true, "hide_client_headers": false,
            "error_code": 429, "error_message": "API rate limit exceeded", "sync_rate": -1,
        }),
        SIZE_LIMIT_PLUGIN => json!({
            "allowed_payload_size": 128, "size_unit": "megabytes",
            "require_content_length": false,
        }),
        MONITORING_PLUGIN => json!({
            "per_consumer": false, "status_code_metrics": false, "ai_metrics": false,
            "latency_metrics": false, "bandwidth_metrics": false,
            "upstream_health_metrics": false,
        }),
        _ => json!({
            "http_endpoint": null, "method": "POST", "content_type": "application/json",
            "timeout": 10000, "keepalive": 60000, "headers": null,
        }),
    };
    let mut merged = defaults.as_object().cloned().unwrap_or_default();
    for (k, v) in config.as_object().cloned().unwrap_or_default() {
        merged.insert(k, v);
    }
    Plugin {
        id: plugin_id("svc-1", name),
        name: name.into(),
        service: None,
        route: None,
        consumer: None,
        config: Json::Object(merged),
        enabled: true,
        tags: None,
    }
}

fn stored_all(policies: &Policies) -> Vec<Plugin> {
    policies
        .plugins()
        .iter()
        .map(|(name, config)| stored(name, config))
        .collect()
}

fn read(plugins: &[Plugin], timeouts: [u64; 3], prior: Option<&Policies>) -> Policies {
    read_back(
        &service(timeouts),
        |name| plugins.iter().find(|p| p.name == name),
        prior,
    )
}

fn round_trip(policies: &Policies) -> Policies {
    let t = policies.service_timeout_ms();
    read(&stored_all(policies), [t, t, t], Some(policies))
}

fn full() -> Policies {
    Policies {
        cors: Some(Cors {
            origins: Some(vec!["https://.*\\.example\\.com".into()]),
            methods: Some(vec!["GET".into(), "POST".into()]),
            headers: Some(vec!["X-Request-Id".into()]),
            exposed_headers: Some(vec!["X-Trace".into()]),
            credentials: Some(true),
            max_age: Some(3600),
            private_network: None,
            allow_origin_absent: None,
        }),
        rate_limit: Some(RateLimit {
            per_second: Some(5),
            per_minute: Some(100),
            per_day: Some(10_000),
            per_month: Some(250_000),
            limit_by: Some("header".into()),
            header_name: Some("X-Client".into()),
            ..RateLimit::default()
        }),
        timeout_ms: Some(5000),
        request_size_limit_kb: Some(512),
        logging: Some(Logging {
            http_endpoint: "https://logs.example.com/kong".into(),
        }),
        monitoring: Some(Monitoring {
            per_consumer: Some(true),
        }),
    }
}

#[test]
fn every_policy_becomes_its_plugin_with_only_declared_fields() {
    let plugins = full().plugins();
    let names: Vec<&str> = plugins.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        vec![
            CORS_PLUGIN,
            RATE_LIMIT_PLUGIN,
            SIZE_LIMIT_PLUGIN,
            LOGGING_PLUGIN,
            MONITORING_PLUGIN
        ]
    );
    assert_eq!(
        plugins[0].1,
        json!({
            "origins": ["https://.*\\.example\\.com"], "methods": ["GET", "POST"],
            "headers": ["X-Request-Id"], "exposed_headers": ["X-Trace"],
            "credentials": true, "max_age": 3600,
        })
    );
    assert_eq!(
        plugins[1].1,
        json!({"second": 5, "minute": 100, "day": 10000, "month": 250000, "limit_by": "header",
               "header_name": "X-Client"})
    );
    assert_eq!(
        plugins[2].1,
        json!({"allowed_payload_size": 512, "size_unit": "kilobytes"})
    );
    assert_eq!(
        plugins[3].1,
        json!({"http_endpoint": "https://logs.example.com/kong"})
    );
    assert_eq!(
        plugins[4].1,
        json!({"per_consumer": true, "status_code_metrics": true, "latency_metrics": true,
               "bandwidth_metrics": true})
    );
    assert_eq!(full().service_timeout_ms(), 5000);

    let empty = Policies {
        cors: Some(Cors::default()),
        ..Policies::default()
    };
    assert_eq!(empty.plugins(), vec![(CORS_PLUGIN, json!({}))]);
    assert_eq!(Policies::default().service_timeout_ms(), 60_000);
    assert!(Policies::default().plugins().is_empty());
    assert!(!Policies::default().has_plugins());
    assert!(!Policies {
        timeout_ms: Some(1),
        ..Policies::default()
    }
    .has_plugins());
}

#[test]
fn declared_policies_read_back_unchanged_despite_kong_defaults() {
    assert_eq!(round_trip(&full()), full());
    let minimal = Policies {
        cors: Some(Cors::default()),
        rate_limit: Some(RateLimit {
            per_minute: Some(10),
            ..RateLimit::default()
        }),
        ..Policies::default()
    };
    assert_eq!(round_trip(&minimal), minimal);
    assert_eq!(round_trip(&Policies::default()), Policies::default());
}

#[test]
fn declared_values_equal_to_kong_defaults_stay_declared() {
    let mut all_methods: Vec<String> = CORS_METHODS.iter().map(|m| m.to_string()).collect();
    all_methods.sort();
    let defaults = Policies {
        cors: Some(Cors {
            credentials: Some(false),
            methods: Some(all_methods),
            origins: Some(vec![]),
            ..Cors::default()
        }),
        rate_limit: Some(RateLimit {
            per_hour: Some(1),
            limit_by: Some("consumer".into()),
            ..RateLimit::default()
        }),
        timeout_ms: Some(60_000),
        ..Policies::default()
    };
    assert_eq!(round_trip(&defaults), defaults);
}

#[test]
fn drift_in_declared_fields_shows() {
    let declared = full();
    let mut plugins = stored_all(&declared);
    plugins[0].config["origins"] = json!(["https://evil.example"]);
    plugins[0].config["credentials"] = json!(false);
    plugins[0].config["max_age"] = json!(null);
    plugins[1].config["minute"] = json!(1000);
    plugins[1].config["limit_by"] = json!("ip");
    plugins[2].config["size_unit"] = json!("megabytes");
    plugins[3].config["http_endpoint"] = json!("http://other.example");
    let back = read(&plugins, [5000, 5000, 9], Some(&declared));
    let cors = back.cors.expect("cors");
    assert_eq!(cors.origins, Some(vec!["https://evil.example".into()]));
    assert_eq!(cors.credentials, Some(false));
    assert_eq!(cors.max_age, None);
    let limit = back.rate_limit.expect("rate limit");
    assert_eq!(limit.per_minute, Some(1000));
    assert_eq!(limit.limit_by.as_deref(), Some("ip"));
    assert_eq!(back.request_size_limit_kb, Some(512 * 1024));
    assert_eq!(
        back.logging.expect("logging").http_endpoint,
        "http://other.example"
    );
    assert_eq!(back.timeout_ms, Some(9), "the timeout that moved shows");
}

#[test]
fn undeclared_fields_never_show_even_when_kong_changes_them() {
    let declared = Policies {
        cors: Some(Cors {
            origins: Some(vec!["*".into()]),
            ..Cors::default()
        }),
        rate_limit: Some(RateLimit {
            per_minute: Some(10),
            ..RateLimit::default()
        }),
        ..Policies::default()
    };
    let mut plugins = stored_all(&declared);
    plugins[0].config["credentials"] = json!(true);
    plugins[0].config["methods"] = json!(["GET"]);
    plugins[0].config["private_network"] = json!(true);
    plugins[1].config["hour"] = json!(500);
    plugins[1].config["limit_by"] = json!("ip");
    assert_eq!(read(&plugins, [60_000; 3], Some(&declared)), declared);
}

#[test]
fn a_removed_or_disabled_plugin_reads_as_no_policy() {
    let declared = full();
    let back = read(&[], [5000; 3], Some(&declared));
    assert_eq!(back.cors, None);
    assert_eq!(back.rate_limit, None);
    assert_eq!(back.request_size_limit_kb, None);
    assert_eq!(back.logging, None);
    assert_eq!(back.monitoring, None);
    assert_eq!(back.timeout_ms, Some(5000));
}

#[test]
fn undeclared_timeouts_moved_in_kong_show_as_drift() {
    assert_eq!(read(&[], [60_000; 3], None), Policies::default());
    assert_eq!(
        read(&[], [60_000, 1000, 60_000], None).timeout_ms,
        Some(1000)
    );
    let declared = Policies {
        timeout_ms: Some(60_000),
        ..Policies::default()
    };
    assert_eq!(read(&[], [60_000; 3], Some(&declared)), declared);
}

#[test]
fn import_reads_only_what_differs_from_kong_defaults() {
    let declared = full();
    assert_eq!(read(&stored_all(&declared), [5000; 3], None), declared);
    let defaults_only = Policies {
        cors: Some(Cors {
            credentials: Some(false),
            ..Cors::default()
        }),
        rate_limit: Some(RateLimit {
            per_second: Some(1),
            limit_by: Some("consumer".into()),
            ..RateLimit::default()
        }),
        ..Policies::default()
    };
    let back = read(&stored_all(&defaults_only), [60_000; 3], None);
    assert_eq!(back.cors, Some(Cors::default()));
    assert_eq!(
        back.rate_limit,
        Some(RateLimit {
            per_second: Some(1),
            ..RateLimit::default()
        })
    );
}

#[test]
fn an_empty_method_list_is_no_method_not_the_default() {
    // Kong's cors allows no method with `methods = []`, every method with null.
    let none = Policies {
        cors: Some(Cors {
            methods: Some(vec![]),
            ..Cors::default()
        }),
        ..Policies::default()
    };
    assert_eq!(read(&stored_all(&none), [60_000; 3], None), none, "import");
    assert_eq!(round_trip(&none), none, "refresh");
    let unset = stored(CORS_PLUGIN, &json!({"methods": null}));
    assert_eq!(
        read(&[unset], [60_000; 3], None).cors,
        Some(Cors::default()),
        "null is Kong's default"
    );
}

#[test]
fn size_limits_in_other_units_read_as_kilobytes() {
    let config =
        |size: Json, unit: &str| decoded(json!({"allowed_payload_size": size, "size_unit": unit}));
    assert_eq!(read_size_kb(&config(json!(3), "kilobytes")), 3);
    assert_eq!(read_size_kb(&config(json!(2), "megabytes")), 2048);
    assert_eq!(read_size_kb(&config(json!(2048), "bytes")), 2);
    assert_eq!(read_size_kb(&config(json!(2049), "bytes")), 3);
    assert_eq!(read_size_kb(&decoded(json!({}))), 128 * 1024);
}

#[test]
fn fractions_set_outside_terraform_read_as_the_next_whole_number() {
    let number = |n: Json| decoded::<Option<Number>>(n);
    assert_eq!(whole(number(json!(9.5)).as_ref()), Some(10));
    assert_eq!(whole(number(json!(10)).as_ref()), Some(10));
    assert_eq!(whole(number(json!(null)).as_ref()), None);
    assert_eq!(whole(number(json!(-1)).as_ref()), None);
}

/// A number of a draft, as Terraform would send it.
fn num(value: f64) -> Decimal {
    Decimal::from_f64(value).expect("finite")
}

fn rate(limits: [Option<f64>; 4], by: Option<&str>) -> RateLimitDraft {
    let [per_second, per_minute, per_hour, per_day] =
        limits.map(|l| l.map_or(Field::Null, |l| Field::Value(num(l))));
    RateLimitDraft {
        per_second,
        per_minute,
        per_hour,
        per_day,
        limit_by: by.map_or(Field::Null, |b| Field::Value(b.to_string())),
        ..RateLimitDraft::default()
    }
}

fn paths(issues: &[Issue]) -> Vec<String> {
    issues.iter().map(|i| i.path.to_string()).collect()
}

#[test]
fn rate_limits_must_exist_be_whole_and_grow_with_the_period() {
    let check_one = |r: RateLimitDraft| {
        check(&PoliciesDraft {
            rate_limit: Field::Value(r),
            ..PoliciesDraft::default()
        })
    };
    assert!(check_one(rate([Some(1.0), Some(60.0), None, Some(60.0)], None)).is_empty());
    assert_eq!(
        paths(&check_one(rate([None; 4], None))),
        vec!["rate_limit[0].per_second"]
    );
    let issues = check_one(rate([Some(10.0), Some(5.0), Some(2.0), None], None));
    assert_eq!(
        paths(&issues),
        vec!["rate_limit[0].per_minute", "rate_limit[0].per_hour"]
    );
    assert!(issues[0]
        .detail
        .contains("`per_minute` (5) is lower than `per_second` (10)"));
    assert_eq!(
        paths(&check_one(rate([Some(0.0), Some(1.5), None, None], None))),
        vec!["rate_limit[0].per_second", "rate_limit[0].per_minute"]
    );
    let mut monthly = rate([None, None, None, Some(100.0)], None);
    monthly.per_month = Field::Value(num(99.0));
    let issues = check_one(monthly);
    assert_eq!(paths(&issues), vec!["rate_limit[0].per_month"]);
    assert!(issues[0]
        .detail
        .contains("`per_month` (99) is lower than `per_day` (100)"));
    let mut yearly = rate([Some(2.0), None, None, None], None);
    yearly.per_year = Field::Value(num(1.0));
    assert_eq!(paths(&check_one(yearly)), vec!["rate_limit[0].per_year"]);
    // Unknown limits are checked at apply time's plan, not refused now.
    let mut unknown = rate([None; 4], None);
    unknown.per_hour = Field::Unknown;
    assert!(check_one(unknown).is_empty());
}

#[test]
fn limit_by_values_and_their_extra_fields() {
    let check_one = |r: RateLimitDraft| {
        check(&PoliciesDraft {
            rate_limit: Field::Value(r),
            ..PoliciesDraft::default()
        })
    };
    for by in LIMIT_BY.iter().filter(|b| !["header", "path"].contains(b)) {
        assert!(
            check_one(rate([Some(1.0), None, None, None], Some(by))).is_empty(),
            "{by}"
        );
    }
    let issues = check_one(rate([Some(1.0), None, None, None], Some("user")));
    assert_eq!(paths(&issues), vec!["rate_limit[0].limit_by"]);

    let issues = check_one(rate([Some(1.0), None, None, None], Some("header")));
    assert_eq!(paths(&issues), vec!["rate_limit[0].limit_by"]);
    assert!(issues[0]
        .detail
        .contains("set `header_name` to that header"));

    let mut with_header = rate([Some(1.0), None, None, None], Some("header"));
    with_header.header_name = Field::Value("X-Client".into());
    assert!(check_one(with_header.clone()).is_empty());
    with_header.header_name = Field::Value("X Client".into());
    assert_eq!(
        paths(&check_one(with_header)),
        vec!["rate_limit[0].header_name"]
    );

    let mut by_path = rate([Some(1.0), None, None, None], Some("path"));
    by_path.path = Field::Value("/orders".into());
    assert!(check_one(by_path.clone()).is_empty());
    by_path.path = Field::Value("orders".into());
    assert_eq!(paths(&check_one(by_path)), vec!["rate_limit[0].path"]);

    let mut stray = rate([Some(1.0), None, None, None], Some("ip"));
    stray.header_name = Field::Value("X-Client".into());
    stray.path = Field::Value("/a".into());
    assert_eq!(
        paths(&check_one(stray)),
        vec!["rate_limit[0].header_name", "rate_limit[0].path"]
    );
}

#[test]
fn cors_fields_follow_kong_rules() {
    let strings = |v: &[&str]| Field::Value(v.iter().map(|s| Some(s.to_string())).collect());
    let cors = CorsDraft {
        origins: strings(&["*", "https://.*\\.example\\.com", "https://(broken"]),
        methods: strings(&["GET", "get", "FETCH"]),
        headers: strings(&["X-Ok", "bad header"]),
        exposed_headers: strings(&["X-Trace"]),
        max_age: Field::Value(num(-1.0)),
        private_network: Field::Null,
        allow_origin_absent: Field::Null,
    };
    let issues = check(&PoliciesDraft {
        cors: Field::Value(cors),
        ..PoliciesDraft::default()
    });
    assert_eq!(
        paths(&issues),
        vec![
            "cors[0].origins",
            "cors[0].methods",
            "cors[0].methods",
            "cors[0].headers",
            "cors[0].max_age"
        ]
    );
    assert!(issues[0].detail.contains("`https://(broken`"));
    assert!(issues[1].detail.contains("write `GET`"));
    assert!(issues[2].detail.contains("FETCH"));
}

#[test]
fn cors_fields_kong_added_later_are_written_read_and_checked_by_release() {
    let declared = Cors {
        private_network: Some(true),
        allow_origin_absent: Some(false),
        ..Cors::default()
    };
    let config = plugins::wire(&declared.config());
    assert_eq!(
        config,
        json!({"private_network": true, "allow_origin_absent": false})
    );
    // Read back from what Kong stores: the declared values; undeclared defaults stay absent,
    // on a Kong that has the fields (3.10: both) and on one that has neither (3.4).
    let kong_3_10 = |config: Json| {
        let mut stored = stored(CORS_PLUGIN, &config).config;
        stored["allow_origin_absent"] = config
            .get("allow_origin_absent")
            .cloned()
            .unwrap_or(json!(true));
        decoded::<CorsConfig>(stored)
    };
    assert_eq!(Cors::read(&kong_3_10(config), Some(&declared)), declared);
    let plain = Cors::default();
    assert_eq!(Cors::read(&kong_3_10(json!({})), Some(&plain)), plain);
    assert_eq!(Cors::read(&kong_3_10(json!({})), None), plain);
    assert_eq!(Cors::read(&CorsConfig::default(), Some(&plain)), plain);

    // Each is refused at plan on a Kong that does not have it, whatever its value.
    let draft = |private_network: Field<bool>, allow_origin_absent: Field<bool>| PoliciesDraft {
        cors: Field::Value(CorsDraft {
            private_network,
            allow_origin_absent,
            ..CorsDraft::default()
        }),
        ..PoliciesDraft::default()
    };
    let on = |version: &str, draft: &PoliciesDraft| {
        let rules = KongRules::of(crate::kong::KongVersion::parse(version).as_ref(), None);
        paths(&super::check(draft, rules))
    };
    let both = draft(Field::Value(false), Field::Value(true));
    assert_eq!(
        on("3.4.2", &both),
        vec!["cors[0].private_network", "cors[0].allow_origin_absent"]
    );
    assert_eq!(on("3.9.3", &both), vec!["cors[0].allow_origin_absent"]);
    assert!(on("3.10.0.1", &both).is_empty());
    assert!(super::check(&both, KongRules::ANY).is_empty());
    let unset = draft(Field::Null, Field::Null);
    assert!(on("3.4.2", &unset).is_empty());
    let detail = &super::check(&both, KongRules::KONG_3_9)[0].detail;
    assert!(detail.contains("since Kong 3.10"), "{detail}");
}

#[test]
fn timeouts_sizes_and_endpoints_are_checked() {
    let issues = check(&PoliciesDraft {
        timeout_ms: Field::Value(num(0.0)),
        request_size_limit_kb: Field::Value(num(1.5)),
        logging: Field::Value(LoggingDraft {
            http_endpoint: Field::Value("ftp://logs.example.com".into()),
        }),
        ..PoliciesDraft::default()
    });
    assert_eq!(
        paths(&issues),
        vec![
            "timeout_ms",
            "request_size_limit_kb",
            "logging[0].http_endpoint"
        ]
    );
    assert!(check(&PoliciesDraft {
        timeout_ms: Field::Value(MAX_TIMEOUT_MS.into()),
        request_size_limit_kb: Field::Value(num(1.0)),
        ..PoliciesDraft::default()
    })
    .is_empty());
    assert!(
        check(&PoliciesDraft {
            timeout_ms: Field::Value((MAX_TIMEOUT_MS + 1).into()),
            ..PoliciesDraft::default()
        })
        .len()
            == 1
    );
    for bad in [
        "logs.example.com",
        "http://",
        "https://user:pw@logs.example.com/",
        // The URL parser reads these as `http://a/`; Kong finds no host in them.
        "http:/a/",
        "http:///a",
        "http:\\\\a",
        "http://logs.example.com/a b",
    ] {
        assert!(http_endpoint(bad).is_err(), "{bad}");
    }
    assert!(http_endpoint("http://10.0.0.1:9000/log?team=a").is_ok());
}

#[test]
fn kongs_complaints_about_a_config_field_land_on_its_attribute() {
    let at = |path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        locate(&path).map(|p| p.to_string())
    };
    assert_eq!(
        at(&["config", "minute"]).as_deref(),
        Some("rate_limit[0].per_minute")
    );
    assert_eq!(
        at(&["config", "path"]).as_deref(),
        Some("rate_limit[0].path")
    );
    assert_eq!(
        at(&["config", "origins"]).as_deref(),
        Some("cors[0].origins")
    );
    assert_eq!(
        at(&["config", "size_unit"]).as_deref(),
        Some("request_size_limit_kb")
    );
    assert_eq!(
        at(&["config", "http_endpoint"]).as_deref(),
        Some("logging[0].http_endpoint")
    );
    assert_eq!(at(&["read_timeout"]).as_deref(), Some("timeout_ms"));
    assert_eq!(at(&["config", "policy"]), None);
    assert_eq!(at(&["hosts"]), None);
}

#[test]
fn every_rate_limit_attribute_has_its_kong_field() {
    // The table is the one place that pairs them: a declaration with every attribute set
    // becomes a config with every field set, and reads back whole.
    let all = RateLimit {
        per_second: Some(1),
        per_minute: Some(2),
        per_hour: Some(3),
        per_day: Some(4),
        per_month: Some(5),
        per_year: Some(6),
        limit_by: Some("path".into()),
        header_name: Some("X-Client".into()),
        path: Some("/a".into()),
    };
    let wire = serde_json::to_value(all.config()).expect("json");
    assert_eq!(wire.as_object().map(|o| o.len()), Some(9), "{wire}");
    assert_eq!(RateLimit::read(&all.config(), Some(&all)), all);
}

#[test]
fn monitoring_turns_on_the_three_metrics_and_sends_per_consumer_only_when_declared() {
    let wire = |m: Monitoring| plugins::wire(&m.config());
    assert_eq!(
        wire(Monitoring::default()),
        json!({"status_code_metrics": true, "latency_metrics": true, "bandwidth_metrics": true})
    );
    assert_eq!(
        wire(Monitoring {
            per_consumer: Some(false)
        })["per_consumer"],
        false
    );
    for declared in [None, Some(false), Some(true)] {
        let policies = Policies {
            monitoring: Some(Monitoring {
                per_consumer: declared,
            }),
            ..Policies::default()
        };
        assert!(policies.has_plugins());
        assert_eq!(round_trip(&policies), policies, "{declared:?}");
    }
}

#[test]
fn monitoring_reads_per_consumer_like_the_other_policies_fields() {
    let read_with = |per_consumer: Json, prior: Option<Option<bool>>| {
        let declared = Policies {
            monitoring: Some(Monitoring {
                per_consumer: Some(true),
            }),
            ..Policies::default()
        };
        let mut plugins = stored_all(&declared);
        plugins[0].config["per_consumer"] = per_consumer;
        let prior = prior.map(|per_consumer| Policies {
            monitoring: Some(Monitoring { per_consumer }),
            ..Policies::default()
        });
        read(&plugins, [60_000; 3], prior.as_ref())
            .monitoring
            .expect("monitoring")
            .per_consumer
    };
    // Declared: Kong's value shows whatever it is (null is Kong's default, false).
    assert_eq!(read_with(json!(false), Some(Some(true))), Some(false));
    assert_eq!(read_with(json!(null), Some(Some(true))), Some(false));
    assert_eq!(read_with(json!(true), Some(Some(false))), Some(true));
    // Not declared: never shows, even when Kong changes it.
    assert_eq!(read_with(json!(true), Some(None)), None);
    // Import: only a value other than Kong's default.
    assert_eq!(read_with(json!(true), None), Some(true));
    assert_eq!(read_with(json!(false), None), None);
    assert_eq!(read_with(json!(null), None), None);
}

#[test]
fn monitoring_with_a_promised_metric_off_reads_as_missing() {
    let declared = Policies {
        monitoring: Some(Monitoring::default()),
        ..Policies::default()
    };
    for metric in [
        "status_code_metrics",
        "latency_metrics",
        "bandwidth_metrics",
    ] {
        for off in [json!(false), json!(null)] {
            let mut plugins = stored_all(&declared);
            plugins[0].config[metric] = off.clone();
            assert_eq!(
                read(&plugins, [60_000; 3], Some(&declared)).monitoring,
                None,
                "{metric} = {off}"
            );
        }
    }
    // Kong's defaults alone (a prometheus plugin made outside Terraform, or a config that
    // does not decode) are not what the block promises either.
    let bare = stored(MONITORING_PLUGIN, &json!({}));
    assert_eq!(read(&[bare], [60_000; 3], None).monitoring, None);
    let garbled = stored(MONITORING_PLUGIN, &json!({"status_code_metrics": "yes"}));
    assert_eq!(
        read(&[garbled], [60_000; 3], Some(&declared)).monitoring,
        None
    );
    // Fields the block does not own never show.
    let mut plugins = stored_all(&declared);
    plugins[0].config["upstream_health_metrics"] = json!(true);
    plugins[0].config["ai_metrics"] = json!(true);
    assert_eq!(read(&plugins, [60_000; 3], Some(&declared)), declared);
}

#[test]
fn kongs_complaints_about_monitoring_land_on_the_block() {
    let at =
        |field: &str| locate(&["config".to_string(), field.to_string()]).map(|p| p.to_string());
    assert_eq!(
        at("per_consumer").as_deref(),
        Some("monitoring[0].per_consumer")
    );
    for metric in [
        "status_code_metrics",
        "latency_metrics",
        "bandwidth_metrics",
    ] {
        assert_eq!(at(metric).as_deref(), Some("monitoring"), "{metric}");
    }
    assert_eq!(at("upstream_health_metrics"), None);
}
