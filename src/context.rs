//! What every resource shares once the provider is configured: one Kong client (one
//! connection pool per process) and the environment of the mapping.

use std::sync::{Arc, RwLock};

use tf_provider::Diagnostics;

use crate::idp::IdpClient;
use crate::interrupt::Interrupt;
use crate::kong::{Client, Inventory, KongError};
use crate::model::api::Environment;

/// The configured provider.
pub struct Context {
    /// The Admin API client.
    pub client: Client,
    /// The listing of managed entities shared by the reads of one plan.
    pub inventory: Inventory,
    /// Organization, upstream template and gateway URL.
    pub environment: Environment,
    /// Fetches OpenID Connect issuers' keys.
    pub idp: IdpClient,
    /// Whether Kong is the Enterprise edition, asked once per provider process and only when
    /// an API needs to know.
    pub enterprise: tokio::sync::OnceCell<bool>,
    /// Terraform's stop and shutdown (Ctrl-C).
    pub interrupt: Interrupt,
}

impl Context {
    /// Whether Kong is the Enterprise edition (`GET /`, asked once).
    /// `Err(KongError::Interrupted)` once Terraform is exiting without recording the results
    /// of the calls in flight (go-plugin's Shutdown after a second Ctrl-C). A create checks it
    /// after each request and undoes what it wrote instead of going on, so that nothing is
    /// left in Kong that no state records.
    pub fn continue_create(&self) -> Result<(), KongError> {
        if self.interrupt.is_shut_down() {
            Err(KongError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Whether Kong is the Enterprise edition (`GET /`, asked once).
    pub async fn is_enterprise(&self) -> Result<bool, KongError> {
        self.enterprise
            .get_or_try_init(|| async { Ok(self.client.node_info().await?.is_enterprise()) })
            .await
            .copied()
    }
}

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
