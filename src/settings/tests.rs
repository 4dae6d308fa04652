//! Resolving the provider's settings from the configuration and the environment.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let s = resolve(RawSettings::default(), no_env).expect("valid");
    assert_eq!(s.client.base_url.as_str(), "http://localhost:8001/");
    assert_eq!(s.client.timeout, Duration::from_secs(30));
    assert_eq!(s.client.max_retries, 3);
    assert!(s.client.admin_token.is_none());
    assert_eq!(s.environment.gateway_url.as_str(), "http://localhost:8000/");
    assert_eq!(s.environment.naming.organization(), None);
}

#[test]
fn environment_variables_fill_unset_attributes() {
    let env = |name: &str| match name {
        "KONG_ADMIN_URL" => Some("https://kong.internal:8444".to_string()),
        "KONG_ADMIN_TOKEN" => Some("tok".to_string()),
        "KONG_WORKSPACE" => Some("team-a".to_string()),
        "DISPATCH_ORGANIZATION" => Some("shop".to_string()),
        _ => None,
    };
    let s = resolve(RawSettings::default(), env).expect("valid");
    assert_eq!(s.client.base_url.as_str(), "https://kong.internal:8444/");
    assert_eq!(s.client.admin_token, Some(Secret::new("tok")));
    assert_eq!(s.client.workspace.as_deref(), Some("team-a"));
    assert_eq!(s.environment.naming.organization(), Some("shop"));

    let explicit = RawSettings {
        kong_admin_url: Some("http://other:8001".into()),
        organization: Some("blog".into()),
        ..RawSettings::default()
    };
    let s = resolve(explicit, env).expect("valid");
    assert_eq!(s.client.base_url.as_str(), "http://other:8001/");
    assert_eq!(s.environment.naming.organization(), Some("blog"));
}

#[test]
fn each_bad_attribute_is_reported_on_itself() {
    let raw = RawSettings {
        kong_admin_url: Some("ftp://kong".into()),
        kong_workspace: Some("a b".into()),
        kong_admin_headers: vec![("bad header".into(), Secret::new("v"))],
        organization: Some("-shop".into()),
        function_upstream_url: Some("http://fm/run".into()),
        gateway_url: Some("nope".into()),
        request_timeout_ms: Some(0i64.into()),
        max_retries: Some(99i64.into()),
        tls_client_certificate: Some("-----BEGIN CERTIFICATE-----".into()),
        ..RawSettings::default()
    };
    let issues = resolve(raw, no_env).expect_err("invalid");
    let paths: Vec<String> = issues.iter().map(|i| i.path.to_string()).collect();
    assert_eq!(
        paths,
        vec![
            "kong_admin_url",
            "kong_workspace",
            "kong_admin_headers",
            "organization",
            "function_upstream_url",
            "gateway_url",
            "request_timeout_ms",
            "max_retries",
            "tls_client_key"
        ]
    );
}

#[test]
fn a_bad_value_from_the_environment_names_its_variable() {
    let env = |name: &str| match name {
        "KONG_ADMIN_URL" => Some("localhost:8001".to_string()),
        "KONG_WORKSPACE" => Some("a b".to_string()),
        "DISPATCH_ORGANIZATION" => Some("-shop".to_string()),
        _ => None,
    };
    let issues = resolve(RawSettings::default(), env).expect_err("invalid");
    let said: Vec<(String, String)> = issues
        .iter()
        .map(|i| (i.path.to_string(), i.summary.clone()))
        .collect();
    assert_eq!(
        said,
        vec![
            (
                "".to_string(),
                "Invalid Admin API URL in KONG_ADMIN_URL".to_string()
            ),
            (
                "".to_string(),
                "Invalid workspace in KONG_WORKSPACE".to_string()
            ),
            (
                "".to_string(),
                "Invalid organization in DISPATCH_ORGANIZATION".to_string()
            ),
        ],
        "not on an attribute the configuration does not hold"
    );
    assert!(
        issues[0].detail.contains("`localhost:8001`"),
        "{}",
        issues[0].detail
    );
    assert!(
        issues[0].detail.contains(
            "the environment variable KONG_ADMIN_URL (read because `kong_admin_url` is not set"
        ),
        "{}",
        issues[0].detail
    );

    // The attribute wins, and is what a message points at.
    let raw = RawSettings {
        kong_admin_url: Some("ftp://kong".into()),
        ..RawSettings::default()
    };
    let issues = resolve(raw, env).expect_err("invalid");
    assert_eq!(issues[0].path.to_string(), "kong_admin_url");
    assert_eq!(issues[0].summary, "Invalid Admin API URL");
}

#[test]
fn sources_say_where_each_value_came_from() {
    let env = |name: &str| match name {
        "KONG_ADMIN_TOKEN" => Some("tok".to_string()),
        "KONG_WORKSPACE" => Some("team-a".to_string()),
        _ => None,
    };
    let raw = RawSettings {
        organization: Some("shop".into()),
        ..RawSettings::default()
    };
    let s = resolve(raw, env).expect("valid");
    assert_eq!(s.sources.admin_url, Source::Default("kong_admin_url"));
    assert_eq!(
        s.sources.admin_token.map(|s| s.name()),
        Some("KONG_ADMIN_TOKEN")
    );
    assert_eq!(
        s.sources.workspace.map(|s| s.name()),
        Some("KONG_WORKSPACE")
    );
    assert_eq!(
        s.sources.organization,
        Some(Source::Attribute("organization"))
    );
}

#[test]
fn a_password_in_an_invalid_admin_url_is_never_shown_nor_pointed_at() {
    let configured = RawSettings {
        kong_admin_url: Some("http://admin:pw-8c1e@ho st:8001".into()),
        ..RawSettings::default()
    };
    let env =
        |name: &str| (name == env::ADMIN_URL).then(|| "ftp://admin:pw-8c1e@kong:8001".to_string());
    for (raw, env_var, source) in [
        (configured, None, "kong_admin_url: "),
        (RawSettings::default(), Some(env), "KONG_ADMIN_URL: "),
    ] {
        let issues = match env_var {
            Some(env_var) => resolve(raw, env_var),
            None => resolve(raw, no_env),
        }
        .expect_err("invalid");
        assert_eq!(issues.len(), 1, "{issues:?}");
        let issue = &issues[0];
        assert!(!issue.detail.contains("pw-8c1e"), "{issue:?}");
        assert!(issue.detail.starts_with(source), "{issue:?}");
        assert!(issue.detail.contains("<redacted>@"), "{issue:?}");
        assert_eq!(issue.path, AttrPath::default(), "not on the attribute");
    }
    // Without userinfo the issue stays on the attribute.
    let plain = RawSettings {
        kong_admin_url: Some("http://ho st:8001".into()),
        ..RawSettings::default()
    };
    let issues = resolve(plain, no_env).expect_err("invalid");
    assert_eq!(issues[0].path, AttrPath::attr("kong_admin_url"));
}

#[test]
fn the_template_may_use_the_organization_only_when_there_is_one() {
    let raw = RawSettings {
        function_upstream_url: Some("http://fm/{organization}/{function}".into()),
        ..RawSettings::default()
    };
    assert!(resolve(raw.clone(), no_env).is_err());
    let raw = RawSettings {
        organization: Some("shop".into()),
        ..raw
    };
    let s = resolve(raw, no_env).expect("valid");
    assert_eq!(s.environment.template.url_for("f"), "http://fm/shop/f");
}
