//! Plan-time rules that changed between Kong 3.x releases follow the version of the Kong in
//! use (`KongRules::of`, read at configure): the same declaration plans on one Kong and is
//! refused on another, on the attribute, before anything past configure reaches Kong; and
//! `terraform validate`, which knows no Kong, refuses only what every Kong 3.x refuses. The
//! sandbox reports the version it is started with; its Admin API stays Kong 3.9's, so these
//! plans stop short of apply wherever the version matters.

use serde_json::json;

use crate::harness::{is_configure_probe, needs_sandbox, Kong};
use crate::idp::{FakeIdp, Key};

fn api(body: &str) -> String {
    format!(
        r#"
resource "dispatch_api" "site" {{
  name     = "site"
  function = "site"
{body}
}}
"#
    )
}

/// Plans `config` on a Kong that says it is `version`: refused with every one of `words`, and
/// nothing asked of Kong but configure's probe.
fn refused_on(version: &str, config: &str, words: &[&str]) {
    let kong = Kong::reporting(version);
    let ws = kong.workspace();
    ws.write(config);
    let out = ws.plan().failure().output();
    for word in words {
        assert!(out.contains(word), "Kong {version}: `{word}` in\n{out}");
    }
    let requests = kong.sandbox.controls().requests();
    assert!(
        requests.iter().all(is_configure_probe),
        "Kong {version}: nothing past configure: {requests:?}"
    );
}

/// Plans `config` on a Kong that says it is `version`: accepted.
fn planned_on(version: &str, config: &str) {
    let kong = Kong::reporting(version);
    let ws = kong.workspace();
    ws.write(config);
    let out = ws.plan().output();
    assert!(
        out.contains("dispatch_api.site will be created"),
        "Kong {version}:\n{out}"
    );
}

/// What `terraform validate` says, with no Kong behind it.
fn validates(config: &str) {
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(config);
    let run = ws.run(&["validate", "-no-color"]);
    assert_eq!(run.code, 0, "validate knows no Kong:\n{}", run.output());
}

