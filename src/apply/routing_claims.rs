//! The routes that the APIs planned or applied by one provider process will have: how two APIs
//! of one configuration are kept from receiving the same requests (see
//! [`crate::apply::api::routing`]).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::api::routing::{same_requests, Routing};

/// The routes the APIs planned or applied by this provider process will have, by API name.
#[derive(Default)]
pub struct RoutingClaims(Mutex<HashMap<String, Routing>>);

impl RoutingClaims {
    /// Records `routing` for the API `name`; with `check`, first returns the API whose claim
    /// receives the same requests (nothing is recorded then). An API is never in its own way.
    pub fn claim(&self, name: &str, routing: &Routing, check: bool) -> Result<(), String> {
        // A poisoned lock only means another thread panicked while holding it; the map is
        // still whole (every change is one insert or remove).
        let mut claims = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if check {
            let other = claims
                .iter()
                .filter(|(other, _)| other.as_str() != name)
                .find(|(_, theirs)| same_requests(routing, theirs));
            if let Some((other, _)) = other {
                return Err(other.clone());
            }
        }
        claims.insert(name.to_string(), routing.clone());
        Ok(())
    }

    /// Forgets the claim of `name` while it is still `routing` (a create that left nothing).
    pub fn release(&self, name: &str, routing: &Routing) {
        let mut claims = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if claims.get(name) == Some(routing) {
            claims.remove(name);
        }
    }
}
