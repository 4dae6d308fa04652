//! `dispatch_api`: an HTTP(S) API in front of a function, as one Kong service and one route.

mod auth;
mod policies;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::context::{Context, SharedContext};
use crate::diagnostics::{kong_error, report};
use crate::kong::{KongError, Plugin, Route, Service};
use crate::model::api::{
    self, ApiSpec, DesiredApi, Draft, HttpsMode, Observed, Upstream, DEFAULT_REDIRECT_CODE,
};
use crate::model::{auth as model_auth, certificate, naming, AttrPath};
use crate::resources::{keep_after_undo, known_sorted};
use crate::schema::*;
use crate::values::{
    self, field, field_strings, known_strings, TfString, TfStringList, TfStringSet,
};

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
    #[serde(serialize_with = "crate::values::number_as_text")]
    pub https_redirect_status_code: Value<i64>,
    /// Kong strip_path.
    pub strip_path: Value<bool>,
    /// Whether Kong serves the API.
    pub enabled: Value<bool>,
    /// Extra Kong tags.
    pub tags: TfStringSet,
    /// Kong service id.
    pub kong_service_id: TfString,
    /// Kong route id.
    pub kong_route_id: TfString,
    /// Name of the Kong service and route.
    pub kong_name: TfString,
    /// Invoke URLs.
    pub urls: TfStringList,
    /// Upstream timeout in milliseconds.
    #[serde(default, serialize_with = "crate::values::number_as_text")]
    pub timeout_ms: policies::TfNumber,
    /// Largest request body in kilobytes.
    #[serde(default, serialize_with = "crate::values::number_as_text")]
    pub request_size_limit_kb: policies::TfNumber,
    /// The `cors` block.
    #[serde(default, with = "values::optional_block")]
    pub cors: Value<policies::CorsBlock>,
    /// The `rate_limit` block.
    #[serde(default, with = "values::optional_block")]
    pub rate_limit: Value<policies::RateLimitBlock>,
    /// The `logging` block.
    #[serde(default, with = "values::optional_block")]
    pub logging: Value<policies::LoggingBlock>,
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

/// The schema of `dispatch_api`.
pub fn api_schema() -> Schema {
    schema(block(
        "An API that exposes a function over HTTP and HTTPS through Kong: one Kong service (the upstream) and one route (hosts, paths, methods, schemes), both named after the API and tagged as managed by this provider.",
        [
            ("id", computed(string(), "Stable identifier of the API (the Kong service's id); it survives renames.")),
            ("name", required(string(), "Name of the API: letters, digits, `-` and `_`, starting with a letter or digit; unique in the organization. Renaming updates the Kong entities in place.")),
            ("function", optional(string(), "The function the API invokes; its upstream URL comes from the provider's `function_upstream_url`. Conflicts with `upstream_url`. With neither, the API answers 503 \"no function linked\".")),
            ("upstream_url", optional(string(), "Any other `http://` or `https://` upstream URL (no query, fragment or credentials). Conflicts with `function`.")),
            ("hosts", optional(set_of_strings(), "Hostnames the API is served on, optionally with a port; one `*` is allowed as the whole leftmost or rightmost label (`*.example.com`, `example.*`).")),
            ("paths", optional_computed(list_of_strings(), "Path prefixes (`/…`, in Kong's normalised form) or regular expressions (`~/…`). Default `[\"/<name>\"]`. With an `organization` and no `hosts`, Kong serves them under `/<organization>`.")),
            ("methods", optional(set_of_strings(), "Upper-case HTTP methods the API answers. Absent: every method.")),
            ("https", optional_computed(string(), "`\"disabled\"` (HTTP only), `\"optional\"` (HTTP and HTTPS, the default) or `\"required\"` (HTTPS only).")),
            ("https_redirect_status_code", optional_computed(number(), "With `https = \"required\"`, Kong's answer to plain HTTP: 426 (the default, \"Please use HTTPS\") or 301, 302, 307, 308 (a redirect to HTTPS).")),
            ("strip_path", optional_computed(boolean(), "Whether the matched path prefix is removed before calling the upstream (Kong `strip_path`). Default `true`.")),
            ("enabled", optional_computed(boolean(), "`false` keeps the API declared but unreachable (Kong `service.enabled = false`). Default `true`.")),
            ("tags", optional(set_of_strings(), "Extra Kong tags on the service and route (no `,` or `/`). The provider adds its own ownership tags.")),
            ("kong_service_id", computed(string(), "Id of the Kong service.")),
            ("kong_route_id", computed(string(), "Id of the Kong route.")),
            ("kong_name", computed(string(), "Name of the Kong service and route: `<organization>.<name>`, or `name` without an organization. Read back from Kong, so an API left outside the configured organization shows as a change.")),
            ("urls", computed(list_of_strings(), "Every URL the API can be invoked on: scheme × host (or the provider's `gateway_url`) × plain path. Wildcard hosts and regex paths are left out.")),
        ]
        .into_iter()
        .chain(policies::schema_attributes())
        .chain(auth::attributes()),
        policies::schema_blocks().into_iter().chain(auth::blocks()),
    ))
}

