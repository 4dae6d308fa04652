//! The provider configuration, resolved: attributes, then environment variables, then defaults,
//! each checked with a message on the attribute that is wrong, or naming the environment
//! variable the value came from (Terraform can only point at what the configuration holds).
//! Pure: the environment is passed in.

use std::time::Duration;

use url::Url;

use crate::kong::{ClientOptions, TlsOptions};
use crate::model::api::Environment;
use crate::model::naming::Naming;
use crate::model::upstream::{UpstreamTemplate, DEFAULT_FUNCTION_UPSTREAM_URL};
use crate::model::validate::KongRules;
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
    /// Where the settings that may come from the environment came from.
    pub sources: Sources,
}

/// Where a setting's value came from, so that a message about it names what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The provider block's attribute of this name.
    Attribute(&'static str),
    /// This environment variable, read because the attribute is not set.
    Env {
        variable: &'static str,
        /// The attribute it stands in for.
        attribute: &'static str,
    },
    /// The documented default of this attribute (it is not set, nor its variable).
    Default(&'static str),
}

impl Source {
    /// What to change: `kong_workspace`, or `KONG_WORKSPACE` when the value came from there.
    pub fn name(&self) -> &'static str {
        match self {
            Source::Attribute(name) | Source::Default(name) => name,
            Source::Env { variable, .. } => variable,
        }
    }

    /// Where the value came from, in a sentence's words.
    pub fn describe(&self) -> String {
        match self {
            Source::Attribute(name) => format!("`{name}` in the provider block"),
            Source::Env {
                variable,
                attribute,
            } => format!(
                "the environment variable {variable} (read because `{attribute}` is not set in the provider block)"
            ),
            Source::Default(name) => format!("the default of `{name}` (neither it nor its environment variable is set)"),
        }
    }
}

/// Where the settings with an environment-variable fallback came from (`None`: not set at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sources {
    /// `kong_admin_url` / `KONG_ADMIN_URL`.
    pub admin_url: Source,
    /// `kong_admin_token` / `KONG_ADMIN_TOKEN`.
    pub admin_token: Option<Source>,
    /// `kong_workspace` / `KONG_WORKSPACE`.
    pub workspace: Option<Source>,
    /// `organization` / `DISPATCH_ORGANIZATION`.
    pub organization: Option<Source>,
}

/// The attribute's value when set (not blank), else the variable's, with where it came from.
fn pick(
    attribute: &'static str,
    variable: &'static str,
    value: Option<String>,
    env_var: &impl Fn(&str) -> Option<String>,
) -> Option<(String, Source)> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    non_empty(value)
        .map(|v| (v, Source::Attribute(attribute)))
        .or_else(|| {
            non_empty(env_var(variable)).map(|v| {
                (
                    v,
                    Source::Env {
                        variable,
                        attribute,
                    },
                )
            })
        })
}

/// An error about a value, on its attribute, or naming the environment variable it came from
/// (the configuration has no line to point at then).
fn invalid_from(source: Source, summary: &str, why: impl Into<String>) -> Issue {
    match source {
        Source::Env { variable, .. } => Issue::error(
            AttrPath(Vec::new()),
            format!("{summary} in {variable}"),
            format!(
                "{}\n\nThe value comes from {}. Correct or unset {variable}, or set the attribute.",
                why.into(),
                source.describe()
            ),
        ),
        Source::Attribute(name) | Source::Default(name) => {
            Issue::error(AttrPath::attr(name), summary, why)
        }
    }
}

/// Resolves and checks the configuration. `env_var` reads an environment variable.
pub fn resolve(
    raw: RawSettings,
    env_var: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Vec<Issue>> {
    let mut issues = Vec::new();
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());

    let (admin_url_raw, admin_url_source) = pick(
        "kong_admin_url",
        env::ADMIN_URL,
        raw.kong_admin_url,
        &env_var,
    )
    .unwrap_or_else(|| {
        (
            DEFAULT_ADMIN_URL.to_string(),
            Source::Default("kong_admin_url"),
        )
    });
    let admin_url = validate::base_url(&admin_url_raw)
        .map_err(|why| issues.push(invalid_url(&admin_url_raw, admin_url_source, why)))
        .ok();

    let (token, token_source) = match raw.kong_admin_token.filter(|t| !t.expose().is_empty()) {
        Some(token) => (Some(token), Some(Source::Attribute("kong_admin_token"))),
        None => match non_empty(env_var(env::ADMIN_TOKEN)) {
            Some(token) => (
                Some(Secret::new(token)),
                Some(Source::Env {
                    variable: env::ADMIN_TOKEN,
                    attribute: "kong_admin_token",
                }),
            ),
            None => (None, None),
        },
    };

    let workspace = pick(
        "kong_workspace",
        env::WORKSPACE,
        raw.kong_workspace,
        &env_var,
    );
    if let Some((ws, source)) = &workspace {
        if let Err(why) = validate::workspace(ws) {
            issues.push(invalid_from(*source, "Invalid workspace", why));
        }
    }
    let (workspace, workspace_source) = workspace.unzip();

    for (name, _) in &raw.kong_admin_headers {
        if let Err(why) = validate::header_name(name) {
            issues.push(invalid("kong_admin_headers", "Invalid header name", why));
        }
    }

    let organization = pick(
        "organization",
        env::ORGANIZATION,
        raw.organization,
        &env_var,
    );
    if let Some((org, source)) = &organization {
        if let Err(why) = validate::organization(org) {
            issues.push(invalid_from(*source, "Invalid organization", why));
        }
    }
    let (organization, organization_source) = organization.unzip();

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
            // Known once configure has asked Kong (`Context::with_node`).
            kong: KongRules::ANY,
        },
        sources: Sources {
            admin_url: admin_url_source,
            admin_token: token_source,
            workspace: workspace_source,
            organization: organization_source,
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

/// The issue of an Admin API URL that is not valid. One with userinfo (which may hold a
/// password) names where it came from instead of pointing at `kong_admin_url`: Terraform prints
/// the source line of the attribute a diagnostic is on, password included. The URL is shown
/// without its userinfo either way.
fn invalid_url(raw: &str, source: Source, why: String) -> Issue {
    const SUMMARY: &str = "Invalid Admin API URL";
    if crate::kong::redact::url(raw) == raw {
        return invalid_from(source, SUMMARY, why);
    }
    // A password in the URL: Terraform would print the attribute's source line (and so the
    // password) under a diagnostic placed on it, so the message names where the value came from.
    Issue::error(
        AttrPath::default(),
        SUMMARY,
        format!("{}: {why}", source.name()),
    )
}

/// The admin URL as it will be used, for messages.
pub fn describe(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests;
