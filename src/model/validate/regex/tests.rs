use proptest::prelude::*;

use super::RegexLibrary::{self, *};
use super::NAME_SITES;

fn name(len: usize) -> String {
    "n".repeat(len)
}

fn accepted(library: RegexLibrary, pattern: &str) -> bool {
    library.check(pattern).is_ok()
}

#[test]
fn group_names_follow_the_limit_of_each_pcre2() {
    for pattern in [
        format!("(?<{}>a)", name(33)),
        format!("(?<{}>a)\\k<{}>", name(128), name(128)),
        format!("(?P<{}>a)(?P={})", name(60), name(60)),
        format!("(?'{}'a)(?&{})", name(40), name(40)),
        format!("(?<{}>a)(?({})b|c)", name(40), name(40)),
    ] {
        assert!(!accepted(Pcre2v10_43, &pattern), "10.43: {pattern}");
        assert!(accepted(Pcre2v10_44, &pattern), "10.44: {pattern}");
        assert!(accepted(Pcre2v10_45, &pattern), "10.45: {pattern}");
        assert!(accepted(Any, &pattern), "any: {pattern}");
    }
    let too_long = format!("(?<{}>a)", name(129));
    let error = Pcre2v10_44.check(&too_long).unwrap_err();
    assert!(error.contains("maximum 128"), "{error}");
}

#[test]
fn renaming_a_long_name_keeps_every_other_error() {
    // A reference to a name no group has is still refused, and so is a bad pattern around a
    // long name.
    let missing = format!("(?<{}>a)\\k<{}>", name(40), name(41));
    assert!(Pcre2v10_44.check(&missing).is_err());
    assert!(Pcre2v10_44.check(&format!("(?<{}>a", name(40))).is_err());
    // Two long names sharing a beginning are told apart.
    let two = format!(
        "(?<{a}>x)(?<{b}>y)\\k<{a}>\\k<{b}>",
        a = name(40),
        b = name(41)
    );
    assert!(Pcre2v10_44.check(&two).is_ok());
    // A long name that is literal text (escaped) compiles as it does in Kong.
    assert!(Pcre2v10_44.check(&format!("\\(?<{}>a", name(40))).is_ok());
}

#[test]
fn pcre2_10_45_refuses_a_bare_hex_escape() {
    for pattern in ["a\\xg", "a\\x", "[\\xg]"] {
        assert!(accepted(Pcre2v10_44, pattern), "{pattern}");
        let error = Pcre2v10_45.check(pattern).unwrap_err();
        assert!(error.contains("`\\x`"), "{error}");
        // Some Kong accepts it: not refused before the version is known.
        assert!(accepted(Any, pattern), "{pattern}");
    }
    for pattern in ["a\\x41", "a\\x{41}", "a\\\\xg", "\\Qa\\xg\\E"] {
        assert!(accepted(Pcre2v10_45, pattern), "{pattern}");
    }
}

#[test]
fn pcre2_10_45_syntax_is_left_to_kong_from_3_10_only() {
    for pattern in [
        "https://(?[ [a-z] - [q] ])\\.example",
        "(a)(*scs:(1)a)",
        "(a)(*scan_substring:(1)a)",
    ] {
        assert!(!accepted(Pcre2v10_44, pattern), "{pattern}");
        assert!(accepted(Pcre2v10_45, pattern), "{pattern}");
        assert!(accepted(Any, pattern), "{pattern}");
        // Never for a pattern that must be compiled to be known safe.
        assert!(!accepted(Pcre2v10_45.compiled_here(), pattern), "{pattern}");
    }
    // Unicode 16's properties (10.45), and so any property 10.43 does not know.
    assert!(!accepted(Pcre2v10_44, "\\p{Garay}"));
    assert!(accepted(Pcre2v10_45, "\\p{Garay}"));
    // Other errors are still errors on 3.10, and escaped or classed syntax is not syntax.
    for pattern in ["(a", "\\(?[a", "[(?[]a(", "\\Q(?[\\E("] {
        assert!(!accepted(Pcre2v10_45, pattern), "{pattern}");
    }
}

#[test]
fn pcre_8_45_refuses_what_only_pcre2_knows() {
    for pattern in [
        "(*pla:a)b",
        "(*positive_lookahead:a)b",
        "(*atomic:a)",
        "(*sr:a)",
        "(*napla:a)",
        "(?*a)",
        "(?<*a)b",
        "(?^i)a",
        "(?n)(a)",
        "(?in:a)",
        "(?xx)a",
        "(?C\"x\")a",
        "(*LIMIT_HEAP=10)a",
        "(*NOTEMPTY)a",
        "(*NO_JIT)a",
        "(?a)x",
        "(?aD:\\d)",
        "a(*ACCEPT:done)",
        "a(*COMMIT:x)",
        "a|(*F:no)",
    ] {
        assert!(accepted(Pcre2v10_43, pattern), "10.43: {pattern}");
        let error = Pcre845.check(pattern).unwrap_err();
        assert!(error.contains("PCRE 8.45"), "{pattern}: {error}");
    }
    // PCRE 8.45's own syntax, and the same text where it is not syntax.
    for pattern in [
        "(*UTF)a",
        "(*LIMIT_MATCH=10)a",
        "(*MARK:x)a",
        "(?i)a",
        "(?x)a b",
        "(?i-s:a)",
        "(?C1)a",
        "(?J)(?<n>a)|(?<n>b)",
        "\\(*pla:a",
        "[(*pla:]",
        "[](*pla:]",
        "\\Q(*pla:a)\\E",
        "(?#(*pla:)a",
        "(?<=ab|c)d",
    ] {
        assert!(accepted(Pcre845, pattern), "{pattern}");
    }
}