impl ApiState {
    fn draft(&self) -> Draft {
        Draft {
            name: field(&self.name),
            function: field(&self.function),
            upstream_url: field(&self.upstream_url),
            hosts: field_strings(&self.hosts),
            paths: field_strings(&self.paths),
            methods: field_strings(&self.methods),
            https: field(&self.https),
            redirect_code: field(&self.https_redirect_status_code),
            tags: field_strings(&self.tags),
            policies: policies::draft(self),
        }
    }

    /// The declaration, when every value it needs is known.
    fn spec(&self) -> Option<ApiSpec> {
        let upstream = match (&self.function, &self.upstream_url) {
            (Value::Value(f), Value::Null) => Upstream::Function(f.clone()),
            (Value::Null, Value::Value(u)) => Upstream::Url(u.clone()),
            (Value::Null, Value::Null) => Upstream::Unlinked,
            _ => return None,
        };
        let https = HttpsMode::parse(self.https.as_ref_option()?)?;
        Some(ApiSpec {
            name: self.name.as_ref_option()?.clone(),
            upstream,
            hosts: known_sorted(&self.hosts)?,
            paths: known_strings(&self.paths)?,
            methods: known_sorted(&self.methods)?,
            https,
            redirect_code: match &self.https_redirect_status_code {
                Value::Value(code) => u16::try_from(*code).ok()?,
                Value::Null => DEFAULT_REDIRECT_CODE,
                Value::Unknown => return None,
            },
            strip_path: *self.strip_path.as_ref_option()?,
            enabled: *self.enabled.as_ref_option()?,
            tags: known_sorted(&self.tags)?,
            policies: policies::spec(self)?,
            auth: auth::spec(self)?,
        })
    }

    /// Fills what the user left out with defaults, and the computed values that can be known.
    /// `config` decides: a value the user removed from the configuration goes back to its default.
    fn plan_from(config: &ApiState, mut planned: ApiState, context: &Context) -> ApiState {
        planned.https = values::or_default(&config.https, HttpsMode::Optional.as_str().to_string());
        planned.strip_path = values::or_default(&config.strip_path, true);
        planned.enabled = values::or_default(&config.enabled, true);
        planned.paths = match (&config.paths, &config.name) {
            (Value::Null, Value::Value(name)) => values::list(&ApiSpec::default_paths(name)),
            (Value::Null, _) => Value::Unknown,
            (paths, _) => paths.clone(),
        };
        planned.https_redirect_status_code =
            match (&config.https_redirect_status_code, &planned.https) {
                (Value::Null, Value::Value(h)) if h == HttpsMode::Required.as_str() => {
                    Value::Value(i64::from(DEFAULT_REDIRECT_CODE))
                }
                (Value::Null, Value::Unknown) => Value::Unknown,
                (Value::Null, _) => Value::Null,
                (code, _) => *code,
            };
        planned.kong_name = match &config.name {
            Value::Value(name) => Value::Value(context.environment.naming.kong_name(name)),
            _ => Value::Unknown,
        };
        auth::plan_defaults(config, &mut planned);
        planned.urls = match planned.spec() {
            Some(spec) => values::list(&api::invoke_urls(&spec, &context.environment)),
            None => Value::Unknown,
        };
        planned
    }

