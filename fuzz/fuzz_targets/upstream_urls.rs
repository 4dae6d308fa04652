//! Upstream URLs and `function_upstream_url` templates: no input panics, an accepted URL's
//! Kong target survives a round trip, and a template recognises the functions it renders.

#![no_main]

use dispatch_provider::model::upstream::{Target, UpstreamTemplate};
use dispatch_provider::model::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = validate::base_url(text);
    let _ = validate::raw_path(text);
    if let Ok(target) = Target::from_url(text) {
        let again = Target::from_url(&target.to_url()).unwrap_or_else(|e| {
            panic!(
                "{text:?} gave {}, which does not parse: {e}",
                target.to_url()
            )
        });
        assert_eq!(again, target, "{text:?}");
        assert_eq!(
            url::Url::parse(&target.to_url()).ok(),
            url::Url::parse(text).ok(),
            "the Kong target is the URL that was written: {text:?}"
        );
    }
    // The input as a template, or in one (the function in the path, or in the host).
    let templates = [
        text.to_string(),
        format!("http://fm/{text}/{{function}}"),
        format!("http://{text}{{function}}.svc/"),
    ];
    for template in templates.iter().filter(|t| t.contains("{function}")) {
        let Ok(template) = UpstreamTemplate::new(template, Some("org")) else {
            continue;
        };
        for function in ["hello", "a.b-c_d", "9"] {
            if let Ok(target) = template.target_for(function) {
                assert_eq!(
                    template.function_of(&target).as_deref(),
                    Some(function),
                    "{text:?}"
                );
            }
        }
        if let Ok(target) = template.checked_target("Hello") {
            assert_eq!(template.function_of(&target).as_deref(), Some("Hello"));
        }
    }
});
