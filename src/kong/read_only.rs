//! Terraform's read-only operations (refresh, plan, import, data sources) run in a scope where a
//! read that is still waiting when Terraform asks the provider to stop (Ctrl-C, StopProvider) is
//! abandoned at once instead of waiting for its answer or its timeout: nothing was written, so
//! nothing is left to finish or undo. Outside the scope (create, update, delete) a read is waited
//! for, since what it answers decides what an operation that already wrote finishes or undoes.

use std::future::Future;

use tokio_util::sync::CancellationToken;

tokio::task_local! {
    static READ_ONLY: ();
}

/// Runs `operation` as a read-only operation.
pub async fn scope<F: Future>(operation: F) -> F::Output {
    READ_ONLY.scope((), operation).await
}

/// Whether the current task runs a read-only operation.
pub fn active() -> bool {
    READ_ONLY.try_with(|_| ()).is_ok()
}

/// `read`, or `None` as soon as `stop` is cancelled when the current operation is read-only
/// (at once when it already is: the read is not sent).
pub async fn unless_stopped<F: Future>(stop: &CancellationToken, read: F) -> Option<F::Output> {
    if !active() {
        return Some(read.await);
    }
    tokio::select! {
        biased;
        () = stop.cancelled() => None,
        answer = read => Some(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn outside_the_scope_a_read_is_waited_for() {
        let stop = CancellationToken::new();
        stop.cancel();
        assert!(!active());
        let answer = unless_stopped(&stop, async { 7 }).await;
        assert_eq!(answer, Some(7));
    }

    #[tokio::test]
    async fn inside_the_scope_a_stop_abandons_the_read() {
        let stop = CancellationToken::new();
        let read = async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            7
        };
        let stopper = stop.clone();
        let answer = scope(async move {
            assert!(active());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                stopper.cancel();
            });
            unless_stopped(&stop, read).await
        })
        .await;
        assert_eq!(answer, None);
        // Already stopped: not even started.
        let stop = CancellationToken::new();
        stop.cancel();
        assert_eq!(scope(unless_stopped(&stop, async { 7 })).await, None);
        // Not stopped: answered.
        let stop = CancellationToken::new();
        assert_eq!(scope(unless_stopped(&stop, async { 7 })).await, Some(7));
    }
}
