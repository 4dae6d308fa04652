//! terraform-provider-dispatch: Dispatch's API gateway declarations, applied to Kong.
//!
//! Four layers: [`kong`] is a typed Admin API client, [`model`] is the pure mapping between
//! declarations and Kong entities, [`apply`] carries declarations out against Kong, and
//! [`resources`] and [`data_sources`] glue them to Terraform through tf-provider. The
//! repository's `ARCHITECTURE.md` shows how a declaration travels through them.

// No `missing_docs` lint: it asked for a comment on every public field, and ~60 of them only
// repeated the field's name (`/// `timeout_ms`.`). A doc comment is written where it says
// something the name does not; the structs that mirror a Terraform block say so once.

pub mod apply;
pub mod connect;
pub mod context;
pub mod data_sources;
pub mod diagnostics;
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
