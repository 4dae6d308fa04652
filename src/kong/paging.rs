//! Following Kong's pages without trusting them to end: a Kong (or a proxy in front of it) that
//! answers every page with a new `offset`, or drops the `offset` parameter and serves the first
//! page again, must not make a listing run forever and fill memory.
//!
//! What Kong's paging guarantees (Kong 3.9/3.10 source):
//! - Pages are keyset pages in primary-key order: the offset encodes the last key of the page
//!   and the next page starts after it (kong/db/strategies/postgres/init.lua `page`, its
//!   `page_next` statements `WHERE (pk) > (offset) ORDER BY pk LIMIT size + 1`; DB-less:
//!   kong/db/strategies/off/init.lua `page_for_prefix`, the last LMDB key of the page). So an
//!   offset never comes back, and an entity is never on two pages.
//! - Pages are not always full: DB-less filters tags after paging (off/init.lua
//!   `page_for_tags` then `filter_tag_items`), and Enterprise RBAC drops what the token may not
//!   read, so a page may be short, or empty, and still carry an offset. What bounds the number
//!   of pages is the number of entities of the kind in Kong, not the number listed.
//!
//! Hence the rules: a repeated offset, or an entity id already listed on an earlier page, ends
//! the listing with [`KongError::Paging`]; so do more than [`MAX_PAGES`] pages (a million
//! entities of one kind at Kong's largest page) or more than [`MAX_LISTING_BYTES`] of answers
//! for one listing, which bound the memory a listing can take whatever the answers hold.

use std::collections::HashSet;

use super::entities::Page;
use super::error::KongError;

/// Pages one listing may take: at Kong's largest page (1000, kong/api/endpoints.lua
/// `extract_options`) a million entities of one kind, far beyond what one organization's
/// Terraform states manage, and beyond the SNIs of any Kong the provider has been run against.
pub const MAX_PAGES: usize = 1000;

/// Bytes of answers one listing may take: eight times [`super::body::MAX_ANSWER_BYTES`],
/// a quarter of a million services, routes or SNIs at their usual size (well under 1 KiB each).
pub const MAX_LISTING_BYTES: usize = 8 * super::body::MAX_ANSWER_BYTES;

/// An entity that Kong identifies by an `id` (every entity the provider lists).
pub trait Identified {
    /// Kong's id.
    fn id(&self) -> &str;
}

macro_rules! identified {
    ($($entity:ty),*) => {
        $(impl Identified for $entity {
            fn id(&self) -> &str {
                &self.id
            }
        })*
    };
}

identified!(
    super::entities::Service,
    super::entities::Route,
    super::entities::Plugin,
    super::entities::Consumer,
    super::entities::BasicAuthCredential,
    super::entities::Acl,
    super::entities::JwtSecret
);

/// The pages of one listing seen so far.
#[derive(Debug)]
pub struct Pager {
    path: String,
    pages: usize,
    bytes: usize,
    offsets: HashSet<String>,
    ids: HashSet<String>,
}

