//! Property tests: a regex path kept under an organization's prefix never matches a request
//! path outside `/<organization>/`, with either engine Kong 3.9 routes with:
//! - the default router (`traditional_compatible`): the Rust `regex` crate on `"^" .. regex`
//!   with `?<` read as `?P<` (kong/router/transform.lua `path_val_transform`);
//! - the `traditional` router: PCRE2, compiled with the anchored option, on
//!   `"(*LIMIT_MATCH=10000)" .. regex .. "(?<uri_postfix>.*)"` (kong/router/traditional.lua).
//!
//! The regexes are built from the pieces every escape uses: alternation (also empty
//! alternatives), anchors, lookarounds and lookbehinds, `(?` flags (`(?x)`, `(?|`, `(?m)`, ...),
//! `\Q…\E`, backreferences, `(*VERB)`s, `\K`, newlines, comments, classes and unbalanced
//! parentheses. Probe paths are built from the same literals. Case counts stay small for CI
//! (`PROPTEST_CASES` raises them).

use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use dispatch_provider::model::org_prefix::{self, PrefixError};
use dispatch_provider::model::validate::KongRules;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const PREFIX: &str = "/shop";
/// Kong 3.9's: the confinement is compiled with the same PCRE2 whatever the version.
const RULES: KongRules = KongRules::KONG_3_9;

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

/// Whether `request` is inside the organization: `/shop` itself or under `/shop/`.
fn inside(request: &str) -> bool {
    request == PREFIX || request.starts_with("/shop/")
}

/// Kong's default router: whether the Kong path `kong` (`~…` or a plain prefix) takes `request`.
fn rust_router(kong: &str, request: &str) -> bool {
    match kong.strip_prefix('~') {
        Some(regex) => regex::Regex::new(&format!("^{}", regex.replace("?<", "?P<")))
            .is_ok_and(|r| r.is_match(request)),
        None => request.starts_with(kong),
    }
}

/// Kong's traditional router: PCRE2 with PCRE2_ANCHORED on Kong's wrapping of the regex. A
/// pattern that does not compile builds no route; a match error (limit) routes nothing.
fn pcre_router(kong: &str, request: &str) -> bool {
    let Some(regex) = kong.strip_prefix('~') else {
        return request.starts_with(kong);
    };
    let pattern = format!("(*LIMIT_MATCH=10000){regex}(?<uri_postfix>.*)");
    // SAFETY: plain calls into PCRE2 with pointers and lengths of live buffers; every object
    // created is freed before returning, and null results are checked before use.
    // Test code: PCRE2 itself, through its C API (no safe binding offers these calls).
    #[allow(unsafe_code)]
    unsafe {
        let mut error = 0;
        let mut offset = 0;
        let code = pcre2_sys::pcre2_compile_8(
            pattern.as_ptr(),
            pattern.len(),
            pcre2_sys::PCRE2_ANCHORED,
            &mut error,
            &mut offset,
            ptr::null_mut(),
        );
        if code.is_null() {
            return false;
        }
        let data = pcre2_sys::pcre2_match_data_create_from_pattern_8(code, ptr::null_mut());
        let matched = !data.is_null()
            && pcre2_sys::pcre2_match_8(
                code,
                request.as_ptr(),
                request.len(),
                0,
                0,
                data,
                ptr::null_mut(),
            ) >= 0;
        if !data.is_null() {
            pcre2_sys::pcre2_match_data_free_8(data);
        }
        pcre2_sys::pcre2_code_free_8(code);
        matched
    }
}

/// A piece of a regex, chosen so that the pieces together cover every way out of a group.
fn piece() -> impl Strategy<Value = String> {
    let pieces: Vec<&'static str> = vec![
        "|",
        "||",
        "(",
        ")",
        "(?:",
        "(?|",
        "(?=",
        "(?!",
        "(?<=",
        "(?<!",
        "(?>",
        "(?#",
        "(?#)",
        "(?x)",
        "(?-x)",
        "(?xx)",
        "(?m)",
        "(?s)",
        "(?i)",
        "(?^)",
        "(?n)",
        "(?<n>",
        "(?P<n>",
        "(?'n'",
        "(?P=n)",
        "\\k<n>",
        "\\1",
        "\\g1",
        "\\g{-1}",
        "(?1)",
        "(?R)",
        "(?&n)",
        "(?(1)",
        "(?(DEFINE)",
        "\\Q",
        "\\E",
        "\\K",
        "\\A",
        "\\z",
        "\\Z",
        "\\G",
        "^",
        "$",
        ".",
        "*",
        "+",
        "?",
        "{2}",
        "{,3}",
        "*?",
        "++",
        "[",
        "]",
        "[^",
        "[:alpha:]",
        "[a[b]",
        "[[]",
        "[]]",
        "[^]]",
        "[a&&b]",
        "\\",
        "\\\\",
        "#",
        "\n",
        "\r",
        " ",
        "(*ACCEPT)",
        "(*FAIL)",
        "(*COMMIT)",
        "(*SKIP)",
        "(*PRUNE)",
        "(*THEN)",
        "(*MARK:m)",
        "(*UTF)",
        "(*CR)",
        "(*LF)",
        "(*ANYCRLF)",
        "(*LIMIT_MATCH=1)",
        "(*pla:",
        "(*nlb:",
        "(*atomic:",
        "(?C)",
        "/admin",
        "/",
        "admin",
        "a",
        "shop",
        "/shop",
        "A",
        "x",
        "0",
    ];
    prop_oneof![
        8 => prop::sample::select(pieces).prop_map(str::to_string),
        1 => "[a-z/()|]{1,3}",
    ]
}

