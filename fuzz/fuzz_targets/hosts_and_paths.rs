//! Route hosts, paths, methods and tags: no input panics, and what the validators accept has
//! the properties the mapping relies on.

#![no_main]

use dispatch_provider::model::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if validate::route_host(text).is_ok() {
        assert!(
            text.matches('*').count() <= 1,
            "one wildcard at most: {text:?}"
        );
        assert!(!text.is_empty());
    }
    let normalized = validate::normalize_path(text);
    if validate::route_path(text).is_ok() {
        assert!(text.starts_with('/') || text.starts_with("~/"), "{text:?}");
        assert!(!text.contains("//"), "{text:?}");
        if !text.starts_with('~') {
            assert_eq!(
                normalized, text,
                "an accepted prefix is in Kong's normal form"
            );
        }
    }
    if validate::service_path(text).is_ok() {
        assert_eq!(
            validate::normalize_path(&normalized),
            normalized,
            "normalising a well-encoded path is idempotent"
        );
    }
    if validate::method(text).is_ok() {
        assert!(text.bytes().all(|b| b.is_ascii_uppercase()));
    }
    if validate::tag(text).is_ok() {
        assert!(!text.contains(',') && !text.contains('/'));
    }
    let _ = validate::api_name(text);
    let _ = validate::function_name(text);
    let _ = validate::organization(text);
    let _ = validate::workspace(text);
    let _ = validate::header_name(text);
});