#[test]
fn pcre_8_45_reads_a_hyphen_after_a_class_escape_as_a_literal() {
    for pattern in [
        "https://[\\w-.]+\\.example\\.com",
        "[\\d-_]",
        "[A-Z\\d-_.~]",
        "[[:alpha:]-z]",
        "[\\p{L}-x]",
        "[^\\s-a]",
    ] {
        assert!(!accepted(Pcre2v10_44, pattern), "PCRE2: {pattern}");
        assert!(accepted(Pcre845, pattern), "PCRE 8.45: {pattern}");
        assert!(accepted(Any, pattern), "some Kong accepts it: {pattern}");
    }
    // A `-` that ends the class, or escaped, is a literal everywhere; outside a class, or in
    // `\Q…\E`, it is no range at all.
    for pattern in ["[\\w-]", "[\\w\\-.]", "\\w-.", "[\\Q\\w-\\E.]", "[a\\]-z]"] {
        assert!(accepted(Pcre2v10_44, pattern), "{pattern}");
        assert!(accepted(Pcre845, pattern), "{pattern}");
    }
    // A range that ends at a class escape stays an error in both.
    assert!(!accepted(Pcre845, "[a-\\d]"));
}

#[test]
fn every_library_refuses_what_pcre2_10_43_refuses_but_the_known_differences() {
    for pattern in ["(a", "a{2,1}", "[b-a]", "(?<n>a)(?<n>b)", "a\\"] {
        for library in [Pcre845, Pcre2v10_43, Pcre2v10_44, Pcre2v10_45, Any] {
            assert!(!accepted(library, pattern), "{library:?}: {pattern}");
        }
    }
}

/// One piece of a generated pattern; `Name(i)` stands for the i-th group name.
#[derive(Debug, Clone)]
enum Piece {
    Text(&'static str),
    Name(usize),
}

fn piece() -> impl Strategy<Value = Vec<Piece>> {
    let text = prop::sample::select(vec![
        "a", "\\d+", "(", ")", "|", "[a-z]", "\\(", "*", "(?:", "\\Q", "\\E", "[", "]", "x{2}",
    ])
    .prop_map(|t| vec![Piece::Text(t)]);
    let named = (0..2usize, prop::sample::select(NAME_SITES.to_vec()))
        .prop_map(|(i, site)| vec![Piece::Text(site), Piece::Name(i), Piece::Text(closer(site))]);
    prop_oneof![text, named]
}

/// What closes a name after `site`.
fn closer(site: &str) -> &'static str {
    match site {
        s if s.ends_with("(<") => ">)",
        s if s.ends_with("('") => "')",
        s if s.ends_with('<') => ">",
        s if s.ends_with('\'') => "'",
        s if s.ends_with('{') => "}",
        _ => ")",
    }
}

fn written(pieces: &[Vec<Piece>], names: &[String]) -> String {
    pieces
        .iter()
        .flatten()
        .map(|piece| match piece {
            Piece::Text(text) => (*text).to_string(),
            Piece::Name(i) => names[*i].clone(),
        })
        .collect()
}

proptest! {
    /// PCRE2 10.44's verdict on a pattern with long group names is 10.43's on the same pattern
    /// with short names in their place: the renaming changes nothing else, wherever the names
    /// stand (in groups, references, classes, after escapes, in `\Q…\E`).
    #[test]
    fn long_names_are_judged_as_short_ones(
        pieces in prop::collection::vec(piece(), 1..8),
        lengths in (33..=128usize, 33..=128usize),
    ) {
        let long = [name(lengths.0), format!("m{}", "n".repeat(lengths.1 - 1))];
        let short = ["s1".to_string(), "s2".to_string()];
        let pattern = written(&pieces, &long);
        let renamed = written(&pieces, &short);
        prop_assert_eq!(
            Pcre2v10_44.check(&pattern).is_ok(),
            Pcre2v10_43.check(&renamed).is_ok(),
            "{} / {}", pattern, renamed
        );
        // And with no long name, 10.44 is 10.43.
        prop_assert_eq!(Pcre2v10_44.check(&renamed).is_ok(), Pcre2v10_43.check(&renamed).is_ok());
    }
}

proptest! {
    /// Any text, including cut-off escapes, classes and groups and non-ASCII, gets a verdict
    /// from every library without panicking.
    #[test]
    fn every_library_judges_any_text(pattern in "(\\PC|[\\\\()\\[\\]?*<>'{}:^#QExkgPCn])*") {
        for library in [Pcre845, Pcre2v10_43, Pcre2v10_44, Pcre2v10_45, Any] {
            let _ = library.check(&pattern);
        }
    }
}
