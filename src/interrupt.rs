//! Ctrl-C, as Terraform passes it on to a provider: first `StopProvider` (stop waiting, let the
//! operations in flight end), then, when Terraform exits without waiting for their results (a
//! second Ctrl-C), the plugin `Shutdown`.

use tokio_util::sync::CancellationToken;

/// What Terraform asked of the operations in flight. Cheap to clone: every clone sees the same
/// two signals, and a shutdown is also a stop.
#[derive(Clone, Debug)]
pub struct Interrupt {
    shutdown: CancellationToken,
    stop: CancellationToken,
}

impl Default for Interrupt {
    fn default() -> Self {
        let shutdown = CancellationToken::new();
        // A child token is cancelled with its parent: shutting down stops too.
        let stop = shutdown.child_token();
        Self { shutdown, stop }
    }
}

impl Interrupt {
    /// `StopProvider`: waits (a retry's back-off) end at once, and so do the reads of read-only
    /// operations ([`crate::kong::read_only`]); an apply's requests already sent finish, so every
    /// operation in flight finishes or undoes what it wrote, as after a failed request.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// The plugin `Shutdown` while operations are in flight: Terraform will not record their
    /// results, so a create undoes what it wrote before it answers.
    pub fn shut_down(&self) {
        self.shutdown.cancel();
    }

    /// Whether Terraform asked to stop (or to shut down).
    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Whether Terraform is exiting without recording what is still in flight.
    pub fn is_shut_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// Cancelled on stop or shutdown: what a wait races against.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }
}

/// Makes the process survive Ctrl-C. A terminal sends SIGINT to Terraform's whole process
/// group, the provider included; stopping is Terraform's job (it sends StopProvider and waits
/// for the operations in flight), so the provider ignores it, as go-plugin's servers do. On
/// Windows, the console's Ctrl-C event is caught the same way.
pub fn ignore_ctrl_c(runtime: &tokio::runtime::Handle) -> std::io::Result<()> {
    let _entered = runtime.enter();
    #[cfg(unix)]
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    #[cfg(windows)]
    let mut interrupts = tokio::signal::windows::ctrl_c()?;
    runtime.spawn(async move {
        let mut count: u64 = 0;
        while interrupts.recv().await.is_some() {
            count += 1;
            tracing::debug!(
                count,
                "interrupt ignored: Terraform stops the provider itself"
            );
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_alone_does_not_shut_down() {
        let interrupt = Interrupt::default();
        let seen_elsewhere = interrupt.clone();
        assert!(!seen_elsewhere.is_stopped());
        interrupt.stop();
        assert!(seen_elsewhere.is_stopped());
        assert!(seen_elsewhere.stop_token().is_cancelled());
        assert!(!seen_elsewhere.is_shut_down());
    }

    #[test]
    fn shutdown_also_stops() {
        let interrupt = Interrupt::default();
        let token = interrupt.stop_token();
        interrupt.clone().shut_down();
        assert!(interrupt.is_shut_down());
        assert!(interrupt.is_stopped());
        assert!(token.is_cancelled());
    }
}
