//! `dispatch_api` data source: one API of the organization, by name, with every attribute of
//! the resource, read from Kong the way an import reads it. It shares the resource's schema and
//! state (the same attributes), and reads Kong through [`crate::apply::api`].

use async_trait::async_trait;
use serde::{Deserialize, Deserializer, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::apply;
use crate::apply::api::Lookup;
use crate::context::SharedContext;
use crate::diagnostics::{kong_error, report};
use crate::model::{null_required, validate, AttrPath, Issue};
use crate::resources::api::{api_schema, ApiState};
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

/// The error for a null `name`.
fn no_name() -> Issue {
    null_required(
        AttrPath::attr("name"),
        "API name",
        "Set the name of the API to read.",
    )
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
        if config.0.name.is_null() {
            report(diags, [no_name()]);
        }
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
        // Terraform reads a data source once its configuration is known: no name is a null.
        let Some(name) = config.0.name.as_ref_option().cloned() else {
            report(diags, [no_name()]);
            return None;
        };
        let kong_name = context.environment.naming.kong_name(&name);
        let found = match apply::api::find(&context, &name).await {
            Ok(found) => found,
            Err(error) => {
                kong_error(diags, &format!("read the API `{name}`"), &error, |_| None);
                return None;
            }
        };
        match found {
            Lookup::Found(found) => Some(ApiData(ApiState::from_found(
                &found,
                &ApiState::default(),
                &context,
            ))),
            Lookup::Missing => {
                diags.error(
                    "API not found",
                    format!("No API named `{name}` exists in Kong (looked for the service `{kong_name}`). Check the name and the provider's `organization`; `data.dispatch_apis` lists the APIs the credentials can see."),
                    AttributePath::new("name"),
                );
                None
            }
            Lookup::Foreign { managed } => {
                let why = if managed {
                    "belongs to another organization"
                } else {
                    "is not managed by terraform-provider-dispatch"
                };
                diags.error(
                    "Not an API of this organization",
                    format!("Kong has a service named `{kong_name}`, but it {why}, so it is not read as an API. Import it into a `dispatch_api` resource to manage it."),
                    AttributePath::new("name"),
                );
                None
            }
        }
    }
}
