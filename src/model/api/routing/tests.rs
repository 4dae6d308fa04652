use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn strings(values: &[&str]) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect())
}

/// A route Kong holds, with these hosts, paths and methods.
fn route(hosts: &[&str], paths: &[&str], methods: &[&str]) -> Route {
    Route {
        id: "r".into(),
        protocols: strings(&["http", "https"]),
        hosts: strings(hosts),
        paths: strings(paths),
        methods: strings(methods),
        ..Route::default()
    }
}

fn conflict(a: &Route, b: &Route) -> bool {
    same_requests(&Routing::of_route(a), &Routing::of_route(b))
}

#[test]
fn same_host_and_path_conflict() {
    let a = route(&["api.example.com"], &["/orders"], &[]);
    assert!(conflict(&a, &a.clone()));
    assert!(conflict(
        &a,
        &route(&["API.Example.com"], &["/orders"], &[])
    ));
    // A host or a path in common is enough: both receive those requests.
    assert!(conflict(
        &route(&["a.example.com", "b.example.com"], &["/x", "/orders"], &[]),
        &route(&["b.example.com"], &["/orders", "/y"], &[]),
    ));
}

#[test]
fn no_hosts_on_both_sides_conflict_on_a_path() {
    assert!(conflict(
        &route(&[], &["/shop/orders"], &[]),
        &route(&[], &["/shop/orders"], &[])
    ));
}

#[test]
fn prefix_overlaps_are_ordered_by_length() {
    assert!(!conflict(
        &route(&[], &["/a"], &[]),
        &route(&[], &["/a/b"], &[])
    ));
    assert!(!conflict(
        &route(&[], &["/a"], &[]),
        &route(&[], &["/ab"], &[])
    ));
}

#[test]
fn different_hosts_never_conflict() {
    assert!(!conflict(
        &route(&["a.example.com"], &["/x"], &[]),
        &route(&["b.example.com"], &["/x"], &[])
    ));
    // A route with hosts has more match fields than one without: it always wins.
    assert!(!conflict(
        &route(&["a.example.com"], &["/x"], &[]),
        &route(&[], &["/x"], &[])
    ));
}

#[test]
fn methods_conflict_only_when_they_overlap_or_both_are_absent() {
    let get = route(&[], &["/x"], &["GET"]);
    assert!(conflict(&get, &route(&[], &["/x"], &["GET", "POST"])));
    assert!(!conflict(&get, &route(&[], &["/x"], &["POST"])));
    // One with methods, one without: the one with methods has more match fields and wins.
    assert!(!conflict(&get, &route(&[], &["/x"], &[])));
}

#[test]
fn protocols_do_not_separate_http_routes() {
    let mut https_only = route(&["a.example.com"], &["/x"], &[]);
    https_only.protocols = strings(&["https"]);
    let mut http_only = https_only.clone();
    http_only.protocols = strings(&["http"]);
    assert!(conflict(&https_only, &http_only));
}

#[test]
fn wildcard_and_plain_hosts_have_different_priorities() {
    assert!(!conflict(
        &route(&["a.example.com", "*.example.org"], &["/x"], &[]),
        &route(&["a.example.com"], &["/x"], &[])
    ));
    assert!(conflict(
        &route(&["*.example.org"], &["/x"], &[]),
        &route(&["*.example.org", "b.*"], &["/x"], &[])
    ));
}

#[test]
fn regex_paths_conflict_only_at_the_same_regex_priority() {
    let a = route(&[], &["~/orders/\\d+$"], &[]);
    let mut b = a.clone();
    assert!(conflict(&a, &b));
    b.regex_priority = 5;
    assert!(!conflict(&a, &b));
    // regex_priority orders regex paths only: a prefix path in common still conflicts.
    let mut c = route(&[], &["/orders"], &[]);
    c.regex_priority = 5;
    assert!(conflict(&route(&[], &["/orders"], &[]), &c));
}

