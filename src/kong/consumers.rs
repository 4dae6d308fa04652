//! Typed calls for consumers and their credentials (basic-auth, ACLs, jwt secrets), on top of
//! [`Client`]'s verbs. Credentials are addressed under their consumer, so that a credential id
//! can never reach another consumer's entity.

use super::client::Client;
use super::entities::{
    Acl, AclFields, BasicAuthCredential, BasicAuthFields, Consumer, ConsumerFields, JwtSecret,
    JwtSecretFields,
};
use super::error::KongError;
use super::path::segment;

impl Client {
    /// `GET /consumers/{id or username}`.
    pub async fn consumer(&self, id_or_username: &str) -> Result<Option<Consumer>, KongError> {
        self.get(&format!("/consumers/{}", segment(id_or_username)))
            .await
    }

    /// `PUT /consumers/{id}`: creates the consumer with that id, or replaces it.
    pub async fn put_consumer(
        &self,
        id: &str,
        fields: &ConsumerFields,
    ) -> Result<Consumer, KongError> {
        self.put(&format!("/consumers/{}", segment(id)), fields)
            .await
    }

    /// `PATCH /consumers/{id}`.
    pub async fn patch_consumer(
        &self,
        id: &str,
        fields: &ConsumerFields,
    ) -> Result<Consumer, KongError> {
        self.patch(&format!("/consumers/{}", segment(id)), fields)
            .await
    }

    /// `DELETE /consumers/{id}`: its credentials, ACLs and jwt secrets go with it.
    pub async fn delete_consumer(&self, id: &str) -> Result<(), KongError> {
        self.delete(&format!("/consumers/{}", segment(id))).await
    }

    /// The basic-auth credentials of a consumer (empty when the consumer is gone).
    pub async fn basic_auth_credentials(
        &self,
        consumer_id: &str,
    ) -> Result<Vec<BasicAuthCredential>, KongError> {
        self.nested_list(consumer_id, "basic-auth").await
    }

    /// `PUT /consumers/{c}/basic-auth/{id}`.
    pub async fn put_basic_auth(
        &self,
        consumer_id: &str,
        id: &str,
        fields: &BasicAuthFields,
    ) -> Result<BasicAuthCredential, KongError> {
        self.put(&nested(consumer_id, "basic-auth", id), fields)
            .await
    }

    /// `DELETE /consumers/{c}/basic-auth/{id}`.
    pub async fn delete_basic_auth(&self, consumer_id: &str, id: &str) -> Result<(), KongError> {
        self.delete(&nested(consumer_id, "basic-auth", id)).await
    }

    /// The ACLs of a consumer (empty when the consumer is gone).
    pub async fn acls(&self, consumer_id: &str) -> Result<Vec<Acl>, KongError> {
        self.nested_list(consumer_id, "acls").await
    }

    /// `PUT /consumers/{c}/acls/{id}`.
    pub async fn put_acl(
        &self,
        consumer_id: &str,
        id: &str,
        fields: &AclFields,
    ) -> Result<Acl, KongError> {
        self.put(&nested(consumer_id, "acls", id), fields).await
    }

    /// `DELETE /consumers/{c}/acls/{id}`.
    pub async fn delete_acl(&self, consumer_id: &str, id: &str) -> Result<(), KongError> {
        self.delete(&nested(consumer_id, "acls", id)).await
    }

    /// The jwt secrets of a consumer (empty when the consumer is gone).
    pub async fn jwt_secrets(&self, consumer_id: &str) -> Result<Vec<JwtSecret>, KongError> {
        self.nested_list(consumer_id, "jwt").await
    }

    /// `PUT /consumers/{c}/jwt/{id}`.
    pub async fn put_jwt_secret(
        &self,
        consumer_id: &str,
        id: &str,
        fields: &JwtSecretFields,
    ) -> Result<JwtSecret, KongError> {
        self.put(&nested(consumer_id, "jwt", id), fields).await
    }

    /// `DELETE /consumers/{c}/jwt/{id}`.
    pub async fn delete_jwt_secret(&self, consumer_id: &str, id: &str) -> Result<(), KongError> {
        self.delete(&nested(consumer_id, "jwt", id)).await
    }

    /// `GET /jwts/{id or key}`: a jwt secret of any consumer.
    pub async fn jwt_secret(&self, id_or_key: &str) -> Result<Option<JwtSecret>, KongError> {
        self.get(&format!("/jwts/{}", segment(id_or_key))).await
    }

    /// `GET /basic-auths/{id or username}`: a basic-auth credential of any consumer.
    pub async fn basic_auth(
        &self,
        id_or_username: &str,
    ) -> Result<Option<BasicAuthCredential>, KongError> {
        self.get(&format!("/basic-auths/{}", segment(id_or_username)))
            .await
    }

    async fn nested_list<T: serde::de::DeserializeOwned + super::paging::Identified>(
        &self,
        consumer_id: &str,
        collection: &str,
    ) -> Result<Vec<T>, KongError> {
        let path = format!("/consumers/{}/{collection}", segment(consumer_id));
        match self.list_all(&path, &[]).await {
            Err(error) if error.is_not_found() => Ok(Vec::new()),
            other => other,
        }
    }
}

fn nested(consumer_id: &str, collection: &str, id: &str) -> String {
    format!(
        "/consumers/{}/{collection}/{}",
        segment(consumer_id),
        segment(id)
    )
}
