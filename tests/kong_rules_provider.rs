//! The provider's plan-time checks against the Kong rule corpus (tests/kong-rules/*.json): each
//! case goes through the check that runs at plan time for its attribute (`api::check_draft`,
//! `certificate::check`, `user::check_draft`; for the service's host and path, the rule the
//! upstream URL check applies to them), and the plan must refuse exactly what Kong refuses,
//! except where the corpus records a documented, deliberate difference.

use std::time::{SystemTime, UNIX_EPOCH};

use dispatch_provider::model::api::{self, Draft};
use dispatch_provider::model::certificate::{self, CertificateDraft};
use dispatch_provider::model::policies::{CorsDraft, LoggingDraft, RateLimitDraft};
use dispatch_provider::model::user::{self, UserDraft};
use dispatch_provider::model::{validate, Field, Issue, Number};
use dispatch_provider::secret::Secret;
use serde_json::Value as Json;
use test_support::certs::KeyKind;
use test_support::corpus::{self, describe, number, text, Case, Group, Material, Verdict};

fn verdict(issues: &[Issue]) -> Verdict {
    if issues.iter().any(Issue::is_error) {
        Verdict::Refuse
    } else {
        Verdict::Accept
    }
}

fn rule(result: Result<impl Sized, String>) -> Verdict {
    match result {
        Ok(_) => Verdict::Accept,
        Err(_) => Verdict::Refuse,
    }
}

fn strings(value: &str) -> Field<Vec<Option<String>>> {
    Field::Value(vec![Some(value.to_string())])
}

/// A corpus number as the provider holds it (the corpus writes only numbers a double holds).
fn decimal(input: &Json) -> Number {
    Number::from_f64(number(input)).expect("a finite number in the corpus")
}

/// `api::check_draft` on a declaration that is valid but for what `set` puts in it.
fn api_plan(set: impl FnOnce(&mut Draft)) -> Verdict {
    let mut draft = Draft {
        name: Field::Value("corpus".into()),
        ..Draft::default()
    };
    set(&mut draft);
    verdict(&api::check_draft(&draft, validate::KongRules::KONG_3_9))
}

fn rate_limit_plan(set: impl FnOnce(&mut RateLimitDraft)) -> Verdict {
    let mut limit = RateLimitDraft {
        per_minute: Field::Value(Number::from(5u64)),
        ..RateLimitDraft::default()
    };
    set(&mut limit);
    api_plan(|d| d.policies.rate_limit = Field::Value(limit))
}

