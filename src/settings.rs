//! The provider configuration, resolved: attributes, then environment variables, then defaults,
//! each checked with a message on the attribute that is wrong. Pure: the environment is passed in.

use std::time::Duration;

use url::Url;

use crate::kong::{ClientOptions, TlsOptions};
use crate::model::api::Environment;
use crate::model::naming::Naming;
use crate::model::upstream::{UpstreamTemplate, DEFAULT_FUNCTION_UPSTREAM_URL};
use crate::model::{validate, AttrPath, Issue};
use crate::secret::Secret;

/// Default Admin API URL.
pub const DEFAULT_ADMIN_URL: &str = "http://localhost:8001";
/// Default public URL of the Kong proxy.
pub const DEFAULT_GATEWAY_URL: &str = "http://localhost:8000";
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT_MS: i64 = 30_000;
/// Default number of retries of an idempotent request.
pub const DEFAULT_MAX_RETRIES: i64 = 3;
/// Largest accepted `request_timeout_ms` (ten minutes).
pub const MAX_TIMEOUT_MS: i64 = 600_000;
/// Largest accepted `max_retries`.
pub const MAX_RETRIES: i64 = 10;

/// Environment variables read when an attribute is not set.
pub mod env {
    /// Fallback of `kong_admin_url`.
    pub const ADMIN_URL: &str = "KONG_ADMIN_URL";
    /// Fallback of `kong_admin_token`.
    pub const ADMIN_TOKEN: &str = "KONG_ADMIN_TOKEN";
    /// Fallback of `kong_workspace`.
    pub const WORKSPACE: &str = "KONG_WORKSPACE";
    /// Fallback of `organization`.
    pub const ORGANIZATION: &str = "DISPATCH_ORGANIZATION";
}

/// The provider attributes as written (`None`: not set).
#[derive(Default, Clone)]
pub struct RawSettings {
    /// `kong_admin_url`.
    pub kong_admin_url: Option<String>,
    /// `kong_admin_token`.
    pub kong_admin_token: Option<Secret>,
    /// `kong_workspace`.
    pub kong_workspace: Option<String>,
    /// `kong_admin_headers`.
    pub kong_admin_headers: Vec<(String, Secret)>,
    /// `tls_ca_certificate`.
    pub tls_ca_certificate: Option<String>,
    /// `tls_client_certificate`.
    pub tls_client_certificate: Option<String>,
    /// `tls_client_key`.
    pub tls_client_key: Option<Secret>,
    /// `tls_skip_verify`.
    pub tls_skip_verify: Option<bool>,
    /// `organization`.
    pub organization: Option<String>,
    /// `function_upstream_url`.
    pub function_upstream_url: Option<String>,
    /// `gateway_url`.
    pub gateway_url: Option<String>,
    /// `request_timeout_ms`.
    pub request_timeout_ms: Option<i64>,
    /// `max_retries`.
    pub max_retries: Option<i64>,
}

/// A checked configuration: how to reach Kong, and what every API shares.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Options of the Admin API client.
    pub client: ClientOptions,
    /// What every API's mapping depends on.
    pub environment: Environment,
}

