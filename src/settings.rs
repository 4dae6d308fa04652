//! The provider configuration, resolved: attributes, then environment variables, then defaults,
//! each checked with a message on the attribute that is wrong. Pure: the environment is passed in.

use std::time::Duration;

use url::Url;

use crate::kong::{ClientOptions, TlsOptions};
use crate::model::api::Environment;
use crate::model::naming::Naming;
use crate::model::upstream::{UpstreamTemplate, DEFAULT_FUNCTION_UPSTREAM_URL};
use crate::model::{validate, AttrPath, Issue, Number};
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
    pub request_timeout_ms: Option<Number>,
    /// `max_retries`.
    pub max_retries: Option<Number>,
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

    let admin_url_raw = non_empty(raw.kong_admin_url)
        .or_else(|| non_empty(env_var(env::ADMIN_URL)))
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_string());
    let admin_url = validate::base_url(&admin_url_raw)
        .map_err(|why| issues.push(invalid("kong_admin_url", "Invalid Admin API URL", why)))
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

    let timeout_ms = whole_setting(
        raw.request_timeout_ms,
        DEFAULT_TIMEOUT_MS,
        1,
        MAX_TIMEOUT_MS,
    )
    .map_err(|n| {
        issues.push(invalid(
            "request_timeout_ms",
            "Invalid timeout",
            format!("{n} is not a whole number of milliseconds between 1 and {MAX_TIMEOUT_MS}"),
        ))
    })
    .unwrap_or(DEFAULT_TIMEOUT_MS);
    let max_retries = whole_setting(raw.max_retries, DEFAULT_MAX_RETRIES, 0, MAX_RETRIES)
        .map_err(|n| {
            issues.push(invalid(
                "max_retries",
                "Invalid retry count",
                format!("{n} is not a whole number between 0 and {MAX_RETRIES}"),
            ))
        })
        .unwrap_or(DEFAULT_MAX_RETRIES);

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

/// A whole-number setting: `default` when not set, the number when it is a whole number
/// between `min` and `max`, else the number given.
fn whole_setting(value: Option<Number>, default: i64, min: i64, max: i64) -> Result<i64, Number> {
    let Some(value) = value else {
        return Ok(default);
    };
    value
        .whole_in(min.into(), max.into())
        .ok()
        .and_then(|n| i64::try_from(n).ok())
        .ok_or(value)
}

fn invalid(attribute: &'static str, summary: &str, detail: impl Into<String>) -> Issue {
    Issue::error(AttrPath::attr(attribute), summary, detail)
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