    /// The state for a declaration read back from Kong. `prior` decides how "nothing" is
    /// written (null or empty), so that Kong's nulls never show as changes.
    fn from_spec(spec: &ApiSpec, ids: &Ids, prior: &ApiState, context: &Context) -> ApiState {
        let (function, upstream_url) = match &spec.upstream {
            Upstream::Function(f) => (Value::Value(f.clone()), Value::Null),
            Upstream::Url(u) => (Value::Null, Value::Value(u.clone())),
            Upstream::Unlinked => (Value::Null, Value::Null),
        };
        let policies = policies::state(&spec.policies, prior);
        let (authentication, basic_auth, oidc) = auth::write(&spec.auth, prior);
        ApiState {
            id: Value::Value(ids.service.clone()),
            name: Value::Value(spec.name.clone()),
            function,
            upstream_url,
            hosts: values::set_like(&spec.hosts, &prior.hosts),
            paths: values::list(&spec.paths),
            methods: values::set_like(&spec.methods, &prior.methods),
            https: Value::Value(spec.https.as_str().to_string()),
            https_redirect_status_code: if spec.https == HttpsMode::Required {
                Value::Value(i64::from(spec.redirect_code))
            } else {
                Value::Null
            },
            strip_path: Value::Value(spec.strip_path),
            enabled: Value::Value(spec.enabled),
            tags: values::set_like(&spec.tags, &prior.tags),
            kong_service_id: Value::Value(ids.service.clone()),
            kong_route_id: values::opt_string(ids.route.as_deref()),
            kong_name: Value::Value(ids.kong_name.clone()),
            urls: values::list(&api::invoke_urls(spec, &context.environment)),
            timeout_ms: policies.timeout_ms,
            request_size_limit_kb: policies.request_size_limit_kb,
            cors: policies.cors,
            rate_limit: policies.rate_limit,
            logging: policies.logging,
            authentication,
            basic_auth,
            oidc,
        }
    }
}

/// The Kong ids and name of an API.
#[derive(Debug, Clone)]
struct Ids {
    service: String,
    route: Option<String>,
    kong_name: String,
}

impl Ids {
    fn of(state: &ApiState) -> Option<Ids> {
        Some(Ids {
            service: state.kong_service_id.as_ref_option()?.clone(),
            route: state.kong_route_id.as_ref_option().cloned(),
            kong_name: state.kong_name.as_ref_option().cloned().unwrap_or_default(),
        })
    }

    fn of_kong(service: &Service, route: Option<&Route>) -> Ids {
        Ids {
            service: service.id.clone(),
            route: route.map(|r| r.id.clone()),
            kong_name: service.name.clone().unwrap_or_default(),
        }
    }
}

/// Where Kong's complaint about a field of the service or route belongs in the declaration.
fn locate(spec: &ApiSpec) -> impl Fn(&[String]) -> Option<AttrPath> + '_ {
    move |path: &[String]| {
        let first = path.first()?.as_str();
        Some(match first {
            "name" => AttrPath::attr("name"),
            "protocol" | "host" | "port" | "path" | "url" => match spec.upstream {
                Upstream::Url(_) => AttrPath::attr("upstream_url"),
                _ => AttrPath::attr("function"),
            },
            "hosts" => AttrPath::attr("hosts"),
            "paths" => match path.get(1).and_then(|i| i.parse::<usize>().ok()) {
                Some(i) if i < spec.paths.len() => AttrPath::attr("paths").index(i),
                _ => AttrPath::attr("paths"),
            },
            "methods" => AttrPath::attr("methods"),
            "protocols" => AttrPath::attr("https"),
            "https_redirect_status_code" => AttrPath::attr("https_redirect_status_code"),
            "strip_path" => AttrPath::attr("strip_path"),
            "enabled" => AttrPath::attr("enabled"),
            "tags" => AttrPath::attr("tags"),
            "@entity" => AttrPath::attr("paths"),
            _ => return policies::locate(path),
        })
    }
}

