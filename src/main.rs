//! The provider binary: start-up only.

use std::io::Write;
use std::process::ExitCode;

use dispatch_provider::interrupt::{self, Interrupt};
use dispatch_provider::plugin_front;
use dispatch_provider::provider::{DispatchProvider, PROVIDER_NAME};
use dispatch_provider::startup::{self, Invocation};

fn main() -> ExitCode {
    // Answered before logging, the runtime or the plugin server exist: no handshake line.
    match Invocation::of_this_process() {
        Invocation::Serve => serve(),
        Invocation::Version => {
            say(std::io::stdout(), &format!("{}\n", startup::version_line()));
            ExitCode::SUCCESS
        }
        Invocation::Help => {
            say(std::io::stdout(), &startup::help());
            ExitCode::SUCCESS
        }
        Invocation::Unknown(argument) => {
            say(
                std::io::stderr(),
                &format!(
                    "terraform-provider-dispatch: unknown argument `{argument}`\n\n{}",
                    startup::help()
                ),
            );
            ExitCode::from(2)
        }
        Invocation::NotStartedByTerraform => {
            say(
                std::io::stderr(),
                &format!(
                    "terraform-provider-dispatch: this is a Terraform plugin, started by \
                     Terraform (it sets {}); it does nothing when run by hand.\n\n{}",
                    startup::MAGIC_COOKIE_KEY,
                    startup::help()
                ),
            );
            ExitCode::FAILURE
        }
    }
}

/// Writes `text`; a closed pipe (`--help | head`) is not worth a panic.
fn say(mut stream: impl Write, text: &str) {
    let _ = stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush());
}

fn serve() -> ExitCode {
    startup::quiet_backtraces();
    startup::init_logging();
    // One thread: Terraform runs beside the provider and keeps the machine's cores busy, while
    // the provider mostly waits (for Terraform's calls and Kong's answers). Worker threads
    // handing calls to each other cost a third of the provider's CPU in a plan of 1000 APIs
    // (0.55 s against 0.38 s, bench/bench.py), and the time of the plan with it.
    let runtime = match tokio::runtime::Builder::new_current_thread()
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
