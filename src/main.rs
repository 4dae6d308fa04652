//! The provider binary: start-up only.

use std::process::ExitCode;

use dispatch_provider::provider::{DispatchProvider, PROVIDER_NAME};
use dispatch_provider::startup;

fn main() -> ExitCode {
    startup::quiet_backtraces();
    startup::init_logging();
    if let Err(error) = startup::tune_handshake() {
        tracing::warn!(%error, "cannot tune the plugin socket; continuing with Nagle's algorithm on");
    }
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
    match runtime.block_on(tf_provider::serve(PROVIDER_NAME, DispatchProvider::new())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("terraform-provider-dispatch: {error}");
            ExitCode::FAILURE
        }
    }
}
