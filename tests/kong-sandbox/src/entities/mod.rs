//! Entity definitions: which collections exist, their relationships, unique
//! keys and schemas (K:db/schema/entities/*.lua, K:plugins/*/daos.lua).

pub mod core;
pub mod crypto;
pub mod plugin_rules;
pub mod plugin_table;
pub mod plugins;

use crate::schema::Schema;
use crate::Edition;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The entity collections the sandbox serves.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Kind {
    /// services
    Services,
    /// routes
    Routes,
    /// plugins
    Plugins,
    /// certificates
    Certificates,
    /// snis
    Snis,
    /// consumers
    Consumers,
    /// basicauth_credentials
    BasicAuth,
    /// acls
    Acls,
    /// jwt_secrets
    Jwts,
}

/// What happens to children when their parent is deleted.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum OnDelete {
    /// deletion refused while referenced
    Restrict,
    /// children deleted too
    Cascade,
}

/// Every kind, in a stable order.
pub const ALL_KINDS: [Kind; 9] = [
    Kind::Services,
    Kind::Routes,
    Kind::Plugins,
    Kind::Certificates,
    Kind::Snis,
    Kind::Consumers,
    Kind::BasicAuth,
    Kind::Acls,
    Kind::Jwts,
];

impl Kind {
    /// DAO name (used in error messages).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Services => "services",
            Kind::Routes => "routes",
            Kind::Plugins => "plugins",
            Kind::Certificates => "certificates",
            Kind::Snis => "snis",
            Kind::Consumers => "consumers",
            Kind::BasicAuth => "basicauth_credentials",
            Kind::Acls => "acls",
            Kind::Jwts => "jwt_secrets",
        }
    }

    /// Top-level Admin API collection name.
    pub fn admin_name(self) -> &'static str {
        match self {
            Kind::BasicAuth => "basic-auths",
            Kind::Jwts => "jwts",
            k => k.name(),
        }
    }

    /// Name under a parent (`/consumers/{c}/basic-auth`).
    pub fn nested_name(self) -> &'static str {
        match self {
            Kind::BasicAuth => "basic-auth",
            Kind::Jwts => "jwt",
            k => k.admin_name(),
        }
    }

    /// Looks a kind up by its top-level collection name.
    pub fn from_admin(s: &str) -> Option<Kind> {
        ALL_KINDS.iter().copied().find(|k| k.admin_name() == s)
    }

    /// The field that a non-UUID path segment is matched against.
    pub fn endpoint_key(self) -> Option<&'static str> {
        match self {
            Kind::Services | Kind::Routes | Kind::Snis => Some("name"),
            Kind::Plugins => Some("instance_name"),
            Kind::Consumers => Some("username"),
            Kind::BasicAuth => Some("username"),
            Kind::Jwts => Some("key"),
            Kind::Acls | Kind::Certificates => None,
        }
    }

    /// Foreign-key fields: (field, referenced kind, on delete).
    pub fn foreign_fields(self) -> &'static [(&'static str, Kind, OnDelete)] {
        match self {
            Kind::Services => &[("client_certificate", Kind::Certificates, OnDelete::Restrict)],
            Kind::Routes => &[("service", Kind::Services, OnDelete::Restrict)],
            Kind::Plugins => &[
                ("route", Kind::Routes, OnDelete::Cascade),
                ("service", Kind::Services, OnDelete::Cascade),
                ("consumer", Kind::Consumers, OnDelete::Cascade),
            ],
            Kind::Snis => &[("certificate", Kind::Certificates, OnDelete::Cascade)],
            Kind::BasicAuth | Kind::Acls | Kind::Jwts => {
                &[("consumer", Kind::Consumers, OnDelete::Cascade)]
            }
            Kind::Certificates | Kind::Consumers => &[],
        }
    }

    /// Unique fields (besides the id).
    pub fn unique_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Services | Kind::Routes | Kind::Snis => &["name"],
            Kind::Plugins => &["instance_name"],
            Kind::Consumers => &["username", "custom_id"],
            Kind::BasicAuth => &["username"],
            Kind::Jwts => &["key"],
            Kind::Certificates | Kind::Acls => &[],
        }
    }
}

/// Schemas of one edition.
pub struct Schemas {
    by_kind: HashMap<Kind, Arc<Schema>>,
    /// Plugins loaded on this node (name → priority).
    pub plugins: Vec<(&'static str, i32)>,
}

impl Schemas {
    /// The schema of a kind.
    pub fn get(&self, k: Kind) -> &Schema {
        &self.by_kind[&k]
    }

    fn build(edition: Edition) -> Schemas {
        let mut by_kind = HashMap::new();
        by_kind.insert(Kind::Services, Arc::new(core::services()));
        by_kind.insert(Kind::Routes, Arc::new(core::routes()));
        by_kind.insert(Kind::Certificates, Arc::new(core::certificates()));
        by_kind.insert(Kind::Snis, Arc::new(core::snis()));
        by_kind.insert(Kind::Consumers, Arc::new(core::consumers()));
        by_kind.insert(Kind::BasicAuth, Arc::new(core::basicauth()));
        by_kind.insert(Kind::Acls, Arc::new(core::acls()));
        by_kind.insert(Kind::Jwts, Arc::new(core::jwts()));
        by_kind.insert(Kind::Plugins, Arc::new(plugins::plugins(edition)));
        Schemas {
            by_kind,
            plugins: plugins::available(edition),
        }
    }

    /// The (cached) schemas of an edition.
    pub fn for_edition(edition: Edition) -> &'static Schemas {
        static COMMUNITY: OnceLock<Schemas> = OnceLock::new();
        static ENTERPRISE: OnceLock<Schemas> = OnceLock::new();
        match edition {
            Edition::Community => COMMUNITY.get_or_init(|| Schemas::build(Edition::Community)),
            Edition::Enterprise => ENTERPRISE.get_or_init(|| Schemas::build(Edition::Enterprise)),
        }
    }
}
