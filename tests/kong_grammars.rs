//! Property tests over inputs generated from the grammars in Kong 3.9's source: each generator
//! builds a value and knows, from the grammar it follows, whether Kong accepts it; the
//! provider's plan-time rule and the sandbox (through its Admin API) must both agree with that.
//! - hosts: kong/tools/ip.lua `normalize_ip` (IPv4 as four groups of one to three digits, at
//!   most 255; IPv6 as eight groups of one to four hex digits once the first `::` is expanded;
//!   names as labels of letters, digits, `-` and `_`, none empty but the last, none ending in
//!   `-`; an optional port up to 65535);
//! - tags: kong/db/schema/typedefs.lua `validate_tag`'s byte class;
//! - header names: kong/tools/http.lua `validate_header_name`;
//! - route paths: the provider and the sandbox must agree on every generated path, and accept
//!   every path of unreserved characters without dot segments.
//!
//! Case counts stay small for CI (`PROPTEST_CASES` raises them).

use dispatch_provider::model::validate;
use kong_sandbox::Sandbox;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;
use test_support::admin::AdminClient;

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

/// A generated value and whether Kong's grammar accepts it.
type Judged = (String, bool);

/// An IPv4 address as `normalize_ipv4` reads it; sometimes a group out of range or too long,
/// or the wrong number of groups.
fn ipv4() -> impl Strategy<Value = Judged> {
    let group = prop_oneof![
        6 => (0u16..=255, 1usize..=3).prop_map(|(n, width)| {
            let digits = n.to_string();
            let pad = width.saturating_sub(digits.len());
            (format!("{}{digits}", "0".repeat(pad)), true)
        }),
        1 => (256u16..=999).prop_map(|n| (n.to_string(), false)),
        1 => (0u16..=9999).prop_map(|n| (format!("{n:04}"), false)),
    ];
    prop::collection::vec(group, 3..=5).prop_map(|groups| {
        let valid = groups.len() == 4 && groups.iter().all(|(_, ok)| *ok);
        let text: Vec<String> = groups.into_iter().map(|(g, _)| g).collect();
        (text.join("."), valid)
    })
}

/// An IPv6 address as `normalize_ipv6` reads it: explicit groups around at most one `::`.
/// Kong expands the first `::` after giving a leading or trailing one a `0` group, and wants
/// eight groups then: so `::` may stand for no group at all, and nine explicit places fail.
fn ipv6() -> impl Strategy<Value = Judged> {
    let group = prop_oneof![
        8 => "[0-9a-fA-F]{1,4}".prop_map(|g| (g, true)),
        1 => "[0-9a-fA-F]{5}".prop_map(|g| (g, false)),
        1 => "[g-z]{1,2}".prop_map(|g| (g, false)),
    ];
    (
        prop::collection::vec(group, 0..=9),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(groups, at, compress)| {
            let n = groups.len();
            let groups_ok = groups.iter().all(|(_, ok)| *ok);
            let text: Vec<String> = groups.into_iter().map(|(g, _)| g).collect();
            if compress || n != 8 {
                let p = at.index(n + 1);
                let effective = n + usize::from(p == 0) + usize::from(p == n);
                let written = format!("{}::{}", text[..p].join(":"), text[p..].join(":"));
                (written, groups_ok && effective <= 8)
            } else {
                (text.join(":"), groups_ok)
            }
        })
}

