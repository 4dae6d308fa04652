//! `dispatch_api`: an HTTP(S) API in front of a function, as one Kong service and one route.
//! The Terraform side only: the schema ([`schema`]), state ⇄ declaration ([`state`]), the
//! policies' and authentication's parts ([`policies`], [`auth`]) and the diagnostics
//! ([`errors`]); carrying it out against Kong is [`crate::apply::api`]'s.

mod auth;
mod errors;
mod outside;
mod policies;
mod private;
mod routing;
mod schema;
mod state;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::apply::ownership::Guarded;
use crate::apply::{self, Context};
use crate::context::SharedContext;
use crate::diagnostics::{kong_error, report, report_plan_errors};
use crate::model::api;
use crate::model::auth as model_auth;
use crate::model::validate::KongRules;
use crate::model::Issue;
use crate::resources::report_foreign;
use crate::values::{self, TfNumber, TfString, TfStringList, TfStringSet};

use private::Private;
pub use schema::api_schema;

/// The state (and configuration) of one `dispatch_api`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiState {
    /// Stable id: the Kong service's id.
    pub id: TfString,
    /// API name.
    pub name: TfString,
    /// Function invoked.
    pub function: TfString,
    /// Other upstream URL.
    pub upstream_url: TfString,
    /// Host rules.
    pub hosts: TfStringSet,
    /// Path rules.
    pub paths: TfStringList,
    /// Method rules.
    pub methods: TfStringSet,
    /// HTTP/HTTPS mode.
    pub https: TfString,
    /// Answer to plain HTTP when HTTPS is required.
    pub https_redirect_status_code: TfNumber,
    /// Kong strip_path.
    pub strip_path: Value<bool>,
    /// Whether Kong serves the API.
    pub enabled: Value<bool>,
    /// Extra Kong tags.
    pub tags: TfStringSet,
    pub kong_service_id: TfString,
    pub kong_route_id: TfString,
    /// Name of the Kong service and route.
    pub kong_name: TfString,
    /// Invoke URLs.
    pub urls: TfStringList,
    /// Upstream timeout in milliseconds.
    #[serde(default)]
    pub timeout_ms: TfNumber,
    /// Largest request body in kilobytes.
    #[serde(default)]
    pub request_size_limit_kb: TfNumber,
    #[serde(default, with = "values::optional_block")]
    pub cors: Value<policies::CorsBlock>,
    #[serde(default, with = "values::optional_block")]
    pub rate_limit: Value<policies::RateLimitBlock>,
    #[serde(default, with = "values::optional_block")]
    pub logging: Value<policies::LoggingBlock>,
    #[serde(default, with = "values::optional_block")]
    pub monitoring: Value<policies::MonitoringBlock>,
    /// End-user authentication mode.
    pub authentication: TfString,
    /// Settings of basic authentication.
    #[serde(default, with = "values::optional_block")]
    pub basic_auth: Value<auth::BasicAuthBlock>,
    /// Settings of OIDC authentication.
    #[serde(default, with = "values::optional_block")]
    pub oidc: Value<auth::OidcBlock>,
}

/// The `dispatch_api` resource.
pub struct ApiResource {
    context: SharedContext,
}

impl ApiResource {
    /// The resource, sharing the provider's configured context.
    pub fn new(context: SharedContext) -> Self {
        Self { context }
    }
}

