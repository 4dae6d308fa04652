//! The log line of each Admin API attempt, at the level its method and outcome call for.

use std::time::Duration;

use reqwest::Method;

use super::error::KongError;

/// The one log line of an attempt (inside its `kong_request` span, which holds the method, the
/// path with its workspace, the query and the attempt number): writes at info, reads at debug,
/// and a failure that will be retried at warn, with the wait before the next attempt.
pub(super) fn attempt(
    method: &Method,
    status: Option<u16>,
    error: Option<&KongError>,
    took: Duration,
    retry_in: Option<Duration>,
) {
    let duration_ms = took.as_millis() as u64;
    let error = error.map(tracing::field::display);
    if let Some(delay) = retry_in {
        let retry_in_ms = delay.as_millis() as u64;
        tracing::warn!(
            status,
            duration_ms,
            error,
            retry_in_ms,
            "Admin API call failed; retrying"
        );
    } else if *method == Method::GET || *method == Method::HEAD {
        tracing::debug!(status, duration_ms, error, "Admin API call");
    } else {
        tracing::info!(status, duration_ms, error, "Admin API call");
    }
}
