//! The state of `dispatch_api` ⇄ the model: the draft the plan-time checks see, the
//! declaration applied, the planned values, and the state of what Kong holds.

use tf_provider::value::Value;

use super::private::{self, Private};
use super::{auth, policies, ApiState};
use crate::apply::api::{Found, Ids};
use crate::apply::Context;
use crate::model::api::{self, ApiSpec, Draft, HttpsMode, Upstream, DEFAULT_REDIRECT_CODE};
use crate::resources::known_sorted;
use crate::values::{self, field, field_strings, known_strings, TfNumber};

impl ApiState {
    /// The values of the configuration at plan time, for the model's checks.
    pub(super) fn draft(&self) -> Draft {
        Draft {
            name: field(&self.name),
            function: field(&self.function),
            upstream_url: field(&self.upstream_url),
            hosts: field_strings(&self.hosts),
            paths: field_strings(&self.paths),
            methods: field_strings(&self.methods),
            https: field(&self.https),
            redirect_code: field(&self.https_redirect_status_code.0),
            tags: field_strings(&self.tags),
            policies: policies::draft(self),
        }
    }

    /// The declaration, when every value it needs is known.
    pub(crate) fn spec(&self) -> Option<ApiSpec> {
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
            redirect_code: match &self.https_redirect_status_code.0 {
                Value::Value(code) => u16::try_from(code.to_i128()?).ok()?,
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

    /// The declaration as far as the route is concerned (name, hosts, paths, methods, https,
    /// tags: what `model::api::desired` makes the route of), when those are known: what the
    /// route does not depend on (the upstream, the policies, authentication) may still be
    /// unknown, and is left at its default.
    pub(super) fn routing_spec(&self) -> Option<ApiSpec> {
        Some(ApiSpec {
            name: self.name.as_ref_option()?.clone(),
            upstream: Upstream::Unlinked,
            hosts: known_sorted(&self.hosts)?,
            paths: known_strings(&self.paths)?,
            methods: known_sorted(&self.methods)?,
            https: HttpsMode::parse(self.https.as_ref_option()?)?,
            redirect_code: DEFAULT_REDIRECT_CODE,
            strip_path: true,
            enabled: true,
            tags: known_sorted(&self.tags)?,
            policies: Default::default(),
            auth: Default::default(),
        })
    }

    /// Fills what the user left out with defaults, and the computed values that can be known.
    /// `config` decides: a value the user removed from the configuration goes back to its default.
    pub(super) fn plan_from(
        config: &ApiState,
        mut planned: ApiState,
        context: &Context,
    ) -> ApiState {
        planned.https = values::or_default(&config.https, HttpsMode::Optional.as_str().to_string());
        planned.strip_path = values::or_default(&config.strip_path, true);
        planned.enabled = values::or_default(&config.enabled, true);
        planned.paths = match (&config.paths, &config.name) {
            (Value::Null, Value::Value(name)) => values::list(&ApiSpec::default_paths(name)),
            (Value::Null, _) => Value::Unknown,
            (paths, _) => paths.clone(),
        };
        planned.https_redirect_status_code =
            match (&config.https_redirect_status_code.0, &planned.https) {
                (Value::Null, Value::Value(h)) if h == HttpsMode::Required.as_str() => {
                    TfNumber::of(Some(DEFAULT_REDIRECT_CODE.into()))
                }
                (Value::Null, Value::Unknown) => TfNumber(Value::Unknown),
                (Value::Null, _) => TfNumber(Value::Null),
                _ => config.https_redirect_status_code.clone(),
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
    pub(crate) fn from_spec(
        spec: &ApiSpec,
        ids: &Ids,
        prior: &ApiState,
        context: &Context,
    ) -> ApiState {
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
            https_redirect_status_code: TfNumber::of(
                (spec.https == HttpsMode::Required).then_some(spec.redirect_code.into()),
            ),
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
            monitoring: policies.monitoring,
            authentication,
            basic_auth,
            oidc,
        }
    }

    /// The state for an API found in Kong.
    pub(crate) fn from_found(found: &Found, prior: &ApiState, context: &Context) -> ApiState {
        Self::from_spec(&found.spec, &found.ids, prior, context)
    }

    /// The Kong ids the state records, with the adopted plugins its private state records.
    pub(super) fn ids(&self, private: &Private) -> Option<Ids> {
        Some(Ids {
            service: self.kong_service_id.as_ref_option()?.clone(),
            route: self.kong_route_id.as_ref_option().cloned(),
            kong_name: self.kong_name.as_ref_option().cloned().unwrap_or_default(),
            plugins: private::adopted(private),
        })
    }
}
