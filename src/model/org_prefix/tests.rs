use super::*;

const SHOP: &str = "/shop";

/// Whether Kong's default router (traditional_compatible: Rust `regex` on `^` + the regex, with
/// `?<` read as `?P<`) sends `request` to the Kong path `kong`.
fn rust_router_matches(kong: &str, request: &str) -> bool {
    match kong.strip_prefix('~') {
        Some(regex) => regex::Regex::new(&format!("^{}", regex.replace("?<", "?P<")))
            .map(|r| r.is_match(request))
            .unwrap_or(false),
        None => request.starts_with(kong),
    }
}

fn inside(request: &str) -> bool {
    request == SHOP || request.starts_with("/shop/")
}

/// Every way a regex might try to leave the prefix: each is either refused or kept inside.
const ESCAPES: &[&str] = &[
    "~/a|/admin",
    "~/a|",
    "~/|/admin",
    "~/a||/admin",
    "~/(a)|/admin",
    "~/a)|(/admin",
    "~/a)|(?:/admin",
    "~/a))|((/admin",
    "~/a|(?=/admin)",
    "~/(?<=/shop)|/admin",
    "~/(?|a|/admin)",
    "~/(?x)a|/admin",
    "~/(?x)a #)|/admin\n",
    "~/(?x)#\n)|(/admin",
    "~/(?#)|/admin",
    "~/(?#)|/admin)",
    "~/\\Q)|/admin",
    "~/\\Q)|/admin\\E",
    "~/\\Qa\\E)|(/admin",
    "~/(a)\\1|/admin",
    "~/(*ACCEPT)|/admin",
    "~/(*COMMIT)|/admin",
    "~/(*UTF)|/admin",
    "~/\\K|/admin",
    "~/a$|^/admin",
    "~/^|/admin",
    "~/(?m)^/admin",
    "~/\n|/admin",
    "~/a\n)|(/admin",
    "~/[)]|/admin",
    "~/[a)|(/admin]",
    "~/[[:alpha:])|(]",
    "~/[a[b])|(/admin(?:]",
    // Rust reads `[b]` as a class inside the class, PCRE as the end of it.
    "~/[a[b])|(/admin]",
    "~/[a&&[b]^)||(/admin]",
    "~/(?i)|/ADMIN",
    "~/(?<n>a)|/admin",
    "~/(?P<n>a)|(?P=n)/admin",
    "~/(?R)?|/admin",
    "~/?admin",
    "~/*admin",
    "~/+admin",
    "~/{0}admin",
    "~/{0,1}admin",
    "~/.*|/admin",
    "~/(",
    "~/)",
    "~/a\\",
];

#[test]
fn no_regex_leaves_the_prefix() {
    let probes = [
        "/admin",
        "/admin/",
        "/",
        "",
        "/shopping",
        "/sho",
        "/shopa",
        "/ADMIN",
        "/a",
        "/shop",
        "/shop//admin",
        "/shop/a",
        "\n/admin",
    ];
    for path in ESCAPES {
        let Ok(kong) = confine(SHOP, path, KongRules::KONG_3_9) else {
            continue;
        };
        assert!(kong.starts_with("~/shop/(?:"), "{path} -> {kong}");
        for probe in probes {
            if rust_router_matches(&kong, probe) {
                assert!(inside(probe), "{path} -> {kong} matches {probe:?}");
            }
        }
    }
}

#[test]
fn the_reported_attack_is_confined_and_the_naive_prefix_was_not() {
    let naive = "~/shop/a|/admin";
    assert!(rust_router_matches(naive, "/admin"), "the bug this fixes");
    let kong = confine(SHOP, "~/a|/admin", KongRules::KONG_3_9).expect("confinable");
    assert_eq!(kong, "~/shop/(?:a|/admin)");
    assert!(!rust_router_matches(&kong, "/admin"));
    assert!(rust_router_matches(&kong, "/shop/a"));
    assert!(rust_router_matches(&kong, "/shop//admin"));
}

#[test]
fn regexes_that_would_break_out_of_the_group_are_refused() {
    for path in [
        "~/a)|(/admin",
        "~/\\Q)|/admin",
        "~/(?x)#",
        "~/\\Qabc",
        "~/(",
        "~/)",
        "~/[a[b])|(/admin]",
    ] {
        assert!(
            confine(SHOP, path, KongRules::KONG_3_9).is_err(),
            "{path:?} must be refused"
        );
    }
    let why = confine(SHOP, "~/a(?x)#c", KongRules::KONG_3_9).expect_err("a comment to the end");
    assert!(
        why.to_string()
            .contains("cannot be kept under the organization's prefix `/shop/`"),
        "{why}"
    );
}

#[test]
fn a_quantified_leading_slash_is_refused_with_its_reason() {
    for (path, q) in [
        ("~/?admin", '?'),
        ("~/*x", '*'),
        ("~/+x", '+'),
        ("~/{0}x", '{'),
    ] {
        match confine(SHOP, path, KongRules::KONG_3_9) {
            Err(PrefixError::QuantifiedSlash { quantifier, .. }) => assert_eq!(quantifier, q),
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[test]
fn plain_paths_are_prefixed_and_everything_reads_back() {
    let paths: Vec<String> = ["/cart", "/", "~/items/\\d+$", "~/(?<id>\\d+)", "~/"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let kong = kong_paths(SHOP, &paths, KongRules::KONG_3_9).expect("valid");
    assert_eq!(
        kong,
        [
            "/shop/cart",
            "/shop/",
            "~/shop/(?:items/\\d+$)",
            "~/shop/(?:(?<id>\\d+))",
            "~/shop/(?:)"
        ]
    );
    assert_eq!(api_paths(SHOP, &kong), paths);
}

#[test]
fn no_paths_means_the_prefix_and_not_a_longer_organization() {
    let kong = kong_paths(SHOP, &[], KongRules::KONG_3_9).expect("valid");
    assert_eq!(kong, ["/shop/", "~/shop$"]);
    assert!(api_paths(SHOP, &kong).is_empty());
    let routes = |request: &str| kong.iter().any(|k| rust_router_matches(k, request));
    assert!(routes("/shop"));
    assert!(routes("/shop/"));
    assert!(routes("/shop/cart"));
    assert!(!routes("/shopping"));
    assert!(!routes("/shopping/cart"));
}

#[test]
fn what_kong_holds_in_another_form_reads_back_as_a_difference() {
    // Written by an earlier version (a plain prefix, a regex without the group) or by hand:
    // shown as Kong holds it, after words that no valid path has, so the plan rewrites it.
    for kong in [
        "/shop",
        "~/shop/items/\\d+",
        "~/shop/a|/admin",
        "/other",
        "~/shop$",
    ] {
        let read = api_paths(SHOP, &[kong.to_string()]);
        assert_eq!(read, [format!("(not kept under /shop/) {kong}")]);
        assert!(validate::route_path(&read[0], KongRules::KONG_3_9).is_err());
    }
    // A regex of the right form whose inside is not a valid path reads back as that inside,
    // which no declaration can be either.
    let read = api_paths(SHOP, &["~/shop/(?:a)|(?:/admin)".to_string()]);
    assert_eq!(read, ["~/a)|(?:/admin"]);
    assert!(confine(SHOP, &read[0], KongRules::KONG_3_9).is_err());
}

#[test]
fn a_prefix_that_is_not_a_plain_name_is_refused() {
    for prefix in ["/a|b", "shop", "/", "/a/b", "/a.b"] {
        assert!(matches!(
            confine(prefix, "/x", KongRules::KONG_3_9),
            Err(PrefixError::Prefix { .. })
        ));
    }
}
