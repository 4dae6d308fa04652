//! The provider binary: start-up only.

use std::process::ExitCode;

use dispatch_provider::interrupt::{self, Interrupt};
use dispatch_provider::plugin_front;
use dispatch_provider::provider::{DispatchProvider, PROVIDER_NAME};
use dispatch_provider::startup;

fn main() -> ExitCode {
    startup::quiet_backtraces();
    startup::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("terraform-provider-dispatch: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = interrupt::ignore_ctrl_c(runtime.handle()) {
        tracing::warn!(%error, "cannot catch Ctrl-C: an interrupt may end the provider mid-apply");
    }
    let interrupt = Interrupt::default();
    if let Err(error) = plugin_front::install(interrupt.clone(), runtime.handle().clone()) {
        tracing::warn!(%error, "no plugin front: tf-provider serves Terraform directly");
        if let Err(error) = startup::tune_handshake() {
            tracing::warn!(%error, "cannot tune the plugin socket; continuing with Nagle's algorithm on");
        }
    }
    let provider = DispatchProvider::with_interrupt(interrupt);
    match runtime.block_on(tf_provider::serve(PROVIDER_NAME, provider)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("terraform-provider-dispatch: {error}");
            ExitCode::FAILURE
        }
    }
}
