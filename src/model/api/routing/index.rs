//! Routings indexed by their paths. Two routings that receive the same requests always share a
//! path, or both have none ([`same_requests`]), so finding the one in the way of a new routing
//! looks only at those: a plan or an apply that creates N APIs beside R routes compares each
//! with the few that share its paths, not with all N + R (which made creating 1000 APIs cost
//! about 0.6 G instructions in comparisons alone).

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use super::{same_requests, Routing};

/// Routings by key (an API's name, a route's position in a listing), with an index by path.
/// Routings with other rules are not indexed: they are never in anyone's way.
#[derive(Debug)]
pub struct RoutingIndex<K> {
    routings: HashMap<K, Routing>,
    /// The keys of the routings holding each path.
    by_path: HashMap<String, BTreeSet<K>>,
    /// The keys of the routings without paths.
    without_paths: BTreeSet<K>,
}

impl<K> Default for RoutingIndex<K> {
    fn default() -> Self {
        Self {
            routings: HashMap::new(),
            by_path: HashMap::new(),
            without_paths: BTreeSet::new(),
        }
    }
}

impl<K: Clone + Ord + Hash> RoutingIndex<K> {
    /// The index of `routings`.
    pub fn of(routings: impl IntoIterator<Item = (K, Routing)>) -> Self {
        let mut index = Self::default();
        for (key, routing) in routings {
            index.insert(key, routing);
        }
        index
    }

    /// The routing of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&Routing>
    where
        K: Borrow<Q>,
        Q: Hash + Ord + ?Sized,
    {
        self.routings.get(key)
    }

    /// Records `routing` under `key`, in place of what `key` had.
    pub fn insert(&mut self, key: K, routing: Routing) {
        self.remove(&key);
        if !routing.other_rules {
            if routing.paths.is_empty() {
                self.without_paths.insert(key.clone());
            }
            for path in &routing.paths {
                let keys = self.by_path.entry(path.clone()).or_default();
                keys.insert(key.clone());
            }
        }
        self.routings.insert(key, routing);
    }

    /// Forgets `key`.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<Routing>
    where
        K: Borrow<Q>,
        Q: Hash + Ord + ?Sized,
    {
        let routing = self.routings.remove(key)?;
        self.without_paths.remove(key);
        for path in &routing.paths {
            if let Some(keys) = self.by_path.get_mut(path) {
                keys.remove(key);
                if keys.is_empty() {
                    self.by_path.remove(path);
                }
            }
        }
        Some(routing)
    }

    /// The first key (in key order), `skip` aside, whose routing receives the same requests
    /// as `routing`.
    pub fn in_the_way(&self, routing: &Routing, skip: impl Fn(&K) -> bool) -> Option<&K> {
        if routing.other_rules {
            return None;
        }
        let candidates: BTreeSet<&K> = if routing.paths.is_empty() {
            self.without_paths.iter().collect()
        } else {
            routing
                .paths
                .iter()
                .filter_map(|path| self.by_path.get(path))
                .flatten()
                .collect()
        };
        candidates.into_iter().find(|key| {
            !skip(key)
                && self
                    .routings
                    .get(*key)
                    .is_some_and(|theirs| same_requests(routing, theirs))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(hosts: &[&str], paths: &[&str], methods: &[&str]) -> Routing {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Routing {
            hosts: set(hosts),
            paths: set(paths),
            methods: set(methods),
            regex_priority: 0,
            other_rules: false,
        }
    }

    /// What a scan of every routing finds: the index must find the same.
    fn scan<'a>(all: &'a [(usize, Routing)], routing: &Routing, skip: usize) -> Option<&'a usize> {
        all.iter()
            .filter(|(key, _)| *key != skip)
            .find(|(_, theirs)| same_requests(routing, theirs))
            .map(|(key, _)| key)
    }

    #[test]
    fn the_index_finds_what_a_scan_of_every_routing_finds() {
        let hosts: [&[&str]; 3] = [&[], &["a.example.com"], &["A.example.com", "b.example.com"]];
        let paths: [&[&str]; 4] = [&[], &["/pay"], &["/pay", "/pay/v2"], &["/other"]];
        let methods: [&[&str]; 3] = [&[], &["GET"], &["GET", "POST"]];
        let mut all = Vec::new();
        for h in hosts {
            for p in paths {
                for m in methods {
                    let mut r = routing(h, p, m);
                    r.hosts = r.hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
                    all.push((all.len(), r));
                }
            }
        }
        let index = RoutingIndex::of(all.iter().cloned());
        for (key, r) in &all {
            assert_eq!(
                index.in_the_way(r, |k| k == key),
                scan(&all, r, *key),
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_replaced_or_removed_routing_is_no_longer_found() {
        let mut index = RoutingIndex::default();
        index.insert("first", routing(&[], &["/pay"], &[]));
        let pay = routing(&[], &["/pay"], &[]);
        assert_eq!(index.in_the_way(&pay, |_| false), Some(&"first"));
        index.insert("first", routing(&[], &["/other"], &[]));
        assert_eq!(index.in_the_way(&pay, |_| false), None);
        assert!(index.remove(&"first").is_some());
        assert_eq!(
            index.in_the_way(&routing(&[], &["/other"], &[]), |_| false),
            None
        );
        assert!(index.by_path.is_empty() && index.without_paths.is_empty());
    }

    #[test]
    fn routings_without_paths_are_compared_with_each_other_only() {
        let index = RoutingIndex::of([
            (1, routing(&["a.example.com"], &[], &[])),
            (2, routing(&["a.example.com"], &["/pay"], &[])),
        ]);
        assert_eq!(
            index.in_the_way(&routing(&["a.example.com"], &[], &[]), |_| false),
            Some(&1)
        );
    }

    #[test]
    fn a_routing_with_other_rules_is_never_in_the_way() {
        let mut other = routing(&[], &["/pay"], &[]);
        other.other_rules = true;
        let index = RoutingIndex::of([(1, other.clone())]);
        assert_eq!(
            index.in_the_way(&routing(&[], &["/pay"], &[]), |_| false),
            None
        );
        assert_eq!(index.in_the_way(&other, |_| false), None);
    }
}
