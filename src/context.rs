//! The configured provider ([`Context`]), shared by the resources and data sources that
//! Terraform creates before it configures the provider.

use std::sync::{Arc, RwLock};

use tf_provider::Diagnostics;

use crate::apply::Context;

/// The configured provider, shared by resources built before `ConfigureProvider` runs.
#[derive(Clone, Default)]
pub struct SharedContext(Arc<RwLock<Option<Arc<Context>>>>);

impl SharedContext {
    /// Stores the configuration (`configure` only gets `&self`).
    pub fn set(&self, context: Context) {
        let mut slot = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(Arc::new(context));
    }

    /// The configuration, or an error diagnostic when the provider is not configured yet.
    pub fn get(&self, diags: &mut Diagnostics) -> Option<Arc<Context>> {
        let slot = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let context = slot.clone();
        if context.is_none() {
            diags.root_error(
                "Provider not configured",
                "The dispatch provider was used before Terraform configured it. This is a bug in Terraform or the provider.",
            );
        }
        context
    }
}
