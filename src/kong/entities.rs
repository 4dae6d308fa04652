//! Kong's entities as the Admin API reads and writes them (`kong/db/schema/entities/*.lua`).
//!
//! Read types (`Service`, `Route`, ...) hold what Kong answers; write types (`ServiceFields`, ...)
//! hold exactly the fields this provider manages, so a PATCH never touches anything else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::secret::Secret;

/// A reference to another entity, as Kong writes foreign keys: `{"id": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The referenced entity's id.
    pub id: String,
}

impl ForeignKey {
    /// A reference to the entity with this id.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

fn enabled_by_default() -> bool {
    true
}

/// A Kong service, as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Service {
    /// Kong's id.
    pub id: String,
    /// Unique name.
    #[serde(default)]
    pub name: Option<String>,
    /// Upstream protocol.
    pub protocol: String,
    /// Upstream host (no port).
    pub host: String,
    /// Upstream port.
    pub port: u16,
    /// Upstream path, when there is one.
    #[serde(default)]
    pub path: Option<String>,
    /// Whether Kong routes traffic to it.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Upstream connect timeout in milliseconds.
    #[serde(default)]
    pub connect_timeout: Option<u64>,
    /// Upstream read timeout in milliseconds.
    #[serde(default)]
    pub read_timeout: Option<u64>,
    /// Upstream write timeout in milliseconds.
    #[serde(default)]
    pub write_timeout: Option<u64>,
    /// Tags (Kong answers `null` for none).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// The service fields this provider writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceFields {
    /// Unique name.
    pub name: String,
    /// Upstream protocol.
    pub protocol: String,
    /// Upstream host.
    pub host: String,
    /// Upstream port.
    pub port: u16,
    /// Upstream path; `null` clears it.
    pub path: Option<String>,
    /// Whether Kong routes traffic to it.
    pub enabled: bool,
    /// Upstream connect timeout in milliseconds.
    pub connect_timeout: u64,
    /// Upstream read timeout in milliseconds.
    pub read_timeout: u64,
    /// Upstream write timeout in milliseconds.
    pub write_timeout: u64,
    pub tags: Vec<String>,
}

/// A Kong route, as read back.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Route {
    /// Kong's id.
    pub id: String,
    /// Unique name.
    #[serde(default)]
    pub name: Option<String>,
    /// Protocols the route accepts.
    #[serde(default)]
    pub protocols: Option<Vec<String>>,
    /// Host rules.
    #[serde(default)]
    pub hosts: Option<Vec<String>>,
    /// Path rules.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Method rules.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Whether the matched path prefix is stripped upstream.
    #[serde(default = "enabled_by_default")]
    pub strip_path: bool,
    /// Answer to plain HTTP on an HTTPS-only route.
    #[serde(default)]
    pub https_redirect_status_code: Option<u16>,
    /// The service it routes to.
    #[serde(default)]
    pub service: Option<ForeignKey>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Header rules: header name → values (Kong's `headers`, a map; `null` for none).
    #[serde(default)]
    pub headers: Option<BTreeMap<String, Vec<String>>>,
    /// SNI rules.
    #[serde(default)]
    pub snis: Option<Vec<String>>,
    /// Source rules (`{ip, port}` records; only their presence matters here).
    #[serde(default)]
    pub sources: Option<Vec<Json>>,
    /// Destination rules (`{ip, port}` records).
    #[serde(default)]
    pub destinations: Option<Vec<Json>>,
    /// Order among matching regex paths (Kong's default 0, also for `null`).
    #[serde(default, deserialize_with = "null_as_zero")]
    pub regex_priority: i64,
    /// The route's ATC expression (the `expressions` router flavor only).
    #[serde(default)]
    pub expression: Option<String>,
}

/// Kong's `regex_priority` default (0, kong/db/schema/entities/routes.lua, Kong 3.9) for an
/// absent or `null` value.
fn null_as_zero<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Ok(Option::<i64>::deserialize(deserializer)?.unwrap_or(0))
}

/// The route fields this provider writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteFields {
    /// Unique name.
    pub name: String,
    /// Protocols the route accepts.
    pub protocols: Vec<String>,
    /// Host rules; `null` for none.
    pub hosts: Option<Vec<String>>,
    /// Path rules; `null` for none.
    pub paths: Option<Vec<String>>,
    /// Method rules; `null` for any.
    pub methods: Option<Vec<String>>,
    /// Whether the matched path prefix is stripped upstream.
    pub strip_path: bool,
    /// Answer to plain HTTP on an HTTPS-only route.
    pub https_redirect_status_code: u16,
    /// The service it routes to.
    pub service: ForeignKey,
    pub tags: Vec<String>,
}

/// A Kong plugin instance, as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Plugin {
    /// Kong's id.
    pub id: String,
    /// Plugin name, such as `request-termination`.
    pub name: String,
    /// The service it is attached to.
    #[serde(default)]
    pub service: Option<ForeignKey>,
    /// The route it is attached to.
    #[serde(default)]
    pub route: Option<ForeignKey>,
    /// The consumer it is attached to.
    #[serde(default)]
    pub consumer: Option<ForeignKey>,
    /// The plugin's configuration, with Kong's defaults filled in.
    #[serde(default)]
    pub config: Json,
    /// Whether it runs.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// The plugin fields this provider writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginFields {
    /// Plugin name.
    pub name: String,
    /// The service it is attached to.
    pub service: Option<ForeignKey>,
    /// The route it is attached to.
    pub route: Option<ForeignKey>,
    /// The plugin's configuration (only the fields this provider sets).
    pub config: Json,
    /// Whether it runs.
    pub enabled: bool,
    pub tags: Vec<String>,
}

