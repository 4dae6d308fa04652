//! Process start-up: the command line (`--version`, `--help`) answered before any plugin
//! machinery starts, quiet diagnostics, logs on stderr, and TCP_NODELAY on the plugin's gRPC
//! socket where the operating system allows it.

use std::ffi::OsString;

#[cfg(unix)]
mod handshake;
#[cfg(unix)]
pub use handshake::{intercept_handshake, set_nodelay_on_all_sockets, HandshakeRewrite};

/// `Diagnostic::new` captures a backtrace whenever `RUST_BACKTRACE` asks for one, and appends
/// it to every error shown to users. `RUST_LIB_BACKTRACE` wins over `RUST_BACKTRACE` for
/// captured backtraces, while panics keep honouring `RUST_BACKTRACE`.
pub fn quiet_backtraces() {
    // Runs first thing in `main`, before any other thread exists.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
}

/// Logs go to stderr, which Terraform collects into its own log (`TF_LOG`). The level follows
/// `DISPATCH_LOG` (a tracing filter), else `TF_LOG_PROVIDER`, else `TF_LOG`, else warnings.
pub fn init_logging() {
    if std::env::var_os("PLUGIN_LOG_FILE").is_some() {
        // tf-provider installs its own subscriber in that case, and would panic on a second one.
        return;
    }
    let filter = std::env::var("DISPATCH_LOG").ok().unwrap_or_else(|| {
        let level = std::env::var("TF_LOG_PROVIDER")
            .or_else(|_| std::env::var("TF_LOG"))
            .unwrap_or_default()
            .to_ascii_lowercase();
        match level.as_str() {
            "trace" | "json" => "trace",
            "debug" => "debug",
            "info" => "info",
            "error" => "error",
            _ => "warn",
        }
        .to_string()
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// TCP_NODELAY on the plugin's gRPC socket (tf-provider 0.2.2 leaves Nagle's algorithm on,
/// which costs ~40 ms per call), when the plugin front does not serve Terraform. On Linux, see
/// `startup/handshake.rs`; on other systems this does nothing and the provider works the same,
/// a little slower.
pub fn tune_handshake() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    return intercept_handshake(None);
    #[cfg(not(target_os = "linux"))]
    Ok(())
}

/// The version users see, as `Cargo.toml` gives it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The environment variable and value Terraform sets for every plugin it starts (the
/// go-plugin handshake: terraform `internal/plugin6/serve.go`, `Handshake.MagicCookieKey` and
/// `MagicCookieValue`, read at 1.17.0-dev; the release tests start the provider through
/// Terraform 1.11 and 1.15).
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// See [`MAGIC_COOKIE_KEY`].
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// What the process was started to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Serve the provider to the Terraform that started it.
    Serve,
    /// Print [`version_line`] and exit.
    Version,
    /// Print [`help`] and exit.
    Help,
    /// An argument this program does not take (Terraform never passes any).
    Unknown(String),
    /// Run by hand without arguments: serving would print a handshake line and wait forever
    /// for a Terraform that is not there.
    NotStartedByTerraform,
}

impl Invocation {
    /// Reads the arguments (without the program name) and the handshake variable.
    pub fn parse(mut args: impl Iterator<Item = OsString>, magic_cookie: Option<OsString>) -> Self {
        match args.next() {
            None if magic_cookie.as_deref() == Some(MAGIC_COOKIE_VALUE.as_ref()) => {
                Invocation::Serve
            }
            None => Invocation::NotStartedByTerraform,
            Some(arg) => match arg.to_str() {
                Some("--version" | "-version" | "-V" | "version") => Invocation::Version,
                Some("--help" | "-help" | "-h" | "help") => Invocation::Help,
                _ => Invocation::Unknown(arg.to_string_lossy().into_owned()),
            },
        }
    }

    /// The invocation of this process.
    pub fn of_this_process() -> Self {
        Self::parse(
            std::env::args_os().skip(1),
            std::env::var_os(MAGIC_COOKIE_KEY),
        )
    }
}

/// `terraform-provider-dispatch <version>`.
pub fn version_line() -> String {
    format!("terraform-provider-dispatch {VERSION}")
}

/// What the binary is and how Terraform starts it.
pub fn help() -> String {
    format!(
        "{version}
The Terraform provider of Dispatch's API Gateway & Manager: APIs in front of functions, TLS
certificates, end-user authentication and gateway policies, written into Kong through its
Admin API.

This program is a Terraform plugin (plugin protocol 6), not a command to run by hand. Terraform
starts it, with the handshake variable {MAGIC_COOKIE_KEY} set, for a configuration that
requires the provider:

  terraform {{
    required_providers {{
      dispatch = {{
        source  = \"dispatchframework/dispatch\"
        version = \"{constraint}\"
      }}
    }}
  }}

once `terraform init` has installed it from a registry, a filesystem mirror or a network
mirror (the README's \"Installing\" section says how to publish and pin it).

Usage:
  terraform-provider-dispatch --version   print the version and exit
  terraform-provider-dispatch --help      print this text and exit

Logs go to stderr, which Terraform shows with TF_LOG_PROVIDER=debug (or DISPATCH_LOG, a
tracing filter).
",
        version = version_line(),
        constraint = compatible_constraint(VERSION),
    )
}

/// The `version` constraint to suggest: every release that cannot break a configuration
/// written for this one (the README's versioning policy). Before 1.0 a breaking change bumps
/// the minor version, so `~> 0.1.0` (0.1.x); from 1.0 on it bumps the major, so `~> 1.4` (1.x
/// from 1.4).
pub fn compatible_constraint(version: &str) -> String {
    let mut parts = version.split(['.', '-', '+']);
    match (parts.next(), parts.next()) {
        (Some("0"), Some(minor)) => format!("~> 0.{minor}.0"),
        (Some(major), Some(minor)) => format!("~> {major}.{minor}"),
        _ => format!("~> {version}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], cookie: Option<&str>) -> Invocation {
        Invocation::parse(args.iter().map(OsString::from), cookie.map(OsString::from))
    }

    #[test]
    fn terraform_starts_the_server_with_its_handshake_variable() {
        assert_eq!(parse(&[], Some(MAGIC_COOKIE_VALUE)), Invocation::Serve);
        assert_eq!(parse(&[], None), Invocation::NotStartedByTerraform);
        assert_eq!(
            parse(&[], Some("another plugin system")),
            Invocation::NotStartedByTerraform
        );
    }

    #[test]
    fn version_and_help_answer_whoever_asks() {
        for cookie in [None, Some(MAGIC_COOKIE_VALUE)] {
            assert_eq!(parse(&["--version"], cookie), Invocation::Version);
            assert_eq!(parse(&["-V"], cookie), Invocation::Version);
            assert_eq!(parse(&["--help"], cookie), Invocation::Help);
            assert_eq!(parse(&["-h"], cookie), Invocation::Help);
        }
        assert_eq!(
            parse(&["--serve"], None),
            Invocation::Unknown("--serve".into())
        );
    }

    #[test]
    fn the_version_line_and_the_help_name_the_version() {
        assert_eq!(
            version_line(),
            format!("terraform-provider-dispatch {}", env!("CARGO_PKG_VERSION"))
        );
        let help = help();
        assert!(help.starts_with(&version_line()), "{help}");
        assert!(help.contains("source  = \"dispatchframework/dispatch\""));
        assert!(help.contains(MAGIC_COOKIE_KEY));
    }

    #[test]
    fn the_suggested_constraint_never_lets_a_breaking_release_in() {
        assert_eq!(compatible_constraint("0.1.0"), "~> 0.1.0");
        assert_eq!(compatible_constraint("0.1.7"), "~> 0.1.0");
        assert_eq!(compatible_constraint("1.4.2"), "~> 1.4");
        assert_eq!(compatible_constraint("2.0.0-rc.1"), "~> 2.0");
        assert_eq!(compatible_constraint("7"), "~> 7");
    }
}