impl Pager {
    /// The start of a listing of the collection at `path` (named in errors).
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_string(),
            pages: 0,
            bytes: 0,
            offsets: HashSet::new(),
            ids: HashSet::new(),
        }
    }

    /// Checks the page Kong answered next (`bytes` long) and returns the offset to ask for
    /// after it, `None` after the last page. An empty offset counts as none.
    pub fn next<T: Identified>(
        &mut self,
        page: &Page<T>,
        bytes: usize,
    ) -> Result<Option<String>, KongError> {
        self.pages += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        for entity in &page.data {
            if !self.ids.insert(entity.id().to_string()) {
                return Err(self.error(format!(
                    "page {} lists `{}` again, which an earlier page listed (Kong's pages never overlap): Kong, or a proxy in front of it, does not follow the offset",
                    self.pages,
                    entity.id()
                )));
            }
        }
        let next = page.offset.as_deref().filter(|o| !o.is_empty());
        let Some(next) = next else {
            return Ok(None);
        };
        if !self.offsets.insert(next.to_string()) {
            return Err(self.error(format!(
                "page {} gives the offset `{next}` of an earlier page again, so the pages would never end: Kong, or a proxy in front of it, does not follow the offset",
                self.pages
            )));
        }
        if self.pages >= MAX_PAGES {
            return Err(self.error(format!(
                "{} pages holding {} entities, and Kong announces more; a listing stops at {MAX_PAGES} pages (a million entities of one kind)",
                self.pages,
                self.ids.len()
            )));
        }
        if self.bytes > MAX_LISTING_BYTES {
            return Err(self.error(format!(
                "{} pages of {} bytes in all, and Kong announces more; a listing stops at {MAX_LISTING_BYTES} bytes ({} MiB)",
                self.pages,
                self.bytes,
                MAX_LISTING_BYTES >> 20
            )));
        }
        Ok(Some(next.to_string()))
    }

    fn error(&self, cause: String) -> KongError {
        KongError::Paging {
            path: self.path.clone(),
            cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Thing(String);

    impl Identified for Thing {
        fn id(&self) -> &str {
            &self.0
        }
    }

    fn page(ids: &[&str], offset: Option<&str>) -> Page<Thing> {
        Page {
            data: ids.iter().map(|id| Thing(id.to_string())).collect(),
            offset: offset.map(str::to_string),
        }
    }

    #[test]
    fn pages_are_followed_to_the_last() {
        let mut pager = Pager::new("/services");
        assert_eq!(
            pager.next(&page(&["a", "b"], Some("o1")), 10).expect("ok"),
            Some("o1".to_string())
        );
        // A page emptied by filtering may still carry an offset (DB-less, RBAC).
        assert_eq!(
            pager.next(&page(&[], Some("o2")), 10).expect("ok"),
            Some("o2".to_string())
        );
        assert_eq!(pager.next(&page(&["c"], Some("")), 10).expect("ok"), None);
    }

    #[test]
    fn a_repeated_offset_ends_the_listing() {
        let mut pager = Pager::new("/services");
        pager.next(&page(&["a"], Some("o1")), 10).expect("ok");
        let error = pager
            .next(&page(&["b"], Some("o1")), 10)
            .expect_err("repeated offset");
        let text = error.to_string();
        assert!(text.contains("GET /services"), "{text}");
        assert!(text.contains("page 2 gives the offset `o1`"), "{text}");
    }

    #[test]
    fn an_entity_listed_twice_ends_the_listing() {
        let mut pager = Pager::new("/routes");
        pager.next(&page(&["a", "b"], Some("o1")), 10).expect("ok");
        let error = pager
            .next(&page(&["a", "b"], Some("o2")), 10)
            .expect_err("the first page again, under a new offset");
        assert!(
            error.to_string().contains("page 2 lists `a` again"),
            "{error}"
        );
    }

    #[test]
    fn pages_beyond_the_budget_end_the_listing() {
        let mut pager = Pager::new("/snis");
        let mut last = Ok(None);
        for n in 0..MAX_PAGES {
            let id = format!("id-{n}");
            last = pager.next(&page(&[&id], Some(&format!("o{n}"))), 10);
            if last.is_err() {
                break;
            }
        }
        let error = last.expect_err("stopped");
        assert!(
            error
                .to_string()
                .contains(&format!("{MAX_PAGES} pages holding {MAX_PAGES} entities")),
            "{error}"
        );
        assert_eq!(pager.pages, MAX_PAGES, "stops at the budget, not before");
    }

    #[test]
    fn bytes_beyond_the_budget_end_the_listing() {
        let mut pager = Pager::new("/plugins");
        pager
            .next(&page(&["a"], Some("o1")), MAX_LISTING_BYTES)
            .expect("at the budget");
        let error = pager
            .next(&page(&["b"], Some("o2")), 1)
            .expect_err("beyond it");
        assert!(error.to_string().contains("MiB"), "{error}");
        // The last page is always taken: nothing follows it.
        let mut pager = Pager::new("/plugins");
        assert_eq!(
            pager
                .next(&page(&["a"], None), MAX_LISTING_BYTES + 1)
                .expect("last"),
            None
        );
    }
}