/// A Kong consumer, as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Consumer {
    /// Kong's id.
    pub id: String,
    /// Unique username.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// The consumer fields this provider writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerFields {
    /// Unique username.
    pub username: String,
    pub tags: Vec<String>,
}

/// A basic-auth credential, as read back. Kong answers the password's hash, never the password.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BasicAuthCredential {
    /// Kong's id.
    pub id: String,
    /// The username end users type (unique in the workspace).
    #[serde(default)]
    pub username: Option<String>,
    /// hex(sha1(password ‖ consumer id)).
    #[serde(default)]
    pub password: Option<Secret>,
}

/// The basic-auth credential fields this provider writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasicAuthFields {
    /// The username end users type.
    pub username: String,
    /// The password (Kong stores its hash).
    pub password: Secret,
    pub tags: Vec<String>,
}

/// An ACL (a consumer's membership of a group), as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Acl {
    /// Kong's id.
    pub id: String,
    pub group: String,
}

/// The ACL fields this provider writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AclFields {
    pub group: String,
    pub tags: Vec<String>,
}

/// A jwt secret, as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JwtSecret {
    /// Kong's id.
    pub id: String,
    /// What tokens name to select it (with `key_claim_name = "kid"`: the key id).
    #[serde(default)]
    pub key: Option<String>,
    /// The JWT algorithm.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// The PEM public key of RS*, PS*, ES* and EdDSA algorithms.
    #[serde(default)]
    pub rsa_public_key: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// The jwt secret fields this provider writes (public keys only: no shared secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JwtSecretFields {
    /// The key id tokens carry.
    pub key: String,
    /// The JWT algorithm.
    pub algorithm: String,
    /// The PEM public key.
    pub rsa_public_key: String,
    pub tags: Vec<String>,
}

/// One page of a Kong list.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// The entities of this page.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Opaque cursor of the next page; absent on the last one.
    #[serde(default)]
    pub offset: Option<String>,
}

/// What `GET /` says about the node.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeInfo {
    /// Kong's version, such as `3.9.3` or `3.10.0.1`.
    #[serde(default)]
    pub version: String,
    /// `community` or `enterprise` (recent versions only).
    #[serde(default)]
    pub edition: Option<String>,
    /// The node's settings (kong/api/routes/kong.lua: `kong.configuration`, secrets removed);
    /// kept as JSON, of which only `router_flavor` is read.
    #[serde(default)]
    pub configuration: Json,
}

impl NodeInfo {
    /// `traditional`, `traditional_compatible` (Kong 3.x's default) or `expressions`.
    pub fn router_flavor(&self) -> Option<&str> {
        self.configuration.get("router_flavor")?.as_str()
    }

    /// Enterprise when Kong says so, or when its version has a fourth part (as go-kong decides).
    pub fn is_enterprise(&self) -> bool {
        match self.edition.as_deref() {
            Some(edition) => edition.eq_ignore_ascii_case("enterprise"),
            None => self.version.split('.').count() >= 4 || self.version.contains("enterprise"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_router_flavor_is_read_from_the_configuration_and_anything_else_is_none() {
        let flavor = |answer: Json| {
            serde_json::from_value::<NodeInfo>(answer)
                .map(|info| info.router_flavor().map(str::to_string))
                .ok()
                .flatten()
        };
        let traditional = serde_json::json!({"version": "3.9.3", "configuration": {"router_flavor": "traditional"}});
        assert_eq!(flavor(traditional).as_deref(), Some("traditional"));
        assert_eq!(flavor(serde_json::json!({"version": "3.9.3"})), None);
        // A Kong (or proxy) that answers something else there still gives its version.
        let odd = serde_json::json!({"version": "3.9.3", "configuration": "hidden"});
        assert_eq!(flavor(odd.clone()), None);
        assert!(serde_json::from_value::<NodeInfo>(odd).is_ok());
    }

    #[test]
    fn edition_comes_from_the_edition_field_else_the_version() {
        let info = |version: &str, edition: Option<&str>| NodeInfo {
            version: version.into(),
            edition: edition.map(str::to_string),
            configuration: Json::Null,
        };
        assert!(!info("3.9.3", Some("community")).is_enterprise());
        assert!(info("3.10.0.1", Some("enterprise")).is_enterprise());
        assert!(info("3.4.3.12", None).is_enterprise());
        assert!(info("2.8.1-enterprise-edition", None).is_enterprise());
        assert!(!info("3.4.2", None).is_enterprise());
    }

    #[test]
    fn basic_auth_passwords_travel_as_plain_strings_and_never_show_in_debug() {
        let fields = BasicAuthFields {
            username: "ann".into(),
            password: Secret::new("hunter2"),
            tags: vec![],
        };
        assert_eq!(
            serde_json::to_value(&fields).expect("json")["password"],
            "hunter2"
        );
        assert!(!format!("{fields:?}").contains("hunter2"));
        let read =
            |json: &str| -> BasicAuthCredential { serde_json::from_str(json).expect("credential") };
        assert_eq!(
            read(r#"{"id":"c","password":"5e88"}"#).password,
            Some(Secret::new("5e88"))
        );
        assert_eq!(read(r#"{"id":"c","password":null}"#).password, None);
        assert_eq!(read(r#"{"id":"c"}"#).password, None);
    }

    #[test]
    fn nulls_from_kong_read_as_absent() {
        let route: Route = serde_json::from_str(
            r#"{"id":"r","name":"a","protocols":["http"],"hosts":null,"paths":["/a"],
                "methods":null,"strip_path":true,"https_redirect_status_code":426,
                "service":{"id":"s"},"tags":null,"preserve_host":false}"#,
        )
        .expect("valid route");
        assert_eq!(route.hosts, None);
        assert_eq!(route.paths, Some(vec!["/a".to_string()]));
        assert_eq!(route.service, Some(ForeignKey::new("s")));
    }
}
