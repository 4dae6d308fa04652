//! The benchmark's second reference point, beside Terraform's own `terraform_data` floor: a
//! provider whose `dispatch_api` has the real resource's schema (the same attributes and blocks,
//! so Terraform core does the same per-attribute work) and the same start-up (TCP_NODELAY), but
//! does no Kong work at all: `read` returns the prior state, `create` makes up ids, and the plan
//! fills the same defaults and computed values the real resource plans for a public API.
//!
//! What `dispatch_api` costs above this floor is the provider's own cost; what this floor costs
//! above `terraform_data` is Terraform's cost for a schema of this shape. It is not a product:
//! `bench/bench.py` serves it under `dispatch_api` through `dev_overrides`.

use std::collections::HashMap;
use std::process::ExitCode;

use async_trait::async_trait;
use dispatch_provider::provider::{provider_schema, PROVIDER_NAME};
use dispatch_provider::resources::api::{api_schema, ApiState};
use dispatch_provider::startup;
use dispatch_provider::values;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{
    AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider, Resource,
};

/// Accepts the real provider's configuration, so that one `.tf` file serves both.
struct SchemaFloorProvider;

#[async_trait]
impl Provider for SchemaFloorProvider {
    type Config<'a> = ValueEmpty;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(provider_schema())
    }

    async fn configure<'a>(
        &self,
        _diags: &mut Diagnostics,
        _terraform_version: String,
        _config: Self::Config<'a>,
    ) -> Option<()> {
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let api: Box<dyn DynamicResource> = Box::new(SchemaFloorApi);
        Some(HashMap::from([("api".to_string(), api)]))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(HashMap::new())
    }
}

/// `dispatch_api`'s schema and state, without Kong.
struct SchemaFloorApi;

/// The defaults and computed values the real resource plans for a public API without hosts,
/// on the provider's default settings (no organization, gateway `http://localhost:8000`).
fn plan_like_dispatch(config: &ApiState, mut planned: ApiState) -> ApiState {
    planned.https = values::or_default(&config.https, "optional".to_string());
    planned.authentication = values::or_default(&config.authentication, "public".to_string());
    planned.strip_path = values::or_default(&config.strip_path, true);
    planned.enabled = values::or_default(&config.enabled, true);
    let name = config.name.as_ref_option().cloned().unwrap_or_default();
    planned.paths = match &config.paths {
        Value::Null => values::list(&[format!("/{name}")]),
        paths => paths.clone(),
    };
    planned.kong_name = Value::Value(name);
    let paths = values::known_strings(&planned.paths).unwrap_or_default();
    let urls: Vec<String> = paths
        .iter()
        .flat_map(|path| {
            [
                format!("http://localhost:8000{path}"),
                format!("https://localhost:8443{path}"),
            ]
        })
        .collect();
    planned.urls = values::list(&urls);
    planned
}

#[async_trait]
impl Resource for SchemaFloorApi {
    type State<'a> = Option<ApiState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(api_schema())
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((state, private_state))
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let (Some(proposed), Some(config)) = (proposed, config) else {
            return Some((None, ValueEmpty::default()));
        };
        let mut planned = plan_like_dispatch(&config, proposed);
        planned.id = Value::Unknown;
        planned.kong_service_id = Value::Unknown;
        planned.kong_route_id = Value::Unknown;
        Some((Some(planned), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let (Some(prior), Some(proposed), Some(config)) = (prior, proposed, config) else {
            return Some((None, private_state, vec![]));
        };
        let mut planned = plan_like_dispatch(&config, proposed);
        planned.id = prior.id;
        planned.kong_service_id = prior.kong_service_id;
        planned.kong_route_id = prior.kong_route_id;
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
        _diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut state = planned?;
        let service_id = uuid::Uuid::new_v4().to_string();
        state.id = Value::Value(service_id.clone());
        state.kong_service_id = Value::Value(service_id);
        state.kong_route_id = Value::Value(uuid::Uuid::new_v4().to_string());
        Some((Some(state), private_state))
    }

    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned, private_state))
    }

    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _state: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        Some(())
    }
}

fn main() -> ExitCode {
    startup::quiet_backtraces();
    startup::init_logging();
    if let Err(error) = startup::tune_handshake() {
        tracing::warn!(%error, "cannot tune the plugin socket; continuing with Nagle's algorithm on");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("schema-floor: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tf_provider::serve(PROVIDER_NAME, SchemaFloorProvider)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("schema-floor: {error}");
            ExitCode::FAILURE
        }
    }
}
