//! The routes that the APIs planned or applied by one provider process will have: how two APIs
//! of one configuration are kept from receiving the same requests (see
//! [`crate::apply::api::routing`]); and the routing of the routes Kong was listed with.

use std::sync::{Arc, Mutex};

use crate::kong::Route;
use crate::model::api::routing::{Routing, RoutingIndex};

/// The routes the APIs planned or applied by this provider process will have, by API name.
#[derive(Default)]
pub struct RoutingClaims(Mutex<RoutingIndex<String>>);

impl RoutingClaims {
    /// Records `routing` for the API `name`; with `check`, first returns the API whose claim
    /// receives the same requests (nothing is recorded then). An API is never in its own way.
    pub fn claim(&self, name: &str, routing: &Routing, check: bool) -> Result<(), String> {
        // A poisoned lock only means another thread panicked while holding it; the index is
        // still whole (every change is one insert or remove).
        let mut claims = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if check {
            if let Some(other) = claims.in_the_way(routing, |other| other == name) {
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

/// The routing of the routes of the latest listing of Kong's routes, indexed once per listing
/// (by the routes' positions in it).
#[derive(Default)]
pub struct ListedRoutings(Mutex<Option<Listed>>);

type Listed = (Arc<[Route]>, Arc<RoutingIndex<usize>>);

impl ListedRoutings {
    /// The index of `routes` (a listing [`crate::kong::AllRoutes`] gave).
    pub fn of(&self, routes: &Arc<[Route]>) -> Arc<RoutingIndex<usize>> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((listed, index)) = slot.as_ref() {
            if Arc::ptr_eq(listed, routes) {
                return index.clone();
            }
        }
        let index = Arc::new(RoutingIndex::of(
            routes
                .iter()
                .enumerate()
                .map(|(position, route)| (position, Routing::of_route(route))),
        ));
        *slot = Some((routes.clone(), index.clone()));
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(path: &str) -> Routing {
        Routing {
            hosts: ["api.example.com".to_string()].into(),
            paths: [path.to_string()].into(),
            methods: Default::default(),
            regex_priority: 0,
            other_rules: false,
        }
    }

    #[test]
    fn a_second_api_with_the_same_routing_is_refused_naming_the_first() {
        let claims = RoutingClaims::default();
        assert_eq!(claims.claim("first", &routing("/pay"), true), Ok(()));
        assert_eq!(
            claims.claim("second", &routing("/pay"), true),
            Err("first".to_string())
        );
        // Refused, so not recorded: a third API is compared with the first only.
        assert_eq!(
            claims.claim("third", &routing("/pay"), true),
            Err("first".to_string())
        );
        assert_eq!(claims.claim("second", &routing("/pay/v2"), true), Ok(()));
    }

    #[test]
    fn an_api_planned_again_is_not_in_its_own_way() {
        let claims = RoutingClaims::default();
        assert_eq!(claims.claim("first", &routing("/pay"), true), Ok(()));
        assert_eq!(claims.claim("first", &routing("/pay"), true), Ok(()));
    }

    #[test]
    fn an_unchecked_claim_is_recorded_and_a_released_one_forgotten() {
        let claims = RoutingClaims::default();
        // A plan that keeps an API's routing records it without comparing...
        assert_eq!(claims.claim("kept", &routing("/pay"), false), Ok(()));
        // ...and a new API is compared with it.
        assert_eq!(
            claims.claim("new", &routing("/pay"), true),
            Err("kept".to_string())
        );
        // A release of another routing than the claim's leaves the claim alone.
        claims.release("kept", &routing("/other"));
        assert!(claims.claim("new", &routing("/pay"), true).is_err());
        claims.release("kept", &routing("/pay"));
        assert_eq!(claims.claim("new", &routing("/pay"), true), Ok(()));
    }
}
