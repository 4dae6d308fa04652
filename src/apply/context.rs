//! What every operation shares once the provider is configured: one Kong client (one connection
//! pool per process), the listing shared by a plan's reads, the mapping's environment, the
//! identity-provider client and the caches of applying.

use crate::apply::{IssuerSecrets, ListedRoutings, RoutingClaims};
use crate::idp::IdpClient;
use crate::interrupt::Interrupt;
use crate::kong::{AllRoutes, Client, Inventory, KongError, KongVersion, Node};
use crate::model::api::Environment;
use crate::model::validate::KongRules;

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
    /// Every route of the workspace, listed once per process for the plans that create an API
    /// or change its routing.
    pub all_routes: AllRoutes,
    /// The routes of the APIs planned or applied by this process, by API name.
    pub routing_claims: RoutingClaims,
    /// The routing of the routes of `all_routes`' latest listing, indexed by path.
    pub listed_routings: ListedRoutings,
    /// What Kong said about itself when the provider was configured (`None` when the token
    /// may not read it).
    node: Option<Node>,
    /// Whether Kong is the Enterprise edition, when `node` could not say: asked once per
    /// provider process and only when an API needs to know.
    enterprise: tokio::sync::OnceCell<bool>,
    /// Terraform's stop and shutdown (Ctrl-C).
    pub interrupt: Interrupt,
}

impl Context {
    /// The context of a configured provider, talking to the Kong `node` describes (when known).
    pub fn new(
        client: Client,
        inventory: Inventory,
        environment: Environment,
        idp: IdpClient,
        interrupt: Interrupt,
    ) -> Self {
        Self {
            interrupt,
            issuer_secrets: IssuerSecrets::new(client.clone()),
            all_routes: AllRoutes::new(client.clone()),
            routing_claims: RoutingClaims::default(),
            listed_routings: ListedRoutings::default(),
            client,
            inventory,
            environment,
            idp,
            node: None,
            enterprise: tokio::sync::OnceCell::new(),
        }
    }

    /// The same context, knowing what Kong said about itself at configuration.
    pub fn with_node(mut self, node: Option<Node>) -> Self {
        let rules = KongRules::of(
            node.as_ref().and_then(|n| n.version.as_ref()),
            node.as_ref().and_then(|n| n.router_flavor.as_deref()),
        );
        tracing::debug!(
            pcre = ?rules.regex,
            router_regex = ?rules.router,
            normalised_paths = rules.normalised_paths,
            "plan-time rules of the Kong in use"
        );
        self.environment.kong = rules;
        self.node = node;
        self
    }

    /// Kong's version, for rules that depend on it (`None` when Kong did not say).
    pub fn kong_version(&self) -> Option<&KongVersion> {
        self.node.as_ref().and_then(|node| node.version.as_ref())
    }

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

    /// Whether Kong is the Enterprise edition: what configuration learnt, else `GET /` (asked
    /// once).
    pub async fn is_enterprise(&self) -> Result<bool, KongError> {
        if let Some(node) = &self.node {
            return Ok(node.enterprise);
        }
        self.enterprise
            .get_or_try_init(|| async { Ok(self.client.node_info().await?.is_enterprise()) })
            .await
            .copied()
    }
}
