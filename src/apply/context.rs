//! What every operation shares once the provider is configured: one Kong client (one connection
//! pool per process), the listing shared by a plan's reads, the mapping's environment, the
//! identity-provider client and the caches of applying.

use crate::apply::IssuerSecrets;
use crate::idp::IdpClient;
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
    /// The jwt secrets of OIDC issuers, read once per plan for all the APIs of an issuer.
    pub issuer_secrets: IssuerSecrets,
    /// Whether Kong is the Enterprise edition, asked once per provider process and only when
    /// an API needs to know.
    enterprise: tokio::sync::OnceCell<bool>,
}

impl Context {
    /// The context of a configured provider.
    pub fn new(
        client: Client,
        inventory: Inventory,
        environment: Environment,
        idp: IdpClient,
    ) -> Self {
        Self {
            issuer_secrets: IssuerSecrets::new(client.clone()),
            client,
            inventory,
            environment,
            idp,
            enterprise: tokio::sync::OnceCell::new(),
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
