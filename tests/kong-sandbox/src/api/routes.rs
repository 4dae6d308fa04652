//! Routing a path to an endpoint (K:api/init.lua, K:api/endpoints.lua): the top-level
//! collections and entities, nested collections, foreign entities and the methods each allows.

use crate::entities::{Kind, ALL_KINDS};
use crate::Edition;

pub(super) enum Route {
    Root,
    Status,
    PluginsEnabled,
    Tags(Option<String>),
    Validate(Kind),
    Workspaces(Option<String>),
    Collection(Kind),
    Entity(Kind, String),
    Nested {
        parent: Kind,
        pkey: String,
        child: Kind,
        field: &'static str,
    },
    NestedEntity {
        parent: Kind,
        pkey: String,
        child: Kind,
        field: &'static str,
        ckey: String,
    },
    ForeignEntity {
        kind: Kind,
        key: String,
        field: &'static str,
        target: Kind,
    },
}

impl Route {
    pub(super) fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::Root | Route::Status | Route::PluginsEnabled | Route::Tags(_) => &["GET"],
            Route::Workspaces(None) | Route::Collection(_) | Route::Nested { .. } => {
                &["GET", "POST"]
            }
            Route::Workspaces(Some(_)) => &["GET", "DELETE"],
            Route::Validate(_) => &["POST"],
            _ => &["GET", "PUT", "PATCH", "DELETE"],
        }
    }
}

fn nested_child(parent: Kind, sub: &str) -> Option<(Kind, &'static str)> {
    for child in ALL_KINDS {
        for (field, target, _) in child.foreign_fields() {
            if *target == parent && child.nested_name() == sub {
                return Some((child, field));
            }
        }
    }
    None
}

pub(super) fn route_of(segs: &[String], edition: Edition) -> Option<Route> {
    let s: Vec<&str> = segs.iter().map(|s| s.as_str()).collect();
    Some(match s.as_slice() {
        [] => Route::Root,
        ["status"] => Route::Status,
        ["plugins", "enabled"] => Route::PluginsEnabled,
        ["tags"] => Route::Tags(None),
        ["tags", t] => Route::Tags(Some(t.to_string())),
        ["schemas", e, "validate"] => Route::Validate(
            ALL_KINDS
                .iter()
                .copied()
                .find(|k| k.name() == *e || k.admin_name() == *e)?,
        ),
        ["workspaces"] if edition == Edition::Enterprise => Route::Workspaces(None),
        ["workspaces", w] if edition == Edition::Enterprise => {
            Route::Workspaces(Some(w.to_string()))
        }
        [c] => Route::Collection(Kind::from_admin(c)?),
        [c, id] => Route::Entity(Kind::from_admin(c)?, id.to_string()),
        [c, id, sub] => {
            let parent = Kind::from_admin(c)?;
            if let Some((child, field)) = nested_child(parent, sub) {
                Route::Nested {
                    parent,
                    pkey: id.to_string(),
                    child,
                    field,
                }
            } else {
                let (field, target, _) =
                    parent.foreign_fields().iter().find(|(f, _, _)| f == sub)?;
                if parent == Kind::Snis {
                    return None; // `/snis/:snis/certificate` is disabled
                }
                Route::ForeignEntity {
                    kind: parent,
                    key: id.to_string(),
                    field,
                    target: *target,
                }
            }
        }
        [c, id, sub, cid] => {
            let parent = Kind::from_admin(c)?;
            let (child, field) = nested_child(parent, sub)?;
            Route::NestedEntity {
                parent,
                pkey: id.to_string(),
                child,
                field,
                ckey: cid.to_string(),
            }
        }
        _ => return None,
    })
}
