//! The private state of `dispatch_api`: what Terraform keeps for the provider beside the state,
//! never shown in a plan. It remembers the plugins an import adopted (so that every write goes
//! to them, where they are) and whether reads must look for entities outside the declaration.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::apply::api::{Found, Ids};
use crate::model::api::adopt::{Adopted, AdoptedPlugin};

/// The private state. Absent (`None`) for an API the provider created and states written
/// before there was one: nothing adopted, nothing to look for.
pub type Private = Option<ApiPrivate>;

/// What the provider remembers about one API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiPrivate {
    /// The adopted plugins, by plugin name.
    #[serde(default)]
    pub adopted: BTreeMap<String, PrivatePlugin>,
    /// Whether reads look for what Kong attaches to the API outside its declaration (see
    /// [`Found::keep_looking`]).
    #[serde(default)]
    pub look: bool,
}

/// An adopted plugin (see [`AdoptedPlugin`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivatePlugin {
    /// Kong's id.
    pub id: String,
    /// The service it names.
    #[serde(default)]
    pub service: Option<String>,
    /// The route it names.
    #[serde(default)]
    pub route: Option<String>,
    /// Whether it carries the ownership tags.
    #[serde(default)]
    pub tagged: bool,
}

/// The adopted plugins a private state records.
pub fn adopted(private: &Private) -> Adopted {
    let Some(private) = private else {
        return Adopted::new();
    };
    private
        .adopted
        .iter()
        .map(|(name, p)| {
            let plugin = AdoptedPlugin {
                id: p.id.clone(),
                service: p.service.clone(),
                route: p.route.clone(),
                tagged: p.tagged,
            };
            (name.clone(), plugin)
        })
        .collect()
}

/// Whether reads of the API look for what is outside its declaration.
pub fn looks(private: &Private) -> bool {
    private.as_ref().is_some_and(|p| p.look)
}

/// The private state for an API with these ids, looking or not; `None` when there is nothing
/// to remember.
pub fn of(ids: &Ids, look: bool) -> Private {
    if ids.plugins.is_empty() && !look {
        return None;
    }
    let adopted = ids
        .plugins
        .iter()
        .map(|(name, p)| {
            let plugin = PrivatePlugin {
                id: p.id.clone(),
                service: p.service.clone(),
                route: p.route.clone(),
                tagged: p.tagged,
            };
            (name.clone(), plugin)
        })
        .collect();
    Some(ApiPrivate { adopted, look })
}

/// The private state after reading `found`.
pub fn after_read(found: &Found) -> Private {
    of(&found.ids, found.keep_looking())
}
