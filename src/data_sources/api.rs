//! `dispatch_api` data source: one API of the organization, by name, with every attribute of
//! the resource, read from Kong the way an import reads it.

use async_trait::async_trait;
use serde::{Deserialize, Deserializer, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::context::SharedContext;
use crate::diagnostics::kong_error;
use crate::model::{naming, validate};
use crate::resources::api::{api_schema, api_state, ApiState};
use crate::schema::{read_only_copy, schema};
use crate::values::TfString;

/// The data source's value: the resource's state. Its configuration is only `name`, so only
/// that is read from it.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct ApiData(pub ApiState);

impl<'de> Deserialize<'de> for ApiData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Lookup {
            name: TfString,
        }
        let lookup = Lookup::deserialize(deserializer)?;
        Ok(ApiData(ApiState {
            name: lookup.name,
            ..ApiState::default()
        }))
    }
}

/// The `dispatch_api` data source.
pub struct ApiDataSource {
    context: SharedContext,
}

impl ApiDataSource {
    /// The data source, sharing the provider's configured context.
    pub fn new(context: SharedContext) -> Self {
        Self { context }
    }
}

/// The schema: the resource's, with `name` required and everything else read-only.
pub fn api_data_schema() -> Schema {
    schema(read_only_copy(
        &api_schema().block,
        &[("name", "Name of the API to read (without the organization prefix).")],
        "One API of the organization, by name, with every attribute of the `dispatch_api` resource as Kong holds it. Attributes left at Kong's defaults read as null. Fails when no API of that name exists in the organization.",
    ))
}

#[async_trait]
impl DataSource for ApiDataSource {
    type State<'a> = ApiData;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(api_data_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(name) = config.0.name.as_ref_option() {
            if let Err(why) = validate::api_name(name) {
                diags.error("Invalid API name", why, AttributePath::new("name"));
            }
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let context = self.context.get(diags)?;
        let Some(name) = config.0.name.as_ref_option().cloned() else {
            diags.error_short("The API name is not known", AttributePath::new("name"));
            return None;
        };
        let naming = &context.environment.naming;
        let kong_name = naming.kong_name(&name);
        let service = match context.client.service(&kong_name).await {
            Ok(service) => service,
            Err(error) => {
                kong_error(diags, &format!("read the API `{name}`"), &error, |_| None);
                return None;
            }
        };
        let Some(service) = service else {
            diags.error(
                "API not found",
                format!("No API named `{name}` exists in Kong (looked for the service `{kong_name}`). Check the name and the provider's `organization`; `data.dispatch_apis` lists the APIs the credentials can see."),
                AttributePath::new("name"),
            );
            return None;
        };
        if !naming.owns(service.tags.as_deref()) {
            let why = if naming::is_managed(service.tags.as_deref()) {
                "belongs to another organization"
            } else {
                "is not managed by terraform-provider-dispatch"
            };
            diags.error(
                "Not an API of this organization",
                format!("Kong has a service named `{kong_name}`, but it {why}, so it is not read as an API. Import it into a `dispatch_api` resource to manage it."),
                AttributePath::new("name"),
            );
            return None;
        }
        match api_state(&context, service).await {
            Ok(state) => Some(ApiData(state)),
            Err(error) => {
                kong_error(diags, &format!("read the API `{name}`"), &error, |_| None);
                None
            }
        }
    }
}