#[test]
fn routes_with_more_rules_or_in_the_stream_router_are_not_compared() {
    let plain = route(&["a.example.com"], &["/x"], &[]);
    let mut headers = plain.clone();
    headers.headers = Some(BTreeMap::from([("x-v".to_string(), vec!["1".to_string()])]));
    let mut snis = plain.clone();
    snis.snis = strings(&["a.example.com"]);
    let mut sources = plain.clone();
    sources.sources = Some(vec![serde_json::json!({"ip": "10.0.0.0/8"})]);
    let mut destinations = plain.clone();
    destinations.destinations = Some(vec![serde_json::json!({"port": 80})]);
    let mut expression = plain.clone();
    expression.expression = Some("http.path == \"/x\"".into());
    let mut stream = route(&[], &[], &[]);
    stream.protocols = strings(&["tcp"]);
    for other in [headers, snis, sources, destinations, expression, stream] {
        assert!(!conflict(&plain, &other), "{other:?}");
        assert!(!conflict(&other, &other.clone()), "{other:?}");
    }
    // Empty collections are no rules (Kong's `is_empty_field`).
    let mut empty = plain.clone();
    empty.headers = Some(BTreeMap::new());
    empty.snis = Some(vec![]);
    assert!(conflict(&plain, &empty));
}

#[test]
fn a_route_the_provider_writes_compares_like_the_one_kong_reads_back() {
    let fields = RouteFields {
        name: "shop.orders".into(),
        protocols: vec!["https".into()],
        hosts: strings(&["Shop.Example.com"]),
        paths: strings(&["/orders"]),
        methods: strings(&["GET"]),
        strip_path: true,
        https_redirect_status_code: 426,
        service: crate::kong::ForeignKey::new("s"),
        tags: vec![],
    };
    let stored = route(&["shop.example.com"], &["/orders"], &["GET"]);
    assert!(same_requests(
        &Routing::of_fields(&fields),
        &Routing::of_route(&stored)
    ));
}

fn names(pattern: &'static str) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(pattern, 0..3)
}

prop_compose! {
    fn any_routing()(
        hosts in names("(\\*\\.)?[ab]\\.example\\.(com|org)"),
        paths in names("~?/[ab](/[ab])?"),
        methods in names("GET|POST|PUT"),
        regex_priority in 0i64..2,
        other_rules in proptest::bool::weighted(0.1),
    ) -> Routing {
        Routing {
            hosts: hosts.into_iter().collect(),
            paths: paths.into_iter().collect(),
            methods: methods.into_iter().collect(),
            regex_priority,
            other_rules,
        }
    }
}

proptest! {
    #[test]
    fn the_rule_is_symmetric(a in any_routing(), b in any_routing()) {
        prop_assert_eq!(same_requests(&a, &b), same_requests(&b, &a));
    }

    #[test]
    fn a_route_always_conflicts_with_itself(a in any_routing()) {
        prop_assume!(!a.other_rules);
        prop_assert!(same_requests(&a, &a.clone()));
    }

    #[test]
    fn prefix_extended_paths_never_conflict(
        a in any_routing(),
        path in "/[ab](/[ab])?",
        extension in "/[a-z]{1,3}",
    ) {
        let mut shorter = a.clone();
        shorter.paths = [path.clone()].into();
        let mut longer = a;
        longer.paths = [format!("{path}{extension}")].into();
        prop_assert!(!same_requests(&shorter, &longer));
    }
}

#[test]
fn the_holder_of_a_route_comes_from_its_tags() {
    let naming = Naming::new(Some("shop".into()));
    let mut managed = route(&[], &["/shop/orders"], &[]);
    managed.name = Some("shop.orders".into());
    managed.tags = Some(naming.ownership_tags(Some("orders")));
    assert_eq!(
        holder(&naming, &managed),
        Holder::Api {
            name: "orders".into(),
            organization: Some("shop".into())
        }
    );
    let mut foreign = managed.clone();
    foreign.id = "r-blog".into();
    foreign.tags = Some(Naming::new(Some("blog".into())).ownership_tags(Some("orders")));
    assert_eq!(
        holder(&naming, &foreign),
        Holder::Foreign {
            organization: "blog".into(),
            route_id: "r-blog".into()
        }
    );
    let mut unmanaged = route(&[], &["/shop/orders"], &[]);
    unmanaged.id = "r-1".into();
    unmanaged.service = Some(crate::kong::ForeignKey::new("s-1"));
    assert_eq!(
        holder(&naming, &unmanaged),
        Holder::Unmanaged {
            route_id: "r-1".into(),
            route_name: None,
            service_id: Some("s-1".into())
        }
    );
}
