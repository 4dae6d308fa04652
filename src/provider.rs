//! The provider: its configuration schema, and `configure`, which builds the one shared Kong
//! client every resource uses.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::apply::Context;
use crate::connect;
use crate::context::SharedContext;
use crate::data_sources::api::ApiDataSource;
use crate::data_sources::apis::ApisDataSource;
use crate::data_sources::certificate::CertificateDataSource;
use crate::diagnostics::report;
use crate::idp::{self, IdpClient};
use crate::interrupt::Interrupt;
use crate::kong::{Client, ConfigError, Inventory};
use crate::resources::api::ApiResource;
use crate::resources::basic_auth_user::BasicAuthUserResource;
use crate::resources::certificate::CertificateResource;
use crate::resources::traced::Traced;
use crate::schema::*;
use crate::settings::{self, RawSettings};
use crate::values::{self, TfNumber, TfString, TfStringMap};

/// The provider's name: Terraform's `dispatch_*` types and the `dispatch` provider block.
pub const PROVIDER_NAME: &str = "dispatch";

/// The provider's configuration block, each field the attribute of its name (documented in the
/// schema, [`provider_schema`]). Never printed: it holds secrets.
#[derive(Serialize, Deserialize, Default)]
pub struct ProviderConfig {
    pub kong_admin_url: TfString,
    /// `kong_admin_token` (sensitive).
    pub kong_admin_token: TfString,
    pub kong_workspace: TfString,
    pub kong_admin_headers: TfStringMap,
    pub tls_ca_certificate: TfString,
    pub tls_client_certificate: TfString,
    /// `tls_client_key` (sensitive).
    pub tls_client_key: TfString,
    pub tls_skip_verify: Value<bool>,
    pub organization: TfString,
    pub function_upstream_url: TfString,
    pub gateway_url: TfString,
    pub request_timeout_ms: TfNumber,
    pub max_retries: TfNumber,
}

impl ProviderConfig {
    /// True when every attribute is known (it may still be null).
    fn is_known(&self) -> bool {
        let strings = [
            &self.kong_admin_url,
            &self.kong_admin_token,
            &self.kong_workspace,
            &self.tls_ca_certificate,
            &self.tls_client_certificate,
            &self.tls_client_key,
            &self.organization,
            &self.function_upstream_url,
            &self.gateway_url,
        ];
        strings.iter().all(|v| !v.is_unknown())
            && !self.kong_admin_headers.is_unknown()
            && self
                .kong_admin_headers
                .as_ref_option()
                .is_none_or(|m| m.values().all(|v| !v.is_unknown()))
            && !self.tls_skip_verify.is_unknown()
            && !self.request_timeout_ms.0.is_unknown()
            && !self.max_retries.0.is_unknown()
    }

    fn raw(&self) -> RawSettings {
        RawSettings {
            kong_admin_url: values::string(&self.kong_admin_url),
            kong_admin_token: values::secret(&self.kong_admin_token),
            kong_workspace: values::string(&self.kong_workspace),
            kong_admin_headers: values::map_entries(&self.kong_admin_headers),
            tls_ca_certificate: values::string(&self.tls_ca_certificate),
            tls_client_certificate: values::string(&self.tls_client_certificate),
            tls_client_key: values::secret(&self.tls_client_key),
            tls_skip_verify: self.tls_skip_verify.as_ref_option().copied(),
            organization: values::string(&self.organization),
            function_upstream_url: values::string(&self.function_upstream_url),
            gateway_url: values::string(&self.gateway_url),
            request_timeout_ms: self.request_timeout_ms.0.as_ref_option().cloned(),
            max_retries: self.max_retries.0.as_ref_option().cloned(),
        }
    }
}

/// The `dispatch` provider.
#[derive(Default)]
pub struct DispatchProvider {
    context: SharedContext,
    interrupt: Interrupt,
}

impl DispatchProvider {
    /// A provider that is not configured yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A provider whose operations follow `interrupt` (Terraform's StopProvider and Shutdown,
    /// which the plugin front receives).
    pub fn with_interrupt(interrupt: Interrupt) -> Self {
        Self {
            interrupt,
            ..Self::default()
        }
    }
}

