//! Test controls: the request log, injected faults and added latency.
//! They live outside the Admin API's paths.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One Admin API request served, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path (as sent, undecoded).
    pub path: String,
    /// Query string (without `?`).
    pub query: String,
    /// Status answered (0 when the connection was reset).
    pub status: u16,
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer this status with a Kong-like JSON body, without touching the store.
    Status {
        /// status code
        status: u16,
        /// `Retry-After` header, in seconds
        retry_after_secs: Option<u64>,
    },
    /// Perform the request, then answer this status (a lost response).
    StatusAfterApply {
        /// status code
        status: u16,
    },
    /// Wait, then serve normally. Like Kong, the request is carried out even if the client
    /// stops waiting for it.
    Delay(Duration),
    /// Close the connection without any response.
    Reset,
    /// Serve a list request the way a broken Kong, or a proxy in front of it, would.
    Paging(PagingFault),
    /// Answer 200 with a JSON object of this many bytes, made as it is sent (never held in
    /// memory), with or without a `Content-Length` saying so.
    HugeBody {
        /// Size of the body.
        bytes: u64,
        /// Whether `Content-Length` announces it (else the body is chunked).
        declared: bool,
    },
}

/// How a list request is mis-served (hostile answers for the provider's paging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingFault {
    /// The `offset` parameter is dropped before the request is served (a proxy that loses
    /// it): a collection of several pages answers its first page, and its offset, every time.
    DropOffset,
    /// As `DropOffset`, and every answer carries a new offset: the same page forever (an empty
    /// collection: empty pages forever).
    FreshOffset,
    /// As `FreshOffset`, and every entity of the page gets a new id: pages that never repeat.
    FreshEntities,
}

/// A fault rule: which requests it matches and how many it affects.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// Method to match (any when None).
    pub method: Option<String>,
    /// Substring of the path to match (any when None).
    pub path_contains: Option<String>,
    /// Matching requests let through before the fault applies.
    pub skip: usize,
    /// Matching requests that get the fault.
    pub times: usize,
    /// The fault.
    pub action: FaultAction,
}

struct ActiveRule {
    rule: FaultRule,
    skipped: usize,
    applied: usize,
}

#[derive(Default)]
struct State {
    requests: Vec<RequestRecord>,
    faults: Vec<ActiveRule>,
    latency: Duration,
}

/// Handle on a sandbox's controls; cheap to clone.
#[derive(Clone, Default)]
pub struct Controls {
    inner: Arc<Mutex<State>>,
}

impl Controls {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Every Admin API request served, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// Number of requests served.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    /// Forgets the recorded requests.
    pub fn reset_requests(&self) {
        self.lock().requests.clear();
    }

    /// Adds a fault rule (rules are evaluated in order).
    pub fn inject(&self, rule: FaultRule) {
        self.lock().faults.push(ActiveRule {
            rule,
            skipped: 0,
            applied: 0,
        });
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Latency added to every request.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The current added latency.
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Forgets the recorded requests, every fault rule and the added latency.
    pub fn reset(&self) {
        let mut st = self.lock();
        st.requests.clear();
        st.faults.clear();
        st.latency = Duration::ZERO;
    }

    /// Records a served request.
    pub fn record(&self, rec: RequestRecord) {
        self.lock().requests.push(rec);
    }

    /// Picks the fault for a request: the first matching rule with budget left.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<FaultAction> {
        let mut st = self.lock();
        for r in st.faults.iter_mut() {
            let m = r
                .rule
                .method
                .as_deref()
                .map(|x| x.eq_ignore_ascii_case(method))
                .unwrap_or(true);
            let p = r
                .rule
                .path_contains
                .as_deref()
                .map(|x| path.contains(x))
                .unwrap_or(true);
            if !(m && p) {
                continue;
            }
            if r.skipped < r.rule.skip {
                r.skipped += 1;
                continue;
            }
            if r.applied < r.rule.times {
                r.applied += 1;
                return Some(r.rule.action.clone());
            }
        }
        None
    }
}
