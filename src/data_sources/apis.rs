//! `dispatch_apis` data source: the APIs of the organization that the configured credentials
//! can see ([`crate::apply::api::list`]), optionally filtered by function and tags, each with
//! some attributes of the resource's state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::apply;
use crate::apply::api::Found;
use crate::context::SharedContext;
use crate::diagnostics::kong_error;
use crate::model::validate;
use crate::resources::api::{api_schema, ApiState};
use crate::schema::*;
use crate::values::{known_strings, TfString, TfStringSet};

/// The attributes of `dispatch_api` each listed API carries, when the resource has them.
pub const SUMMARY_ATTRIBUTES: [&str; 12] = [
    "id",
    "name",
    "function",
    "upstream_url",
    "hosts",
    "paths",
    "methods",
    "https",
    "authentication",
    "enabled",
    "tags",
    "urls",
];

/// One listed API: the summary attributes of its `dispatch_api` state, by name.
pub type ApiSummary = BTreeMap<String, Json>;

/// The configuration and result of `dispatch_apis`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApisState {
    /// Only the APIs invoking this function.
    pub function: TfString,
    /// Only the APIs carrying all of these tags.
    pub tags: TfStringSet,
    /// The APIs, sorted by name.
    pub apis: Value<Vec<Value<ApiSummary>>>,
}

/// The `dispatch_apis` data source.
pub struct ApisDataSource {
    context: SharedContext,
}

impl ApisDataSource {
    /// The data source, sharing the provider's configured context.
    pub fn new(context: SharedContext) -> Self {
        Self { context }
    }
}

/// The summary attributes the resource has, with their types.
fn summary_types() -> Vec<(String, AttributeType)> {
    let resource = api_schema().block;
    SUMMARY_ATTRIBUTES
        .iter()
        .filter_map(|name| {
            resource
                .attributes
                .get(*name)
                .map(|a| (name.to_string(), a.attr_type.clone()))
        })
        .collect()
}

/// The schema of `dispatch_apis`.
pub fn apis_schema() -> Schema {
    let fields = summary_types();
    let listed: Vec<String> = fields.iter().map(|(n, _)| format!("`{n}`")).collect();
    let element = AttributeType::Object(fields.into_iter().collect::<HashMap<_, _>>());
    schema(block(
        "The APIs of the organization that the configured credentials can see (every page of Kong's lists), optionally filtered by function and tags.",
        [
            ("function", optional(string(), "Only the APIs that invoke this function.")),
            ("tags", optional(set_of_strings(), "Only the APIs carrying all of these tags (the user's tags of `dispatch_api`).")),
            ("apis", computed(AttributeType::List(Box::new(element)), &format!("The APIs, sorted by name. Each holds these attributes of the `dispatch_api` resource, with the same meaning: {}.", listed.join(", ")))),
        ],
        [],
    ))
}

#[async_trait]
impl DataSource for ApisDataSource {
    type State<'a> = ApisState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(apis_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(function) = config.function.as_ref_option() {
            if let Err(why) = validate::function_name(function) {
                diags.error("Invalid function name", why, AttributePath::new("function"));
            }
        }
        if let Some(tags) = known_strings(&config.tags) {
            for tag in tags {
                if let Err(why) = validate::tag(&tag) {
                    diags.error("Invalid tag", why, AttributePath::new("tags"));
                }
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
        let filter = Filter {
            function: config.function.as_ref_option().cloned(),
            tags: known_strings(&config.tags)
                .unwrap_or_default()
                .into_iter()
                .collect(),
        };
        let states: Vec<ApiState> = match apply::api::list(&context).await {
            Ok(found) => found
                .iter()
                .filter(|f| filter.keeps(f))
                .map(|f| ApiState::from_found(f, &ApiState::default(), &context))
                .collect(),
            Err(error) => {
                kong_error(diags, "list the APIs", &error, |_| None);
                return None;
            }
        };
        let wanted: BTreeSet<String> = summary_types().into_iter().map(|(n, _)| n).collect();
        let mut apis = Vec::with_capacity(states.len());
        for state in &states {
            match summary(state, &wanted) {
                Ok(api) => apis.push(Value::Value(api)),
                Err(error) => {
                    diags.root_error("Internal error: cannot summarise an API", error.to_string());
                    return None;
                }
            }
        }
        Some(ApisState {
            apis: Value::Value(apis),
            ..config
        })
    }
}

/// What the user asked to keep.
struct Filter {
    function: Option<String>,
    tags: BTreeSet<String>,
}

impl Filter {
    fn keeps(&self, found: &Found) -> bool {
        let function_ok = self
            .function
            .as_ref()
            .is_none_or(|f| apply::api::invokes(&found.spec, f));
        let tags: BTreeSet<&String> = found.spec.tags.iter().collect();
        function_ok && self.tags.iter().all(|t| tags.contains(t))
    }
}

/// The `wanted` attributes of one API's state.
fn summary(state: &ApiState, wanted: &BTreeSet<String>) -> Result<ApiSummary, serde_json::Error> {
    let all = match serde_json::to_value(state)? {
        Json::Object(all) => all,
        _ => serde_json::Map::new(),
    };
    Ok(all
        .into_iter()
        .filter(|(name, _)| wanted.contains(name))
        .collect())
}
