//! A typed client for Kong's Admin API. Nothing in here knows about Terraform.

pub mod all_routes;
pub mod body;
mod call_log;
mod certificates;
pub mod client;
mod consumers;
mod endpoints;
pub mod entities;
pub mod error;

#[cfg(test)]
mod client_log_tests;
#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod hostile_tests;
pub mod inventory;
#[cfg(test)]
mod inventory_hostile_tests;
#[cfg(test)]
mod inventory_scale_tests;
mod listing;
pub mod node;
pub mod options;
pub mod paging;
mod path;
pub mod plugin_defaults;
pub mod plugins;
pub mod read_only;
pub mod redact;
#[cfg(test)]
mod testing;
pub mod transport_error;

pub use all_routes::AllRoutes;
pub use certificates::{Certificate, CertificateFields, Sni};
pub use client::Client;
pub use entities::*;
pub use error::{FieldError, KongError, KongErrorBody};
pub use inventory::Inventory;
pub use node::{support, KongVersion, Node, ProbeError, Support};
pub use options::{ClientOptions, ConfigError, TlsOptions};
pub use path::{is_dot_segment, segment};
