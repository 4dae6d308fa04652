//! terraform-provider-dispatch: Dispatch's API gateway declarations, applied to Kong.
//!
//! Three layers: [`kong`] is a typed Admin API client, [`model`] is the pure mapping between
//! declarations and Kong entities, and [`resources`] glues them to Terraform through tf-provider.

#![warn(missing_docs)]

pub mod context;
pub mod data_sources;
pub mod diagnostics;
pub mod docs;
pub mod idp;
pub mod interrupt;
pub mod kong;
pub mod model;
pub mod plugin_front;
pub mod provider;
pub mod resources;
pub mod schema;
pub mod settings;
pub mod startup;
pub mod values;
