//! A listing of one collection (services, routes or plugins) filtered by the ownership tags,
//! fetched a page at a time as the inventory's budget allows, and kept while nothing was
//! written through the client and for at most [`FRESHNESS`]. The policy (when a page is worth
//! fetching) belongs to the inventory; this module only holds pages and answers from them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, MutexGuard};

use super::client::Client;
use super::entities::{Plugin, Route, Service};
use super::error::KongError;
use super::paging::{Identified, Pager};

/// How long a listing may serve reads.
pub const FRESHNESS: Duration = Duration::from_secs(10);

/// An entity kind that can be listed and looked up in a listing.
pub trait Listed: DeserializeOwned + Identified + Clone + Send {
    /// The collection's Admin API path.
    const PATH: &'static str;
    /// The key lookups use: the id, or for a plugin the id of its service.
    fn key(&self) -> Option<&str>;
}

impl Listed for Service {
    const PATH: &'static str = "/services";
    fn key(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl Listed for Route {
    const PATH: &'static str = "/routes";
    fn key(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl Listed for Plugin {
    const PATH: &'static str = "/plugins";
    fn key(&self) -> Option<&str> {
        self.service.as_ref().map(|service| service.id.as_str())
    }
}

/// The listing of one collection in one provider process.
pub struct Listing<T> {
    /// Set once Kong refused to list: every later lookup reads directly.
    refused: AtomicBool,
    pages: Mutex<Pages<T>>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Self {
            refused: AtomicBool::new(false),
            pages: Mutex::new(Pages {
                listed: 0,
                current: None,
            }),
        }
    }
}

/// The pages held, and what they cost.
pub struct Pages<T> {
    /// Entities this process has listed in this collection, over every listing it fetched
    /// (an empty page counts as one): what the inventory's budget limits.
    pub listed: usize,
    current: Option<Partial<T>>,
}

/// The pages of one listing, fetched in Kong's order (by id) from the first.
struct Partial<T> {
    generation: u64,
    started: Instant,
    /// Listed entities by [`Listed::key`].
    by_key: HashMap<String, Vec<T>>,
    /// The offset of the next page; `None` once the last page is in.
    next: Option<String>,
    /// The pages fetched, so that pages that would never end are an error.
    pager: Pager,
}

/// What a listing can say about a key.
#[derive(Debug, PartialEq)]
pub enum Answer<T> {
    /// The listed entities with that key (none: the listing is complete and has none).
    Listed(Vec<T>),
    /// The pages held so far do not have the key, and more pages follow.
    NotYet,
    /// The listing is complete and does not have the key.
    Absent,
}

impl<T: Listed> Listing<T> {
    /// True once Kong refused to list this collection.
    pub fn refused(&self) -> bool {
        self.refused.load(Ordering::SeqCst)
    }

    /// Exclusive access to the pages: concurrent lookups wait for a page being fetched instead
    /// of fetching it again.
    pub async fn lock(&self) -> MutexGuard<'_, Pages<T>> {
        self.pages.lock().await
    }

    /// Remembers that Kong refused to list.
    pub fn refuse(&self, error: &KongError) {
        // Credentials may be allowed to read entities but not to list them: reading directly
        // still works, and reports Kong's real error if it does not. That is a setting, so
        // debug; any other failure (pages that repeat, an answer over the cap, garbage) says
        // something between the provider and Kong is wrong, which an operator should see.
        if matches!(error.status(), Some(401 | 403)) {
            tracing::debug!(%error, path = T::PATH, "cannot list; reading one by one from now on");
        } else {
            tracing::warn!(%error, path = T::PATH, "cannot list; reading one by one from now on");
        }
        self.refused.store(true, Ordering::SeqCst);
    }
}

impl<T: Listed> Pages<T> {
    /// What the pages held say about `key`. With `whole`, only a complete listing answers (a
    /// key may have entities on pages not fetched yet), and a key it lacks has none.
    pub fn answer(&mut self, client: &Client, key: &str, whole: bool) -> Answer<T> {
        if self
            .current
            .as_ref()
            .is_some_and(|current| !current.fresh(client))
        {
            self.current = None;
        }
        let Some(current) = &self.current else {
            return Answer::NotYet;
        };
        let complete = current.next.is_none();
        match current.by_key.get(key) {
            Some(found) if complete || !whole => Answer::Listed(found.clone()),
            _ if !complete => Answer::NotYet,
            None if whole => Answer::Listed(Vec::new()),
            _ => Answer::Absent,
        }
    }

    /// Fetches the next page (the first when no listing is held); a listing that a write
    /// may have overtaken is dropped instead of extended.
    pub async fn fetch_next(&mut self, client: &Client, tags: &[String]) -> Result<(), KongError> {
        if self
            .current
            .as_ref()
            .is_some_and(|current| current.next.is_none())
        {
            // Complete: "next" can only mean listing again.
            self.current = None;
        }
        let generation = client.write_generation();
        let offset = self.current.as_ref().and_then(|c| c.next.clone());
        let mut pager = match self.current.as_mut() {
            Some(current) => std::mem::replace(&mut current.pager, Pager::new(T::PATH)),
            None => Pager::new(T::PATH),
        };
        let fetched = client
            .list_page::<T>(T::PATH, tags, offset.as_deref(), &mut pager)
            .await;
        let page = match fetched {
            Ok(page) => page,
            Err(error) => {
                // The pages held may be the start of a listing that would never end.
                self.current = None;
                return Err(error);
            }
        };
        self.listed += page.data.len().max(1);
        let overtaken = client.write_generation() != generation
            || self
                .current
                .as_ref()
                .is_some_and(|current| current.generation != generation);
        if overtaken {
            // Something was written while listing: the pages may mix before and after.
            self.current = None;
            return Ok(());
        }
        let current = self.current.get_or_insert_with(|| Partial {
            generation,
            started: Instant::now(),
            by_key: HashMap::new(),
            next: None,
            pager: Pager::new(T::PATH),
        });
        current.pager = pager;
        for entity in page.data {
            if let Some(key) = entity.key() {
                current
                    .by_key
                    .entry(key.to_string())
                    .or_default()
                    .push(entity);
            }
        }
        current.next = page.offset;
        tracing::debug!(
            path = T::PATH,
            keys = current.by_key.len(),
            complete = current.next.is_none(),
            "listed a page of managed entities"
        );
        Ok(())
    }
}

impl<T> Partial<T> {
    fn fresh(&self, client: &Client) -> bool {
        self.generation == client.write_generation() && self.started.elapsed() < FRESHNESS
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::kong::error::Tries;
    use crate::kong::KongErrorBody;

    /// The text a refusal of `error` logs (debug and above).
    fn logged_refusing(error: &KongError) -> String {
        let sink = Arc::new(Mutex::new(Vec::<u8>::new()));
        let writer = {
            let sink = sink.clone();
            move || SinkWriter(sink.clone())
        };
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(writer)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            Listing::<Service>::default().refuse(error);
        });
        let bytes = sink.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct SinkWriter(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for SinkWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut sink) = self.0.lock() {
                sink.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_listing_refused_for_permission_is_debug_and_a_broken_one_a_warning() {
        let forbidden = KongError::Api {
            method: "GET".into(),
            path: "/services".into(),
            status: 403,
            body: Box::new(KongErrorBody::default()),
            retry_after_secs: None,
            tries: Tries::default(),
        };
        let log = logged_refusing(&forbidden);
        assert!(log.contains("DEBUG") && !log.contains("WARN"), "{log}");

        let garbage = KongError::Decode {
            method: "GET".into(),
            path: "/services".into(),
            cause: "expected a page".into(),
        };
        let log = logged_refusing(&garbage);
        assert!(log.contains("WARN") && log.contains("/services"), "{log}");
    }
}
