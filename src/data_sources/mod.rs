//! Terraform data sources: thin glue that reads Kong through the same mapping as the resources.

pub mod api;
pub mod apis;
pub mod certificate;
