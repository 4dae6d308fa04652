use super::*;
use policy::cors_origin as cors_origin_on;

/// Kong 3.9's rule, which the cases here follow.
fn route_path(path: &str) -> Result<(), String> {
    super::route_path(path, KongRules::KONG_3_9)
}

fn cors_origin(origin: &str) -> Result<(), String> {
    cors_origin_on(origin, KongRules::KONG_3_9)
}

fn http_endpoint(raw: &str) -> Result<(), String> {
    super::http_endpoint(raw, KongRules::KONG_3_9)
}

fn kong_pcre(pattern: &str) -> Result<(), String> {
    KongRules::KONG_3_9.regex.check(pattern)
}

#[test]
fn api_names_follow_the_contract() {
    for good in ["hello", "Hello-World_2", "9lives"] {
        assert!(api_name(good).is_ok(), "{good}");
    }
    for bad in ["", "-x", "_x", "a.b", "a b", "héllo", "a/b"] {
        assert!(api_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn methods_are_upper_case_letters() {
    assert!(method("GET").is_ok());
    assert_eq!(
        method("get").expect_err("lower"),
        "`get` must be upper case: write `GET`"
    );
    assert!(method("GET1").is_err());
    assert!(method("").is_err());
}

#[test]
fn hosts_follow_kong_wildcard_and_port_rules() {
    for good in [
        "example.com",
        "*.example.com",
        "example.*",
        "api.example.com:8443",
        "10.0.0.1",
        "10.0.0.1:80",
        "[::1]:8000",
        "::1",
        "under_score.example",
        "trailing.dot.",
    ] {
        assert!(route_host(good).is_ok(), "{good}: {:?}", route_host(good));
    }
    for bad in [
        "*.*.example.com",
        "a.*.example.com",
        "*example.com",
        "ex ample.com",
        "example.com:99999",
        "a-.example.com",
        "a..b",
        "300.1.1.1",
        "",
    ] {
        assert!(route_host(bad).is_err(), "{bad}");
    }
}

#[test]
fn sni_names_follow_kong_wildcard_host_rules() {
    for good in [
        "example.com",
        "*.example.com",
        "example.*",
        "a-b.example.com",
        "localhost",
        "*.Mixed.example",
    ] {
        assert!(sni_name(good).is_ok(), "{good}: {:?}", sni_name(good));
    }
    let why = |name: &str| sni_name(name).expect_err(name);
    assert!(why("10.0.0.1").contains("IP address"));
    assert!(why("::1").contains("IP address"));
    assert!(why("[::1]:443").contains("IP address"));
    assert!(why("example.com:443").contains("port"));
    assert!(why("*.example.*").contains("more than one wildcard"));
    assert!(why("a.*.example.com").contains("wrong place"));
    assert!(why("*example.com").contains("wrong place"));
    assert!(why("exa mple.com").contains("not a valid hostname"));
    assert!(why("a..example.com").contains("not a valid hostname"));
    assert!(why("").contains("not a valid hostname"));
}

#[test]
fn paths_must_be_normalised_prefixes_or_valid_regexes() {
    for good in ["/", "/hello", "/a/b/", "/%2F", "~/items/\\d+$", "/café"] {
        assert!(route_path(good).is_ok(), "{good}: {:?}", route_path(good));
    }
    assert_eq!(
        route_path("/a/../b").expect_err("dots"),
        "`/a/../b` is not in Kong's normalised form: write `/b`"
    );
    assert!(
        route_path("/%7Euser").is_err(),
        "unreserved %-encoding is decoded"
    );
    assert!(
        route_path("/caf%C3%A9").is_err(),
        "so is any non-reserved byte"
    );
    assert!(
        route_path("/%2f").is_err(),
        "reserved %-encoding is upper-cased"
    );
    assert!(route_path("hello").is_err());
    assert!(route_path("/a//b").is_err());
    assert!(route_path("/a%zz").is_err());
    assert!(
        route_path("~/files/%[0-9A-F]{2}$").is_ok(),
        "`%` is a plain character in a regex"
    );
    assert!(route_path("~/items/(").is_err());
    assert!(
        route_path("~/(?=look)ahead").is_err(),
        "Kong's router has no lookaround"
    );
    assert!(route_path("~items").is_err());
    assert!(
        route_path("~/$*").is_err(),
        "PCRE refuses a repeated anchor"
    );
}

#[test]
fn normalisation_matches_kong_examples() {
    assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
    assert_eq!(normalize_path("/a/b/.."), "/a/");
    assert_eq!(normalize_path("/%41%2f"), "/A%2F");
    assert_eq!(normalize_path("/.."), "/");
    assert_eq!(normalize_path("/"), "/");
}

#[test]
fn upstream_urls_are_what_a_kong_service_can_hold() {
    assert!(upstream_url("http://fn.internal:8080/run/hello").is_ok());
    assert!(upstream_url("https://example.com").is_ok());
    assert!(upstream_url("ftp://example.com").is_err());
    assert!(upstream_url("http://example.com/a?b=c").is_err());
    assert!(upstream_url("http://user:pw@example.com/").is_err());
    assert!(upstream_url("http://example.com/a//b").is_err());
    assert!(upstream_url("not a url").is_err());
    assert!(upstream_url("http://-").is_err(), "Kong's hostname rules");
    assert!(upstream_url("http://a-.example.com").is_err());
    assert!(upstream_url("http://under_score.internal").is_ok());
    assert!(upstream_url("HTTPS://Example.com/Run").is_ok());
    // What the URL parser forgives, and would make the path sent to Kong differ from it.
    assert!(upstream_url("http:/example.com/run").is_err());
    assert!(upstream_url("http://example.com\\run").is_err());
    assert!(upstream_url("http://example.com/a\tb").is_err());
    assert!(upstream_url("http://exa\nmple.com/run").is_err());
    assert!(upstream_url(" http://example.com").is_err());
    assert!(upstream_url("https:///example.com/run").is_err());
}

#[test]
fn workspaces_cannot_be_dot_segments() {
    assert!(workspace("team-a.prod~1").is_ok());
    assert!(workspace("...").is_ok());
    assert!(workspace(".").is_err());
    assert!(workspace("..").is_err());
    assert!(workspace("").is_err());
    assert!(workspace("a b").is_err());
}

#[test]
fn tags_refuse_commas_and_slashes() {
    assert!(tag("team:payments").is_ok());
    assert!(tag("a,b").is_err());
    assert!(tag("a/b").is_err());
    assert!(tag("").is_err());
}

#[test]
fn regexes_compile_as_with_kongs_pcre2_not_a_newer_one() {
    // PCRE2 10.45 added Perl extended classes and scan-substring assertions: Kong 3.9's 10.44
    // refuses them, and so does the plan.
    assert!(kong_pcre("/(?[a])").is_err());
    assert!(kong_pcre("/(a)(*scs:(1)a)").is_err());
    assert!(kong_pcre("/(a)(*scan_substring:(1)a)").is_err());
    assert!(kong_pcre("/(*TURKISH_CASING)").is_err());
    // 10.45 stopped reading a bare `\x` as NUL; 10.44 still does (a CORS origin may hold it).
    assert!(kong_pcre("a\\xg").is_ok());
    // What every PCRE2 since 10.43 accepts.
    assert!(kong_pcre("/{,3}").is_ok());
    assert!(kong_pcre("/(?<=a|bc)").is_ok());
    // 10.44 allows group names up to 128 characters (the 10.43 linked here up to 32: longer
    // names are renamed before compiling, see regex.rs).
    assert!(kong_pcre(&format!("(?<{}>a)", "n".repeat(33))).is_ok());
    assert!(kong_pcre(&format!("(?<{}>a)", "n".repeat(129))).is_err());
}

#[test]
fn upstream_hosts_are_kongs_service_hosts() {
    let host = |raw: &str| upstream_url(raw).map(|u| u.host);
    // A numeric last label is a name to Kong (a URL parser takes it for a bad IPv4 address).
    assert_eq!(host("http://worker.01/run").as_deref(), Ok("worker.01"));
    // Digits and dots are an IPv4 address to Kong, which takes no shorthand.
    assert!(upstream_url("http://1.2.3/run").is_err());
    assert!(upstream_url("http://0x7f.1/").is_ok(), "a name to Kong");
    assert!(upstream_url("http://[::ffff:10.0.0.1]/").is_err());
    assert_eq!(
        host("http://[1::2:3:4:5:6:7:8]:81/").as_deref(),
        Ok("1::2:3:4:5:6:7:8")
    );
    assert!(
        upstream_url("http://::1/").is_err(),
        "IPv6 goes in brackets"
    );
    assert!(upstream_url("http://[example.com]/").is_err());
    assert!(upstream_url("http://ex%41mple.com/").is_err());
    // Names go to Kong in lower case and punycode.
    assert_eq!(
        host("HTTP://Bücher.Example/").as_deref(),
        Ok("xn--bcher-kva.example")
    );
    let url = upstream_url("https://h:0443/a;b").expect("valid");
    assert_eq!(
        (url.scheme, url.port, url.path),
        ("https", Some(443), Some("/a;b"))
    );
    assert!(upstream_url("http://h:/").is_err());
    assert!(upstream_url("http://h:65536/").is_err());
    assert!(upstream_url("http://h/#frag").is_err());
}

#[test]
fn log_endpoints_are_urls_kong_takes_or_vault_references() {
    for good in [
        "http://logs.internal:9000/in?team=a",
        "https://worker.01/log",
        "http://bücher.example/log",
        "{vault://env/log-endpoint}",
    ] {
        assert!(
            http_endpoint(good).is_ok(),
            "{good}: {:?}",
            http_endpoint(good)
        );
    }
    for bad in [
        "",
        "logs.internal/in",
        "ftp://logs.internal/",
        "http:///in",
        "http://user:pw@logs.internal/",
        "http://logs.internal:99999/",
        "{vault://env/x",
    ] {
        assert!(http_endpoint(bad).is_err(), "{bad}");
    }
}

#[test]
fn percent_encoding_is_checked_only_in_rfc_3986_paths() {
    assert!(route_path("/a%zz").is_err());
    assert!(route_path("/a%2").is_err());
    assert!(route_path("/é%zz").is_ok(), "Kong skips the %-check");
    assert!(route_path("/a b%").is_ok(), "Kong skips the %-check");
    assert!(route_path("/é%41").is_err(), "but still normalises: `/éA`");
    assert!(
        service_path("/é").is_err(),
        "a service path is RFC 3986 only"
    );
}

#[test]
fn regex_paths_compile_as_kongs_router_compiles_them() {
    assert!(route_path("~/(?<id>\\d+)").is_ok());
    assert!(route_path("~/(?P<id>\\d+)").is_ok());
    assert!(route_path("~/a?<b").is_ok());
    assert!(
        route_path("~/(?<=a)b").is_err(),
        "no lookbehind in Rust's regex"
    );
    assert!(route_path("~/\\Qa\\E").is_err(), "no \\Q in Rust's regex");
}

#[test]
fn policy_numbers_follow_kong_or_a_documented_product_rule() {
    use policy::*;
    // A number as Terraform sends it (NaN cannot be one: Terraform has no NaN).
    let n = |v: f64| crate::model::Number::from_f64(v).expect("finite");
    assert_eq!(timeout_ms(&n(1.0)), Ok(1));
    assert_eq!(timeout_ms(&n(2_147_483_646.0)), Ok(MAX_TIMEOUT_MS));
    for bad in [0.0, 2_147_483_647.0, 0.1, -1.0] {
        assert!(timeout_ms(&n(bad)).is_err(), "{bad}");
    }
    assert_eq!(request_size_kb(&n(0.0)), Ok(0), "Kong's integer takes 0");
    assert!(request_size_kb(&n(-1.0)).is_err());
    assert!(request_size_kb(&n(1.5)).is_err());
    assert_eq!(max_age(&n(0.0)), Ok(0));
    assert!(max_age(&n(0.1)).is_err() && max_age(&n(-5.0)).is_err());
    assert_eq!(rate_limit("per_second", &n(1.0)), Ok(1));
    let why = rate_limit("per_second", &n(0.5)).expect_err("fraction");
    assert!(
        why.contains("`per_second` is 0.5, not a whole number"),
        "{why}"
    );
    assert!(rate_limit("per_day", &n(0.0)).is_err());
}

#[test]
fn cors_fields_follow_kong() {
    use policy::{cors_header, cors_method, kong_header_name};
    assert!(cors_origin("*").is_ok());
    assert!(cors_origin("https://app\\.example\\.com").is_ok());
    assert!(cors_origin("").is_err(), "len_min = 1");
    assert!(cors_origin("(").is_err());
    assert!(cors_origin("a\\xg").is_ok(), "PCRE2 10.44 reads a bare \\x");
    assert!(cors_method("PATCH").is_ok());
    assert!(cors_method("patch")
        .expect_err("case")
        .contains("write `PATCH`"));
    assert!(cors_method("PROPFIND").is_err());
    assert!(cors_header("X-Request-Id").is_ok());
    assert!(cors_header("").is_err());
    assert!(cors_header("a b").is_err(), "stricter on purpose");
    assert!(kong_header_name("X_Team-1").is_ok());
    assert!(kong_header_name("X.Team").is_err());
}