/// Reports a failed create or update (`action`): a 409 on the API's name says who holds it and
/// how to take it over; anything else is Kong's error on the attribute concerned.
async fn report_write_error(
    diags: &mut Diagnostics,
    context: &Context,
    spec: &ApiSpec,
    action: &str,
    error: &KongError,
) {
    let failed = |diags: &mut Diagnostics| {
        kong_error(
            diags,
            &format!("{action} the API `{}`", spec.name),
            error,
            locate(spec),
        );
    };
    if !error.is_unique_violation() {
        failed(diags);
        return;
    }
    let kong_name = context.environment.naming.kong_name(&spec.name);
    let holder = context.client.service(&kong_name).await.ok().flatten();
    let route_holder = if holder.is_none() {
        context
            .client
            .route(&kong_name)
            .await
            .ok()
            .flatten()
            .map(|r| r.tags)
    } else {
        None
    };
    let (what, tags) = match (&holder, route_holder) {
        (Some(service), _) => ("service", service.tags.clone()),
        (None, Some(tags)) => ("route", tags),
        (None, None) => {
            failed(diags);
            return;
        }
    };
    let detail = if naming::is_managed(tags.as_deref()) {
        format!(
            "A Kong {what} named `{kong_name}` already exists and is managed by terraform-provider-dispatch, probably from another Terraform state or workspace. Choose another name, or import it into this state with `terraform import <resource address> {}`.",
            spec.name
        )
    } else {
        format!(
            "A Kong {what} named `{kong_name}` already exists and is not managed by this provider, so it is left untouched. Import it with `terraform import <resource address> {}` (for example `terraform import dispatch_api.{} {}`), or choose another name.",
            spec.name, spec.name, spec.name
        )
    };
    diags.error(
        "API name already taken in Kong",
        detail,
        AttributePath::new("name"),
    );
}

/// What Kong holds for one API.
struct Snapshot {
    service: Service,
    route: Option<Route>,
    plugins: Vec<Plugin>,
}

impl Snapshot {
    fn observed(&self) -> Observed<'_> {
        Observed {
            service: &self.service,
            route: self.route.as_ref(),
            plugins: &self.plugins,
        }
    }

    fn ids(&self) -> Ids {
        Ids::of_kong(&self.service, self.route.as_ref())
    }
}

/// Fetches what Kong holds for an API that is at `before`, or anywhere between `before` and
/// `after` when an update failed half-way: `None` when the service is gone.
async fn observe(
    context: &Context,
    ids: &Ids,
    before: Option<&ApiSpec>,
    after: Option<&ApiSpec>,
) -> Result<Option<Snapshot>, KongError> {
    let kong = &context.inventory;
    let Some(service) = kong.service(&ids.service).await? else {
        return Ok(None);
    };
    let route = match &ids.route {
        Some(route_id) => kong.route(route_id).await?,
        None => None,
    };
    let plugins = if api::needs_plugins_between(before, after, &service) {
        kong.service_plugins(&service.id).await?
    } else {
        Vec::new()
    };
    Ok(Some(Snapshot {
        service,
        route,
        plugins,
    }))
}

/// The declaration Kong holds for an API, the issuer's keys included.
async fn read_spec(
    context: &Context,
    observed: Observed<'_>,
    prior: Option<&ApiSpec>,
) -> Result<ApiSpec, KongError> {
    let mut spec = api::read_back(observed, prior, &context.environment);
    auth::observe_keys(context, &mut spec.auth).await?;
    Ok(spec)
}

/// How far a create may have got in Kong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Progress {
    Nothing,
    Service,
    Route,
}

/// Records that `step` may exist in Kong after this request: it succeeded, or failed in a way
/// that may still have been carried out (a lost answer).
fn reach<T>(
    progress: &mut Progress,
    step: Progress,
    result: Result<T, KongError>,
) -> Result<T, KongError> {
    if result
        .as_ref()
        .map_or_else(KongError::may_have_been_done, |_| true)
    {
        *progress = step;
    }
    result
}