/// Kong's `normalize_ipv4` on a text of digits and dots: four groups of one to three digits,
/// each at most 255.
fn ipv4_valid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('.').collect();
    groups.len() == 4
        && groups.iter().all(|g| {
            (1..=3).contains(&g.len())
                && g.bytes().all(|b| b.is_ascii_digit())
                && g.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// A host name as `check_hostname` reads it. A text of only digits and dots is an IPv4
/// address to Kong (`hostname_type`), and judged as one.
fn hostname() -> impl Strategy<Value = Judged> {
    let label = prop_oneof![
        8 => "[a-zA-Z_][a-zA-Z0-9_-]{0,8}[a-zA-Z0-9_]?".prop_map(|l| {
            let ok = !l.ends_with('-');
            (l, ok)
        }),
        2 => "[0-9]{1,3}".prop_map(|l| (l, true)),
        1 => "-[a-z0-9]{0,3}".prop_map(|l| {
            let ok = !l.ends_with('-');
            (l, ok)
        }),
        1 => Just((String::new(), true)),
        1 => "[a-z]{0,2}[ é!%@][a-z]{0,2}".prop_map(|l| (l, false)),
    ];
    (prop::collection::vec(label, 1..=4), any::<bool>()).prop_map(|(labels, trailing_dot)| {
        let labels_ok = labels.iter().all(|(_, ok)| *ok);
        let mut text: Vec<String> = labels.into_iter().map(|(l, _)| l).collect();
        if trailing_dot {
            text.push(String::new());
        }
        let joined = text.join(".");
        if !joined.is_empty() && joined.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return (joined.clone(), ipv4_valid(&joined));
        }
        // No empty label but the last, and the last only after another (a trailing dot).
        let last = text.len() - 1;
        let empty_inside = text[..last].iter().any(String::is_empty);
        let only_empty = last == 0 && text[0].is_empty();
        let empties_ok = !(empty_inside || only_empty);
        (joined, labels_ok && empties_ok)
    })
}

/// A port suffix: `None`, or the digits and whether Kong accepts them (at most 65535).
fn port() -> impl Strategy<Value = Option<Judged>> {
    prop::option::of(prop_oneof![
        6 => (0u32..=65535).prop_map(|p| (p.to_string(), true)),
        1 => (65536u32..=999_999).prop_map(|p| (p.to_string(), false)),
        1 => (0u32..=999).prop_map(|p| (format!("00{p}"), true)),
    ])
}

/// A host with an optional port, and whether Kong accepts it with and without the port rule.
fn host() -> impl Strategy<Value = (String, bool, bool)> {
    let address = prop_oneof![
        2 => ipv4().prop_map(|(t, ok)| (t, ok, false)),
        3 => ipv6().prop_map(|(t, ok)| (t, ok, true)),
        4 => hostname().prop_map(|(t, ok)| (t, ok, false)),
    ];
    (address, port()).prop_map(|((text, ok, v6), port)| match port {
        None => (text, ok, ok),
        Some((digits, port_ok)) if v6 => (format!("[{text}]:{digits}"), ok && port_ok, false),
        Some((digits, port_ok)) => (format!("{text}:{digits}"), ok && port_ok, false),
    })
}

fn verdicts_agree(
    what: &str,
    input: &str,
    grammar: bool,
    plan: bool,
    sandbox: bool,
) -> Result<(), TestCaseError> {
    if plan != grammar || sandbox != grammar {
        return Err(TestCaseError::fail(format!(
            "{what} {input:?}: Kong's grammar says {grammar}, the plan {plan}, the sandbox {sandbox}"
        )));
    }
    Ok(())
}

#[test]
fn generated_hosts_are_judged_as_kongs_grammar_judges_them() {
    let kong = Sandbox::start();
    let admin = AdminClient::new(&kong.url());
    let mut runner = TestRunner::new(config(600));
    runner
        .run(&host(), |(text, route_ok, service_ok)| {
            let route_plan = validate::route_host(&text).is_ok();
            let route_sandbox = admin.stores("/routes", json!({"hosts": [text]}));
            verdicts_agree("route host", &text, route_ok, route_plan, route_sandbox)?;
            let service_plan = validate::host(&text).is_ok();
            let service_sandbox = admin.stores("/services", json!({"host": text}));
            verdicts_agree(
                "service host",
                &text,
                service_ok,
                service_plan,
                service_sandbox,
            )
        })
        .expect("hosts agree with Kong's grammar");
}

#[test]
fn generated_tags_and_header_names_are_judged_as_kongs_patterns_judge_them() {
    let kong = Sandbox::start();
    let admin = AdminClient::new(&kong.url());
    // typedefs.lua validate_tag: ^[ \033-\043\045\046\048-\126\128-\244]+$ on the bytes.
    let tag_byte =
        |b: u8| b == b' ' || ((33..=126).contains(&b) && b != b',' && b != b'/') || b >= 128;
    let mut runner = TestRunner::new(config(300));
    runner
        .run(&"(\\PC|[\\x00-\\x20\\x7f,/]){0,6}", |tag| {
            let grammar = !tag.is_empty() && tag.bytes().all(tag_byte);
            let plan = validate::tag(&tag).is_ok();
            let sandbox = admin.stores("/services", json!({"host": "example.com", "tags": [tag]}));
            verdicts_agree("tag", &tag, grammar, plan, sandbox)
        })
        .expect("tags agree with Kong's pattern");
    // http.lua validate_header_name: ^[a-zA-Z0-9-_]+$.
    runner
        .run(&"[a-zA-Z0-9_ .:é-]{0,6}", |name| {
            let grammar = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            let plan = validate::policy::kong_header_name(&name).is_ok();
            let sandbox = admin.stores(
                "/plugins",
                json!({"name": "rate-limiting", "config": {"minute": 5, "limit_by": "header", "header_name": name}}),
            );
            verdicts_agree("header name", &name, grammar, plan, sandbox)
        })
        .expect("header names agree with Kong's pattern");
}

/// A route path from typedefs.lua's alphabet: RFC 3986 characters, %-encodings (good, bad,
/// reserved, unreserved), dot segments, and characters outside RFC 3986.
fn route_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        6 => "[a-zA-Z0-9._~-]{1,5}",
        2 => "[!$&'()*+,;=:@]{1,2}",
        2 => prop::sample::select(vec!["%2F", "%2f", "%41", "%7E", "%25", "%C3%A9", "%zz", "%2", "%"]).prop_map(str::to_string),
        1 => prop::sample::select(vec![".", "..", ""]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["é", " ", "a b", "?", "#", "[x]"]).prop_map(str::to_string),
    ];
    (prop::collection::vec(segment, 0..4), any::<bool>()).prop_map(|(segments, regex)| {
        let path = format!("/{}", segments.join("/"));
        if regex {
            format!("~{path}")
        } else {
            path
        }
    })
}

#[test]
fn generated_route_paths_are_judged_alike_by_the_plan_and_the_sandbox() {
    let kong = Sandbox::start();
    let admin = AdminClient::new(&kong.url());
    let mut runner = TestRunner::new(config(500));
    runner
        .run(&route_path(), |path| {
            let plan = validate::route_path(&path, validate::KongRules::KONG_3_9).is_ok();
            let sandbox = admin.stores("/routes", json!({"paths": [path]}));
            if plan != sandbox {
                return Err(TestCaseError::fail(format!(
                    "route path {path:?}: the plan says {plan}, the sandbox {sandbox}"
                )));
            }
            Ok(())
        })
        .expect("the plan and the sandbox agree on route paths");
    // Unreserved characters, no dot segment, no empty segment: valid by Kong's grammar.
    runner
        .run(&"(/[a-zA-Z0-9_~-][a-zA-Z0-9._~-]{0,6}){1,4}/?", |path| {
            let plan = validate::route_path(&path, validate::KongRules::KONG_3_9).is_ok();
            let sandbox = admin.stores("/routes", json!({"paths": [path]}));
            verdicts_agree("route path", &path, true, plan, sandbox)
        })
        .expect("plain paths are accepted");
}
