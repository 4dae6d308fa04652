//! Terraform resources: thin glue between tf-provider, the mapping and the Kong client.

pub mod api;
pub mod basic_auth_user;
pub mod certificate;
