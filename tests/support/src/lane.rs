//! The real-Kong lane: the end-to-end tests run against the Kong Admin API named by
//! [`KONG_URL_VAR`] instead of an in-process sandbox each (see CONTRIBUTING.md and
//! scripts/real-kong-lane.sh). Tests that need what only the sandbox has (its control port:
//! fault injection, request counts, latency; or a sandbox configured for the test: TLS, an
//! Enterprise edition, an admin token) skip there, saying why.

use std::collections::HashSet;
use std::io::Write;

use crate::admin::AdminClient;

/// The environment variable naming the Admin API URL of the Kong the lane runs against
/// (`http://127.0.0.1:8001`, say). Unset or empty: every test starts its own sandbox.
pub const KONG_URL_VAR: &str = "DISPATCH_TEST_KONG_URL";

/// When set, each skipped test appends a line (`SKIPPED<TAB>test name<TAB>reason`, or `NOTE` for a
/// test that ran on a sandbox of its own) to this file, so that the lane's script can list what
/// was skipped and why.
pub const SKIP_REPORT_VAR: &str = "DISPATCH_TEST_LANE_SKIPS";

/// The Admin API URL of the lane's Kong, when the tests run in the lane.
pub fn kong_url() -> Option<String> {
    std::env::var(KONG_URL_VAR)
        .ok()
        .map(|url| url.trim().trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
}

/// Whether the tests run in the lane.
pub fn active() -> bool {
    kong_url().is_some()
}

/// Says that the running test is skipped in the lane, and why: on standard error (nextest shows
/// it with `--success-output`), and in the skip report when there is one.
pub fn skip(reason: &str) {
    report("SKIPPED", reason);
}

/// Says something about how the running test ran in the lane (as [`skip`] does), such as that
/// it ran on a sandbox of its own.
pub fn note(what: &str) {
    report("NOTE", what);
}

fn report(kind: &str, reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    eprintln!("{kind} in the real-Kong lane: {test}: {reason}");
    if let Some(path) = std::env::var_os(SKIP_REPORT_VAR) {
        let line = format!("{kind}\t{test}\t{reason}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(error) = written {
            eprintln!("could not write the skip report {path:?}: {error}");
        }
    }
}

/// The collections a test can add to, in an order that deletes dependents first (credentials
/// and SNIs go with their consumer and certificate; targets with their upstream).
const COLLECTIONS: [&str; 8] = [
    "plugins",
    "routes",
    "services",
    "snis",
    "certificates",
    "ca_certificates",
    "consumers",
    "upstreams",
];

/// The ids of the entities a Kong holds, collection by collection: taken when a test starts, so
/// that what the test added can be deleted when it ends. The lane runs one test at a time (a
/// test may look at whole collections, and its names are fixed): another test's entities are
/// never in the way, and a test's leftovers never reach the next.
pub struct Inventory {
    ids: Vec<(&'static str, HashSet<String>)>,
}

impl Inventory {
    /// What `admin`'s Kong holds now (a collection this Kong does not have is left out).
    #[track_caller]
    pub fn take(admin: &AdminClient) -> Self {
        let ids = COLLECTIONS
            .iter()
            .filter_map(|collection| match list_ids(admin, collection) {
                Ok(Some(ids)) => Some((*collection, ids)),
                Ok(None) => None,
                Err(error) => panic!("the lane's Kong: listing {collection}: {error}"),
            })
            .collect();
        Self { ids }
    }

    /// Deletes every entity added since this inventory was taken. Never panics (it runs when a
    /// failed test unwinds); what it cannot delete it names on standard error, and the lane's
    /// script fails on leftovers.
    pub fn restore(&self, admin: &AdminClient) {
        for (collection, before) in &self.ids {
            let now = match list_ids(admin, collection) {
                Ok(Some(now)) => now,
                Ok(None) => continue,
                Err(error) => {
                    eprintln!("lane cleanup: listing {collection}: {error}");
                    continue;
                }
            };
            for id in now.difference(before) {
                let path = format!("/{collection}/{id}");
                match admin.raw("DELETE", &path, None, b"") {
                    Ok(answer) if answer.status == 204 || answer.status == 404 => {}
                    Ok(answer) => eprintln!(
                        "lane cleanup: DELETE {path}: {} {}",
                        answer.status,
                        answer.text()
                    ),
                    Err(error) => eprintln!("lane cleanup: DELETE {path}: {error}"),
                }
            }
        }
    }
}

/// The ids in a collection (None when this Kong has no such collection), without panicking.
fn list_ids(admin: &AdminClient, collection: &str) -> Result<Option<HashSet<String>>, String> {
    let mut out = HashSet::new();
    let mut path = format!("/{collection}?size=1000");
    loop {
        let answer = admin
            .raw("GET", &path, None, b"")
            .map_err(|e| e.to_string())?;
        if answer.status == 404 {
            return Ok(None);
        }
        if answer.status != 200 {
            return Err(format!("{} {}", answer.status, answer.text()));
        }
        let page = answer.json();
        out.extend(
            page["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["id"].as_str().map(str::to_string)),
        );
        match page["offset"].as_str() {
            Some(offset) => path = format!("/{collection}?size=1000&offset={offset}"),
            None => return Ok(Some(out)),
        }
    }
}
