//! Typed calls for the entities this provider manages, on top of [`Client`]'s verbs.

use super::client::Client;
use super::entities::{Plugin, PluginFields, Route, RouteFields, Service, ServiceFields};
use super::error::KongError;
use super::path::segment;
use serde_json::Value as Json;

impl Client {
    /// `GET /services/{id or name}`.
    pub async fn service(&self, id_or_name: &str) -> Result<Option<Service>, KongError> {
        self.get(&format!("/services/{}", segment(id_or_name)))
            .await
    }

    /// `PUT /services/{id}`: creates the service with that id, or replaces it.
    pub async fn put_service(
        &self,
        id: &str,
        fields: &ServiceFields,
    ) -> Result<Service, KongError> {
        self.put(&format!("/services/{}", segment(id)), fields)
            .await
    }

    /// `PATCH /services/{id}`.
    pub async fn patch_service(
        &self,
        id: &str,
        fields: &ServiceFields,
    ) -> Result<Service, KongError> {
        self.patch(&format!("/services/{}", segment(id)), fields)
            .await
    }

    /// `DELETE /services/{id}` (its plugins go with it; its routes must be gone first).
    pub async fn delete_service(&self, id: &str) -> Result<(), KongError> {
        self.delete(&format!("/services/{}", segment(id))).await
    }

    /// Every service carrying all of `tags`.
    pub async fn services(&self, tags: &[String]) -> Result<Vec<Service>, KongError> {
        self.list_all("/services", tags).await
    }

    /// `GET /routes/{id or name}`.
    pub async fn route(&self, id_or_name: &str) -> Result<Option<Route>, KongError> {
        self.get(&format!("/routes/{}", segment(id_or_name))).await
    }

    /// `PUT /routes/{id}`.
    pub async fn put_route(&self, id: &str, fields: &RouteFields) -> Result<Route, KongError> {
        self.put(&format!("/routes/{}", segment(id)), fields).await
    }

    /// `PATCH /routes/{id}`.
    pub async fn patch_route(&self, id: &str, fields: &RouteFields) -> Result<Route, KongError> {
        self.patch(&format!("/routes/{}", segment(id)), fields)
            .await
    }

    /// `DELETE /routes/{id}`.
    pub async fn delete_route(&self, id: &str) -> Result<(), KongError> {
        self.delete(&format!("/routes/{}", segment(id))).await
    }

    /// Every route carrying all of `tags`.
    pub async fn routes(&self, tags: &[String]) -> Result<Vec<Route>, KongError> {
        self.list_all("/routes", tags).await
    }

    /// The routes of one service.
    pub async fn service_routes(&self, service_id: &str) -> Result<Vec<Route>, KongError> {
        self.list_all(&format!("/services/{}/routes", segment(service_id)), &[])
            .await
    }

    /// `GET /plugins/{id}`.
    pub async fn plugin(&self, id: &str) -> Result<Option<Plugin>, KongError> {
        self.get(&format!("/plugins/{}", segment(id))).await
    }

    /// `PUT /plugins/{id}`.
    pub async fn put_plugin(&self, id: &str, fields: &PluginFields) -> Result<Plugin, KongError> {
        self.put(&format!("/plugins/{}", segment(id)), fields).await
    }

    /// `DELETE /plugins/{id}`.
    pub async fn delete_plugin(&self, id: &str) -> Result<(), KongError> {
        self.delete(&format!("/plugins/{}", segment(id))).await
    }

    /// Every plugin carrying all of `tags`.
    pub async fn plugins(&self, tags: &[String]) -> Result<Vec<Plugin>, KongError> {
        self.list_all("/plugins", tags).await
    }

    /// The plugins attached to one service.
    pub async fn service_plugins(&self, service_id: &str) -> Result<Vec<Plugin>, KongError> {
        self.list_all(&format!("/services/{}/plugins", segment(service_id)), &[])
            .await
    }

    /// The plugins attached to one route.
    pub async fn route_plugins(&self, route_id: &str) -> Result<Vec<Plugin>, KongError> {
        self.list_all(&format!("/routes/{}/plugins", segment(route_id)), &[])
            .await
    }

    /// `GET /plugins/{id}` with every field Kong answers, for writing a plugin back with what
    /// the provider does not model kept as it is.
    pub async fn plugin_as_is(&self, id: &str) -> Result<Option<Json>, KongError> {
        self.get(&format!("/plugins/{}", segment(id))).await
    }

    /// `PUT /plugins/{id}` with a whole body (see [`super::plugins::keeping`]).
    pub async fn put_plugin_as_is(&self, id: &str, body: &Json) -> Result<Plugin, KongError> {
        self.put(&format!("/plugins/{}", segment(id)), body).await
    }
}