/// A regex path: `~/` and pieces, or an attempt to close the group early hidden from one of
/// the two engines (something one engine reads as opening a class, a quote or a comment, and
/// the other not), then a top-level alternative.
fn regex_path() -> impl Strategy<Value = String> {
    let hide: Vec<&'static str> = vec![
        "[a[b]", "[[]", "[]", "[^]", "[a&&[b]", "(?#", "\\Q", "(?x)#", "(?x) #", "#", "[", "(?:",
        "\\", "(?i)", "(?-x)", "",
    ];
    let unhide: Vec<&'static str> = vec!["]", "]]", "\\E", "\n", ")", "", "(?x)", "(?-x)"];
    let alternative: Vec<&'static str> = vec!["|", "||", "|(?:|", "|)|("];
    prop_oneof![
        3 => prop::collection::vec(piece(), 0..9).prop_map(|p| format!("~/{}", p.concat())),
        2 => (
            prop::sample::select(hide),
            piece(),
            prop::sample::select(alternative),
            prop::sample::select(vec!["/admin", "", "/", "a"]),
            prop::sample::select(unhide),
            prop::collection::vec(piece(), 0..3),
        )
            .prop_map(|(hide, x, alt, out, unhide, tail)| {
                format!("~/{hide}{x}){alt}({out}{unhide}{}", tail.concat())
            }),
    ]
}

/// A request path outside or inside the organization, from the same literals.
fn request() -> impl Strategy<Value = String> {
    let parts: Vec<&'static str> = vec![
        "/", "admin", "a", "shop", "/shop", "/shop/", "A", "x", "0", "\n", "\r", " ", "//", "ping",
    ];
    prop::collection::vec(prop::sample::select(parts), 0..6).prop_map(|p| p.concat())
}

#[test]
fn no_generated_regex_routes_a_request_outside_the_prefix() {
    let mut runner = TestRunner::new(config(4000));
    let fixed: Vec<String> = [
        "/admin",
        "/",
        "",
        "/shopping",
        "/sho",
        "/shopadmin",
        "/ADMIN",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (tried, kept) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner
        .run(
            &(regex_path(), prop::collection::vec(request(), 1..8)),
            |(path, mut requests)| {
                tried.fetch_add(1, Ordering::Relaxed);
                let Ok(kong) = org_prefix::confine(PREFIX, &path, RULES) else {
                    return Ok(());
                };
                kept.fetch_add(1, Ordering::Relaxed);
                requests.extend(fixed.iter().cloned());
                for request in requests.iter().filter(|r| !inside(r)) {
                    if rust_router(&kong, request) || pcre_router(&kong, request) {
                        return Err(TestCaseError::fail(format!(
                            "{path:?} became {kong:?}, which routes {request:?}"
                        )));
                    }
                }
                Ok(())
            },
        )
        .expect("no regex escapes the prefix");
    let (tried, kept) = (tried.into_inner(), kept.into_inner());
    eprintln!("{kept} of {tried} generated regexes were kept under the prefix");
    assert!(
        kept * 10 >= tried,
        "too few regexes were accepted to prove anything"
    );
}

#[test]
fn the_oracle_sees_the_escape_of_a_plain_concatenation() {
    // Without the group the organization's regex reaches outside it: the matchers above
    // would catch a confinement that left a top-level alternation in place.
    let naive = "~/shop/a|/admin";
    assert!(rust_router(naive, "/admin"));
    assert!(pcre_router(naive, "/admin"));
    assert!(pcre_router("~/shop/(?:a|/admin)", "/shop//admin"));
    assert!(!pcre_router("~/shop/(?:a|/admin)", "/admin"));
    // Anchored: a match later in the path does not count, as in Kong.
    assert!(!pcre_router("~/admin", "/x/admin"));
    assert!(!rust_router("~/admin", "/x/admin"));
}

#[test]
fn every_kept_regex_reads_back_and_anything_else_differs() {
    let mut runner = TestRunner::new(config(2000));
    runner
        .run(&regex_path(), |path| {
            match org_prefix::confine(PREFIX, &path, RULES) {
                Ok(kong) => {
                    let read = org_prefix::api_paths(PREFIX, std::slice::from_ref(&kong));
                    prop_assert_eq!(read, vec![path.clone()]);
                }
                Err(PrefixError::Prefix { .. }) => {
                    return Err(TestCaseError::fail("the prefix is plain"));
                }
                Err(_) => {}
            }
            Ok(())
        })
        .expect("confined paths read back");
    // Whatever Kong holds: when the paths read back are a valid declaration, that declaration's
    // Kong paths are exactly what Kong holds (otherwise the plan would hide a difference).
    let kong_path = prop_oneof![
        regex_path().prop_map(|p| p.replacen("~/", "~/shop/(?:", 1) + ")"),
        regex_path().prop_map(|p| p.replacen("~/", "~/shop/", 1)),
        regex_path(),
        "/shop[a-z/]{0,6}",
    ];
    runner
        .run(&prop::collection::vec(kong_path, 0..3), |kong| {
            let read = org_prefix::api_paths(PREFIX, &kong);
            if let Ok(again) = org_prefix::kong_paths(PREFIX, &read, RULES) {
                prop_assert_eq!(again, kong.clone(), "read back as {:?}", read);
            }
            Ok(())
        })
        .expect("read-back is exact or shows a difference");
}
