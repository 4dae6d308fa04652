//! The in-memory database: per workspace, one ordered collection per entity
//! kind (ordered by id, as Kong's postgres pages are) with unique indexes.

use crate::entities::{Kind, ALL_KINDS};
use crate::schema::Obj;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// One entity collection.
#[derive(Default)]
pub struct Collection {
    /// Rows by id (ordered).
    pub rows: BTreeMap<String, Obj>,
    unique: HashMap<&'static str, HashMap<String, String>>,
}

fn key_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The id of a foreign key value `{id: ...}`.
pub fn fk_id(v: Option<&Value>) -> Option<&str> {
    v.and_then(|v| v.get("id")).and_then(|v| v.as_str())
}

impl Collection {
    fn index(&mut self, kind: Kind, id: &str, row: &Obj, add: bool) {
        for f in kind.unique_fields() {
            if let Some(k) = row.get(*f).and_then(key_of) {
                let idx = self.unique.entry(f).or_default();
                if add {
                    idx.insert(k, id.to_string());
                } else if idx.get(&k).map(|x| x == id).unwrap_or(false) {
                    idx.remove(&k);
                }
            }
        }
    }

    /// Looks a row up by a unique field.
    pub fn find_unique(&self, field: &str, value: &str) -> Option<&Obj> {
        let id = self.unique.get(field)?.get(value)?;
        self.rows.get(id)
    }
}

/// A workspace's data.
pub struct Workspace {
    /// Workspace id.
    pub id: String,
    /// Workspace name.
    pub name: String,
    /// created_at
    pub created_at: i64,
    cols: HashMap<Kind, Collection>,
}

impl Workspace {
    /// An empty workspace.
    pub fn new(name: &str) -> Workspace {
        let mut cols = HashMap::new();
        for k in ALL_KINDS {
            cols.insert(k, Collection::default());
        }
        let created_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Workspace {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            created_at,
            cols,
        }
    }

    /// A collection.
    pub fn col(&self, k: Kind) -> &Collection {
        &self.cols[&k]
    }

    /// A row by id.
    pub fn get(&self, k: Kind, id: &str) -> Option<&Obj> {
        self.cols[&k].rows.get(id)
    }

    /// Inserts or replaces a row.
    pub fn put(&mut self, k: Kind, row: Obj) {
        let Some(id) = row
            .get("id")
            .and_then(|v| v.as_str())
            .map(|s| s.to_string())
        else {
            return;
        };
        let col = self.cols.get_mut(&k).expect("collection");
        if let Some(old) = col.rows.remove(&id) {
            col.index(k, &id, &old, false);
        }
        col.index(k, &id, &row, true);
        col.rows.insert(id, row);
    }

    /// Removes a row.
    pub fn remove(&mut self, k: Kind, id: &str) -> Option<Obj> {
        let col = self.cols.get_mut(&k).expect("collection");
        let old = col.rows.remove(id)?;
        col.index(k, id, &old, false);
        Some(old)
    }

    /// Ids of rows of `k` whose foreign key `field` points at `parent_id`.
    pub fn children(&self, k: Kind, field: &str, parent_id: &str) -> Vec<String> {
        self.cols[&k]
            .rows
            .iter()
            .filter(|(_, r)| fk_id(r.get(field)) == Some(parent_id))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// All workspaces.
pub struct Store {
    /// Workspaces by name.
    pub workspaces: BTreeMap<String, Workspace>,
}

impl Default for Store {
    fn default() -> Self {
        let mut workspaces = BTreeMap::new();
        workspaces.insert("default".to_string(), Workspace::new("default"));
        Store { workspaces }
    }
}

impl Store {
    /// A workspace by name.
    pub fn ws(&self, name: &str) -> Option<&Workspace> {
        self.workspaces.get(name)
    }

    /// A workspace by name, mutable.
    pub fn ws_mut(&mut self, name: &str) -> Option<&mut Workspace> {
        self.workspaces.get_mut(name)
    }

    /// An SNI by name in any workspace (SNI names are unique across workspaces).
    pub fn sni_anywhere(&self, name: &str) -> Option<(&str, &Obj)> {
        self.workspaces.values().find_map(|w| {
            w.col(Kind::Snis)
                .find_unique("name", name)
                .map(|r| (w.name.as_str(), r))
        })
    }
}