/// The provider's schema (also used to generate the documentation).
pub fn provider_schema() -> Schema {
    schema(block(
        "Declares Dispatch APIs, their certificates and who may call them, and applies them to a Kong gateway through its Admin API.",
        [
            ("kong_admin_url", optional(string(), "Base URL of Kong's Admin API. Falls back to the `KONG_ADMIN_URL` environment variable, then `http://localhost:8001`.")),
            ("kong_admin_token", sensitive(optional(string(), "RBAC token of Kong Enterprise, sent as the `Kong-Admin-Token` header. Falls back to `KONG_ADMIN_TOKEN`."))),
            ("kong_workspace", optional(string(), "Kong Enterprise workspace: prefixes every Admin API path. Falls back to `KONG_WORKSPACE`.")),
            ("kong_admin_headers", sensitive(optional(map_of_strings(), "Extra headers sent with every Admin API request, for example to an authenticating proxy in front of Kong. Sensitive, since they usually carry credentials: their values are never logged or shown."))),
            ("tls_ca_certificate", optional(string(), "PEM bundle of the certificate authorities trusted for an `https://` Admin API, instead of the system's.")),
            ("tls_client_certificate", optional(string(), "PEM client certificate for mutual TLS with the Admin API. Requires `tls_client_key`.")),
            ("tls_client_key", sensitive(optional(string(), "PEM private key of `tls_client_certificate`."))),
            ("tls_skip_verify", optional(boolean(), "Accept any certificate from the Admin API. Insecure: the provider warns on every run. Default `false`.")),
            ("organization", optional(string(), "Dispatch organization. When set, every Kong name is `<organization>.<name>`, every entity is tagged `dispatch-org:<organization>`, and APIs without `hosts` are served under `/<organization>`. An entity tagged for another organization (`dispatch-org:<other>`) is never imported, changed or deleted: the error names its owner. Falls back to `DISPATCH_ORGANIZATION`.")),
            ("function_upstream_url", optional(string(), "Template of the URL that invokes a function, with a `{function}` placeholder and optionally `{organization}`. Default `http://dispatch-function-manager/v1/functions/{function}/runs`.")),
            ("gateway_url", optional(string(), "Public base URL of the Kong proxy, used for the `urls` of APIs without `hosts`. Default `http://localhost:8000`; the other scheme's URL uses Kong's usual port pairing (8000/8443, 80/443).")),
            ("request_timeout_ms", optional(number(), "Timeout of one Admin API request, in milliseconds. Default 30000.")),
            ("max_retries", optional(number(), "How many times an idempotent Admin API request (GET, PUT, PATCH, DELETE) is retried after a 429, a 5xx or a broken connection, with exponential backoff and jitter, honouring `Retry-After`. Default 3.")),
        ],
        [],
    ))
}

#[async_trait]
impl Provider for DispatchProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(provider_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        if config.is_known() {
            if let Err(issues) = settings::resolve(config.raw(), |name| std::env::var(name).ok()) {
                report(diags, issues);
            }
        }
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        if !config.is_known() {
            diags.root_error(
                "Provider configuration not known yet",
                "The dispatch provider's configuration depends on values only known after apply; set it from values known at plan time.",
            );
            return None;
        }
        let settings = match settings::resolve(config.raw(), |name| std::env::var(name).ok()) {
            Ok(settings) => settings,
            Err(issues) => {
                report(diags, issues);
                return None;
            }
        };
        if settings.client.tls.skip_verify {
            diags.warning(
                "TLS verification of the Admin API is off",
                "tls_skip_verify = true: the provider accepts any certificate from Kong's Admin API, so anyone between Terraform and Kong can read and change what is sent, tokens included. Use tls_ca_certificate instead.",
                AttributePath::new("tls_skip_verify"),
            );
        }
        let summary = settings.client.summary();
        let base_url = settings.client.base_url.clone();
        let client = match Client::new(settings.client) {
            Ok(client) => client.stopped_by(self.interrupt.stop_token()),
            Err(error) => {
                report_config_error(diags, &error, &config);
                return None;
            }
        };
        tracing::debug!(
            connection = %summary,
            organization = settings.environment.naming.organization().unwrap_or("-"),
            "provider configured"
        );
        let node = connect::connect(diags, &client, &base_url, &settings.sources).await?;
        let inventory = Inventory::new(client.clone(), settings.environment.naming.listing_tags());
        let idp = IdpClient::new(idp::DEFAULT_TIMEOUT).stopped_by(self.interrupt.stop_token());
        self.context.set(
            Context::new(
                client,
                inventory,
                settings.environment,
                idp,
                self.interrupt.clone(),
            )
            .with_node(node),
        );
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let resources: Vec<(&str, Box<dyn DynamicResource>)> = vec![
            (
                "api",
                Box::new(Traced::new(
                    "dispatch_api",
                    ApiResource::new(self.context.clone()),
                )),
            ),
            (
                "basic_auth_user",
                Box::new(Traced::new(
                    "dispatch_basic_auth_user",
                    BasicAuthUserResource::new(self.context.clone()),
                )),
            ),
            (
                "certificate",
                Box::new(Traced::new(
                    "dispatch_certificate",
                    CertificateResource::new(self.context.clone()),
                )),
            ),
        ];
        Some(
            resources
                .into_iter()
                .map(|(name, resource)| (name.to_string(), resource))
                .collect(),
        )
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let data_sources: Vec<(&str, Box<dyn DynamicDataSource>)> = vec![
            (
                "api",
                Box::new(Traced::new(
                    "data.dispatch_api",
                    ApiDataSource::new(self.context.clone()),
                )),
            ),
            (
                "apis",
                Box::new(Traced::new(
                    "data.dispatch_apis",
                    ApisDataSource::new(self.context.clone()),
                )),
            ),
            (
                "certificate",
                Box::new(Traced::new(
                    "data.dispatch_certificate",
                    CertificateDataSource::new(self.context.clone()),
                )),
            ),
        ];
        Some(
            data_sources
                .into_iter()
                .map(|(name, data_source)| (name.to_string(), data_source))
                .collect(),
        )
    }
}

