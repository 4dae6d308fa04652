//! terraform-provider-dispatch: Dispatch's API gateway declarations, applied to Kong.
//!
//! Three layers: [`kong`] is a typed Admin API client, [`model`] is the pure mapping between
//! declarations and Kong entities, and [`resources`] glues them to Terraform through tf-provider.

pub mod kong;
pub mod model;