fn cors_plan(set: impl FnOnce(&mut CorsDraft)) -> Verdict {
    let mut cors = CorsDraft::default();
    set(&mut cors);
    api_plan(|d| d.policies.cors = Field::Value(cors))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn certificate_plan(cert: &str, key: &str, hostnames: Field<Vec<Option<String>>>) -> Verdict {
    let draft = CertificateDraft {
        certificate: Field::Value(cert.to_string()),
        private_key: Field::Value(Secret::new(key)),
        hostnames,
        tags: Field::Null,
    };
    verdict(&certificate::check(&draft, now()).issues)
}

/// What the plan decides about `input` as the Kong field `field`.
fn plan(field: &str, input: &Json, sni_material: &Material) -> Verdict {
    let value = || text(input).to_string();
    match field {
        "route.hosts" => api_plan(|d| d.hosts = strings(&value())),
        "service.host" => rule(validate::host(text(input))),
        "snis" => certificate_plan(&sni_material.cert, &sni_material.key, strings(&value())),
        "service.url" => api_plan(|d| d.upstream_url = Field::Value(value())),
        "route.paths" => api_plan(|d| d.paths = strings(&value())),
        "service.path" => rule(validate::service_path(text(input))),
        "rate-limiting.path" => rate_limit_plan(|l| {
            l.limit_by = Field::Value("path".into());
            l.path = Field::Value(value());
        }),
        "route.methods" => api_plan(|d| d.methods = strings(&value())),
        "tags" => api_plan(|d| d.tags = strings(&value())),
        "utf8_name" => api_plan(|d| d.name = Field::Value(value())),
        "consumer.username" => verdict(&user::check_draft(&UserDraft {
            username: Field::Value(value()),
            password_empty: Field::Value(false),
            groups: Field::Null,
        })),
        "acl.group" => verdict(&user::check_draft(&UserDraft {
            username: Field::Value("alice".into()),
            password_empty: Field::Value(false),
            groups: strings(&value()),
        })),
        "cors.origins" => cors_plan(|c| c.origins = strings(&value())),
        "cors.methods" => cors_plan(|c| c.methods = strings(&value())),
        "cors.headers" => cors_plan(|c| c.headers = strings(&value())),
        "cors.max_age" => cors_plan(|c| c.max_age = Field::Value(decimal(input))),
        "rate-limiting.limit" => rate_limit_plan(|l| {
            l.per_minute = Field::Null;
            l.per_second = Field::Value(decimal(input));
        }),
        "rate-limiting.periods" => rate_limit_plan(|l| {
            let period = |name: &str| {
                input[name]
                    .as_f64()
                    .and_then(Number::from_f64)
                    .map_or(Field::Null, Field::Value)
            };
            l.per_second = period("second");
            l.per_minute = period("minute");
            l.per_hour = period("hour");
            l.per_day = period("day");
            l.per_month = period("month");
            l.per_year = period("year");
        }),
        "rate-limiting.limit_by" => rate_limit_plan(|l| {
            let by = value();
            match by.as_str() {
                "header" => l.header_name = Field::Value("X-Team".into()),
                "path" => l.path = Field::Value("/p".into()),
                _ => {}
            }
            l.limit_by = Field::Value(by);
        }),
        "rate-limiting.header_name" => rate_limit_plan(|l| {
            l.limit_by = Field::Value("header".into());
            l.header_name = Field::Value(value());
        }),
        "services.timeout" => api_plan(|d| d.policies.timeout_ms = Field::Value(decimal(input))),
        "request-size-limiting.allowed_payload_size" => {
            api_plan(|d| d.policies.request_size_limit_kb = Field::Value(decimal(input)))
        }
        "http-log.http_endpoint" => api_plan(|d| {
            d.policies.logging = Field::Value(LoggingDraft {
                http_endpoint: Field::Value(value()),
            })
        }),
        "route.https_redirect_status_code" => api_plan(|d| {
            d.https = Field::Value("required".into());
            d.redirect_code = Field::Value(decimal(input));
        }),
        "certificate" => {
            let material = corpus::material(input);
            certificate_plan(&material.cert, &material.key, Field::Null)
        }
        other => panic!("the provider test has no mapping for the Kong field {other}"),
    }
}

#[test]
fn the_plan_refuses_what_kong_refuses_and_accepts_what_kong_accepts() {
    let sni_material = Material::valid(KeyKind::Ed25519);
    let groups = corpus::groups();
    let mut wrong = Vec::new();
    let mut cases = 0;
    for group in &groups {
        for case in &group.cases {
            cases += 1;
            let planned = plan(&group.field, &case.input, &sni_material);
            if planned != case.provider_verdict() {
                wrong.push(format!(
                    "{} -> the plan says {planned:?}, expected {:?}",
                    describe(group, case),
                    case.provider_verdict()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cases} cases disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_corpus_is_large_and_every_case_cites_its_kong_source() {
    let groups = corpus::groups();
    let cases: Vec<(&Group, &Case)> = groups
        .iter()
        .flat_map(|g| g.cases.iter().map(move |c| (g, c)))
        .collect();
    assert!(cases.len() >= 400, "only {} cases", cases.len());
    for (group, case) in &cases {
        assert!(
            group.source.starts_with("kong/"),
            "{}: a group cites a file of Kong",
            group.field
        );
        if let Some(provider) = case.provider {
            assert_ne!(provider, case.kong, "{}", describe(group, case));
            let why = case.why.as_deref().unwrap_or_default();
            assert!(
                why.contains("on purpose"),
                "{}: a difference says why it is on purpose",
                describe(group, case)
            );
        } else {
            assert!(case.why.is_none(), "{}", describe(group, case));
        }
    }
    for verdict in [Verdict::Accept, Verdict::Refuse] {
        // Kong's cors `max_age` is any number: there is nothing of that type it refuses.
        for group in groups.iter().filter(|g| g.field != "cors.max_age") {
            assert!(
                group.cases.iter().any(|c| c.kong == verdict),
                "{} has no case Kong decides {verdict:?}",
                group.field
            );
        }
    }
}

#[test]
fn the_linked_pcre2_is_the_one_that_compiles_like_kongs() {
    let mut buffer = [0u8; 64];
    // SAFETY: PCRE2_CONFIG_VERSION writes a NUL-terminated string of at most 24 code units
    // into the buffer given; its length is what pcre2_config returns.
    #[allow(unsafe_code)]
    let written = unsafe {
        pcre2_sys::pcre2_config_8(
            pcre2_sys::PCRE2_CONFIG_VERSION,
            buffer.as_mut_ptr().cast::<std::ffi::c_void>(),
        )
    };
    assert!(written > 0);
    let version = String::from_utf8_lossy(&buffer[..(written as usize).saturating_sub(1)]);
    assert!(
        version.starts_with("10.43 "),
        "PCRE2 {version} is linked; Cargo.toml pins 10.43 (see there why)"
    );
}

#[test]
fn the_rules_guide_lists_every_attribute_and_says_where_the_plan_differs_on_purpose() {
    let guide = include_str!("../docs/guides/kong-rules.md");
    let rows: Vec<&str> = guide.lines().filter(|l| l.starts_with("| `")).collect();
    for group in corpus::groups() {
        let differs = group.cases.iter().any(|c| c.provider.is_some());
        for attribute in group.attribute.split(", ") {
            // `dispatch_api.upstream_url (host)`: the attribute is the first word.
            let name = attribute.split(' ').next().unwrap_or(attribute);
            let row = rows
                .iter()
                .find(|r| {
                    r.split(" | ")
                        .next()
                        .is_some_and(|cell| cell.contains(&format!("`{name}`")))
                })
                .unwrap_or_else(|| panic!("docs/guides/kong-rules.md has no row for `{name}`"));
            if differs {
                assert!(
                    row.contains("on purpose"),
                    "the row of `{name}` must say where the plan differs from Kong on purpose"
                );
            }
        }
    }
}