/// Resolves and checks the configuration. `env_var` reads an environment variable.
pub fn resolve(
    raw: RawSettings,
    env_var: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Vec<Issue>> {
    let mut issues = Vec::new();
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());

    let configured_url = non_empty(raw.kong_admin_url);
    let from_env = configured_url.is_none();
    let admin_url_raw = configured_url
        .or_else(|| non_empty(env_var(env::ADMIN_URL)))
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_string());
    let admin_url = validate::base_url(&admin_url_raw)
        .map_err(|why| {
            issues.push(invalid_url(&admin_url_raw, from_env, why));
        })
        .ok();

    let token = raw
        .kong_admin_token
        .filter(|t| !t.expose().is_empty())
        .or_else(|| non_empty(env_var(env::ADMIN_TOKEN)).map(Secret::new));

    let workspace = non_empty(raw.kong_workspace).or_else(|| non_empty(env_var(env::WORKSPACE)));
    if let Some(ws) = &workspace {
        if let Err(why) = validate::workspace(ws) {
            issues.push(invalid("kong_workspace", "Invalid workspace", why));
        }
    }

    for (name, _) in &raw.kong_admin_headers {
        if let Err(why) = validate::header_name(name) {
            issues.push(invalid("kong_admin_headers", "Invalid header name", why));
        }
    }

    let organization =
        non_empty(raw.organization).or_else(|| non_empty(env_var(env::ORGANIZATION)));
    if let Some(org) = &organization {
        if let Err(why) = validate::organization(org) {
            issues.push(invalid("organization", "Invalid organization", why));
        }
    }

    let template_raw = non_empty(raw.function_upstream_url)
        .unwrap_or_else(|| DEFAULT_FUNCTION_UPSTREAM_URL.to_string());
    let template = UpstreamTemplate::new(&template_raw, organization.as_deref())
        .map_err(|why| {
            issues.push(invalid(
                "function_upstream_url",
                "Invalid function upstream URL template",
                why,
            ))
        })
        .ok();

    let gateway_raw = non_empty(raw.gateway_url).unwrap_or_else(|| DEFAULT_GATEWAY_URL.to_string());
    let gateway_url = validate::base_url(&gateway_raw)
        .map_err(|why| issues.push(invalid("gateway_url", "Invalid gateway URL", why)))
        .ok();

    let timeout_ms = raw.request_timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    if !(1..=MAX_TIMEOUT_MS).contains(&timeout_ms) {
        issues.push(invalid(
            "request_timeout_ms",
            "Invalid timeout",
            format!("{timeout_ms} is not between 1 and {MAX_TIMEOUT_MS} milliseconds"),
        ));
    }
    let max_retries = raw.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
    if !(0..=MAX_RETRIES).contains(&max_retries) {
        issues.push(invalid(
            "max_retries",
            "Invalid retry count",
            format!("{max_retries} is not between 0 and {MAX_RETRIES}"),
        ));
    }

    let client_cert = non_empty(raw.tls_client_certificate);
    let client_key = raw.tls_client_key.filter(|k| !k.expose().trim().is_empty());
    match (&client_cert, &client_key) {
        (Some(_), None) => issues.push(invalid(
            "tls_client_key",
            "Missing client key",
            "tls_client_certificate is set: set tls_client_key to its private key for mutual TLS",
        )),
        (None, Some(_)) => issues.push(invalid(
            "tls_client_certificate",
            "Missing client certificate",
            "tls_client_key is set: set tls_client_certificate to the certificate it belongs to",
        )),
        _ => {}
    }

    let (Some(admin_url), Some(template), Some(gateway_url), true) =
        (admin_url, template, gateway_url, issues.is_empty())
    else {
        return Err(issues);
    };
    Ok(Settings {
        client: ClientOptions {
            base_url: admin_url,
            admin_token: token,
            workspace,
            extra_headers: raw.kong_admin_headers,
            tls: TlsOptions {
                ca_pem: non_empty(raw.tls_ca_certificate),
                client_cert_pem: client_cert,
                client_key_pem: client_key,
                skip_verify: raw.tls_skip_verify.unwrap_or(false),
            },
            timeout: Duration::from_millis(timeout_ms as u64),
            max_retries: max_retries as u32,
            retry_base_delay: Duration::from_millis(200),
        },
        environment: Environment {
            naming: Naming::new(organization),
            template,
            gateway_url,
        },
    })
}

fn invalid(attribute: &'static str, summary: &str, detail: impl Into<String>) -> Issue {
    Issue::error(AttrPath::attr(attribute), summary, detail)
}

/// The issue of an Admin API URL that is not valid. One with userinfo (which may hold a
/// password) names where it came from instead of pointing at `kong_admin_url`: Terraform prints
/// the source line of the attribute a diagnostic is on, password included. The URL is shown
/// without its userinfo either way.
fn invalid_url(raw: &str, from_env: bool, why: String) -> Issue {
    const SUMMARY: &str = "Invalid Admin API URL";
    if crate::kong::redact::url(raw) == raw {
        return invalid("kong_admin_url", SUMMARY, why);
    }
    let source = if from_env {
        env::ADMIN_URL
    } else {
        "kong_admin_url"
    };
    Issue::error(AttrPath::default(), SUMMARY, format!("{source}: {why}"))
}

/// The admin URL as it will be used, for messages.
pub fn describe(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
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
            request_timeout_ms: Some(0),
            max_retries: Some(99),
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
    fn a_password_in_an_invalid_admin_url_is_never_shown_nor_pointed_at() {
        let configured = RawSettings {
            kong_admin_url: Some("http://admin:pw-8c1e@ho st:8001".into()),
            ..RawSettings::default()
        };
        let env = |name: &str| {
            (name == env::ADMIN_URL).then(|| "ftp://admin:pw-8c1e@kong:8001".to_string())
        };
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
}