/// Why a create failed, and what it left.
struct CreateFailure {
    /// What went wrong.
    error: KongError,
    /// The ids to keep in state (tainted) when something could not be removed.
    leftover: Option<Ids>,
    /// The issuer's consumer could not be released and no API entity is left to record it.
    issuer_left: Option<KongError>,
}

/// Creates the entities in order; on failure removes them again, and releases `issuer` (whose
/// keys were written for this API) before the service, so that the service's plugins still
/// record the issuer when the release fails.
async fn create_entities(
    context: &Context,
    desired: &DesiredApi,
    service_id: &str,
    route_id: &str,
    issuer: Option<&str>,
) -> Result<(), CreateFailure> {
    let client = &context.client;
    let mut progress = Progress::Nothing;
    let created = async {
        let service = client.put_service(service_id, &desired.service).await;
        reach(&mut progress, Progress::Service, service)?;
        context.continue_create()?;
        // The plugins come before the route, so that an API is never reachable without its
        // authentication, not even for the moment between two requests.
        for plugin in &desired.plugins {
            client
                .put_plugin(&api::plugin_id(service_id, &plugin.name), plugin)
                .await?;
            context.continue_create()?;
        }
        let route = client.put_route(route_id, &desired.route).await;
        reach(&mut progress, Progress::Route, route)?;
        context.continue_create()?;
        Ok::<(), KongError>(())
    }
    .await;
    let Err(error) = created else {
        return Ok(());
    };
    // A write that failed may still have been done (its answer lost on the way back), so the
    // undo covers it too; the ids are ours, and deleting one that does not exist is a no-op.
    // Reverse order: plugins go with the service.
    let mut issuer_left = None;
    let undone = async {
        if progress >= Progress::Route {
            client.delete_route(route_id).await?;
        }
        if let Some(issuer) = issuer {
            match auth::release(context, issuer, Some(service_id)).await {
                Ok(()) => {}
                Err(cleanup) if progress >= Progress::Service => return Err(cleanup),
                Err(cleanup) => issuer_left = Some(cleanup),
            }
        }
        if progress >= Progress::Service {
            client.delete_service(service_id).await?;
        }
        Ok::<(), KongError>(())
    };
    let tracked = Ids {
        service: service_id.to_string(),
        route: (progress >= Progress::Route).then(|| route_id.to_string()),
        kong_name: desired.service.name.clone(),
    };
    // Kept ids taint the resource: the next refresh finds whatever landed, and the next apply
    // replaces it.
    let leftover = keep_after_undo(&error, undone.await, "API").then_some(tracked);
    Err(CreateFailure {
        error,
        leftover,
        issuer_left,
    })
}