#[test]
fn regexes_are_judged_by_the_libraries_of_the_kong_in_use() {
    if needs_sandbox("a Kong that reports another version") {
        return;
    }
    // PCRE2-only syntax in a CORS origin: Kong 3.6 and older compile it with PCRE 8.45.
    let pcre2_origin = api(r#"  cors { origins = ["https://(?^i:app)\\.example\\.com"] }"#);
    refused_on(
        "3.6.1",
        &pcre2_origin,
        &["Invalid CORS origin", "PCRE 8.45", "`(?^`"],
    );
    planned_on("3.7.0", &pcre2_origin);

    // An escaped slash: the router of Kong 3.0 to 3.3 (Rust regex 1.7) refuses it.
    let escaped_slash = api(r#"  paths = ["~/api\\/v1"]"#);
    refused_on(
        "3.3.0",
        &escaped_slash,
        &["Invalid path", "the escape `\\/`", "Kong 3.0 to 3.3"],
    );
    planned_on("3.9.3", &escaped_slash);
    // Kong 3.1's Admin API would store it, and its router drop the route: refused too.
    refused_on("3.1.1", &escaped_slash, &["the escape `\\/`"]);

    // A word-boundary assertion needs the regex 1.10 of Kong 3.6.
    let boundary = api(r#"  paths = ["~/\\<api"]"#);
    refused_on(
        "3.5.0",
        &boundary,
        &["the assertion `\\<`", "Kong 3.4 and 3.5"],
    );
    planned_on("3.6.1", &boundary);

    // A `-` after a class escape: PCRE 8.45 (Kong 3.6 and older) reads it as a literal, PCRE2
    // refuses it.
    let class_hyphen = api(r#"  cors { origins = ["https://[\\w-.]+\\.example\\.com"] }"#);
    planned_on("3.6.1", &class_hyphen);
    refused_on(
        "3.9.3",
        &class_hyphen,
        &["Invalid CORS origin", "invalid range"],
    );

    // A bare `\x`: PCRE2 10.45 (Kong 3.10 on) refuses it, 10.44 reads it as NUL.
    let bare_hex = api(r#"  cors { origins = ["https://a\\xg"] }"#);
    refused_on("3.10.0", &bare_hex, &["Invalid CORS origin", "PCRE2 10.45"]);
    planned_on("3.9.3", &bare_hex);

    // A 40-character group name: PCRE2 10.44 (Kong 3.8 on) allows 128, 10.43 (3.7) 32.
    let long_name = api(&format!(
        r#"  paths = ["~/items/(?<{}>\\d+)$"]"#,
        "n".repeat(40)
    ));
    refused_on(
        "3.7.1",
        &long_name,
        &["Invalid path", "subpattern name is too long"],
    );
    planned_on("3.8.0", &long_name);

    // None of these is refused before the version is known.
    for config in [
        &pcre2_origin,
        &escaped_slash,
        &boundary,
        &bare_hex,
        &long_name,
    ] {
        validates(config);
    }
}

#[test]
fn fields_follow_the_kong_release_that_changed_them() {
    if needs_sandbox("a Kong that reports another version") {
        return;
    }
    // Kong 3.0 took a path as written; Kong 3.1 on asks for its normalised form.
    let dotted = api(r#"  paths = ["/a/./b"]"#);
    planned_on("3.0.2", &dotted);
    refused_on(
        "3.1.0",
        &dotted,
        &["Invalid path", "normalised form", "write `/a/b`"],
    );
    validates(&dotted);

    // The cors plugin has `private_network` since Kong 3.5.
    let private_network =
        api("  cors {\n    origins         = [\"*\"]\n    private_network = true\n  }");
    refused_on(
        "3.4.2",
        &private_network,
        &["CORS setting unknown to this Kong", "since Kong 3.5"],
    );
    planned_on("3.5.0", &private_network);

    // http-log's endpoint takes a vault reference since Kong 3.2.
    let vault = api(r#"  logging { http_endpoint = "{vault://env/log-url}" }"#);
    refused_on(
        "3.1.1",
        &vault,
        &["Invalid logging endpoint", "referenceable since Kong 3.2"],
    );
    planned_on("3.2.0", &vault);
}

#[test]
fn an_issuer_key_kong_cannot_verify_is_refused_at_plan() {
    if needs_sandbox("a Kong that reports another version") {
        return;
    }
    let mut pss = Key::rsa("pss-1");
    pss.jwk["alg"] = json!("PS256");
    let idp = FakeIdp::with_keys(vec![pss]);
    let config = format!(
        r#"
resource "dispatch_api" "orders" {{
  name           = "orders"
  function       = "orders"
  authentication = "oidc"
  oidc {{
    issuer = "{}"
  }}
}}
"#,
        idp.issuer()
    );
    let kong = Kong::reporting("3.6.1");
    let ws = kong.workspace();
    ws.write(&config);
    let out = ws.plan().failure().output();
    for word in [
        "Kong cannot verify the OIDC issuer's tokens",
        "`pss-1` signs with PS256",
        "Kong 3.6.1",
        "since Kong 3.7",
    ] {
        assert!(out.contains(word), "`{word}` in\n{out}");
    }
    assert!(kong.list("consumers").is_empty(), "nothing written");

    // Kong 3.7 holds it.
    let kong = Kong::reporting("3.7.0");
    let ws = kong.workspace();
    ws.write(&config);
    ws.apply().success();
    let secrets = kong.list("jwts");
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["algorithm"], "PS256");
}

#[test]
fn cors_fields_kong_added_later_apply_where_kong_has_them() {
    use crate::api_policies::{
        api, apply_then_no_changes, drift_shows_and_is_repaired, patch_plugin, plugin_config,
    };
    if needs_sandbox("an Enterprise sandbox (Kong 3.10) of its own") {
        return;
    }
    // `private_network` (Kong 3.5 and later) on Kong 3.9: written, read back, drift repaired,
    // and back to Kong's default when removed.
    let kong = Kong::start();
    let ws = kong.workspace();
    ws.write(&api(
        "  cors {\n    origins         = [\"*\"]\n    private_network = true\n  }",
    ));
    apply_then_no_changes(&ws);
    assert_eq!(plugin_config(&kong, "cors")["private_network"], true);
    patch_plugin(&kong, "cors", json!({"private_network": false}));
    drift_shows_and_is_repaired(&ws, "private_network");
    assert_eq!(plugin_config(&kong, "cors")["private_network"], true);
    ws.write(&api("  cors {\n    origins = [\"*\"]\n  }"));
    apply_then_no_changes(&ws);
    assert_eq!(plugin_config(&kong, "cors")["private_network"], false);

    // `allow_origin_absent` (Kong 3.10 and later): refused at plan on Kong 3.9, whose cors
    // would refuse it ...
    let skip_absent =
        api("  cors {\n    origins             = [\"*\"]\n    allow_origin_absent = false\n  }");
    ws.write(&skip_absent);
    let out = ws.plan().failure().output();
    assert!(out.contains("CORS setting unknown to this Kong"), "{out}");
    assert!(out.contains("since Kong 3.10"), "{out}");
    assert_eq!(
        plugin_config(&kong, "cors")["allow_origin_absent"],
        json!(null)
    );

    // ... and written, read back and repaired on Kong Enterprise 3.10.
    let kong = Kong::with(kong_sandbox::SandboxConfig {
        edition: kong_sandbox::Edition::Enterprise,
        ..kong_sandbox::SandboxConfig::default()
    });
    let ws = kong.workspace();
    ws.write(&skip_absent);
    apply_then_no_changes(&ws);
    assert_eq!(plugin_config(&kong, "cors")["allow_origin_absent"], false);
    patch_plugin(&kong, "cors", json!({"allow_origin_absent": true}));
    drift_shows_and_is_repaired(&ws, "allow_origin_absent");
    ws.write(&api("  cors {\n    origins = [\"*\"]\n  }"));
    apply_then_no_changes(&ws);
    assert_eq!(
        plugin_config(&kong, "cors")["allow_origin_absent"],
        true,
        "Kong's default again"
    );
}