/// Reports a connection setting the client cannot use, naming the attribute that holds it (or
/// the environment variable it came from). Only non-secret attributes carry the diagnostic:
/// Terraform prints the source line of the attribute a diagnostic is on, and the line of a
/// sensitive attribute may hold the secret itself (a token or header written literally).
fn report_config_error(diags: &mut Diagnostics, error: &ConfigError, config: &ProviderConfig) {
    let summary = "Invalid Kong connection settings";
    let pair = "tls_client_certificate and tls_client_key";
    let (attribute, what) = match error {
        ConfigError::HeaderName { .. } | ConfigError::HeaderValue { .. } => {
            (None, "kong_admin_headers")
        }
        ConfigError::Token if config.kong_admin_token.is_null() => {
            (None, settings::env::ADMIN_TOKEN)
        }
        ConfigError::Token => (None, "kong_admin_token"),
        ConfigError::CaBundle { .. } | ConfigError::EmptyCaBundle => {
            (Some("tls_ca_certificate"), "tls_ca_certificate")
        }
        ConfigError::ClientIdentity => (Some("tls_client_certificate"), pair),
        ConfigError::ClientPairIncomplete if config.tls_client_key.is_null() => {
            (Some("tls_client_certificate"), pair)
        }
        ConfigError::ClientPairIncomplete => (None, pair),
        ConfigError::HttpClient { .. } => (None, "the connection settings"),
    };
    let detail = format!("{what}: {error}.");
    match attribute {
        Some(attribute) => diags.error(summary, detail, AttributePath::new(attribute)),
        None => diags.root_error(summary, detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The errors `configure` reports, as (attribute, detail).
    async fn configure_errors(config: ProviderConfig) -> Vec<(String, String)> {
        let mut diags = Diagnostics::default();
        let configured = DispatchProvider::new()
            .configure(&mut diags, "1.9.0".into(), config)
            .await;
        assert!(configured.is_none());
        diags
            .errors
            .iter()
            .map(|d| (d.attribute.to_string(), d.detail.to_string()))
            .collect()
    }

    fn text(value: &str) -> TfString {
        Value::Value(value.to_string())
    }

    #[tokio::test]
    async fn connection_settings_the_client_refuses_are_on_or_name_their_attribute() {
        let errors = configure_errors(ProviderConfig {
            tls_ca_certificate: text("not a PEM bundle"),
            ..ProviderConfig::default()
        })
        .await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].0.contains("tls_ca_certificate"), "{errors:?}");
        assert!(errors[0].1.contains("tls_ca_certificate"), "{errors:?}");

        let secret = "s3cret-header-value";
        let headers = [("X-Proxy".to_string(), text(&format!("{secret}\n")))];
        let errors = configure_errors(ProviderConfig {
            kong_admin_headers: Value::Value(headers.into_iter().collect()),
            ..ProviderConfig::default()
        })
        .await;
        // Named, not pointed at: Terraform would print the source line, secret included.
        assert_eq!(errors[0].0, "", "{errors:?}");
        assert!(errors[0].1.contains("kong_admin_headers"), "{errors:?}");
        assert!(!errors[0].1.contains(secret));

        let errors = configure_errors(ProviderConfig {
            tls_client_certificate: text(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            ),
            tls_client_key: text(
                "-----BEGIN PRIVATE KEY-----\nk3y-s3cret\n-----END PRIVATE KEY-----",
            ),
            ..ProviderConfig::default()
        })
        .await;
        assert!(errors[0].0.contains("tls_client_certificate"), "{errors:?}");
        assert!(errors[0].1.contains("tls_client_key"), "{errors:?}");
        assert!(!errors[0].1.contains("k3y-s3cret"), "{errors:?}");
    }
}
