//! The jwt secrets of OIDC issuers' consumers, shared by every API that trusts an issuer: read
//! once per plan for all of them.

use std::collections::HashMap;
use std::time::Instant;

use tokio::sync::Mutex;

use crate::kong::inventory::FRESHNESS;
use crate::kong::{Client, JwtSecret, KongError};

/// The jwt secrets of OIDC issuers' consumers, each read once for all the APIs of a plan that
/// trust the issuer, on the inventory's terms: never across a write made through the client,
/// never for longer than [`FRESHNESS`].
pub struct IssuerSecrets {
    client: Client,
    held: Mutex<HashMap<String, HeldSecrets>>,
}

/// The jwt secrets of one consumer, as read at one moment.
struct HeldSecrets {
    generation: u64,
    fetched: Instant,
    secrets: Vec<JwtSecret>,
}

impl IssuerSecrets {
    /// A cache reading through `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            held: Mutex::default(),
        }
    }

    /// The jwt secrets of a consumer (an OIDC issuer's), read once for all the APIs of a plan
    /// that trust the issuer.
    pub async fn of(&self, consumer_id: &str) -> Result<Vec<JwtSecret>, KongError> {
        // Held across the read: the APIs of one issuer, refreshed together, wait for one answer.
        let mut shared = self.held.lock().await;
        let generation = self.client.write_generation();
        if let Some(held) = shared.get(consumer_id) {
            if held.generation == generation && held.fetched.elapsed() < FRESHNESS {
                return Ok(held.secrets.clone());
            }
        }
        let secrets = self.client.jwt_secrets(consumer_id).await?;
        if self.client.write_generation() == generation {
            shared.insert(
                consumer_id.to_string(),
                HeldSecrets {
                    generation,
                    fetched: Instant::now(),
                    secrets: secrets.clone(),
                },
            );
        }
        Ok(secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kong::{ConsumerFields, JwtSecretFields};
    use kong_sandbox::Sandbox;

    const TAG: &str = "managed-by:test";

    #[tokio::test]
    async fn an_issuers_jwt_secrets_are_read_once_and_never_across_a_write() {
        let sandbox = Sandbox::start();
        let client = Client::for_tests(&sandbox.url());
        let consumer = uuid::Uuid::new_v4().to_string();
        client
            .put_consumer(
                &consumer,
                &ConsumerFields {
                    username: "dispatch-oidc:https://issuer.test".into(),
                    tags: vec![TAG.into()],
                },
            )
            .await
            .expect("consumer");
        let cache = IssuerSecrets::new(client.clone());
        sandbox.controls().reset_requests();
        for _ in 0..5 {
            let secrets = cache.of(&consumer).await.expect("read");
            assert!(secrets.is_empty());
        }
        assert_eq!(
            sandbox.controls().request_count(),
            1,
            "one read for every API trusting the issuer"
        );
        let pem = test_support::certs::new_key(test_support::certs::KeyKind::Rsa)
            .public_key_to_pem()
            .expect("pem");
        client
            .put_jwt_secret(
                &consumer,
                &uuid::Uuid::new_v4().to_string(),
                &JwtSecretFields {
                    key: "k1".into(),
                    algorithm: "RS256".into(),
                    rsa_public_key: String::from_utf8(pem).expect("utf-8"),
                    tags: vec![TAG.into()],
                },
            )
            .await
            .expect("secret");
        let keys: Vec<Option<String>> = cache
            .of(&consumer)
            .await
            .expect("read")
            .into_iter()
            .map(|secret| secret.key)
            .collect();
        assert_eq!(
            keys,
            [Some("k1".to_string())],
            "never served across a write"
        );
    }
}
