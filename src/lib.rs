//! terraform-provider-dispatch: Dispatch's API gateway declarations, applied to Kong.
//!
//! Four layers: [`kong`] is a typed Admin API client, [`model`] is the pure mapping between
//! declarations and Kong entities, [`apply`] carries declarations out against Kong, and
//! [`resources`] and [`data_sources`] glue them to Terraform through tf-provider. The
//! repository's `ARCHITECTURE.md` shows how a declaration travels through them.

#![warn(missing_docs)]

pub mod apply;
pub mod connect;
pub mod context;
pub mod data_sources;
pub mod diagnostics;
pub mod docs;
pub mod idp;
pub mod interrupt;
pub mod kong;
pub mod logging;
pub mod model;
pub mod plugin_front;
pub mod provider;
pub mod resources;
pub mod schema;
pub mod secret;
pub mod settings;
pub mod startup;
pub mod values;
