use super::RouterRegex::{self, *};

fn accepted(router: RouterRegex, regex: &str) -> bool {
    router.check(regex).is_ok()
}

#[test]
fn escapes_of_plain_punctuation_are_refused_by_the_router_of_3_2_and_3_3() {
    // The examples of the audit against the regex 1.7 that Kong 3.2 and 3.3 build with.
    for regex in [
        "/api\\/v1",
        "/v1\\:x",
        "/a\\@b",
        "/a\\_b",
        "/a\\=b",
        "/[\\/]x",
    ] {
        let error = Regex1v7.check(regex).expect_err(regex);
        assert!(error.contains("the escape `\\"), "{regex}: {error}");
        assert!(error.contains("Kong 3.0 to 3.3"), "{error}");
        for later in [Regex1v9, Regex1v10, Unchecked] {
            assert!(accepted(later, regex), "{later:?}: {regex}");
        }
    }
    // Metacharacters could always be escaped.
    for regex in ["/a\\.b", "/\\(x\\)", "/a\\-b", "/a\\#b", "/a\\~b", "/[\\]]"] {
        assert!(accepted(Regex1v7, regex), "{regex}");
    }
}

#[test]
fn the_crlf_flag_and_empty_classes_are_refused_by_regex_1_7_only() {
    for regex in ["/a(?R)b", "/(?Rm:a$)", "/[^\\s\\S]", "/x[^\\s\\S]*"] {
        assert!(!accepted(Regex1v7, regex), "{regex}");
        assert!(accepted(Regex1v9, regex), "{regex}");
        assert!(accepted(Regex1v10, regex), "{regex}");
    }
    assert!(accepted(Regex1v7, "/(?i)a[a-z]"));
}

#[test]
fn word_boundary_assertions_need_regex_1_10() {
    for regex in [
        "/\\<api",
        "/api\\>",
        "/\\b{start}api",
        "/api\\b{end}",
        "/\\b{start-half}a",
        "/a\\b{end-half}",
    ] {
        for older in [Regex1v7, Regex1v9] {
            let error = older.check(regex).expect_err(regex);
            assert!(error.contains("the assertion `\\"), "{error}");
        }
        assert!(accepted(Regex1v10, regex), "{regex}");
    }
    // `\b` and `\B` are as old as the crate.
    assert!(accepted(Regex1v7, "/\\bapi\\B"));
}

#[test]
fn what_no_rust_regex_accepts_is_refused_by_every_router_that_checks() {
    for regex in ["/a(?=b)", "/(a)\\1", "/(", "/a{2,1}"] {
        for router in [Regex1v7, Regex1v9, Regex1v10] {
            assert!(!accepted(router, regex), "{router:?}: {regex}");
        }
        assert!(accepted(Unchecked, regex), "{regex}");
    }
}

proptest::proptest! {
    /// Any text gets a verdict from every router without panicking.
    #[test]
    fn every_router_judges_any_text(regex in "(\\PC|[\\\\()\\[\\]?*<>{}:^R])*") {
        for router in [Unchecked, Regex1v7, Regex1v9, Regex1v10] {
            let _ = router.check(&regex);
        }
    }
}