#[async_trait]
impl Resource for ApiResource {
    type State<'a> = Option<ApiState>;
    type PrivateState<'a> = Private;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(api_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(config) = config {
            report(diags, config_issues(&config, KongRules::ANY));
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let Some(prior) = state else {
            return Some((None, private_state));
        };
        let Some(ids) = prior.ids(&private_state) else {
            return Some((Some(prior), private_state));
        };
        let look = private::looks(&private_state);
        match apply::api::read(&context, &ids, prior.spec().as_ref(), look).await {
            Ok(None) => Some((None, None)),
            Ok(Some(found)) => {
                if let Some(entities) = &found.outside {
                    outside::warn_outside(diags, &found.spec.name, entities);
                }
                Some((
                    Some(ApiState::from_found(&found, &prior, &context)),
                    private::after_read(&found),
                ))
            }
            Err(error) => {
                kong_error(diags, "read the API", &error, |_| None);
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let (Some(proposed), Some(config)) = (proposed, config) else {
            return Some((None, None));
        };
        let refused = refused_at_plan(diags, &config, &context);
        let mut planned = ApiState::plan_from(&config, proposed, &context);
        planned.id = Value::Unknown;
        planned.kong_service_id = Value::Unknown;
        planned.kong_route_id = Value::Unknown;
        if refused {
            return Some((Some(planned), None));
        }
        auth::plan(diags, &context, &mut planned, None).await;
        check_plan(diags, &context, &planned, None).await;
        Some((Some(planned), None))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let context = self.context.get(diags)?;
        let (Some(prior), Some(proposed), Some(config)) = (prior, proposed, config) else {
            return Some((None, private_state, vec![]));
        };
        let refused = refused_at_plan(diags, &config, &context);
        let mut planned = ApiState::plan_from(&config, proposed, &context);
        planned.id = prior.id.clone();
        planned.kong_service_id = prior.kong_service_id.clone();
        planned.kong_route_id = match &prior.kong_route_id {
            Value::Value(id) => Value::Value(id.clone()),
            _ => Value::Unknown,
        };
        if refused {
            return Some((Some(planned), private_state, vec![]));
        }
        auth::plan(diags, &context, &mut planned, Some(&prior)).await;
        check_plan(diags, &context, &planned, Some(&prior)).await;
        Some((Some(planned), private_state, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let mut planned = planned?;
        if !auth::resolve(diags, &context, &mut planned).await {
            return None;
        }
        let Some(spec) = planned.spec() else {
            diags.root_error_short(
                "Internal error: the planned API has unknown values at apply time",
            );
            return None;
        };
        match apply::api::create(&context, &spec).await {
            Ok(ids) => {
                let uncovered = apply::api::hosts_without_certificate(&context, &spec).await;
                errors::warn_hosts_without_certificate(diags, &spec, uncovered);
                let state = ApiState::from_spec(&spec, &ids, &planned, &context);
                Some((Some(state), private_state))
            }
            Err(error) => {
                errors::report_create_error(diags, &spec, &error);
                // What could not be removed stays in state (tainted), so the next apply
                // deletes it instead of leaving it behind.
                let apply::api::CreateError::Write {
                    leftover: Some(ids),
                    ..
                } = error
                else {
                    return None;
                };
                let state = ApiState::from_spec(&spec, &ids, &planned, &context);
                Some((Some(state), private_state))
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let (prior, mut planned) = (prior?, planned?);
        if !auth::resolve(diags, &context, &mut planned).await {
            return Some((Some(prior), private_state));
        }
        let (Some(spec), Some(ids)) = (planned.spec(), prior.ids(&private_state)) else {
            diags.root_error_short(
                "Internal error: the planned API has unknown values at apply time",
            );
            return None;
        };
        let prior_spec = prior.spec();
        match apply::api::update(&context, &spec, prior_spec.as_ref(), ids).await {
            Ok(ids) => {
                let uncovered = apply::api::hosts_without_certificate(&context, &spec).await;
                errors::warn_hosts_without_certificate(diags, &spec, uncovered);
                let state = ApiState::from_spec(&spec, &ids, &planned, &context);
                let private = private::of(&ids, private::looks(&private_state));
                Some((Some(state), private))
            }
            Err(failure) => {
                errors::report_update_error(diags, &spec, &failure.error);
                if let apply::api::UpdateError::Invalid(_) = failure.error {
                    return None;
                }
                // What Kong holds now (the prior state when it cannot be read): the next plan
                // shows what is left to do.
                let now = match &failure.now {
                    Some(found) => ApiState::from_found(found, &prior, &context),
                    None => prior,
                };
                Some((Some(now), private_state))
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let context = self.context.get(diags)?;
        let Some(ids) = prior.as_ref().and_then(|p| p.ids(&private_state)) else {
            return Some(());
        };
        let prior_auth = prior.as_ref().and_then(auth::spec);
        let look = private::looks(&private_state);
        match apply::api::delete(&context, &ids, prior_auth.as_ref(), look).await {
            Ok(()) => Some(()),
            Err(apply::api::DeleteError::Foreign(foreign)) => {
                report_foreign(diags, "delete the API", &foreign);
                None
            }
            Err(apply::api::DeleteError::Kong(error)) => {
                kong_error(diags, "delete the API", &error, |_| None);
                None
            }
            Err(apply::api::DeleteError::RoutesInTheWay {
                routes,
                route_deleted,
            }) => {
                let name = prior.as_ref().and_then(|p| p.name.as_ref_option().cloned());
                let name = name.unwrap_or(ids.kong_name);
                outside::report_routes_in_the_way(diags, &name, &routes, route_deleted);
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        // `.` and `..` in an Admin API path would address another resource: refused before
        // any request.
        if let Err(why) = crate::model::naming::path_segment("an import id", &id) {
            diags.root_error("Invalid import id", why);
            return None;
        }
        match apply::api::import(&context, &id).await {
            // What is outside the declaration is named by the read that follows every import.
            Ok(Some(found)) => Some((
                Some(ApiState::from_found(&found, &ApiState::default(), &context)),
                private::after_read(&found),
            )),
            Ok(None) => {
                let kong_name = context.environment.naming.kong_name(&id);
                diags.root_error(
                    "API not found in Kong",
                    format!(
                        "No Kong service has the id or name `{id}` (looked for `{kong_name}` in this organization). Import takes the API's name or its id (the Kong service id)."
                    ),
                );
                None
            }
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "import the API", &foreign);
                None
            }
            Err(Guarded::Failed(error)) => {
                kong_error(diags, "import the API", &error, |_| None);
                None
            }
        }
    }
}

/// The id the plan-time checks map the API's entities under (nothing they check depends on it).
const PLANNED_ID: &str = "00000000-0000-0000-0000-000000000000";

/// What is wrong in `config` by the `rules` of the Kong in use.
fn config_issues(config: &ApiState, rules: KongRules) -> Vec<Issue> {
    let mut issues = api::check_draft(&config.draft(), rules);
    issues.extend(model_auth::check_draft(&auth::draft(config)));
    issues
}

/// Reports the errors of `config` by the rules of the Kong in use (`validate` judged before
/// the version was known, and cannot see values from variables); `true` when there are any, so
/// that the plan stops before it asks Kong or an issuer anything.
fn refused_at_plan(diags: &mut Diagnostics, config: &ApiState, context: &Context) -> bool {
    let issues = config_issues(config, context.environment.kong);
    let refused = issues.iter().any(Issue::is_error);
    report_plan_errors(diags, issues);
    refused
}

/// Plan-time checks that need the provider configuration: the API maps to Kong entities, and
/// no other route receives its requests (`prior`: its state on an update). The declaration is
/// mapped once for both.
async fn check_plan(
    diags: &mut Diagnostics,
    context: &Context,
    planned: &ApiState,
    prior: Option<&ApiState>,
) {
    let mapped = planned
        .spec()
        .map(|spec| api::desired(&spec, &context.environment, PLANNED_ID));
    let route = match mapped {
        Some(Ok(desired)) => Some(desired.route),
        Some(Err(issues)) => {
            report(diags, issues);
            None
        }
        None => None,
    };
    routing::check_plan(diags, context, planned, prior, route.as_ref()).await;
}