#[async_trait]
impl Resource for ApiResource {
    type State<'a> = Option<ApiState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(api_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(config) = config {
            report(diags, api::check_draft(&config.draft()));
            report(diags, model_auth::check_draft(&auth::draft(&config)));
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
        let Some(ids) = Ids::of(&prior) else {
            return Some((Some(prior), private_state));
        };
        let prior_spec = prior.spec();
        let observed = match observe(&context, &ids, prior_spec.as_ref(), None).await {
            Ok(Some(snapshot)) => read_spec(&context, snapshot.observed(), prior_spec.as_ref())
                .await
                .map(|spec| Some((spec, snapshot.ids()))),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        match observed {
            Ok(None) => Some((None, private_state)),
            Ok(Some((spec, ids))) => Some((
                Some(ApiState::from_spec(&spec, &ids, &prior, &context)),
                private_state,
            )),
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
            return Some((None, ValueEmpty::default()));
        };
        let mut planned = ApiState::plan_from(&config, proposed, &context);
        planned.id = Value::Unknown;
        planned.kong_service_id = Value::Unknown;
        planned.kong_route_id = Value::Unknown;
        auth::plan(diags, &context, &mut planned).await;
        check_plan(diags, &planned, &context);
        Some((Some(planned), ValueEmpty::default()))
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
        let mut planned = ApiState::plan_from(&config, proposed, &context);
        planned.id = prior.id.clone();
        planned.kong_service_id = prior.kong_service_id.clone();
        planned.kong_route_id = match &prior.kong_route_id {
            Value::Value(id) => Value::Value(id.clone()),
            _ => Value::Unknown,
        };
        auth::plan(diags, &context, &mut planned).await;
        check_plan(diags, &planned, &context);
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
        let service_id = uuid::Uuid::new_v4().to_string();
        let route_id = api::route_id(&service_id);
        let desired = match api::desired(&spec, &context.environment, &service_id) {
            Ok(desired) => desired,
            Err(issues) => {
                report(diags, issues);
                return None;
            }
        };
        if let Err(error) = auth::prepare(&context, &spec.auth, None).await {
            auth::report_issuer_error(diags, &issuer_of(&spec), &error);
            auth::undo_prepare(diags, &context, &spec.auth, &error, None).await;
            return None;
        }
        let created = create_entities(
            &context,
            &desired,
            &service_id,
            &route_id,
            spec.auth.jwt_issuer(),
        )
        .await;
        match created {
            Ok(()) => {
                warn_hosts_without_certificate(diags, &context, &spec).await;
                let ids = Ids {
                    service: service_id,
                    route: Some(route_id),
                    kong_name: desired.service.name.clone(),
                };
                Some((
                    Some(ApiState::from_spec(&spec, &ids, &planned, &context)),
                    private_state,
                ))
            }
            Err(CreateFailure {
                error,
                leftover,
                issuer_left,
            }) => {
                if let Some(cleanup) = issuer_left {
                    auth::warn_issuer_left(diags, &issuer_of(&spec), &cleanup);
                }
                report_write_error(diags, &context, &spec, "create", &error).await;
                // What could not be removed stays in state (tainted), so the next apply
                // deletes it instead of leaving it behind.
                leftover.map(|ids| {
                    (
                        Some(ApiState::from_spec(&spec, &ids, &planned, &context)),
                        private_state,
                    )
                })
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
        let (Some(spec), Some(ids)) = (planned.spec(), Ids::of(&prior)) else {
            diags.root_error_short(
                "Internal error: the planned API has unknown values at apply time",
            );
            return None;
        };
        let desired = match api::desired(&spec, &context.environment, &ids.service) {
            Ok(desired) => desired,
            Err(issues) => {
                report(diags, issues);
                return None;
            }
        };
        let prior_spec = prior.spec();
        let before = prior_spec
            .as_ref()
            .and_then(|p| api::desired(p, &context.environment, &ids.service).ok());
        let prior_auth = prior_spec.as_ref().map(|p| &p.auth);
        // A route deleted out of band is put back under the id derived from the service, so
        // that whatever happens to the request, the read below looks for it where it may be.
        let route_exists = ids.route.is_some();
        let route_id = ids.route.unwrap_or_else(|| api::route_id(&ids.service));
        let ids = Ids {
            route: Some(route_id.clone()),
            service: ids.service,
            kong_name: desired.service.name.clone(),
        };
        if let Err(error) = auth::prepare(&context, &spec.auth, prior_auth).await {
            auth::report_issuer_error(diags, &issuer_of(&spec), &error);
            auth::undo_prepare(diags, &context, &spec.auth, &error, prior_auth).await;
            // Some of the issuer's keys may have changed in Kong before the failure.
            let now = now_in_kong(&context, &ids, &prior, prior_spec.as_ref(), &spec).await;
            return Some((Some(now), private_state));
        }
        // An issuer the API leaves is released before the API's plugins change, while they
        // still record it: if the release fails, the next apply releases it again.
        let released = match auth::abandoned(prior_auth, Some(&spec.auth)) {
            Some(issuer) => auth::release(&context, issuer, Some(&ids.service))
                .await
                .map_err(|error| (error, issuer)),
            None => Ok(()),
        };
        if let Err((error, issuer)) = released {
            kong_error(
                diags,
                &format!("remove the signing keys of `{issuer}`, which the API no longer uses"),
                &error,
                |_| None,
            );
            let now = now_in_kong(&context, &ids, &prior, prior_spec.as_ref(), &spec).await;
            return Some((Some(now), private_state));
        }
        let updated = update_entities(
            &context,
            &desired,
            before.as_ref(),
            &ids.service,
            &route_id,
            route_exists,
        )
        .await;
        match updated {
            Ok(()) => {
                warn_hosts_without_certificate(diags, &context, &spec).await;
                Some((
                    Some(ApiState::from_spec(&spec, &ids, &planned, &context)),
                    private_state,
                ))
            }
            Err(error) => {
                report_write_error(diags, &context, &spec, "update", &error).await;
                let now = now_in_kong(&context, &ids, &prior, prior_spec.as_ref(), &spec).await;
                Some((Some(now), private_state))
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let context = self.context.get(diags)?;
        let Some(ids) = prior.as_ref().and_then(Ids::of) else {
            return Some(());
        };
        let client = &context.client;
        let prior_auth = prior.as_ref().and_then(auth::spec);
        let result = async {
            if let Some(route) = &ids.route {
                client.delete_route(route).await?;
            }
            // The issuer's keys go while the service's plugins still record the issuer, so a
            // release that fails is retried with the rest of the delete.
            if let Some(issuer) = prior_auth.as_ref().and_then(|a| a.jwt_issuer()) {
                auth::release(&context, issuer, Some(&ids.service)).await?;
            }
            // Its plugins (the request-termination one included) are deleted with it.
            client.delete_service(&ids.service).await
        };
        match result.await {
            Ok(()) => Some(()),
            Err(error) => {
                kong_error(diags, "delete the API", &error, |_| None);
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
        match import_api(&context, &id).await {
            Ok(Some(state)) => Some((Some(state), ValueEmpty::default())),
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
            Err(error) => {
                kong_error(diags, "import the API", &error, |_| None);
                None
            }
        }
    }
}

/// The issuer an API's OIDC settings name (for messages).
fn issuer_of(spec: &ApiSpec) -> String {
    match &spec.auth {
        model_auth::Authentication::Oidc(oidc) => oidc.issuer.clone(),
        _ => String::new(),
    }
}

/// The state of an API whose update failed somewhere between `before` and `after`: what Kong
/// holds now, or the prior state when Kong cannot be read. The next plan shows what is left.
async fn now_in_kong(
    context: &Context,
    ids: &Ids,
    prior: &ApiState,
    before: Option<&ApiSpec>,
    after: &ApiSpec,
) -> ApiState {
    match observe(context, ids, before, Some(after)).await {
        Ok(Some(snapshot)) => match read_spec(context, snapshot.observed(), before).await {
            Ok(spec) => ApiState::from_spec(&spec, &snapshot.ids(), prior, context),
            Err(_) => prior.clone(),
        },
        _ => prior.clone(),
    }
}

/// After an API served over HTTPS on some hosts is applied: a warning on `hosts` for each
/// host Kong has no certificate for. Only then (not on reads, not for APIs without hosts or
/// without HTTPS) does it cost a request (`GET /snis`).
async fn warn_hosts_without_certificate(
    diags: &mut Diagnostics,
    context: &Context,
    spec: &ApiSpec,
) {
    if spec.https == HttpsMode::Disabled || spec.hosts.is_empty() {
        return;
    }
    let snis = match context.client.snis().await {
        Ok(snis) => snis.into_iter().map(|s| s.name).collect::<Vec<_>>(),
        Err(error) => {
            diags.warning(
                "Could not check the hosts' certificates",
                format!("The API is applied, but listing Kong's SNIs to check that its hosts have a certificate failed: {error}"),
                AttributePath::new("hosts"),
            );
            return;
        }
    };
    for host in certificate::hosts_without_certificate(&spec.hosts, &snis) {
        let lookups = certificate::sni_lookup_names(&host)
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        // One summary per host: Terraform folds warnings that share a summary into one.
        diags.warning(
            format!("No certificate for the HTTPS host `{host}`"),
            format!(
                "The API `{}` is served over HTTPS (https = \"{}\") on `{host}`, but Kong has no certificate for it (no SNI among {lookups}), so HTTPS clients get Kong's default certificate and reject it. Declare a `dispatch_certificate` whose `hostnames` include `{}`; in the same configuration, make the API depend on it (`depends_on = [dispatch_certificate.<name>]`) so the certificate exists before the API is applied.",
                spec.name,
                spec.https.as_str(),
                certificate::strip_port(&host)
            ),
            AttributePath::new("hosts"),
        );
    }
}

/// Plan-time checks that need the provider configuration.
fn check_plan(diags: &mut Diagnostics, planned: &ApiState, context: &Context) {
    if let Some(spec) = planned.spec() {
        if let Err(issues) = api::desired(
            &spec,
            &context.environment,
            "00000000-0000-0000-0000-000000000000",
        ) {
            report(diags, issues);
        }
    }
}

/// Brings Kong to `desired`. The service and route are always written (an update only runs
/// when something differs, and what differs may be a field `before` cannot see, such as a name
/// outside the organization); the route is put (at `route_id`) when it does not exist.
/// Plugins are written only when they differ from `before`, and removed in reverse order, so
/// that an `acl` goes after the authentication it restricts.
async fn update_entities(
    context: &Context,
    desired: &DesiredApi,
    before: Option<&DesiredApi>,
    service_id: &str,
    route_id: &str,
    route_exists: bool,
) -> Result<(), KongError> {
    let client = &context.client;
    client.patch_service(service_id, &desired.service).await?;
    if route_exists {
        client.patch_route(route_id, &desired.route).await?;
    } else {
        client.put_route(route_id, &desired.route).await?;
    }
    let had = |name: &str| before.and_then(|b| b.plugins.iter().find(|p| p.name == name));
    for plugin in &desired.plugins {
        if had(&plugin.name) != Some(plugin) {
            client
                .put_plugin(&api::plugin_id(service_id, &plugin.name), plugin)
                .await?;
        }
    }
    for old in before
        .map(|b| b.plugins.as_slice())
        .unwrap_or_default()
        .iter()
        .rev()
    {
        if !desired.plugins.iter().any(|p| p.name == old.name) {
            client
                .delete_plugin(&api::plugin_id(service_id, &old.name))
                .await?;
        }
    }
    Ok(())
}

/// Builds the state of an existing API from Kong, by name or id.
async fn import_api(context: &Context, id: &str) -> Result<Option<ApiState>, KongError> {
    let client = &context.client;
    let service = if uuid::Uuid::parse_str(id).is_ok() {
        client.service(id).await?
    } else {
        None
    };
    let service = match service {
        Some(service) => service,
        None => match client
            .service(&context.environment.naming.kong_name(id))
            .await?
        {
            Some(service) => service,
            None => return Ok(None),
        },
    };
    api_state(context, service).await.map(Some)
}

/// The state of the API behind a Kong service, read from Kong (its route and plugins), as an
/// import or a data source sees it: with no declaration to compare with.
pub(crate) async fn api_state(context: &Context, service: Service) -> Result<ApiState, KongError> {
    let client = &context.client;
    let routes = client.service_routes(&service.id).await?;
    let route = api_route(&service, routes.iter()).cloned();
    let plugins = if api::needs_plugins(None, &service) {
        client.service_plugins(&service.id).await?
    } else {
        Vec::new()
    };
    state_from_kong(context, &service, route.as_ref(), &plugins).await
}

/// The API's route among its service's: the one named like the service, else the only one.
pub(crate) fn api_route<'a>(
    service: &Service,
    routes: impl Iterator<Item = &'a Route> + Clone,
) -> Option<&'a Route> {
    routes
        .clone()
        .find(|r| r.name.is_some() && r.name == service.name)
        .or_else(|| {
            let mut all = routes;
            match (all.next(), all.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        })
}

/// The state Kong's entities amount to, with no declaration to compare with.
pub(crate) async fn state_from_kong(
    context: &Context,
    service: &Service,
    route: Option<&Route>,
    plugins: &[Plugin],
) -> Result<ApiState, KongError> {
    let observed = Observed {
        service,
        route,
        plugins,
    };
    let spec = read_spec(context, observed, None).await?;
    Ok(ApiState::from_spec(
        &spec,
        &Ids::of_kong(service, route),
        &ApiState::default(),
        context,
    ))
}
